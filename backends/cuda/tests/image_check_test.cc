// Image checks: foreign formats are named, truncated or garbage images are
// refused before the driver (which takes no size) could read past them.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cuda/image_check.h"

namespace keel::cuda {
namespace {

template <typename T>
void Put(std::vector<unsigned char>* b, size_t offset, T v) {
  std::memcpy(b->data() + offset, &v, sizeof v);
}

// A minimal ELF64 little-endian cubin: header, a null section and one
// 16-byte PROGBITS section after the section table.
std::vector<unsigned char> MiniCubin(uint16_t machine = 190) {
  std::vector<unsigned char> b(64 + 2 * 64 + 16, 0);
  std::memcpy(b.data(), "\x7f" "ELF", 4);
  b[4] = 2;  // ELFCLASS64
  b[5] = 1;  // little-endian
  b[6] = 1;
  Put<uint16_t>(&b, 16, 2);  // ET_EXEC
  Put<uint16_t>(&b, 18, machine);
  Put<uint64_t>(&b, 40, 64);  // e_shoff
  Put<uint16_t>(&b, 52, 64);
  Put<uint16_t>(&b, 58, 64);  // e_shentsize
  Put<uint16_t>(&b, 60, 2);   // e_shnum
  const size_t sh1 = 64 + 64;
  Put<uint32_t>(&b, sh1 + 4, 1);     // SHT_PROGBITS
  Put<uint64_t>(&b, sh1 + 24, 192);  // sh_offset
  Put<uint64_t>(&b, sh1 + 32, 16);   // sh_size
  return b;
}

// A minimal fatbin: header and one entry of 64 header bytes + 32 payload bytes.
std::vector<unsigned char> MiniFatbin() {
  std::vector<unsigned char> b(16 + 64 + 32, 0);
  Put<uint32_t>(&b, 0, 0xBA55ED50u);
  Put<uint16_t>(&b, 4, 1);
  Put<uint16_t>(&b, 6, 16);
  Put<uint64_t>(&b, 8, 96);
  Put<uint16_t>(&b, 16, 2);   // kind: ELF
  Put<uint32_t>(&b, 20, 64);  // entry header size
  Put<uint64_t>(&b, 24, 32);  // payload size
  return b;
}

KLresult Check(const std::vector<unsigned char>& b, std::string* why, ImageFormat* f = nullptr) {
  char buf[512];
  ImageFormat format;
  KLresult r = CheckCudaImage(b.data(), b.size(), &format, buf, sizeof buf);
  *why = buf;
  if (f != nullptr) *f = format;
  return r;
}

TEST(ImageCheck, AcceptsPtxCubinAndFatbin) {
  std::string why;
  std::string ptx = "// comment\n.version 8.0\n.target sm_75\n.address_size 64\n";
  ImageFormat f;
  EXPECT_EQ(Check(std::vector<unsigned char>(ptx.begin(), ptx.end()), &why, &f), KL_SUCCESS) << why;
  EXPECT_EQ(f, ImageFormat::kPtx);
  EXPECT_EQ(Check(MiniCubin(), &why, &f), KL_SUCCESS) << why;
  EXPECT_EQ(f, ImageFormat::kElf);
  EXPECT_EQ(Check(MiniFatbin(), &why, &f), KL_SUCCESS) << why;
  EXPECT_EQ(f, ImageFormat::kFatbin);
}

TEST(ImageCheck, RejectsSpirvNamingTheFormat) {
  std::vector<unsigned char> spirv(64, 0);
  Put<uint32_t>(&spirv, 0, 0x07230203u);
  std::string why;
  EXPECT_EQ(Check(spirv, &why), KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(why.find("SPIR-V"), std::string::npos) << why;
}

TEST(ImageCheck, RejectsGarbageEmptyAndBundles) {
  std::string why;
  std::vector<unsigned char> garbage = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5};
  EXPECT_EQ(Check(garbage, &why), KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(why.find("unknown image format"), std::string::npos) << why;
  EXPECT_NE(why.find("de ad be ef"), std::string::npos) << why;
  char buf[256];
  ImageFormat f;
  EXPECT_EQ(CheckCudaImage(nullptr, 0, &f, buf, sizeof buf), KL_ERROR_INVALID_IMAGE);
  EXPECT_EQ(CheckCudaImage("x", 0, &f, buf, sizeof buf), KL_ERROR_INVALID_IMAGE);
  std::vector<unsigned char> bundle(32, 0);
  std::memcpy(bundle.data(), "KEELBNDL", 8);
  EXPECT_EQ(Check(bundle, &why), KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(why.find("Keel bundle"), std::string::npos) << why;
}

TEST(ImageCheck, RejectsElfThatIsNotACubin) {
  std::string why;
  EXPECT_EQ(Check(MiniCubin(62), &why), KL_ERROR_INVALID_IMAGE);  // x86-64 object
  EXPECT_NE(why.find("machine 62"), std::string::npos) << why;
  auto elf32 = MiniCubin();
  elf32[4] = 1;
  EXPECT_EQ(Check(elf32, &why), KL_ERROR_INVALID_IMAGE);
}

TEST(ImageCheck, RejectsEveryTruncationOfSyntheticImages) {
  for (const auto& image : {MiniCubin(), MiniFatbin()}) {
    for (size_t n = 1; n < image.size(); ++n) {
      std::vector<unsigned char> cut(image.begin(), image.begin() + static_cast<long>(n));
      std::string why;
      EXPECT_EQ(Check(cut, &why), KL_ERROR_INVALID_IMAGE) << "prefix of " << n << " bytes accepted";
    }
  }
}

TEST(ImageCheck, RejectsOutOfRangeOffsets) {
  std::string why;
  auto cubin = MiniCubin();
  Put<uint64_t>(&cubin, 64 + 64 + 32, 1ull << 62);  // section size overflowing
  EXPECT_EQ(Check(cubin, &why), KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(why.find("section 1"), std::string::npos) << why;
  auto fatbin = MiniFatbin();
  Put<uint64_t>(&fatbin, 24, ~0ull);  // payload size overflowing
  EXPECT_EQ(Check(fatbin, &why), KL_ERROR_INVALID_IMAGE);
  auto wrapper = MiniFatbin();
  Put<uint32_t>(&wrapper, 0, 0x466243B1u);
  EXPECT_EQ(Check(wrapper, &why), KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(why.find("wrapper"), std::string::npos) << why;
}

#if defined(KEEL_CUDA_TEST_KERNEL_DIR)
std::vector<unsigned char> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

// Images built by nvcc: intact ones pass, every truncation of them fails.
TEST(ImageCheck, NvccImagesPassAndTheirTruncationsFail) {
  for (const char* name : {"smoke.cubin", "smoke.fatbin"}) {
    auto image = ReadFile(std::string(KEEL_CUDA_TEST_KERNEL_DIR) + "/" + name);
    ASSERT_FALSE(image.empty()) << name;
    std::string why;
    ASSERT_EQ(Check(image, &why), KL_SUCCESS) << name << ": " << why;
    for (size_t n = 1; n < image.size(); ++n) {
      std::vector<unsigned char> cut(image.begin(), image.begin() + static_cast<long>(n));
      ASSERT_EQ(Check(cut, &why), KL_ERROR_INVALID_IMAGE) << name << ": prefix of " << n << " bytes accepted";
    }
  }
}
#endif

}  // namespace
}  // namespace keel::cuda
