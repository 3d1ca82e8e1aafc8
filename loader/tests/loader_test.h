// The fixture of the loader tests.
//
// klInit runs once per process, so every test that initializes Keel runs its
// body in a child process with an environment of its own: the first line of
// such a test is KEEL_CHILD(Env()...). In the gtest process that line spawns
// this same executable filtered to this one test, with the environment the
// Env describes, waits for it and reports its result; in the child it returns
// and the rest of the body runs there, against a fresh loader.
//
// Paths in the environment are laid out by the parent in a temporary
// directory (Tmp()); filesystem helpers do nothing in the child, where Tmp()
// names the same directory.
#ifndef KEEL_LOADER_TESTS_LOADER_TEST_H_
#define KEEL_LOADER_TESTS_LOADER_TEST_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <map>
#include <string>
#include <vector>

#include "fakes/fake_backend.h"

namespace keel::test {

// Where the test plugins and the test builds of libkeel are.
std::string FakeDir(const std::string& fake);   // the directory the fake was built in
std::string FakeFile(const std::string& fake);  // its libkeel_<fake>.so
std::string InstallPluginDir();   // the install plugin dir of WithInstallPrefix()'s libkeel
std::string DefaultPluginDir();   // the install plugin dir of the default test libkeel
std::string DefaultLibkeelDir();  // the directory of the default test libkeel

// The environment of a child process. Every KEEL_* variable of the test's own
// environment is dropped; only what is set here reaches the child.
class Env {
 public:
  // KEEL_BACKEND_PATH, ':'-joined. A bare fake name ("alpha") stands for the
  // directory its plugin was built in; anything else is used as written.
  Env& Path(std::vector<std::string> entries);
  // KEEL_BACKENDS.
  Env& Backends(std::string list) { return Var("KEEL_BACKENDS", std::move(list)); }
  // Runs against a private copy of libkeel in Tmp("lib") whose keel/
  // directory holds links to these fakes.
  Env& Beside(std::vector<std::string> fakes);
  // Runs against the libkeel built with an install plugin directory that
  // holds alpha, beta and gamma (InstallPluginDir()).
  Env& WithInstallPrefix();
  // KEEL_LOG=level and KEEL_LOG_FILE=Tmp("keel.log").
  Env& Log(std::string level);
  Env& Var(std::string name, std::string value);
  // The child's working directory.
  Env& Cwd(std::string dir);
  // Runs the child setuid to nobody (AT_SECURE set). Needs root.
  Env& Privileged();

 private:
  friend class LoaderTest;
  std::map<std::string, std::string> vars_;
  std::vector<std::string> beside_;
  bool beside_set_ = false;
  bool prefix_ = false;
  bool privileged_ = false;
  std::string cwd_;
};

// What a spawned program did.
struct Ran {
  int exit_code = -1;  // -1 if it did not exit normally
  std::string out;     // stdout
  std::string err;     // stderr
};

// One backend candidate as klGetBackendProperties describes it.
struct Backend {
  std::string name, path, reason, version;
  KLbackendStatus status = KL_BACKEND_STATUS_INVALID;
  int devices = 0, interface_version = 0;
};

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Parent: runs the current test in a child with `env`, returns true.
  // Child: returns false.
  bool RunInChild(const Env& env);
  static bool IsChild();

  // ---- paths -----------------------------------------------------------------
  std::string Tmp(const std::string& relative = "") const;

  // ---- filesystem setup (parent only) ------------------------------------------
  // Tmp(dir)/libkeel_<as>.so -> the plugin of `fake`.
  void LinkFake(const std::string& dir, const std::string& as, const std::string& fake);
  void Symlink(const std::string& relative, const std::string& target);
  void WriteFile(const std::string& relative, const std::string& content);
  void MakeDir(const std::string& relative);
  void MakeFifo(const std::string& relative);

  // ---- programs ------------------------------------------------------------------
  // Runs keel-info with `args` in `env` (against the test libkeel).
  Ran KeelInfo(const Env& env, std::vector<std::string> args = {});


 public:
  // ---- child-side helpers ----------------------------------------------------------
  static KLresult Init() { return klInit(0); }
  static std::string LastError();
  static std::vector<Backend> Backends();
  static Backend Props(const std::string& name);  // fails the test if there is no such candidate
  static std::vector<std::string> BackendOrder();
  static KLdevice Device(int ordinal);
  static std::vector<std::string> DeviceNames();
  static KeelFakeStats* Stats(const std::string& backend);  // nullptr if its plugin is not loaded
  static std::vector<std::string> MappedPlugins();  // libkeel_<name>.so mapped in this process
  static std::string ReadFile(const std::string& path);
  static KeelFakeObject* Fake(const void* handle) {
    return static_cast<KeelFakeObject*>(const_cast<void*>(handle));
  }

 private:
  Ran Spawn(const std::string& exe, const std::vector<std::string>& args, const Env& env,
            bool merge_output);
  std::string tmp_;
  int spawned_ = 0;
};

// Substring matcher with a readable failure message.
using ::testing::HasSubstr;

// `text` with every character special to a POSIX extended regex escaped.
std::string RegexEscape(const std::string& text);

// Checks that `text` is one well-formed JSON value.
bool IsValidJson(const std::string& text);

}  // namespace keel::test

// First line of a test body that needs a fresh process.
#define KEEL_CHILD(env) \
  if (RunInChild(env)) return

#endif  // KEEL_LOADER_TESTS_LOADER_TEST_H_
