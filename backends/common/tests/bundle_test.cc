// Tests of the Keel bundle parser, writer and selection (backends/common/bundle.h,
// docs/bundle-format.md). Malformed bundles are made by patching a valid one.
#include "common/bundle.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>

#include "bundle_testdata.h"
#include "common/image_format.h"

namespace keel {
namespace {

using testdata::Bytes;
using testdata::Input;
using testdata::MakeBundle;
using testdata::Put16;
using testdata::Put32;
using testdata::Put64;

// Field offsets of docs/bundle-format.md.
constexpr size_t kVersionMajor = 8, kVersionMinor = 10, kHeaderSize = 12, kEntrySize = 16,
                 kEntryCount = 20, kTotalSize = 24;
size_t Entry(size_t i) { return 32 + 64 * i; }
constexpr size_t kFormat = 0, kFlags = 4, kOffset = 8, kSize = 16, kTarget = 24, kReserved = 56;

uint64_t Get64(const Bytes& b, size_t offset) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | b[offset + i];
  return v;
}

// ptx compute_75, cubin sm_90, spirv-vulkan vulkan1.2, spirv-opencl opencl.
Bytes FourFormats() {
  return MakeBundle({Input(BundleFormat::kPtx, "compute_75", testdata::Ptx("75")),
                     Input(BundleFormat::kCubin, "sm_90", testdata::Cubin("a")),
                     Input(BundleFormat::kSpirvVulkan, "vulkan1.2", testdata::SpirvVulkan(1)),
                     Input(BundleFormat::kSpirvOpencl, "opencl", testdata::SpirvOpencl())});
}

// Parses a copy held in a buffer of exactly its size, so that AddressSanitizer
// catches a read past the end; returns the error ("" on success).
std::string ParseError(const Bytes& b) {
  std::unique_ptr<unsigned char[]> exact(new unsigned char[b.size() ? b.size() : 1]);
  if (!b.empty()) std::memcpy(exact.get(), b.data(), b.size());
  Bundle bundle;
  std::string why;
  bool ok = ParseBundle(b.empty() ? nullptr : exact.get(), b.size(), &bundle, &why);
  EXPECT_EQ(ok, why.empty()) << why;
  return ok ? "" : why;
}

// ---- writer and parser ---------------------------------------------------------------

TEST(Bundle, RoundTripKeepsEveryEntry) {
  std::vector<BundleInput> inputs = {
      Input(BundleFormat::kPtx, "compute_75", testdata::Ptx("75")),
      Input(BundleFormat::kCubin, "sm_80", testdata::Cubin("80")),
      Input(BundleFormat::kCubin, "sm_90a", testdata::Cubin("90a")),
      Input(BundleFormat::kFatbin, "cuda", testdata::Fatbin()),
      Input(BundleFormat::kSpirvVulkan, "vulkan1.2", testdata::SpirvVulkan(3)),
      Input(BundleFormat::kSpirvOpencl, "opencl2.0", testdata::SpirvOpencl())};
  Bytes b = MakeBundle(inputs);
  Bundle bundle;
  std::string why;
  ASSERT_TRUE(ParseBundle(b.data(), b.size(), &bundle, &why)) << why;
  EXPECT_EQ(bundle.version_major, 1);
  EXPECT_EQ(bundle.version_minor, 0);
  ASSERT_EQ(bundle.entries.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const BundleEntry& e = bundle.entries[i];
    EXPECT_EQ(e.format, inputs[i].format) << i;
    EXPECT_EQ(e.target, inputs[i].target) << i;
    EXPECT_EQ(e.offset % 16, 0u) << i;
    EXPECT_EQ(e.data, b.data() + e.offset) << i;
    ASSERT_EQ(e.size, inputs[i].payload.size()) << i;
    EXPECT_EQ(0, std::memcmp(e.data, inputs[i].payload.data(), e.size)) << i;
  }
  EXPECT_EQ(DetectImageFormat(b.data(), b.size()), ImageFormat::kBundle);
}

TEST(Bundle, WriterLayoutIsTheDocumentedOne) {
  Bytes ptx = testdata::Ptx("75");
  Bytes b = MakeBundle({Input(BundleFormat::kPtx, "compute_75", ptx),
                        Input(BundleFormat::kSpirvVulkan, "vulkan1.2", testdata::SpirvVulkan())});
  ASSERT_GE(b.size(), 160u);
  EXPECT_EQ(0, std::memcmp(b.data(), "KEELBNDL", 8));
  EXPECT_EQ(b[kVersionMajor], 1);
  EXPECT_EQ(b[kVersionMinor], 0);
  EXPECT_EQ(Get64(b, kHeaderSize) & 0xffffffff, 32u);
  EXPECT_EQ(Get64(b, kEntrySize) & 0xffffffff, 64u);
  EXPECT_EQ(Get64(b, kEntryCount) & 0xffffffff, 2u);
  EXPECT_EQ(Get64(b, kTotalSize), b.size());
  // The first payload follows the table (32 + 2 * 64 = 160, aligned already).
  EXPECT_EQ(Get64(b, Entry(0) + kOffset), 160u);
  EXPECT_EQ(Get64(b, Entry(0) + kSize), ptx.size());
  EXPECT_EQ(Get64(b, Entry(0) + kFormat) & 0xffffffff, 1u);
  EXPECT_STREQ(reinterpret_cast<const char*>(&b[Entry(0) + kTarget]), "compute_75");
  // The second is 16-byte aligned, zero padding in between, and ends the file.
  uint64_t second = Get64(b, Entry(1) + kOffset);
  EXPECT_EQ(second, (160 + ptx.size() + 15) / 16 * 16);
  for (uint64_t i = 160 + ptx.size(); i < second; ++i) EXPECT_EQ(b[i], 0) << i;
  EXPECT_EQ(second + Get64(b, Entry(1) + kSize), b.size());
}

TEST(Bundle, FormatNames) {
  for (uint32_t v = 1; v <= 5; ++v) {
    BundleFormat f = static_cast<BundleFormat>(v), back;
    EXPECT_TRUE(IsKnownBundleFormat(f));
    ASSERT_TRUE(ParseBundleFormatName(BundleFormatName(f), &back)) << v;
    EXPECT_EQ(back, f);
  }
  EXPECT_EQ(BundleFormatName(BundleFormat::kSpirvOpencl), "spirv-opencl");
  EXPECT_EQ(BundleFormatName(static_cast<BundleFormat>(9)), "format 9");
  EXPECT_FALSE(IsKnownBundleFormat(static_cast<BundleFormat>(0)));
  BundleFormat f;
  EXPECT_FALSE(ParseBundleFormatName("spirv", &f));
  EXPECT_FALSE(ParseBundleFormatName("PTX", &f));
}

TEST(Bundle, TargetGrammar) {
  std::string why;
  for (const char* ok : {"compute_75", "compute_90a", "compute_100f", "compute_120"})
    EXPECT_TRUE(CheckBundleTarget(BundleFormat::kPtx, ok, &why)) << ok << ": " << why;
  for (const char* bad : {"sm_75", "compute_", "compute_7", "compute_075", "compute_1000",
                          "compute_90b", "compute_90aa", "Compute_75"})
    EXPECT_FALSE(CheckBundleTarget(BundleFormat::kPtx, bad, &why)) << bad;
  EXPECT_FALSE(CheckBundleTarget(BundleFormat::kCubin, "compute_90", &why));
  EXPECT_EQ(why, "cubin target 'compute_90' is not sm_<NN>[a|f] (sm_80, sm_90a)");
  EXPECT_TRUE(CheckBundleTarget(BundleFormat::kCubin, "sm_121", &why));
  EXPECT_TRUE(CheckBundleTarget(BundleFormat::kSpirvVulkan, "vulkan1.3", &why));
  EXPECT_FALSE(CheckBundleTarget(BundleFormat::kSpirvVulkan, "vulkan", &why));
  EXPECT_FALSE(CheckBundleTarget(BundleFormat::kSpirvVulkan, "opencl1.2", &why));
  EXPECT_FALSE(CheckBundleTarget(BundleFormat::kSpirvVulkan, "vulkan1.", &why));
  EXPECT_FALSE(CheckBundleTarget(BundleFormat::kSpirvVulkan, "vulkan1.2x", &why));
  EXPECT_TRUE(CheckBundleTarget(BundleFormat::kSpirvOpencl, "opencl", &why));
  EXPECT_TRUE(CheckBundleTarget(BundleFormat::kSpirvOpencl, "opencl3.0", &why));
  EXPECT_FALSE(CheckBundleTarget(BundleFormat::kSpirvOpencl, "opencl3", &why));
  EXPECT_TRUE(CheckBundleTarget(BundleFormat::kFatbin, "sm_75+sm_90,compute_75", &why));
  EXPECT_FALSE(CheckBundleTarget(BundleFormat::kFatbin, "", &why));
  EXPECT_EQ(why, "the target is empty");
  EXPECT_FALSE(CheckBundleTarget(BundleFormat::kFatbin, "a b", &why));
  EXPECT_EQ(why, "the target holds the byte 0x20 (allowed: letters, digits, _ . + , -)");
  EXPECT_FALSE(CheckBundleTarget(BundleFormat::kFatbin, std::string(32, 'x'), &why));
  EXPECT_EQ(why, "the target is 32 characters long, more than 31");
  EXPECT_TRUE(CheckBundleTarget(static_cast<BundleFormat>(77), "anything-1.0", &why));
}

TEST(Bundle, PayloadContentChecks) {
  std::string why;
  Bytes ptx = testdata::Ptx("75"), elf = testdata::Cubin(), fat = testdata::Fatbin();
  Bytes vk = testdata::SpirvVulkan(), cl = testdata::SpirvOpencl();
  EXPECT_TRUE(CheckBundlePayload(BundleFormat::kPtx, ptx.data(), ptx.size(), &why)) << why;
  EXPECT_TRUE(CheckBundlePayload(BundleFormat::kCubin, elf.data(), elf.size(), &why)) << why;
  EXPECT_TRUE(CheckBundlePayload(BundleFormat::kFatbin, fat.data(), fat.size(), &why)) << why;
  EXPECT_TRUE(CheckBundlePayload(BundleFormat::kSpirvVulkan, vk.data(), vk.size(), &why)) << why;
  EXPECT_TRUE(CheckBundlePayload(BundleFormat::kSpirvOpencl, cl.data(), cl.size(), &why)) << why;
  Bytes swapped = testdata::ByteSwapped(cl);
  EXPECT_TRUE(CheckBundlePayload(BundleFormat::kSpirvOpencl, swapped.data(), swapped.size(), &why))
      << why;

  EXPECT_FALSE(CheckBundlePayload(BundleFormat::kCubin, ptx.data(), ptx.size(), &why));
  EXPECT_EQ(why, "the payload is not cubin (it looks like PTX)");
  EXPECT_FALSE(CheckBundlePayload(BundleFormat::kPtx, "hello", 5, &why));
  EXPECT_EQ(why, "the payload is not ptx (it looks like nothing Keel knows)");
  EXPECT_FALSE(CheckBundlePayload(BundleFormat::kSpirvVulkan, cl.data(), cl.size(), &why));
  EXPECT_EQ(why, "the payload is SPIR-V with the OpenCL memory model, not Vulkan SPIR-V (GLSL450 "
                 "or Vulkan): it is spirv-opencl");
  EXPECT_FALSE(CheckBundlePayload(BundleFormat::kSpirvOpencl, vk.data(), vk.size(), &why));
  EXPECT_EQ(why, "the payload is SPIR-V with the GLSL450 memory model, not OpenCL SPIR-V: it is "
                 "spirv-vulkan");
  EXPECT_FALSE(CheckBundlePayload(BundleFormat::kPtx, nullptr, 0, &why));
  EXPECT_EQ(why, "the payload is empty");

  Bytes odd = vk;
  odd.push_back(0);
  EXPECT_FALSE(CheckBundlePayload(BundleFormat::kSpirvVulkan, odd.data(), odd.size(), &why));
  EXPECT_EQ(why, "SPIR-V size 41 is not a multiple of 4");
  Bytes header_only(vk.begin(), vk.begin() + 20);
  EXPECT_FALSE(CheckBundlePayload(BundleFormat::kSpirvVulkan, header_only.data(), 20, &why));
  EXPECT_EQ(why, "SPIR-V module has no OpMemoryModel");
  Bytes zero_count = vk;
  Put32(&zero_count, 20, 17);  // OpCapability with word count 0
  EXPECT_FALSE(CheckBundlePayload(BundleFormat::kSpirvVulkan, zero_count.data(), zero_count.size(), &why));
  EXPECT_EQ(why, "SPIR-V instruction at word 5 has word count 0");
  Bytes past_end = vk;
  Put32(&past_end, 28, (60u << 16) | 14u);  // OpMemoryModel claiming 60 words
  EXPECT_FALSE(CheckBundlePayload(BundleFormat::kSpirvVulkan, past_end.data(), past_end.size(), &why));
  EXPECT_EQ(why, "SPIR-V instruction at word 7 runs past the end");
  EXPECT_FALSE(CheckBundlePayload(BundleFormat::kSpirvVulkan, vk.data(), 16, &why));
}

TEST(Bundle, WriterRejectsWhatTheParserWould) {
  Bytes out;
  std::string why;
  EXPECT_FALSE(WriteBundle({}, &out, &why));
  EXPECT_EQ(why, "no images: a bundle holds at least one");
  std::vector<BundleInput> many;
  for (int i = 0; i < 257; ++i)
    many.push_back(Input(BundleFormat::kFatbin, "f" + std::to_string(i), testdata::Fatbin()));
  EXPECT_FALSE(WriteBundle(many, &out, &why));
  EXPECT_EQ(why, "257 images, more than the limit of 256");
  many.pop_back();
  EXPECT_TRUE(WriteBundle(many, &out, &why)) << why;

  EXPECT_FALSE(WriteBundle({Input(static_cast<BundleFormat>(6), "x", testdata::Fatbin())}, &out, &why));
  EXPECT_EQ(why, "input 0: format 6 is not a format this Keel knows");
  EXPECT_FALSE(WriteBundle({Input(BundleFormat::kCubin, "sm_90", testdata::Cubin()),
                            Input(BundleFormat::kPtx, "sm_75", testdata::Ptx("75"))},
                           &out, &why));
  EXPECT_EQ(why, "input 1 (ptx): ptx target 'sm_75' is not compute_<NN>[a|f] (compute_75, compute_90a)");
  EXPECT_FALSE(WriteBundle({Input(BundleFormat::kCubin, "sm_90", {})}, &out, &why));
  EXPECT_EQ(why, "input 0 (cubin sm_90): the payload is empty");
  EXPECT_FALSE(WriteBundle({Input(BundleFormat::kCubin, "sm_90", testdata::Ptx("90"))}, &out, &why));
  EXPECT_EQ(why, "input 0 (cubin sm_90): the payload is not cubin (it looks like PTX)");
  EXPECT_FALSE(WriteBundle({Input(BundleFormat::kCubin, "sm_90", testdata::Cubin("1")),
                            Input(BundleFormat::kPtx, "compute_90", testdata::Ptx("90")),
                            Input(BundleFormat::kCubin, "sm_90", testdata::Cubin("2"))},
                           &out, &why));
  EXPECT_EQ(why, "inputs 0 and 2 are both cubin sm_90");
}

// ---- malformed bundles --------------------------------------------------------------

TEST(BundleMalformed, EmptyGarbageAndShort) {
  EXPECT_EQ(ParseError({}), "the image is empty");
  Bytes garbage(256);
  std::mt19937 rng(7);
  for (auto& c : garbage) c = static_cast<unsigned char>(rng());
  EXPECT_EQ(ParseError(garbage), "not a Keel bundle (it does not start with \"KEELBNDL\")");
  EXPECT_EQ(ParseError(Bytes{'K', 'E', 'E', 'L'}), "not a Keel bundle (it does not start with \"KEELBNDL\")");
  Bytes magic_only = {'K', 'E', 'E', 'L', 'B', 'N', 'D', 'L'};
  EXPECT_EQ(ParseError(magic_only), "truncated: 8 bytes, shorter than the 32-byte header");
  Bytes b = FourFormats();
  b.resize(31);
  EXPECT_EQ(ParseError(b), "truncated: 31 bytes, shorter than the 32-byte header");
}

TEST(BundleMalformed, EveryTruncationIsRejected) {
  Bytes b = FourFormats();
  for (size_t n = 0; n < b.size(); ++n) {
    Bytes cut(b.begin(), b.begin() + n);
    EXPECT_NE(ParseError(cut), "") << n;
  }
  Bytes one_short(b.begin(), b.end() - 1);
  EXPECT_EQ(ParseError(one_short),
            "truncated: the header says " + std::to_string(b.size()) + " bytes, the image has " +
                std::to_string(b.size() - 1));
}

TEST(BundleMalformed, TrailingData) {
  Bytes b = FourFormats();
  size_t n = b.size();
  b.resize(n + 5, 0);
  EXPECT_EQ(ParseError(b), "the header says " + std::to_string(n) + " bytes, the image has " +
                               std::to_string(n + 5) + " (5 bytes of trailing data)");
}

TEST(BundleMalformed, Versions) {
  Bytes b = FourFormats();
  Put16(&b, kVersionMajor, 2);
  EXPECT_EQ(ParseError(b), "format version 2.0; this Keel reads version 1.x");
  Put16(&b, kVersionMajor, 0);
  Put16(&b, kVersionMinor, 9);
  EXPECT_EQ(ParseError(b), "format version 0.9; this Keel reads version 1.x");
}

TEST(BundleMalformed, HeaderAndEntrySizes) {
  Bytes b = FourFormats();
  Put32(&b, kHeaderSize, 40);
  EXPECT_EQ(ParseError(b), "header_size 40 is invalid for version 1.0 (must be 32)");
  b = FourFormats();
  Put32(&b, kEntrySize, 63);
  EXPECT_EQ(ParseError(b), "entry_size 63 is invalid for version 1.0 (must be 64)");
  // A newer minor version may grow them, within limits.
  b = FourFormats();
  Put16(&b, kVersionMinor, 1);
  Put32(&b, kHeaderSize, 36);
  EXPECT_EQ(ParseError(b), "header_size 36 is invalid for version 1.1 (32..4096, a multiple of 8)");
  Put32(&b, kHeaderSize, 32);
  Put32(&b, kEntrySize, 8192);
  EXPECT_EQ(ParseError(b), "entry_size 8192 is invalid for version 1.1 (64..4096, a multiple of 8)");
}

TEST(BundleMalformed, EntryCounts) {
  Bytes b = FourFormats();
  Put32(&b, kEntryCount, 0);
  EXPECT_EQ(ParseError(b), "the bundle has no entries");
  Put32(&b, kEntryCount, 257);
  EXPECT_EQ(ParseError(b), "entry_count 257 exceeds the limit of 256");
  Put32(&b, kEntryCount, 0xffffffffu);
  EXPECT_EQ(ParseError(b), "entry_count 4294967295 exceeds the limit of 256");
  // Within the limit, but the table runs past the end of a small bundle.
  b = FourFormats();
  Put32(&b, kEntryCount, 200);
  EXPECT_EQ(ParseError(b), "the entry table (200 entries of 64 bytes at offset 32) ends at byte 12832, "
                           "past the bundle's " + std::to_string(b.size()) + " bytes");
}

TEST(BundleMalformed, TotalSizeOverTheLimit) {
  Bytes b = FourFormats();
  Put64(&b, kTotalSize, (uint64_t{1} << 32) + 1);
  EXPECT_EQ(ParseError(b), "total_size 4294967297 exceeds the limit of 4294967296 bytes");
}

TEST(BundleMalformed, Targets) {
  Bytes b = FourFormats();
  std::memset(&b[Entry(1) + kTarget], 'x', 32);
  EXPECT_EQ(ParseError(b), "entry 1: the target is not NUL-terminated within its 32 bytes");
  b = FourFormats();
  b[Entry(1) + kTarget + 20] = 'x';  // after "sm_90\0"
  EXPECT_EQ(ParseError(b), "entry 1: the target's padding after its NUL is not zero");
  b = FourFormats();
  std::memset(&b[Entry(2) + kTarget], 0, 32);
  EXPECT_EQ(ParseError(b), "entry 2 (spirv-vulkan): the target is empty");
  b = FourFormats();
  std::memcpy(&b[Entry(1) + kTarget], "compute_90", 10);
  EXPECT_EQ(ParseError(b), "entry 1 (cubin): cubin target 'compute_90' is not sm_<NN>[a|f] (sm_80, sm_90a)");
  b = FourFormats();
  b[Entry(0) + kTarget] = 0xff;
  EXPECT_EQ(ParseError(b), "entry 0 (ptx): the target holds the byte 0xff (allowed: letters, digits, _ . + , -)");
}

TEST(BundleMalformed, ReservedFields) {
  Bytes b = FourFormats();
  Put32(&b, Entry(3) + kFlags, 4);
  EXPECT_EQ(ParseError(b), "entry 3 (spirv-opencl opencl): flags are 0x00000004; version 1.0 defines none");
  b = FourFormats();
  Put64(&b, Entry(0) + kReserved, 1);
  EXPECT_EQ(ParseError(b), "entry 0 (ptx compute_75): the reserved field is 0x0000000000000001, must be 0");
  // A newer minor version may use them: accepted.
  Put16(&b, kVersionMinor, 3);
  Put32(&b, Entry(3) + kFlags, 4);
  EXPECT_EQ(ParseError(b), "");
}

TEST(BundleMalformed, PayloadBounds) {
  Bytes b = FourFormats();
  Put64(&b, Entry(1) + kSize, 0);
  EXPECT_EQ(ParseError(b), "entry 1 (cubin sm_90): the payload is empty (size 0)");
  b = FourFormats();
  Put64(&b, Entry(1) + kOffset, Get64(b, Entry(1) + kOffset) + 4);
  EXPECT_NE(ParseError(b).find("entry 1 (cubin sm_90): payload offset "), std::string::npos);
  EXPECT_NE(ParseError(b).find(" is not a multiple of 16"), std::string::npos);
  b = FourFormats();
  Put64(&b, Entry(0) + kOffset, 48);
  EXPECT_EQ(ParseError(b), "entry 0 (ptx compute_75): payload offset 48 lies inside the header and "
                           "entry table, which end at byte 288");
  b = FourFormats();
  uint64_t end = b.size();
  Put64(&b, Entry(3) + kSize, Get64(b, Entry(3) + kSize) + 16);
  EXPECT_NE(ParseError(b).find("entry 3 (spirv-opencl opencl): payload ["), std::string::npos);
  EXPECT_NE(ParseError(b).find("ends past the bundle's " + std::to_string(end) + " bytes"),
            std::string::npos);
  // Offsets and sizes whose sum overflows 64 bits.
  b = FourFormats();
  Put64(&b, Entry(2) + kOffset, 0xfffffffffffffff0ull);
  Put64(&b, Entry(2) + kSize, 0x20);
  EXPECT_NE(ParseError(b).find("ends past the bundle's"), std::string::npos);
  b = FourFormats();
  Put64(&b, Entry(2) + kSize, 0xffffffffffffffffull);
  EXPECT_NE(ParseError(b).find("ends past the bundle's"), std::string::npos);
}

TEST(BundleMalformed, PayloadContent) {
  Bytes b = FourFormats();
  // Point the cubin entry at the PTX payload's bytes' format: relabel it.
  Put32(&b, Entry(0) + kFormat, 2);
  std::memcpy(&b[Entry(0) + kTarget], "sm_75\0\0\0\0\0", 10);
  EXPECT_EQ(ParseError(b), "entry 0 (cubin sm_75): the payload is not cubin (it looks like PTX)");
  b = FourFormats();
  Put32(&b, Entry(2) + kFormat, 5);
  std::memcpy(&b[Entry(2) + kTarget], "opencl1.2", 10);
  EXPECT_EQ(ParseError(b), "entry 2 (spirv-opencl opencl1.2): the payload is SPIR-V with the GLSL450 "
                           "memory model, not OpenCL SPIR-V: it is spirv-vulkan");
}

TEST(BundleMalformed, DuplicatesAndOverlaps) {
  Bytes b = MakeBundle({Input(BundleFormat::kCubin, "sm_80", testdata::Cubin("1")),
                        Input(BundleFormat::kCubin, "sm_90", testdata::Cubin("2")),
                        Input(BundleFormat::kPtx, "compute_75", testdata::Ptx("75"))});
  Bytes dup = b;
  std::memcpy(&dup[Entry(1) + kTarget], "sm_80", 5);
  EXPECT_EQ(ParseError(dup), "entries 0 and 1 are both cubin sm_80");
  // Entry 1 moved onto entry 0's payload: both cubins, same bytes, overlap.
  Bytes overlap = b;
  Put64(&overlap, Entry(1) + kOffset, Get64(b, Entry(0) + kOffset));
  uint64_t o = Get64(b, Entry(0) + kOffset), s0 = Get64(b, Entry(0) + kSize),
           s1 = Get64(b, Entry(1) + kSize);
  EXPECT_EQ(ParseError(overlap),
            "the payloads of entry 0 (cubin sm_80, bytes " + std::to_string(o) + ".." +
                std::to_string(o + s0 - 1) + ") and entry 1 (cubin sm_90, bytes " +
                std::to_string(o) + ".." + std::to_string(o + s1 - 1) + ") overlap");
  // Partial overlap: entry 0 grows into entry 1.
  Bytes grow = b;
  Put64(&grow, Entry(0) + kSize, Get64(b, Entry(1) + kOffset) - o + 1);
  EXPECT_NE(ParseError(grow).find(") overlap"), std::string::npos);
}

TEST(BundleMalformed, UnknownFormatsAreKeptAndChecked) {
  Bytes b = FourFormats();
  Put32(&b, Entry(1) + kFormat, 9);  // a format of a future minor version
  std::memcpy(&b[Entry(1) + kTarget], "future-1\0", 9);
  Bundle bundle;
  std::string why;
  ASSERT_TRUE(ParseBundle(b.data(), b.size(), &bundle, &why)) << why;
  EXPECT_EQ(DescribeBundleEntry(bundle.entries[1]), "format 9 future-1");
  // Still bounds-checked.
  Put64(&b, Entry(1) + kSize, b.size());
  EXPECT_NE(ParseError(b).find("entry 1 (format 9 future-1): payload"), std::string::npos);
}

// Every single-byte change of a valid bundle parses or fails with a message;
// under AddressSanitizer, never reads out of bounds.
TEST(BundleMalformed, EveryByteFlipIsSafe) {
  Bytes b = FourFormats();
  for (size_t i = 0; i < b.size(); ++i) {
    for (unsigned char x : {0x01, 0x80, 0xff}) {
      Bytes m = b;
      m[i] ^= x;
      ParseError(m);
      BundleImage chosen;
      std::string why;
      KLresult r = SelectBundleImage(m.data(), m.size(), CudaBundlePreferences(9, 0), &chosen, &why);
      EXPECT_TRUE(r == KL_SUCCESS || !why.empty()) << i;
    }
  }
}

// ---- selection ------------------------------------------------------------------------

struct Choice {
  KLresult result;
  std::string target;  // "cubin sm_86", or the message
};

Choice Select(const Bytes& b, const BundlePreferences& prefs) {
  BundleImage chosen;
  std::string why;
  KLresult r = SelectBundleImage(b.data(), b.size(), prefs, &chosen, &why);
  if (r != KL_SUCCESS) return {r, why};
  EXPECT_EQ(reinterpret_cast<uintptr_t>(chosen.data) % 16, 0u);
  return {r, BundleFormatName(chosen.format) + " " + chosen.target};
}

Bytes CudaBundle() {
  return MakeBundle({Input(BundleFormat::kPtx, "compute_75", testdata::Ptx("75")),
                     Input(BundleFormat::kCubin, "sm_75", testdata::Cubin("75")),
                     Input(BundleFormat::kCubin, "sm_80", testdata::Cubin("80")),
                     Input(BundleFormat::kCubin, "sm_86", testdata::Cubin("86")),
                     Input(BundleFormat::kCubin, "sm_90", testdata::Cubin("90")),
                     Input(BundleFormat::kPtx, "compute_90", testdata::Ptx("90")),
                     Input(BundleFormat::kFatbin, "cuda", testdata::Fatbin()),
                     Input(BundleFormat::kSpirvVulkan, "vulkan1.2", testdata::SpirvVulkan())});
}

TEST(BundleSelect, CudaPrefersTheDevicesCubin) {
  Bytes b = CudaBundle();
  EXPECT_EQ(Select(b, CudaBundlePreferences(7, 5)).target, "cubin sm_75");
  EXPECT_EQ(Select(b, CudaBundlePreferences(8, 0)).target, "cubin sm_80");
  EXPECT_EQ(Select(b, CudaBundlePreferences(8, 6)).target, "cubin sm_86");
  EXPECT_EQ(Select(b, CudaBundlePreferences(9, 0)).target, "cubin sm_90");
}

TEST(BundleSelect, CudaTakesAnOlderCubinOfTheSameMajor) {
  Bytes b = CudaBundle();
  EXPECT_EQ(Select(b, CudaBundlePreferences(8, 9)).target, "cubin sm_86");
  EXPECT_EQ(Select(b, CudaBundlePreferences(8, 7)).target, "cubin sm_86");
}

TEST(BundleSelect, CudaFallsBackToTheNewestPtxItCanJit) {
  Bytes b = CudaBundle();
  EXPECT_EQ(Select(b, CudaBundlePreferences(10, 0)).target, "ptx compute_90");
  EXPECT_EQ(Select(b, CudaBundlePreferences(12, 1)).target, "ptx compute_90");
  // 7.0 runs no cubin here and no PTX (compute_75 > 7.0): the fatbin.
  EXPECT_EQ(Select(b, CudaBundlePreferences(7, 0)).target, "fatbin cuda");
}

TEST(BundleSelect, CudaArchitectureAndFamilySuffixes) {
  Bytes b = MakeBundle({Input(BundleFormat::kCubin, "sm_90", testdata::Cubin("90")),
                        Input(BundleFormat::kCubin, "sm_90a", testdata::Cubin("90a")),
                        Input(BundleFormat::kCubin, "sm_80a", testdata::Cubin("80a")),
                        Input(BundleFormat::kPtx, "compute_100a", testdata::Ptx("100a")),
                        Input(BundleFormat::kPtx, "compute_100f", testdata::Ptx("100f")),
                        Input(BundleFormat::kPtx, "compute_80", testdata::Ptx("80"))});
  EXPECT_EQ(Select(b, CudaBundlePreferences(9, 0)).target, "cubin sm_90a");
  EXPECT_EQ(Select(b, CudaBundlePreferences(8, 0)).target, "cubin sm_80a");
  EXPECT_EQ(Select(b, CudaBundlePreferences(8, 6)).target, "ptx compute_80");  // sm_80a: 8.0 only
  EXPECT_EQ(Select(b, CudaBundlePreferences(10, 0)).target, "ptx compute_100a");
  EXPECT_EQ(Select(b, CudaBundlePreferences(10, 3)).target, "ptx compute_100f");
  EXPECT_EQ(Select(b, CudaBundlePreferences(12, 0)).target, "ptx compute_80");
}

TEST(BundleSelect, NoImageForTheDeviceSaysWhatWasOfferedAndWanted) {
  Bytes b = MakeBundle({Input(BundleFormat::kCubin, "sm_80", testdata::Cubin()),
                        Input(BundleFormat::kPtx, "compute_90", testdata::Ptx("90"))});
  Choice c = Select(b, CudaBundlePreferences(7, 5));
  EXPECT_EQ(c.result, KL_ERROR_NO_BINARY_FOR_DEVICE);
  EXPECT_EQ(c.target, "Keel bundle: no image for this device: the bundle offers cubin sm_80, ptx "
                      "compute_90; the device takes cubin sm_70 to sm_75, ptx compute_75 or older, or "
                      "fatbin");
  c = Select(b, VulkanBundlePreferences(1, 3));
  EXPECT_EQ(c.result, KL_ERROR_NO_BINARY_FOR_DEVICE);
  EXPECT_EQ(c.target, "Keel bundle: no image for this device: the bundle offers cubin sm_80, ptx "
                      "compute_90; the device takes spirv-vulkan vulkan1.3 or older");
}

TEST(BundleSelect, VulkanTakesTheNewestVersionTheDeviceRuns) {
  Bytes b = MakeBundle({Input(BundleFormat::kSpirvVulkan, "vulkan1.1", testdata::SpirvVulkan(1)),
                        Input(BundleFormat::kSpirvVulkan, "vulkan1.3", testdata::SpirvVulkan(3)),
                        Input(BundleFormat::kSpirvVulkan, "vulkan1.2", testdata::SpirvVulkan(2)),
                        Input(BundleFormat::kSpirvOpencl, "opencl", testdata::SpirvOpencl())});
  EXPECT_EQ(Select(b, VulkanBundlePreferences(1, 2)).target, "spirv-vulkan vulkan1.2");
  EXPECT_EQ(Select(b, VulkanBundlePreferences(1, 3)).target, "spirv-vulkan vulkan1.3");
  EXPECT_EQ(Select(b, VulkanBundlePreferences(1, 4)).target, "spirv-vulkan vulkan1.3");
  EXPECT_EQ(Select(b, VulkanBundlePreferences(1, 1)).target, "spirv-vulkan vulkan1.1");
  Choice c = Select(b, VulkanBundlePreferences(1, 0));
  EXPECT_EQ(c.result, KL_ERROR_NO_BINARY_FOR_DEVICE);
  EXPECT_EQ(c.target, "Keel bundle: no image for this device: the bundle offers spirv-vulkan "
                      "vulkan1.1, spirv-vulkan vulkan1.3, spirv-vulkan vulkan1.2, spirv-opencl "
                      "opencl; the device takes spirv-vulkan vulkan1.0 or older");
}

TEST(BundleSelect, LevelZeroTakesTheFirstOpenclSpirv) {
  Bytes b = MakeBundle({Input(BundleFormat::kSpirvVulkan, "vulkan1.2", testdata::SpirvVulkan()),
                        Input(BundleFormat::kSpirvOpencl, "opencl2.0", testdata::SpirvOpencl(1)),
                        Input(BundleFormat::kSpirvOpencl, "opencl1.2", testdata::SpirvOpencl(2))});
  BundleImage chosen;
  std::string why;
  ASSERT_EQ(SelectBundleImage(b.data(), b.size(), LevelZeroBundlePreferences(), &chosen, &why),
            KL_SUCCESS)
      << why;
  EXPECT_EQ(chosen.format, BundleFormat::kSpirvOpencl);
  EXPECT_EQ(chosen.target, "opencl2.0");
  EXPECT_EQ(chosen.index, 1u);
  Bytes expected = testdata::SpirvOpencl(1);
  ASSERT_EQ(chosen.size, expected.size());
  EXPECT_EQ(0, std::memcmp(chosen.data, expected.data(), expected.size()));
  EXPECT_EQ(chosen.data, b.data() + Get64(b, Entry(1) + kOffset));  // no copy

  Bytes vulkan_only = MakeBundle({Input(BundleFormat::kSpirvVulkan, "vulkan1.2", testdata::SpirvVulkan())});
  Choice c = Select(vulkan_only, LevelZeroBundlePreferences());
  EXPECT_EQ(c.result, KL_ERROR_NO_BINARY_FOR_DEVICE);
  EXPECT_EQ(c.target, "Keel bundle: no image for this device: the bundle offers spirv-vulkan "
                      "vulkan1.2; the device takes spirv-opencl");
}

TEST(BundleSelect, MisalignedBundleGetsAnAlignedCopy) {
  Bytes b = CudaBundle();
  std::vector<unsigned char> buffer(b.size() + 17);
  unsigned char* base = buffer.data() + (16 - reinterpret_cast<uintptr_t>(buffer.data()) % 16) + 1;
  std::memcpy(base, b.data(), b.size());
  BundleImage chosen;
  std::string why;
  ASSERT_EQ(SelectBundleImage(base, b.size(), VulkanBundlePreferences(1, 2), &chosen, &why), KL_SUCCESS)
      << why;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(chosen.data) % 16, 0u);
  Bytes expected = testdata::SpirvVulkan();
  ASSERT_EQ(chosen.size, expected.size());
  EXPECT_EQ(0, std::memcmp(chosen.data, expected.data(), expected.size()));
  // Moving keeps the copy valid.
  BundleImage moved = std::move(chosen);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(moved.data) % 16, 0u);
  EXPECT_EQ(0, std::memcmp(moved.data, expected.data(), expected.size()));
}

TEST(BundleSelect, MalformedBundleIsInvalidImage) {
  Bytes b = CudaBundle();
  Put32(&b, kEntryCount, 0);
  Choice c = Select(b, CudaBundlePreferences(9, 0));
  EXPECT_EQ(c.result, KL_ERROR_INVALID_IMAGE);
  EXPECT_EQ(c.target, "Keel bundle: the bundle has no entries");
  c = Select(Bytes{'K', 'E', 'E', 'L', 'B', 'N', 'D', 'L', 1}, CudaBundlePreferences(9, 0));
  EXPECT_EQ(c.result, KL_ERROR_INVALID_IMAGE);
  EXPECT_EQ(c.target, "Keel bundle: truncated: 9 bytes, shorter than the 32-byte header");
}

TEST(BundleSelect, PreferencesAreData) {
  BundlePreferences none{};
  Bytes b = CudaBundle();
  EXPECT_EQ(Select(b, none).result, KL_ERROR_INVALID_VALUE);
  BundlePreferences exact{};
  exact.rules[0] = {BundleFormat::kCubin, BundleMatch::kExact, "sm_80"};
  exact.rules[1] = {BundleFormat::kPtx, BundleMatch::kAny, ""};
  exact.count = 2;
  EXPECT_EQ(Select(b, exact).target, "cubin sm_80");
  exact.rules[0] = {BundleFormat::kCubin, BundleMatch::kExact, "sm_89"};
  EXPECT_EQ(Select(b, exact).target, "ptx compute_75");  // kAny: the first in table order
  EXPECT_EQ(DescribeBundlePreferences(exact), "cubin sm_89 or ptx");
  EXPECT_EQ(DescribeBundlePreferences(CudaBundlePreferences(8, 6)),
            "cubin sm_80 to sm_86, ptx compute_86 or older, or fatbin");
  EXPECT_EQ(DescribeBundlePreferences(CudaBundlePreferences(9, 0)),
            "cubin sm_90, ptx compute_90 or older, or fatbin");
  EXPECT_EQ(DescribeBundlePreferences(LevelZeroBundlePreferences()), "spirv-opencl");
}

TEST(BundleSelect, UnknownFormatsAreSkipped) {
  Bytes b = MakeBundle({Input(BundleFormat::kFatbin, "cuda", testdata::Fatbin()),
                        Input(BundleFormat::kSpirvOpencl, "opencl", testdata::SpirvOpencl())});
  Put32(&b, Entry(0) + kFormat, 42);
  Choice c = Select(b, CudaBundlePreferences(9, 0));
  EXPECT_EQ(c.result, KL_ERROR_NO_BINARY_FOR_DEVICE);
  EXPECT_NE(c.target.find("the bundle offers format 42 cuda, spirv-opencl opencl;"), std::string::npos)
      << c.target;
  EXPECT_EQ(Select(b, LevelZeroBundlePreferences()).target, "spirv-opencl opencl");
}

}  // namespace
}  // namespace keel
