// Pieces of the driver loading that need no driver.
#include <gtest/gtest.h>

#include "cuda/driver.h"

namespace keel::cuda {
namespace {

TEST(KernelDriverVersion, ReadsTheVersionFromProcDriverNvidiaVersion) {
  char out[64];
  ASSERT_TRUE(ParseKernelDriverVersion(
      "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  Sun Jul 27 07:09:29 UTC 2025\n", out, sizeof out));
  EXPECT_STREQ(out, "580.65.06");
  ASSERT_TRUE(ParseKernelDriverVersion(
      "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U16)\n", out,
      sizeof out));
  EXPECT_STREQ(out, "580.159.04");
  EXPECT_FALSE(ParseKernelDriverVersion("NVRM version: something else\n", out, sizeof out));
  EXPECT_STREQ(out, "");
  EXPECT_FALSE(ParseKernelDriverVersion("Kernel Module for x86_64\n", out, sizeof out));
  char tiny[4];
  EXPECT_FALSE(ParseKernelDriverVersion("Kernel Module 580.65.06\n", tiny, sizeof tiny));
}

}  // namespace
}  // namespace keel::cuda
