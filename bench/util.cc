// Small helpers: messages, files, images, host memory, test patterns, other
// programs.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "bench.h"
#include "targets.h"

namespace kb {

std::string Format(const char* format, ...) {
  char buf[2048];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

std::vector<std::string> SplitList(const std::string& value) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    size_t end = value.find(',', start);
    items.push_back(value.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return items;
    start = end + 1;
  }
}

bool Selected(const Options& opts, const std::string& id) {
  if (opts.filter.empty()) return true;
  for (const std::string& part : SplitList(opts.filter))
    if (!part.empty() && id.find(part) != std::string::npos) return true;
  return false;
}

const char* BackendName(Backend b) { return b == Backend::kCuda ? "cuda" : "vulkan"; }

const char* ImageKindName(ImageKind k) {
  switch (k) {
    case ImageKind::kCubin: return "cubin";
    case ImageKind::kFatbin: return "fatbin";
    case ImageKind::kPtx: return "PTX";
    case ImageKind::kSpirv: return "SPIR-V";
  }
  return "?";
}

std::vector<char> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Format("cannot open %s: %s", path.c_str(), std::strerror(errno)));
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Image LoadImage(const Options& opts, ImageKind kind, int cc_major, int cc_minor) {
  std::string base = opts.kernel_dir + "/bench";
  Image image{kind, {}};
  switch (kind) {
    case ImageKind::kFatbin: image.bytes = ReadFile(base + ".fatbin"); break;
    case ImageKind::kSpirv: image.bytes = ReadFile(base + ".spv"); break;
    case ImageKind::kPtx:
      image.bytes = ReadFile(base + ".ptx");
      image.bytes.push_back('\0');
      break;
    case ImageKind::kCubin: {
      // A cubin runs on its own major version at an equal or newer minor.
      for (int minor = cc_minor; minor >= 0; --minor) {
        std::string path = Format("%s.sm_%d%d.cubin", base.c_str(), cc_major, minor);
        if (access(path.c_str(), R_OK) == 0) {
          image.bytes = ReadFile(path);
          return image;
        }
      }
      throw Skip(Format("no bench.sm_%d*.cubin for compute capability %d.%d in %s (add the "
                        "architecture to KEEL_BENCH_CUBIN_ARCHS)",
                        cc_major, cc_major, cc_minor, opts.kernel_dir.c_str()));
    }
  }
  return image;
}

std::string ExeDir() {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return ".";
  exe[n] = '\0';
  char* slash = std::strrchr(exe, '/');
  if (slash != nullptr) *slash = '\0';
  return exe;
}

void* PageableAlloc(size_t bytes) {
  size_t rounded = (bytes + 4095) / 4096 * 4096;
  void* p = std::aligned_alloc(4096, rounded);
  if (p == nullptr) throw Error(Format("out of host memory allocating %zu bytes", bytes));
  std::memset(p, 0, rounded);  // touch every page now, not inside a timed copy
  return p;
}

void PageableFree(void* p) { std::free(p); }

uint32_t NextSeed() {
  static std::atomic<uint32_t> seed{0x5EED0001u};
  return seed.fetch_add(0x9E3779B9u);
}

void FillPattern(void* p, size_t bytes, uint32_t seed) {
  auto* w = static_cast<unsigned char*>(p);
  uint32_t x = seed | 1u;
  size_t i = 0;
  for (; i + 4 <= bytes; i += 4) {
    x ^= x << 13;  // xorshift32: cheap, never repeats within a buffer
    x ^= x >> 17;
    x ^= x << 5;
    std::memcpy(w + i, &x, 4);
  }
  for (; i < bytes; ++i) w[i] = static_cast<unsigned char>(x >> (8 * (i % 4)));
}

void CheckEqual(const void* got, const void* want, size_t bytes, const std::string& what) {
  if (std::memcmp(got, want, bytes) == 0) return;
  const auto* g = static_cast<const unsigned char*>(got);
  const auto* w = static_cast<const unsigned char*>(want);
  size_t i = 0;
  while (i < bytes && g[i] == w[i]) ++i;
  size_t word = i / 4 * 4;
  uint32_t gw = 0, ww = 0;
  std::memcpy(&gw, g + word, std::min<size_t>(4, bytes - word));
  std::memcpy(&ww, w + word, std::min<size_t>(4, bytes - word));
  size_t wrong = 0;
  for (size_t k = 0; k < bytes; ++k) wrong += g[k] != w[k];
  throw Error(Format("wrong result: %s: first difference at byte %zu (word 0x%08x, expected "
                     "0x%08x); %zu of %zu bytes differ",
                     what.c_str(), i, gw, ww, wrong, bytes));
}

int RunProgram(const std::string& path, const std::vector<std::string>& args,
               const std::vector<std::pair<std::string, std::string>>& env, std::string* output) {
  int fds[2];
  if (pipe(fds) != 0) throw Error("pipe failed");
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw Error("fork failed");
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(path.c_str(), argv.data());
    std::fprintf(stderr, "cannot execute %s\n", path.c_str());
    _exit(127);
  }
  close(fds[1]);
  output->clear();
  char buf[4096];
  ssize_t got;
  while ((got = read(fds[0], buf, sizeof buf)) > 0) output->append(buf, static_cast<size_t>(got));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  while (!output->empty() && (output->back() == '\n' || output->back() == ' ')) output->pop_back();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace kb
