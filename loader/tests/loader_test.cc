#include "loader_test.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace fs = std::filesystem;

// In sanitizer builds: LeakSanitizer cannot stop the world in a setuid
// process (ptrace between its real and effective users is denied), so the
// privileged child runs without the leak check. The same code runs
// unprivileged, with the check, in every other test. Unused otherwise.
extern "C" __attribute__((visibility("default"), used)) const char* __asan_default_options() {
  return getauxval(AT_SECURE) != 0 ? "detect_leaks=0" : "";
}

namespace keel::test {
namespace {

constexpr const char kChildVar[] = "KEEL_LOADER_TEST_CHILD";
constexpr const char kTmpVar[] = "KEEL_LOADER_TEST_TMP";
constexpr const char kExpectLibVar[] = "KEEL_LOADER_TEST_EXPECT_LIBKEEL";
constexpr const char kTmpPlaceholder[] = "@TMP@";
constexpr int kChildTimeoutSeconds = 120;

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string SelfExe() { return fs::read_symlink("/proc/self/exe").string(); }

std::string Dirname(const std::string& path) { return fs::path(path).parent_path().string(); }

// "/x/libkeel_alpha.so" -> "alpha"; "" if the name does not match.
std::string PluginName(const std::string& path) {
  std::string base = fs::path(path).filename().string();
  if (!StartsWith(base, "libkeel_") || base.size() <= 11 || base.substr(base.size() - 3) != ".so")
    return "";
  return base.substr(8, base.size() - 11);
}

}  // namespace

std::string FakeDir(const std::string& fake) { return std::string(KEEL_TEST_FAKES_DIR) + "/" + fake; }
std::string FakeFile(const std::string& fake) { return FakeDir(fake) + "/libkeel_" + fake + ".so"; }
std::string InstallPluginDir() { return KEEL_TEST_PLUGINDIR_PREFIXED; }
std::string DefaultPluginDir() { return KEEL_TEST_PLUGINDIR_DEFAULT; }
std::string DefaultLibkeelDir() { return Dirname(KEEL_TEST_LIBKEEL_DEFAULT); }

// ---- Env ----------------------------------------------------------------------

Env& Env::Path(std::vector<std::string> entries) {
  std::string joined;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) joined += ':';
    bool bare = !entries[i].empty() && entries[i].find('/') == std::string::npos;
    joined += bare ? FakeDir(entries[i]) : entries[i];
  }
  return Var("KEEL_BACKEND_PATH", joined);
}

Env& Env::Beside(std::vector<std::string> fakes) {
  beside_ = std::move(fakes);
  beside_set_ = true;
  return *this;
}

Env& Env::WithInstallPrefix() {
  prefix_ = true;
  return *this;
}

Env& Env::Log(std::string level) {
  Var("KEEL_LOG", std::move(level));
  return Var("KEEL_LOG_FILE", std::string(kTmpPlaceholder) + "/keel.log");
}

Env& Env::Var(std::string name, std::string value) {
  vars_[std::move(name)] = std::move(value);
  return *this;
}

Env& Env::Cwd(std::string dir) {
  cwd_ = std::move(dir);
  return *this;
}

Env& Env::Privileged() {
  privileged_ = true;
  return *this;
}

// ---- fixture --------------------------------------------------------------------

bool LoaderTest::IsChild() { return std::getenv(kChildVar) != nullptr; }

void LoaderTest::SetUp() {
  if (IsChild()) {
    const char* tmp = std::getenv(kTmpVar);
    ASSERT_NE(tmp, nullptr) << kTmpVar << " is not set in the child";
    tmp_ = tmp;
    // A child that silently ran against another libkeel would prove nothing.
    if (const char* expect = std::getenv(kExpectLibVar)) {
      Dl_info info;
      ASSERT_NE(dladdr(reinterpret_cast<void*>(&klInit), &info), 0);
      ASSERT_EQ(fs::canonical(Dirname(info.dli_fname)).string(), fs::canonical(expect).string())
          << "the child runs " << info.dli_fname;
    }
    return;
  }
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/keel-loader-test.XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
  tmp_ = pattern;
  chmod(tmp_.c_str(), 0755);  // a privileged child runs as nobody
}

void LoaderTest::TearDown() {
  if (IsChild() || tmp_.empty()) return;
  std::error_code ignored;
  fs::remove_all(tmp_, ignored);
}

std::string LoaderTest::Tmp(const std::string& relative) const {
  return relative.empty() ? tmp_ : tmp_ + "/" + relative;
}

void LoaderTest::LinkFake(const std::string& dir, const std::string& as, const std::string& fake) {
  Symlink(dir + "/libkeel_" + as + ".so", FakeFile(fake));
}

void LoaderTest::Symlink(const std::string& relative, const std::string& target) {
  if (IsChild()) return;
  fs::path link = Tmp(relative);
  fs::create_directories(link.parent_path());
  std::error_code ignored;
  fs::remove(link, ignored);
  fs::create_symlink(target, link);
}

void LoaderTest::WriteFile(const std::string& relative, const std::string& content) {
  if (IsChild()) return;
  fs::path file = Tmp(relative);
  fs::create_directories(file.parent_path());
  std::ofstream(file) << content;
}

void LoaderTest::MakeDir(const std::string& relative) {
  if (IsChild()) return;
  fs::create_directories(Tmp(relative));
}

void LoaderTest::MakeFifo(const std::string& relative) {
  if (IsChild()) return;
  fs::create_directories(fs::path(Tmp(relative)).parent_path());
  ASSERT_EQ(mkfifo(Tmp(relative).c_str(), 0644), 0) << std::strerror(errno);
}

Ran LoaderTest::Spawn(const std::string& exe, const std::vector<std::string>& args, const Env& env,
                      bool merge_output) {
  Ran ran;
  // Lay out the libkeel the child runs against.
  std::string libkeel = env.prefix_ ? KEEL_TEST_LIBKEEL_PREFIXED : KEEL_TEST_LIBKEEL_DEFAULT;
  std::string libdir = Dirname(libkeel);
  if (env.beside_set_) {
    libdir = Tmp("lib");
    fs::create_directories(libdir + "/keel");
    fs::copy_file(libkeel, libdir + "/libkeel.so.1", fs::copy_options::overwrite_existing);
    for (const std::string& fake : env.beside_) LinkFake("lib/keel", fake, fake);
  }

  std::vector<std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string v = *e;
    if (StartsWith(v, "KEEL_") || StartsWith(v, "GTEST_") || StartsWith(v, "LD_LIBRARY_PATH="))
      continue;
    vars.push_back(v);
  }
  for (const auto& [name, value] : env.vars_) {
    std::string v = value;
    for (size_t at; (at = v.find(kTmpPlaceholder)) != std::string::npos;)
      v.replace(at, sizeof kTmpPlaceholder - 1, tmp_);
    vars.push_back(name + "=" + v);
  }
  vars.push_back("LD_LIBRARY_PATH=" + libdir);
  vars.push_back(std::string(kChildVar) + "=1");
  vars.push_back(std::string(kTmpVar) + "=" + tmp_);
  // A setuid child ignores LD_LIBRARY_PATH and runs the default test libkeel.
  vars.push_back(std::string(kExpectLibVar) + "=" + (env.privileged_ ? DefaultLibkeelDir() : libdir));

  std::vector<char*> argv{const_cast<char*>(exe.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);

  const int n = ++spawned_;
  std::string out_file = Tmp("spawn" + std::to_string(n) + ".out");
  std::string err_file = Tmp("spawn" + std::to_string(n) + ".err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (merge_output)
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  else
    posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!env.cwd_.empty()) posix_spawn_file_actions_addchdir_np(&actions, env.cwd_.c_str());
  pid_t pid = -1;
  int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "posix_spawn " << exe << ": " << std::strerror(rc);
    return ran;
  }
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kChildTimeoutSeconds);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << exe << " did not finish within " << kChildTimeoutSeconds << " s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  ran.out = ReadFile(out_file);
  if (!merge_output) ran.err = ReadFile(err_file);
  return ran;
}

namespace {
void ReportSkip(const std::string& why) { GTEST_SKIP() << why; }
}  // namespace

bool LoaderTest::RunInChild(const Env& env) {
  if (IsChild()) return false;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test = std::string(info->test_suite_name()) + "." + info->name();
  std::string exe = SelfExe();
  if (env.privileged_) {
    if (geteuid() != 0) {
      ReportSkip("making a setuid copy of the test needs root");
      return true;
    }
    exe = Tmp("privileged-test");
    fs::copy_file(SelfExe(), exe, fs::copy_options::overwrite_existing);
    if (chown(exe.c_str(), 65534, 65534) != 0 || chmod(exe.c_str(), 04755) != 0) {
      ADD_FAILURE() << "cannot make " << exe << " setuid: " << std::strerror(errno);
      return true;
    }
  }
  Ran ran = Spawn(exe, {"--gtest_filter=" + test, "--gtest_color=no"}, env, true);
  const bool passed = ran.out.find("[       OK ] " + test) != std::string::npos;
  const bool skipped = ran.out.find("[  SKIPPED ] " + test) != std::string::npos;
  if (ran.exit_code == 0 && skipped) {
    ReportSkip("skipped in the child:\n" + ran.out);
  } else if (ran.exit_code != 0 || !passed) {
    ADD_FAILURE() << "the child running " << test << " exited with " << ran.exit_code
                  << "; its output:\n"
                  << ran.out;
  }
  return true;
}

Ran LoaderTest::KeelInfo(const Env& env, std::vector<std::string> args) {
  return Spawn(KEEL_TEST_KEEL_INFO, args, env, false);
}

// ---- child-side helpers -----------------------------------------------------------

std::string LoaderTest::LastError() {
  const char* message = nullptr;
  if (klGetLastErrorMessage(&message) != KL_SUCCESS || message == nullptr) return "<none>";
  return message;
}

std::vector<Backend> LoaderTest::Backends() {
  std::vector<Backend> all;
  int count = 0;
  KLresult r = klGetBackendCount(&count);
  EXPECT_EQ(r, KL_SUCCESS) << LastError();
  for (int i = 0; i < count; ++i) {
    KLbackendProperties p;
    EXPECT_EQ(klGetBackendProperties(&p, i), KL_SUCCESS) << LastError();
    Backend b;
    b.name = p.name;
    b.path = p.path;
    b.reason = p.reason;
    b.version = p.version;
    b.status = p.status;
    b.devices = p.deviceCount;
    b.interface_version = p.interfaceVersion;
    all.push_back(b);
  }
  return all;
}

Backend LoaderTest::Props(const std::string& name) {
  std::string names;
  for (const Backend& b : Backends()) {
    if (b.name == name) return b;
    names += " " + b.name;
  }
  ADD_FAILURE() << "no backend candidate '" << name << "'; candidates:" << names;
  return {};
}

std::vector<std::string> LoaderTest::BackendOrder() {
  std::vector<std::string> names;
  for (const Backend& b : Backends()) names.push_back(b.name);
  return names;
}

KLdevice LoaderTest::Device(int ordinal) {
  KLdevice dev = nullptr;
  EXPECT_EQ(klDeviceGet(&dev, ordinal), KL_SUCCESS) << LastError();
  return dev;
}

std::vector<std::string> LoaderTest::DeviceNames() {
  std::vector<std::string> names;
  int count = 0;
  EXPECT_EQ(klDeviceGetCount(&count), KL_SUCCESS) << LastError();
  for (int i = 0; i < count; ++i) {
    char name[128] = "";
    EXPECT_EQ(klDeviceGetName(name, sizeof name, Device(i)), KL_SUCCESS) << LastError();
    names.emplace_back(name);
  }
  return names;
}

KeelFakeStats* LoaderTest::Stats(const std::string& backend) {
  std::string path = Props(backend).path;
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (lib == nullptr) return nullptr;
  auto stats = reinterpret_cast<PFN_keelFakeStats>(dlsym(lib, KEEL_FAKE_STATS_SYMBOL));
  return stats ? stats() : nullptr;
}

std::vector<std::string> LoaderTest::MappedPlugins() {
  std::set<std::string> names;
  std::istringstream maps(ReadFile("/proc/self/maps"));
  for (std::string line; std::getline(maps, line);) {
    size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string name = PluginName(line.substr(slash));
    if (!name.empty()) names.insert(name);
  }
  return {names.begin(), names.end()};
}

std::string LoaderTest::ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- JSON -----------------------------------------------------------------------

namespace {

class JsonChecker {
 public:
  explicit JsonChecker(const std::string& s) : s_(s) {}
  bool Document() {
    Space();
    if (!Value()) return false;
    Space();
    return i_ == s_.size();
  }

 private:
  void Space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool Eat(char c) {
    Space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Literal(const char* word) {
    size_t n = std::strlen(word);
    if (s_.compare(i_, n, word) != 0) return false;
    i_ += n;
    return true;
  }
  bool String() {
    if (!Eat('"')) return false;
    while (i_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (i_ >= s_.size()) return false;
        char e = s_[i_++];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k)
            if (i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_++]))) return false;
        } else if (std::strchr("\"\\/bfnrt", e) == nullptr) {
          return false;
        }
      }
    }
    return false;
  }
  bool Number() {
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) ||
                              std::strchr(".eE+-", s_[i_]) != nullptr))
      ++i_;
    return i_ > start && std::isdigit(static_cast<unsigned char>(s_[i_ - 1]));
  }
  bool Value() {
    Space();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{') {
      ++i_;
      if (Eat('}')) return true;
      do {
        Space();
        if (!String() || !Eat(':') || !Value()) return false;
      } while (Eat(','));
      return Eat('}');
    }
    if (c == '[') {
      ++i_;
      if (Eat(']')) return true;
      do {
        if (!Value()) return false;
      } while (Eat(','));
      return Eat(']');
    }
    if (c == '"') return String();
    if (c == 't') return Literal("true");
    if (c == 'f') return Literal("false");
    if (c == 'n') return Literal("null");
    return Number();
  }

  const std::string& s_;
  size_t i_ = 0;
};

}  // namespace

std::string RegexEscape(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (std::strchr("\\^$.|?*+()[]{}", c) != nullptr) escaped += '\\';
    escaped += c;
  }
  return escaped;
}

bool IsValidJson(const std::string& text) { return JsonChecker(text).Document(); }

}  // namespace keel::test
