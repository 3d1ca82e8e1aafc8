// Tests of the keel-bundle command: runs the built binary on small files.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bundle_testdata.h"
#include "common/bundle.h"

namespace {

using keel::testdata::Bytes;

struct Result {
  int status;  // exit status
  std::string out, err;
};

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class KeelBundleTool : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "keel_bundle_tool_XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    ASSERT_NE(mkdtemp(name.data()), nullptr);
    dir_ = name.data();
    Write("k.ptx", keel::testdata::Ptx("75"));
    Write("k90.ptx", keel::testdata::Ptx("90"));
    Write("k.sm_90.cubin", keel::testdata::Cubin("90"));
    Write("k.sm_80.cubin", keel::testdata::Cubin("80"));
    Write("k.fatbin", keel::testdata::Fatbin());
    Write("k.spv", keel::testdata::SpirvVulkan());
    Write("k.ze.spv", keel::testdata::SpirvOpencl());
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void Write(const std::string& name, const Bytes& bytes) {
    std::ofstream out(Path(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  Bytes Read(const std::string& name) const {
    std::string s = ReadText(Path(name));
    return Bytes(s.begin(), s.end());
  }
  // Runs keel-bundle in dir_ with the given arguments (shell words).
  Result Keel(const std::string& args) const {
    std::string cmd = "cd '" + dir_ + "' && '" KEEL_BUNDLE_EXE "' " + args + " >'" + dir_ +
                      "/.out' 2>'" + dir_ + "/.err'";
    int raw = std::system(cmd.c_str());
    Result r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, ReadText(dir_ + "/.out"), ReadText(dir_ + "/.err")};
    return r;
  }

  std::string dir_;
};

TEST_F(KeelBundleTool, CreateListExtractRoundTrip) {
  Result r = Keel("create -o k.keelbundle ptx=k.ptx cubin:sm_90=k.sm_90.cubin cubin:sm_80=k.sm_80.cubin "
               "fatbin=k.fatbin spirv-vulkan=k.spv spirv-opencl=k.ze.spv");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  r = Keel("list k.keelbundle");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("k.keelbundle: Keel bundle 1.0, 6 entries, "), std::string::npos) << r.out;
  // Default targets: from the PTX's .target, "cuda", from the SPIR-V version, "opencl".
  for (const char* line : {"    0  ptx           compute_75", "    1  cubin         sm_90",
                           "    2  cubin         sm_80", "    3  fatbin        cuda",
                           "    4  spirv-vulkan  vulkan1.2", "    5  spirv-opencl  opencl"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;

  struct {
    const char* entry;
    const char* file;
  } cases[] = {{"0", "k.ptx"}, {"cubin:sm_80", "k.sm_80.cubin"}, {"fatbin", "k.fatbin"},
               {"spirv-vulkan:vulkan1.2", "k.spv"}, {"5", "k.ze.spv"}};
  for (const auto& c : cases) {
    r = Keel(std::string("extract k.keelbundle ") + c.entry + " -o out.bin");
    ASSERT_EQ(r.status, 0) << c.entry << ": " << r.err;
    EXPECT_EQ(Read("out.bin"), Read(c.file)) << c.entry;
  }
}

TEST_F(KeelBundleTool, SelectShowsWhatEachBackendLoads) {
  ASSERT_EQ(Keel("create -o b ptx=k.ptx cubin:sm_80=k.sm_80.cubin spirv-vulkan=k.spv "
                 "spirv-opencl=k.ze.spv").status, 0);
  Result r = Keel("select b cuda:sm_86 -o chosen");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "b: cuda:sm_86 takes entry 1: cubin sm_80 (" +
                       std::to_string(Read("k.sm_80.cubin").size()) + " bytes)\n");
  EXPECT_EQ(Read("chosen"), Read("k.sm_80.cubin"));
  EXPECT_NE(Keel("select b cuda:9.0").out.find("takes entry 0: ptx compute_75"), std::string::npos);
  EXPECT_NE(Keel("select b vulkan:1.3").out.find("takes entry 2: spirv-vulkan vulkan1.2"), std::string::npos);
  EXPECT_NE(Keel("select b level_zero").out.find("takes entry 3: spirv-opencl opencl"), std::string::npos);
  r = Keel("select b cuda:7.0");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "keel-bundle: b: Keel bundle: no image for this device: the bundle offers ptx "
                   "compute_75, cubin sm_80, spirv-vulkan vulkan1.2, spirv-opencl opencl; the device "
                   "takes cubin sm_70, ptx compute_70 or older, or fatbin\n");
  r = Keel("select b opencl");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("'opencl' is not cuda:sm_<NN>, cuda:<M>.<m>, vulkan:<M>.<m> or level_zero"),
            std::string::npos);
}

TEST_F(KeelBundleTool, VulkanTargetFollowsTheSpirvVersion) {
  Bytes spv = keel::testdata::SpirvVulkan();
  for (auto [minor, target] : {std::pair<int, const char*>{0, "vulkan1.0"}, {3, "vulkan1.1"},
                               {5, "vulkan1.2"}, {6, "vulkan1.3"}}) {
    spv[5] = static_cast<unsigned char>(minor);
    Write("v.spv", spv);
    ASSERT_EQ(Keel("create -o v.b spirv-vulkan=v.spv").status, 0);
    EXPECT_NE(Keel("list v.b").out.find(target), std::string::npos) << minor;
  }
  spv[5] = 7;
  Write("v.spv", spv);
  Result r = Keel("create -o v.b spirv-vulkan=v.spv");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "keel-bundle: spirv-vulkan=v.spv: unknown SPIR-V version; name the target "
                   "(spirv-vulkan:vulkan1.2=v.spv)\n");
  EXPECT_EQ(Keel("create -o v.b spirv-vulkan:vulkan1.3=v.spv").status, 0);
}

TEST_F(KeelBundleTool, CreateErrors) {
  struct {
    const char* args;
    int status;
    const char* err;
  } cases[] = {
      {"create ptx=k.ptx", 2, "keel-bundle: create needs -o OUT\n"},
      {"create -o x", 2, "keel-bundle: create needs at least one IMAGE (FORMAT[:TARGET]=FILE)\n"},
      {"create -o x k.ptx", 1, "keel-bundle: 'k.ptx' is not FORMAT[:TARGET]=FILE\n"},
      {"create -o x spirv=k.spv", 1,
       "keel-bundle: 'spirv=k.spv': unknown format 'spirv' (ptx, cubin, fatbin, spirv-vulkan, "
       "spirv-opencl)\n"},
      {"create -o x ptx=missing.ptx", 1, "keel-bundle: cannot open missing.ptx: No such file or directory\n"},
      {"create -o x cubin:sm_90=k.ptx", 1,
       "keel-bundle: cubin:sm_90=k.ptx: the payload is not cubin (it looks like PTX)\n"},
      {"create -o x spirv-opencl=k.spv", 1,
       "keel-bundle: spirv-opencl=k.spv: the payload is SPIR-V with the GLSL450 memory model, not "
       "OpenCL SPIR-V: it is spirv-vulkan\n"},
      {"create -o x cubin=k.sm_90.cubin", 1,
       "keel-bundle: cubin=k.sm_90.cubin: a cubin needs its target (cubin:sm_90=k.sm_90.cubin)\n"},
      {"create -o x cubin:compute_90=k.sm_90.cubin", 1,
       "keel-bundle: cubin:compute_90=k.sm_90.cubin: cubin target 'compute_90' is not "
       "sm_<NN>[a|f] (sm_80, sm_90a)\n"},
      {"create -o x ptx:compute_80=k.ptx", 1,
       "keel-bundle: ptx:compute_80=k.ptx: the PTX says .target sm_75 (compute_75), not compute_80\n"},
      {"create -o x ptx=k.ptx ptx:compute_75=k.ptx", 1,
       "keel-bundle: x: inputs 0 and 1 are both ptx compute_75\n"},
      {"create -o x -v ptx=k.ptx", 2, "keel-bundle: unknown option -v\n"},
      {"create -o x -o y ptx=k.ptx", 2, "keel-bundle: -o given twice\n"},
      {"create ptx=k.ptx -o", 2, "keel-bundle: -o needs a file name\n"},
  };
  for (const auto& c : cases) {
    Result r = Keel(c.args);
    EXPECT_EQ(r.status, c.status) << c.args;
    EXPECT_EQ(r.err.substr(0, r.err.find("usage:")), c.err) << c.args;
    EXPECT_EQ(access(Path("x").c_str(), F_OK), -1) << c.args << ": wrote a bundle anyway";
  }
}

TEST_F(KeelBundleTool, PtxWithoutTargetLineNeedsOne) {
  std::string text = ".version 8.0\n.address_size 64\n";
  Write("bare.ptx", Bytes(text.begin(), text.end()));
  Result r = Keel("create -o x ptx=bare.ptx");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "keel-bundle: ptx=bare.ptx: the PTX has no .target sm_<NN> line; name the target "
                   "(ptx:compute_75=bare.ptx)\n");
  EXPECT_EQ(Keel("create -o x ptx:compute_80=bare.ptx").status, 0);
}

TEST_F(KeelBundleTool, FailedCreateLeavesTheOldOutputAndNoTemporaryFile) {
  ASSERT_EQ(Keel("create -o out ptx=k.ptx").status, 0);
  Bytes before = Read("out");
  EXPECT_EQ(Keel("create -o out cubin=k.ptx").status, 1);
  EXPECT_EQ(Read("out"), before);
  Result r = Keel("create -o no-such-dir/out ptx=k.ptx");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("keel-bundle: cannot create no-such-dir/out.tmp."), std::string::npos) << r.err;
  EXPECT_EQ(std::system(("ls -a '" + dir_ + "' | grep -q tmp").c_str()) == 0, false);
}

TEST_F(KeelBundleTool, ListAndExtractErrors) {
  ASSERT_EQ(Keel("create -o b cubin:sm_80=k.sm_80.cubin cubin:sm_90=k.sm_90.cubin ptx=k.ptx").status, 0);
  Write("garbage", Bytes(100, 0x42));
  Bytes cut = Read("b");
  cut.resize(cut.size() - 3);
  Write("cut", cut);
  struct {
    const char* args;
    int status;
    const char* err;
  } cases[] = {
      {"list", 2, "keel-bundle: list takes one FILE\n"},
      {"list missing", 1, "keel-bundle: cannot open missing: No such file or directory\n"},
      {"list garbage", 1,
       "keel-bundle: garbage: not a valid Keel bundle: not a Keel bundle (it does not start with "
       "\"KEELBNDL\")\n"},
      {"extract b 3 -o out", 1, "keel-bundle: b: no entry 3 (the bundle has 3)\n"},
      {"extract b cubin -o out", 1,
       "keel-bundle: b: the bundle has 2 cubin entries (sm_80, sm_90); name one as cubin:TARGET\n"},
      {"extract b fatbin -o out", 1,
       "keel-bundle: b: the bundle has no fatbin entry (it has cubin sm_80, cubin sm_90, ptx "
       "compute_75)\n"},
      {"extract b cubin:sm_75 -o out", 1,
       "keel-bundle: b: the bundle has no cubin sm_75 entry (it has cubin sm_80, cubin sm_90, ptx "
       "compute_75)\n"},
      {"extract b banana -o out", 1, "keel-bundle: b: 'banana' is not an index, FORMAT or FORMAT:TARGET\n"},
      {"extract b 0", 2, "keel-bundle: extract needs -o OUT\n"},
      {"frobnicate", 2, "keel-bundle: unknown command 'frobnicate'\n"},
      {"", 2, "keel-bundle: no command\n"},
  };
  for (const auto& c : cases) {
    Result r = Keel(c.args);
    EXPECT_EQ(r.status, c.status) << c.args;
    EXPECT_EQ(r.err.substr(0, r.err.find("usage:")), c.err) << c.args;
  }
  Result r = Keel("list cut");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cut: not a valid Keel bundle: truncated: the header says"), std::string::npos)
      << r.err;
  EXPECT_EQ(access(Path("out").c_str(), F_OK), -1);
}

TEST_F(KeelBundleTool, HelpAndVersion) {
  Result r = Keel("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("keel-bundle create -o OUT IMAGE..."), std::string::npos);
  r = Keel("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("(bundle format 1.0)"), std::string::npos) << r.out;
}

}  // namespace
