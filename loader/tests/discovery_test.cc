// Discovery (KEEL_BACKEND_PATH, keel/ beside libkeel, the install prefix),
// selection and priority (KEEL_BACKENDS), and the privileged-process rule.
#include <sys/auxv.h>

#include "loader_test.h"

namespace keel::test {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::IsEmpty;

class Discovery : public LoaderTest {};

TEST_F(Discovery, PathThenBesideLibkeelThenInstallPrefixFirstFileWins) {
  KEEL_CHILD(Env().Path({"alpha"}).Beside({"alpha", "beta"}).WithInstallPrefix());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(Props("alpha").path, FakeFile("alpha"));
  EXPECT_EQ(Props("beta").path, Tmp("lib/keel/libkeel_beta.so"));
  EXPECT_EQ(Props("gamma").path, InstallPluginDir() + "/libkeel_gamma.so");
}

TEST_F(Discovery, PathEntryMayNameAPluginFile) {
  KEEL_CHILD(Env().Path({FakeFile("beta")}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(Props("beta").path, FakeFile("beta"));
}

TEST_F(Discovery, EarlierPathEntryWinsForTheSameName) {
  LinkFake("one", "x", "alpha");
  LinkFake("two", "x", "beta");
  KEEL_CHILD(Env().Path({Tmp("one"), Tmp("two")}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(Props("x").path, Tmp("one/libkeel_x.so"));
  EXPECT_THAT(DeviceNames(), ElementsAre("alpha device 0", "alpha device 1"));
}

TEST_F(Discovery, PathOrderDecidesTheOtherWayRoundToo) {
  LinkFake("one", "x", "alpha");
  LinkFake("two", "x", "beta");
  KEEL_CHILD(Env().Path({Tmp("two"), Tmp("one")}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(DeviceNames(), ElementsAre("beta device 0", "beta device 1"));
}

TEST_F(Discovery, DefaultOrderIsCudaLevelZeroVulkanThenOthersByName) {
  for (auto [as, fake] : {std::pair{"vulkan", "alpha"}, {"zzz", "partial"}, {"cuda", "beta"},
                          {"aaa", "shorttable"}, {"level_zero", "gamma"}})
    LinkFake("plugins", as, fake);
  KEEL_CHILD(Env().Path({Tmp("plugins")}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(BackendOrder(), ElementsAre("cuda", "level_zero", "vulkan", "aaa", "zzz"));
  EXPECT_THAT(DeviceNames(), ElementsAre("beta device 0", "beta device 1", "gamma device 0",
                                         "gamma device 1", "alpha device 0", "alpha device 1",
                                         "shorttable device 0", "shorttable device 1",
                                         "partial device 0", "partial device 1"));
}

TEST_F(Discovery, NothingFoundNamesEverySearchedDirectory) {
  KEEL_CHILD(Env());
  EXPECT_EQ(Init(), KL_ERROR_NO_BACKEND);
  EXPECT_THAT(LastError(), HasSubstr("no backend plugin found (searched: " + DefaultLibkeelDir() +
                                     "/keel, " + DefaultPluginDir() + ")"));
}

TEST_F(Discovery, MissingPathEntriesAreSkipped) {
  KEEL_CHILD(Env().Path({Tmp("no-such-dir"), "", "alpha"}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(BackendOrder(), ElementsAre("alpha"));
}

TEST_F(Discovery, NeverLoadsFromTheWorkingDirectory) {
  LinkFake("work", "alpha", "alpha");
  KEEL_CHILD(Env().Var("KEEL_BACKEND_PATH", "::").Cwd(Tmp("work")));
  EXPECT_EQ(Init(), KL_ERROR_NO_BACKEND);
  EXPECT_THAT(BackendOrder(), IsEmpty());
}

TEST_F(Discovery, RelativePathEntryIsTheUsersChoiceAndIsMadeAbsolute) {
  LinkFake("work/plugins", "alpha", "alpha");
  KEEL_CHILD(Env().Path({"./plugins"}).Cwd(Tmp("work")));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(Props("alpha").path, EndsWith("/work/./plugins/libkeel_alpha.so"));
  EXPECT_EQ(Props("alpha").path[0], '/');
}

TEST_F(Discovery, FileNotNamedLikeAPluginIsIgnored) {
  Symlink("plugins/alpha.so", FakeFile("alpha"));
  KEEL_CHILD(Env().Path({Tmp("plugins"), Tmp("plugins/alpha.so")}));
  EXPECT_EQ(Init(), KL_ERROR_NO_BACKEND);
  EXPECT_THAT(BackendOrder(), IsEmpty());
}

TEST_F(Discovery, PathVariablesAreIgnoredInAPrivilegedProcess) {
  KEEL_CHILD(Env().Path({"alpha"}).Backends("alpha").Privileged());
  if (getauxval(AT_SECURE) == 0) GTEST_SKIP() << "setuid had no effect here (nosuid mount?)";
  EXPECT_EQ(Init(), KL_ERROR_NO_BACKEND);
  EXPECT_THAT(BackendOrder(), IsEmpty());  // neither alpha nor a NOT_FOUND entry for it
}

// ---- selection and priority ---------------------------------------------------------

class Selection : public LoaderTest {};

TEST_F(Selection, KeelBackendsSetsPriorityAndDeviceOrdinals) {
  KEEL_CHILD(Env().Path({"alpha", "beta"}).Backends("beta,alpha"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(BackendOrder(), ElementsAre("beta", "alpha"));
  EXPECT_THAT(DeviceNames(), ElementsAre("beta device 0", "beta device 1", "alpha device 0", "alpha device 1"));
}

TEST_F(Selection, UnselectedBackendIsReportedAndNeverOpened) {
  KEEL_CHILD(Env().Path({"alpha", "beta"}).Backends("beta"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(Props("alpha").status, KL_BACKEND_STATUS_NOT_SELECTED);
  EXPECT_THAT(MappedPlugins(), ElementsAre("beta"));
}

TEST_F(Selection, WithoutKeelBackendsEveryPluginFoundIsOpened) {
  KEEL_CHILD(Env().Path({"alpha", "beta"}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(MappedPlugins(), ElementsAre("alpha", "beta"));
}

TEST_F(Selection, BogusNameIsReportedNotFoundWithTheSearchedPlaces) {
  KEEL_CHILD(Env().Path({"alpha"}).Backends("alpha,bogus"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(Props("bogus").status, KL_BACKEND_STATUS_NOT_FOUND);
  EXPECT_THAT(Props("bogus").reason, HasSubstr("no libkeel_bogus.so was found (searched: " + FakeDir("alpha")));
}

TEST_F(Selection, OnlyBogusNamesFailWithNoBackend) {
  KEEL_CHILD(Env().Path({"alpha"}).Backends("bogus"));
  EXPECT_EQ(Init(), KL_ERROR_NO_BACKEND);
  EXPECT_THAT(LastError(), HasSubstr("bogus: not found (KEEL_BACKENDS names 'bogus'"));
}

TEST_F(Selection, NamesAreTrimmedAndDuplicatesDropped) {
  KEEL_CHILD(Env().Path({"alpha", "beta"}).Backends(" beta , alpha,beta,,"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(BackendOrder(), ElementsAre("beta", "alpha"));
}

TEST_F(Selection, BackendIndexAttributeFollowsThePriority) {
  KEEL_CHILD(Env().Path({"alpha", "beta"}).Backends("beta,alpha"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  int index[2] = {-1, -1};
  EXPECT_EQ(klDeviceGetAttribute(&index[0], KL_DEVICE_ATTRIBUTE_BACKEND, Device(0)), KL_SUCCESS);
  EXPECT_EQ(klDeviceGetAttribute(&index[1], KL_DEVICE_ATTRIBUTE_BACKEND, Device(3)), KL_SUCCESS);
  EXPECT_THAT(index, ElementsAre(0, 1));
}

}  // namespace
}  // namespace keel::test
