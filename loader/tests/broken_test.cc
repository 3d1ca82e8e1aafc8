// Broken and hostile plugins are skipped, never fatal, and each one's reason
// is visible through klGetBackendProperties, keel-info (text and --json) and
// KEEL_LOG=debug, while the other backends keep working.
#include <thread>

#include "loader_test.h"

namespace keel::test {
namespace {

using ::testing::ContainsRegex;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Broken {
  const char* name;           // the candidate's name (libkeel_<name>.so in Tmp("plugins"))
  KLbackendStatus status;
  const char* status_text;    // as keel-info and the log print it
  const char* reason;         // a part of the reason
};

const Broken kBroken[] = {
    {"nodevice", KL_BACKEND_STATUS_NO_DEVICES, "no devices",
     "nodevice: no device (simulated: driver not installed)"},
    {"empty", KL_BACKEND_STATUS_NO_DEVICES, "no devices", "the backend reported 0 devices"},
    {"wrongversion", KL_BACKEND_STATUS_VERSION_MISMATCH, "version mismatch",
     "negotiation failed (loader speaks interface 1): wrongversion speaks only interface 99"},
    {"badchoice", KL_BACKEND_STATUS_VERSION_MISMATCH, "version mismatch",
     "plugin chose interface version 7, loader speaks 1..1"},
    {"noentry", KL_BACKEND_STATUS_LOAD_FAILED, "failed to load",
     "not a Keel backend: missing entry point keelBackendNegotiate"},
    {"unresolved", KL_BACKEND_STATUS_LOAD_FAILED, "failed to load",
     "undefined symbol: keel_fake_symbol_that_does_not_exist"},
    {"initfail", KL_BACKEND_STATUS_INIT_FAILED, "init failed",
     "init failed (KL_ERROR_UNKNOWN): initfail: simulated native failure FAKE_ERROR_DRIVER (42)"},
    {"nullhandles", KL_BACKEND_STATUS_INIT_FAILED, "init failed",
     "plugin returned an invalid device handle"},
    // Not plugins at all, planted by Plant() below.
    {"directory", KL_BACKEND_STATUS_LOAD_FAILED, "failed to load", "not a regular file (a directory)"},
    {"fifo", KL_BACKEND_STATUS_LOAD_FAILED, "failed to load", "not a regular file (a FIFO)"},
    {"dangling", KL_BACKEND_STATUS_LOAD_FAILED, "failed to load", "dangling symbolic link to /nonexistent/libkeel_x.so"},
    {"notelf", KL_BACKEND_STATUS_LOAD_FAILED, "failed to load", "invalid ELF header"},
};

void PrintTo(const Broken& broken, std::ostream* os) { *os << broken.name; }

class BrokenBackend : public LoaderTest, public ::testing::WithParamInterface<Broken> {
 protected:
  // Puts the broken candidate in Tmp("plugins"); the environment has alpha too.
  Env Plant() {
    const std::string name = GetParam().name, file = "plugins/libkeel_" + name + ".so";
    if (name == "directory") MakeDir(file);
    else if (name == "fifo") MakeFifo(file);
    else if (name == "dangling") Symlink(file, "/nonexistent/libkeel_x.so");
    else if (name == "notelf") WriteFile(file, std::string(200, '#') + "\nnot a shared object\n");
    else LinkFake("plugins", name, name);
    return Env().Path({"alpha", Tmp("plugins")});
  }
  std::string Name() const { return GetParam().name; }
};

TEST_P(BrokenBackend, IsSkippedWithItsReasonWhileTheOthersWork) {
  KEEL_CHILD(Plant());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(Props(Name()).status, GetParam().status);
  EXPECT_THAT(Props(Name()).reason, HasSubstr(GetParam().reason));
  EXPECT_THAT(DeviceNames(), ElementsAre("alpha device 0", "alpha device 1"));
}

TEST_P(BrokenBackend, IsShownByKeelInfo) {
  Ran info = KeelInfo(Plant());
  EXPECT_EQ(info.exit_code, 0) << info.out << info.err;
  EXPECT_THAT(info.out, ContainsRegex(Name() + " +" + GetParam().status_text + " +devices=0"));
  EXPECT_THAT(info.out, ContainsRegex("reason: [^\n]*" + RegexEscape(GetParam().reason)));
}

TEST_P(BrokenBackend, IsShownByKeelInfoJson) {
  Ran info = KeelInfo(Plant(), {"--json"});
  EXPECT_TRUE(IsValidJson(info.out)) << info.out;
  EXPECT_THAT(info.out, HasSubstr("{\"name\": \"" + Name() + "\", \"status\": \"" + GetParam().status_text + "\""));
  EXPECT_THAT(info.out, HasSubstr(GetParam().reason));
}

TEST_P(BrokenBackend, IsLoggedAtDebugLevel) {
  KEEL_CHILD(Plant().Log("debug"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(ReadFile(Tmp("keel.log")), HasSubstr("candidate " + Name() + ": " + Tmp("plugins/libkeel_" + Name() + ".so")));
  EXPECT_THAT(ReadFile(Tmp("keel.log")), HasSubstr("backend " + Name() + ": " + GetParam().status_text + ": "));
  EXPECT_THAT(ReadFile(Tmp("keel.log")), HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(Variants, BrokenBackend, ::testing::ValuesIn(kBroken),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- when nothing is usable ---------------------------------------------------------

class NothingUsable : public LoaderTest {};

TEST_F(NothingUsable, NoBackendMessageListsEveryCandidateAndWhy) {
  KEEL_CHILD(Env().Path({"wrongversion", "noentry", "unresolved"}));
  EXPECT_EQ(Init(), KL_ERROR_NO_BACKEND);
  EXPECT_THAT(LastError(), ContainsRegex("^klInit: no backend loaded; noentry: failed to load \\(.*missing entry point.*; "
                                         "unresolved: failed to load \\(.*undefined symbol.*; "
                                         "wrongversion: version mismatch \\(.*speaks only interface 99"));
}

TEST_F(NothingUsable, NoDeviceWhenBackendsLoadButNoneHasADevice) {
  KEEL_CHILD(Env().Path({"nodevice", "empty", "initfail"}));
  EXPECT_EQ(Init(), KL_ERROR_NO_DEVICE);
  EXPECT_THAT(LastError(), ContainsRegex("^klInit: no device found; empty: no devices \\(the backend reported 0 devices\\); "
                                         "initfail: init failed .*; nodevice: no devices \\(nodevice: no device"));
}

TEST_F(NothingUsable, EveryLaterCallOnEveryThreadGetsTheSameCodeAndMessage) {
  KEEL_CHILD(Env().Path({"wrongversion"}));
  ASSERT_EQ(Init(), KL_ERROR_NO_BACKEND);
  const std::string first = LastError();
  klGetErrorName(KL_ERROR_UNKNOWN, nullptr);  // an unrelated failure in between
  EXPECT_EQ(Init(), KL_ERROR_NO_BACKEND);
  EXPECT_EQ(LastError(), first);
  std::thread([&] { EXPECT_EQ(Init(), KL_ERROR_NO_BACKEND); EXPECT_EQ(LastError(), first); }).join();
}

TEST_F(NothingUsable, BackendQueriesStillWorkAfterAFailedInit) {
  KEEL_CHILD(Env().Path({"wrongversion"}));
  EXPECT_EQ(Init(), KL_ERROR_NO_BACKEND);
  EXPECT_EQ(Props("wrongversion").status, KL_BACKEND_STATUS_VERSION_MISMATCH);
  EXPECT_THAT(DeviceNames(), IsEmpty());
}

TEST_F(NothingUsable, KeelInfoExitsNonZeroAndSaysWhy) {
  Ran info = KeelInfo(Env().Path({"nodevice"}));
  EXPECT_EQ(info.exit_code, 1);
  EXPECT_THAT(info.out, HasSubstr("klInit: KL_ERROR_NO_DEVICE: klInit: no device found; nodevice: no devices"));
  EXPECT_THAT(info.out, HasSubstr("Devices: 0"));
}

TEST_F(NothingUsable, KeelInfoJsonCarriesTheInitResult) {
  Ran info = KeelInfo(Env().Path({"nodevice"}), {"--json"});
  EXPECT_TRUE(IsValidJson(info.out)) << info.out;
  EXPECT_THAT(info.out, HasSubstr("\"init_result\": \"KL_ERROR_NO_DEVICE\""));
  EXPECT_THAT(info.out, HasSubstr("\"devices\": [\n  ]"));
}

// ---- keel-info on good backends -------------------------------------------------------

class KeelInfoTool : public LoaderTest {};

TEST_F(KeelInfoTool, ListsDevicesWithTheirBackendAndAttributes) {
  Ran info = KeelInfo(Env().Path({"alpha", "beta"}).Backends("beta,alpha"));
  EXPECT_EQ(info.exit_code, 0) << info.out << info.err;
  EXPECT_THAT(info.out, ContainsRegex("\\[0\\] beta device 0\n +backend: beta "));
  EXPECT_THAT(info.out, ContainsRegex("\\[3\\] alpha device 1\n +backend: alpha "));
  EXPECT_THAT(info.out, ContainsRegex("max_threads_per_block +1001\n"));  // the fake answers 1000 + attribute
}

TEST_F(KeelInfoTool, JsonListsBackendsAndDevices) {
  Ran info = KeelInfo(Env().Path({"alpha", "beta"}).Backends("beta,alpha"), {"--json"});
  EXPECT_TRUE(IsValidJson(info.out)) << info.out;
  EXPECT_THAT(info.out, HasSubstr("{\"name\": \"beta\", \"status\": \"loaded\", \"devices\": 2, \"interface_version\": 1"));
  EXPECT_THAT(info.out, HasSubstr("{\"ordinal\": 2, \"name\": \"alpha device 0\", \"backend\": \"alpha\""));
}

TEST_F(KeelInfoTool, RejectsUnknownOptions) {
  Ran info = KeelInfo(Env(), {"--frobnicate"});
  EXPECT_EQ(info.exit_code, 2);
  EXPECT_THAT(info.err, HasSubstr("unknown option '--frobnicate'"));
}

// ---- logging ---------------------------------------------------------------------------

class Logging : public LoaderTest {};

TEST_F(Logging, SilentByDefaultWhenInitSucceeds) {
  KEEL_CHILD(Env().Path({"alpha", "wrongversion"}).Var("KEEL_LOG_FILE", Tmp("keel.log")));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(ReadFile(Tmp("keel.log")), "");
}

TEST_F(Logging, InitFailureIsLoggedAtTheDefaultLevel) {
  KEEL_CHILD(Env().Path({"wrongversion"}).Var("KEEL_LOG_FILE", Tmp("keel.log")));
  EXPECT_EQ(Init(), KL_ERROR_NO_BACKEND);
  EXPECT_THAT(ReadFile(Tmp("keel.log")), ContainsRegex("^keel: error: klInit: no backend loaded; wrongversion: version mismatch"));
}

TEST_F(Logging, DebugShowsPathsCandidatesNegotiationAndDevices) {
  KEEL_CHILD(Env().Path({"alpha", Tmp("missing")}).Log("debug"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(ReadFile(Tmp("keel.log")), HasSubstr("keel: debug: KEEL_BACKEND_PATH=" + FakeDir("alpha") + ":" + Tmp("missing")));
  EXPECT_THAT(ReadFile(Tmp("keel.log")), HasSubstr("keel: info: KEEL_BACKEND_PATH entry '" + Tmp("missing") + "': No such file"));
  EXPECT_THAT(ReadFile(Tmp("keel.log")), ContainsRegex("keel: debug: alpha: interface 1, table [0-9]+ of [0-9]+ bytes, version 'fake alpha 1.0'"));
  EXPECT_THAT(ReadFile(Tmp("keel.log")), HasSubstr("keel: info: device 1: alpha device 1 (alpha)"));
}

TEST_F(Logging, TimeStampsEveryLineWhenAsked) {
  KEEL_CHILD(Env().Path({"alpha"}).Log("debug").Var("KEEL_LOG_TIME", "1"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  std::string log = ReadFile(Tmp("keel.log"));
  EXPECT_THAT(log, ContainsRegex("keel: \\+[0-9]+\\.[0-9]{3} ms info: backend alpha: loaded, 2 device\\(s\\)"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("keel: debug:")));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("keel: info:")));
}

TEST_F(Logging, InfoLevelLeavesOutDebugLines) {
  KEEL_CHILD(Env().Path({"alpha"}).Log("info"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(ReadFile(Tmp("keel.log")), HasSubstr("keel: info: backend alpha: loaded, 2 device(s)"));
  EXPECT_THAT(ReadFile(Tmp("keel.log")), ::testing::Not(HasSubstr("debug")));
}

TEST_F(Logging, FailingCallsAreLoggedAtWarn) {
  KEEL_CHILD(Env().Path({"alpha"}).Log("warn"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(klStreamDestroy(nullptr), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(ReadFile(Tmp("keel.log")), HasSubstr("keel: warn: klStreamDestroy: hStream is NULL\n"));
}

TEST_F(Logging, UnknownLevelIsReportedOnStderr) {
  Ran info = KeelInfo(Env().Path({"alpha"}).Var("KEEL_LOG", "chatty"));
  EXPECT_THAT(info.err, HasSubstr("keel: warning: unknown KEEL_LOG value 'chatty'"));
}

// ---- hostile layouts ----------------------------------------------------------------------

class Hostile : public LoaderTest {};

TEST_F(Hostile, OneFileUnderTwoNamesIsLoadedOnce) {
  LinkFake("plugins", "first", "alpha");
  LinkFake("plugins", "second", "alpha");
  KEEL_CHILD(Env().Path({Tmp("plugins")}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(Props("second").reason, HasSubstr("same library as backend first"));
  int index = -1;
  EXPECT_EQ(klDeviceGetAttribute(&index, KL_DEVICE_ATTRIBUTE_BACKEND, Device(0)), KL_SUCCESS);
  EXPECT_EQ(index, 0);  // alpha's devices still belong to "first"
}

TEST_F(Hostile, DanglingLinkNamedInThePathIsReported) {
  Symlink("libkeel_gone.so", Tmp("nowhere.so"));
  KEEL_CHILD(Env().Path({"alpha", Tmp("libkeel_gone.so")}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(Props("gone").reason, "dangling symbolic link to " + Tmp("nowhere.so"));
}

}  // namespace
}  // namespace keel::test
