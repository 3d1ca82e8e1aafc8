#include "bundle_testdata.h"

#include <gtest/gtest.h>

namespace keel::testdata {
namespace {

void AppendWord(Bytes* b, uint32_t w) {
  for (int i = 0; i < 4; ++i) b->push_back(static_cast<unsigned char>(w >> (8 * i)));
}

Bytes Spirv(uint32_t capability, uint32_t addressing, uint32_t memory_model, uint32_t extra_words) {
  Bytes b;
  for (uint32_t w : {0x07230203u, 0x00010500u, 0u, 16u, 0u}) AppendWord(&b, w);
  AppendWord(&b, (2u << 16) | 17u);  // OpCapability
  AppendWord(&b, capability);
  AppendWord(&b, (3u << 16) | 14u);  // OpMemoryModel
  AppendWord(&b, addressing);
  AppendWord(&b, memory_model);
  for (uint32_t i = 0; i < extra_words; ++i) AppendWord(&b, (1u << 16) | 0u);  // OpNop
  return b;
}

}  // namespace

Bytes Ptx(const std::string& arch, const std::string& tag) {
  std::string text = "// " + tag + "\n.version 8.0\n.target sm_" + arch + "\n.address_size 64\n";
  return Bytes(text.begin(), text.end());
}

Bytes Cubin(const std::string& tag) {
  Bytes b = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0x33};
  b.resize(64, 0);
  b.insert(b.end(), tag.begin(), tag.end());
  return b;
}

Bytes Fatbin(const std::string& tag) {
  Bytes b = {0x50, 0xed, 0x55, 0xba, 1, 0, 0x10, 0};
  b.resize(32, 0);
  b.insert(b.end(), tag.begin(), tag.end());
  return b;
}

Bytes SpirvVulkan(uint32_t extra_words) { return Spirv(1 /*Shader*/, 0 /*Logical*/, 1 /*GLSL450*/, extra_words); }
Bytes SpirvOpencl(uint32_t extra_words) { return Spirv(6 /*Kernel*/, 2 /*Physical64*/, 2 /*OpenCL*/, extra_words); }

Bytes ByteSwapped(const Bytes& spirv) {
  Bytes b = spirv;
  for (size_t i = 0; i + 3 < b.size(); i += 4) {
    std::swap(b[i], b[i + 3]);
    std::swap(b[i + 1], b[i + 2]);
  }
  return b;
}

keel::BundleInput Input(keel::BundleFormat format, const std::string& target, Bytes payload) {
  keel::BundleInput in;
  in.format = format;
  in.target = target;
  in.payload = std::move(payload);
  return in;
}

Bytes MakeBundle(const std::vector<keel::BundleInput>& inputs) {
  Bytes out;
  std::string why;
  EXPECT_TRUE(keel::WriteBundle(inputs, &out, &why)) << why;
  return out;
}

void Put16(Bytes* b, size_t offset, uint16_t v) {
  for (int i = 0; i < 2; ++i) (*b)[offset + i] = static_cast<unsigned char>(v >> (8 * i));
}
void Put32(Bytes* b, size_t offset, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[offset + i] = static_cast<unsigned char>(v >> (8 * i));
}
void Put64(Bytes* b, size_t offset, uint64_t v) {
  for (int i = 0; i < 8; ++i) (*b)[offset + i] = static_cast<unsigned char>(v >> (8 * i));
}

}  // namespace keel::testdata
