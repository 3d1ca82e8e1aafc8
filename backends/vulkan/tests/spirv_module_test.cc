// The SPIR-V reader (backends/common/spirv_module.h) accepts real modules and
// rejects damaged ones with a message, without reading past the end.
#include "common/spirv_module.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace keel {
namespace spirv {
namespace {

std::vector<uint32_t> LoadWords(const char* module) {
  std::ifstream in(std::string(KEEL_TEST_KERNEL_DIR) + "/" + module + ".spv", std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), words.size() * 4);
  return words;
}

bool ParseWords(std::vector<uint32_t> words, std::string* error) {
  Module m;
  return m.Parse(std::move(words), error);
}

TEST(SpirvModule, ParsesTheConformanceModules) {
  for (const char* name : {"basic", "args", "shared", "atomics", "matmul"}) {
    std::vector<uint32_t> words = LoadWords(name);
    ASSERT_FALSE(words.empty()) << name;
    Module m;
    std::string error;
    ASSERT_TRUE(m.Parse(words, &error)) << name << ": " << error;
    EXPECT_EQ(m.version(), 0x00010500u);  // --target-env vulkan1.2
    EXPECT_FALSE(m.entry_points().empty());
    for (const EntryPoint& ep : m.entry_points()) EXPECT_EQ(ep.model, kGLCompute);
  }
}

TEST(SpirvModule, EntryPointsAreTheKernelNames) {
  Module m;
  std::string error;
  ASSERT_TRUE(m.Parse(LoadWords("basic"), &error)) << error;
  std::vector<std::string> names;
  for (const EntryPoint& ep : m.entry_points()) names.push_back(ep.name);
  for (const char* k : {"empty", "vec_add", "add_scalar_f32", "fill_u32", "write_index",
                        "busy_loop", "coverage", "grid_dims"})
    EXPECT_NE(std::find(names.begin(), names.end(), k), names.end()) << k;
}

TEST(SpirvModule, AcceptsEitherByteOrder) {
  std::vector<uint32_t> words = LoadWords("basic");
  std::vector<uint8_t> swapped(words.size() * 4);
  for (size_t i = 0; i < words.size(); ++i)
    for (int b = 0; b < 4; ++b) swapped[i * 4 + b] = static_cast<uint8_t>(words[i] >> (8 * (3 - b)));
  std::vector<uint32_t> normalized;
  std::string error;
  ASSERT_TRUE(NormalizeByteOrder(swapped.data(), swapped.size(), &normalized, &error)) << error;
  EXPECT_EQ(normalized, words);
}

TEST(SpirvModule, RejectsBadSizesAndMagic) {
  std::vector<uint32_t> words;
  std::string error;
  const char text[] = "hello world, not spir-v";
  EXPECT_FALSE(NormalizeByteOrder(text, 3, &words, &error));
  EXPECT_NE(error.find("multiple of 4"), std::string::npos) << error;
  EXPECT_FALSE(NormalizeByteOrder(text, 0, &words, &error));
  EXPECT_FALSE(NormalizeByteOrder(text, 8, &words, &error));
  EXPECT_NE(error.find("magic"), std::string::npos) << error;
  EXPECT_FALSE(ParseWords({kMagic, 0x00010500u}, &error));
  EXPECT_NE(error.find("header"), std::string::npos) << error;
}

TEST(SpirvModule, RejectsBadHeaderFields) {
  std::vector<uint32_t> words = LoadWords("basic");
  std::string error;
  auto bad = words;
  bad[1] = 0x00020000u;  // SPIR-V 2.0
  EXPECT_FALSE(ParseWords(bad, &error));
  EXPECT_NE(error.find("version"), std::string::npos) << error;
  bad = words;
  bad[3] = 0;  // bound
  EXPECT_FALSE(ParseWords(bad, &error));
  bad = words;
  bad[4] = 7;  // schema
  EXPECT_FALSE(ParseWords(bad, &error));
}

TEST(SpirvModule, RejectsEveryTruncation) {
  std::vector<uint32_t> words = LoadWords("shared");
  // Every strict prefix is rejected with a message: a partial instruction
  // fails the walk, a cut on an instruction boundary leaves a function (or
  // an entry point's function) incomplete.
  for (size_t n = 0; n < words.size(); ++n) {
    std::vector<uint32_t> cut(words.begin(), words.begin() + static_cast<long>(n));
    std::string error;
    EXPECT_FALSE(ParseWords(cut, &error)) << "prefix of " << n << " words";
    EXPECT_FALSE(error.empty());
  }
}

TEST(SpirvModule, RejectsZeroWordCountsAndOutOfBoundIds) {
  std::vector<uint32_t> words = LoadWords("basic");
  std::string error;
  auto bad = words;
  bad[5] = 0;  // first instruction: word count 0
  EXPECT_FALSE(ParseWords(bad, &error));
  EXPECT_NE(error.find("word count of 0"), std::string::npos) << error;

  // Point the first entry point at an id past the bound.
  Module m;
  ASSERT_TRUE(m.Parse(words, &error));
  for (const Instruction& inst : m.instructions()) {
    if (inst.opcode != OpEntryPoint) continue;
    bad = words;
    bad[inst.offset + 2] = m.bound() + 5;
    EXPECT_FALSE(ParseWords(bad, &error));
    EXPECT_NE(error.find("outside the bound"), std::string::npos) << error;
    break;
  }
}

TEST(SpirvModule, RejectsModulesWithoutEntryPoints) {
  std::vector<uint32_t> words = LoadWords("basic");
  Module m;
  std::string error;
  ASSERT_TRUE(m.Parse(words, &error));
  // Turn every OpEntryPoint into OpNop-sized filler (OpNop with its length).
  std::vector<uint32_t> bad = words;
  for (const Instruction& inst : m.instructions())
    if (inst.opcode == OpEntryPoint) {
      bad[inst.offset] = (static_cast<uint32_t>(inst.word_count) << 16) | 5u /*OpName*/;
      bad[inst.offset + 1] = 1;
      // keep the rest: OpName reads an id and a string, NUL-terminated later
      for (uint32_t k = 2; k < inst.word_count; ++k) bad[inst.offset + k] = 0;
    }
  EXPECT_FALSE(ParseWords(bad, &error));
  EXPECT_NE(error.find("no entry points"), std::string::npos) << error;
}

TEST(SpirvModule, RejectsUnterminatedStrings) {
  std::vector<uint32_t> words = LoadWords("basic");
  Module m;
  std::string error;
  ASSERT_TRUE(m.Parse(words, &error));
  for (const Instruction& inst : m.instructions()) {
    if (inst.opcode != OpEntryPoint) continue;
    std::vector<uint32_t> bad = words;
    // Fill the name and everything after it in the instruction with 'A'.
    for (uint32_t k = 3; k < inst.word_count; ++k) bad[inst.offset + k] = 0x41414141u;
    EXPECT_FALSE(ParseWords(bad, &error));
    EXPECT_NE(error.find("unterminated"), std::string::npos) << error;
    break;
  }
}

}  // namespace
}  // namespace spirv
}  // namespace keel
