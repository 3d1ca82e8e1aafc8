// A getenv stand-in over a test-owned map, and a recorder of the warnings a
// settings parser reports (GetenvFn and WarnSettingFn of parallel_copy.h),
// for the tests of the backends' settings.
#ifndef KEEL_BACKENDS_COMMON_TESTS_FAKE_ENV_H_
#define KEEL_BACKENDS_COMMON_TESTS_FAKE_ENV_H_

#include <map>
#include <string>
#include <vector>

namespace keel::test {

// The live FakeEnv is the one Get and Warn use (one at a time).
class FakeEnv {
 public:
  FakeEnv() { current_ = this; }
  ~FakeEnv() { current_ = nullptr; }
  FakeEnv(const FakeEnv&) = delete;
  FakeEnv& operator=(const FakeEnv&) = delete;

  static const char* Get(const char* name) {
    auto it = current_->vars.find(name);
    return it == current_->vars.end() ? nullptr : it->second.c_str();
  }
  static void Warn(const char* name, const char*) { current_->warned.push_back(name); }

  std::map<std::string, std::string> vars;
  std::vector<std::string> warned;  // names, in the order reported

 private:
  static inline FakeEnv* current_ = nullptr;
};

}  // namespace keel::test

#endif  // KEEL_BACKENDS_COMMON_TESTS_FAKE_ENV_H_
