// Pageable host<->device copies through staging memory (host_copy.h).
#include "vulkan/host_copy.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "common/services.h"
#include "vulkan/host_worker.h"
#include "vulkan/status.h"
#include "vulkan/upload.h"

namespace keel {
namespace vk {
namespace {

// Below the threshold, copies move through staging in pieces of this size.
constexpr size_t kStagingPiece = 4u << 20;
// Below the threshold, a synchronous device-to-host copy reads back through
// two staging chunks of up to half of this each, round after round.
constexpr size_t kReadbackChunk = 32u << 20;

// The memcpy pool for a copy of n bytes, or null below the threshold.
CopyPool* PoolFor(Context* c, size_t n) {
  return n >= StagingSettings().threshold ? c->uploads()->copier() : nullptr;
}

// Staging for one piece, after the stream's flow control (Reserve).
KLresult StageSlice(Stream::Recording& rec, size_t size, bool for_host_step, UploadSlice* out) {
  KLresult r = rec.Reserve(size);
  return r == KL_SUCCESS ? rec.Upload(size, 16, for_host_step, out) : r;
}

// streaming: non-temporal stores (HostCopySettings::StreamIn/StreamOut).
void CopyHost(CopyPool* pool, void* dst, const void* src, size_t n, bool streaming) {
  if (pool != nullptr) pool->Copy(dst, src, n, streaming);
  else std::memcpy(dst, src, n);
}

// The staging ring of one pooled asynchronous device-to-host copy, shared by
// the copy-outs that the host worker runs. Its chunks go back to the context's
// pool when the last copy-out is done with it (the worker drops its tasks
// after running them), so no chunk is reused while a transfer or a copy-out
// may still touch it.
class CopyOutRing {
 public:
  CopyOutRing(UploadPool* uploads, CopyPool* pool) : uploads_(uploads), pool_(pool) {}
  ~CopyOutRing() {
    for (UploadChunk* chunk : chunks_) uploads_->Release(chunk);
  }
  CopyOutRing(const CopyOutRing&) = delete;
  CopyOutRing& operator=(const CopyOutRing&) = delete;

  std::vector<UploadChunk*>& chunks() { return chunks_; }

  // A host step: copies one chunk out (unless waiting for it failed) and
  // counts it done either way, so the recording thread never waits forever.
  void CopyOut(bool ok, uint8_t* to, const uint8_t* from, size_t n) {
    if (ok) pool_->Copy(to, from, n, StagingSettings().StreamOut());
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++finished_;
    }
    finished_cv_.notify_all();
  }

  // Blocks until `count` copy-outs have run (they run in queue order).
  void WaitFinished(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    finished_cv_.wait(lock, [&] { return finished_ >= count; });
  }

 private:
  UploadPool* uploads_;
  CopyPool* pool_;
  std::vector<UploadChunk*> chunks_;  // the recording thread's, until the copy ends
  std::mutex mu_;
  std::condition_variable finished_cv_;
  size_t finished_ = 0;
};

// Pooled asynchronous device-to-host copy (host_copy.h).
KLresult PooledDtoH(Stream::Recording& rec, Stream* s, CopyPool* pool, uint8_t* dst,
                    const BufferRange& src, size_t n, const char* api) {
  Context* c = s->context();
  const size_t chunk = ChunkFor(n, StagingSettings().chunk);
  const size_t pieces = (n + chunk - 1) / chunk;
  auto ring = std::make_shared<CopyOutRing>(c->uploads(), pool);
  size_t queued = 0;  // copy-outs queued on the worker outside the stream's chain
  KLresult r = KL_SUCCESS;
  for (size_t k = 0; k < pieces; ++k) {
    const size_t offset = k * chunk, size = std::min(chunk, n - offset);
    UploadChunk* buffer = nullptr;
    if (k < static_cast<size_t>(kStagingRing)) {
      r = c->uploads()->Acquire(chunk, api, &buffer);
      if (r != KL_SUCCESS) break;
      ring->chunks().push_back(buffer);
    } else {
      // The buffer's previous chunk must be copied out before it is reused.
      ring->WaitFinished(k - kStagingRing + 1);
      buffer = ring->chunks()[k % kStagingRing];
    }
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    r = rec.Begin(true, &cmd);
    if (r != KL_SUCCESS) break;
    RecordCopy(c->fn, cmd, src.buffer, src.offset + offset, buffer->buffer, 0, size);
    auto step = [ring, to = dst + offset, from = buffer->host, size](bool ok) {
      ring->CopyOut(ok, to, from, size);
    };
    if (k + 1 == pieces) {
      // The last chunk: a host step in the stream's chain, queued on the
      // worker after the other copy-outs, so it finishes after all of them.
      r = rec.HostStep(std::move(step));
      break;
    }
    // Other chunks: copied out as soon as they arrive, while the stream's
    // later transfers go on (nothing of the stream waits for these).
    r = rec.Flush();
    if (r != KL_SUCCESS) break;
    HostWorker::Task task;
    task.wait = s->timeline();
    task.wait_value = rec.end_value();
    task.run = std::move(step);
    c->worker()->Enqueue(std::move(task));
    ++queued;
  }
  // After a failure, nothing of this copy may write dst once the call has
  // returned: wait for the copy-outs already queued (their transfers were
  // submitted, or waiting for them fails at once on a lost device).
  if (r != KL_SUCCESS) ring->WaitFinished(queued);
  return r;
}

}  // namespace

void RecordCopy(const DeviceFunctions& fn, VkCommandBuffer cmd, VkBuffer src, VkDeviceSize src_off,
                VkBuffer dst, VkDeviceSize dst_off, VkDeviceSize size) {
  VkBufferCopy region{src_off, dst_off, size};
  fn.vkCmdCopyBuffer(cmd, src, dst, 1, &region);
}

const HostCopySettings& StagingSettings() {
  static const HostCopySettings settings = [] {
    HostCopySettings s;
    s.threads = DefaultCopyThreads(UsableCpus());
    ParseHostCopySettings(
        "KEEL_VULKAN", [](const char* name) -> const char* { return std::getenv(name); },
        WarnInvalidSetting, &s);
    return s;
  }();
  return settings;
}

KLresult StageHtoD(Stream::Recording& rec, Context* c, const BufferRange& dst, const void* src,
                   size_t n) {
  CopyPool* pool = PoolFor(c, n);
  const size_t chunk = pool != nullptr ? ChunkFor(n, StagingSettings().chunk) : kStagingPiece;
  const auto* bytes = static_cast<const uint8_t*>(src);
  KLresult r = KL_SUCCESS;
  for (size_t done = 0; done < n && r == KL_SUCCESS;) {
    size_t piece = std::min(n - done, chunk);
    UploadSlice slice;
    r = StageSlice(rec, piece, false, &slice);
    if (r != KL_SUCCESS) break;
    CopyHost(pool, slice.host, bytes + done, piece, StagingSettings().StreamIn());
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    r = rec.Begin(true, &cmd);
    if (r != KL_SUCCESS) break;
    RecordCopy(c->fn, cmd, slice.chunk->buffer, slice.offset, dst.buffer, dst.offset + done, piece);
    done += piece;
    // Several pieces: submit each one, so the device copies it while the
    // host fills the next one.
    if (n > chunk) r = rec.Flush();
  }
  return r;
}

KLresult StageDtoH(Stream::Recording& rec, Stream* s, void* dst, const BufferRange& src, size_t n,
                   const char* api) {
  Context* c = s->context();
  auto* bytes = static_cast<uint8_t*>(dst);
  if (CopyPool* pool = PoolFor(c, n)) return PooledDtoH(rec, s, pool, bytes, src, n, api);
  KLresult r = KL_SUCCESS;
  for (size_t done = 0; done < n && r == KL_SUCCESS;) {
    size_t piece = std::min(n - done, kStagingPiece);
    UploadSlice slice;
    r = StageSlice(rec, piece, true, &slice);
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    if (r == KL_SUCCESS) r = rec.Begin(true, &cmd);
    if (r != KL_SUCCESS) break;
    RecordCopy(c->fn, cmd, src.buffer, src.offset + done, slice.chunk->buffer, slice.offset, piece);
    uint8_t* out = bytes + done;
    const uint8_t* in = slice.host;
    r = rec.HostStep([out, in, piece](bool ok) {
      if (ok) std::memcpy(out, in, piece);
    });
    done += piece;
  }
  return r;
}

// On the NULL stream, pieces read back into `slots` staging chunks in turn:
// the device copies the pieces of the other chunks while this thread copies
// one out (with the pool from the threshold on).
KLresult ReadbackSync(Context* c, void* dst, const BufferRange& src, size_t n, const char* api) {
  CopyPool* pool = PoolFor(c, n);
  const size_t piece_size =
      pool != nullptr ? ChunkFor(n, StagingSettings().chunk) : std::min(n, kReadbackChunk / 2);
  const size_t slots = pool != nullptr ? kStagingRing : 2;
  UploadChunk* chunks[kStagingRing] = {};
  Stream* s = c->null_stream();
  auto* out = static_cast<uint8_t*>(dst);
  struct Pending {
    size_t offset = 0, size = 0;
    uint64_t value = 0;
  } pending[kStagingRing];
  KLresult r = KL_SUCCESS;
  // Waits for the slot's piece and copies it out; after a failure only
  // waits (ignoring the outcome), so no transfer still writes a chunk that
  // goes back to the pool.
  auto copy_out = [&](size_t slot) {
    Pending& p = pending[slot];
    if (p.size == 0) return;
    VkResult w = c->Wait(*s->timeline(), p.value);
    if (w != VK_SUCCESS && r == KL_SUCCESS) {
      c->SetAsyncError(w, "vkWaitSemaphores");
      r = VkFail(w, api, "vkWaitSemaphores");
    }
    if (r == KL_SUCCESS)
      CopyHost(pool, out + p.offset, chunks[slot]->host, p.size, StagingSettings().StreamOut());
    p.size = 0;
  };
  size_t index = 0;
  for (size_t done = 0; done < n && r == KL_SUCCESS; ++index) {
    const size_t slot = index % slots;
    copy_out(slot);  // the chunk's previous piece, `slots` pieces ago
    if (r != KL_SUCCESS) break;
    if (chunks[slot] == nullptr) {
      r = c->uploads()->Acquire(piece_size, api, &chunks[slot]);
      if (r != KL_SUCCESS) break;
    }
    Pending& p = pending[slot];
    Stream::Recording rec(s, api);
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    r = rec.Begin(true, &cmd);
    if (r == KL_SUCCESS) {
      const size_t size = std::min(n - done, piece_size);
      RecordCopy(c->fn, cmd, src.buffer, src.offset + done, chunks[slot]->buffer, 0, size);
      r = rec.Flush();
      if (r == KL_SUCCESS) {
        p.offset = done;
        p.size = size;
        p.value = rec.end_value();
      }
      done += size;
    }
    KLresult f = rec.Finish();
    if (r == KL_SUCCESS) r = f;
  }
  // The pieces still in flight, oldest first.
  for (size_t i = 0; i < slots; ++i) copy_out((index + i) % slots);
  for (UploadChunk* chunk : chunks)
    if (chunk != nullptr) c->uploads()->Release(chunk);
  if (r != KL_SUCCESS) return r;
  return c->AsyncError(api);
}

}  // namespace vk
}  // namespace keel
