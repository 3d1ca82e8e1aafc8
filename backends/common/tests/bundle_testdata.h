// Small payloads of every bundle format, for the bundle tests: just enough
// bytes for DetectImageFormat and the bundle's content checks to recognise.
#ifndef KEEL_BACKENDS_COMMON_TESTS_BUNDLE_TESTDATA_H_
#define KEEL_BACKENDS_COMMON_TESTS_BUNDLE_TESTDATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/bundle.h"

namespace keel::testdata {

using Bytes = std::vector<unsigned char>;

// PTX text whose .target is sm_<arch> (arch "75", "90a").
Bytes Ptx(const std::string& arch, const std::string& tag = "");
// An ELF header (a stand-in cubin); `tag` makes payloads differ.
Bytes Cubin(const std::string& tag = "");
// A fatbin header (magic 0xBA55ED50).
Bytes Fatbin(const std::string& tag = "");
// A SPIR-V module with the GLSL450 memory model (Vulkan) or OpenCL (Level Zero).
Bytes SpirvVulkan(uint32_t extra_words = 0);
Bytes SpirvOpencl(uint32_t extra_words = 0);
// The same with every word byte-swapped.
Bytes ByteSwapped(const Bytes& spirv);

keel::BundleInput Input(keel::BundleFormat format, const std::string& target, Bytes payload);

// Writes a bundle or fails the current test (returns an empty vector).
Bytes MakeBundle(const std::vector<keel::BundleInput>& inputs);

// Little-endian patches of a bundle's bytes.
void Put16(Bytes* b, size_t offset, uint16_t v);
void Put32(Bytes* b, size_t offset, uint32_t v);
void Put64(Bytes* b, size_t offset, uint64_t v);

}  // namespace keel::testdata

#endif  // KEEL_BACKENDS_COMMON_TESTS_BUNDLE_TESTDATA_H_
