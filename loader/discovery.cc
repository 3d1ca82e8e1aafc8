// Finding backend plugins. Order (documented in docs/loader.md):
//   1. KEEL_BACKEND_PATH: ':'-separated directories or plugin files
//      (read with secure_getenv, so ignored in setuid/setgid processes);
//   2. the keel/ directory beside libkeel itself;
//   3. the install prefix's plugin directory.
// Never the current directory: relative entries of KEEL_BACKEND_PATH are the
// user's explicit choice and are made absolute before use; nothing else is
// relative.
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

#include "env_parse.h"
#include "loader_internal.h"

#ifndef KEEL_INSTALL_FULL_PLUGINDIR
#define KEEL_INSTALL_FULL_PLUGINDIR "/usr/local/lib/keel"
#endif

namespace keel::loader {
namespace {

constexpr const char kPrefix[] = "libkeel_";
constexpr const char kSuffix[] = ".so";

// "libkeel_cuda.so" -> "cuda"; anything else -> "".
std::string BackendNameFromFile(const std::string& file) {
  const size_t prefix = sizeof kPrefix - 1, suffix = sizeof kSuffix - 1;
  if (file.size() <= prefix + suffix) return "";
  if (file.compare(0, prefix, kPrefix) != 0) return "";
  if (file.compare(file.size() - suffix, suffix, kSuffix) != 0) return "";
  return file.substr(prefix, file.size() - prefix - suffix);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

class Collector {
 public:
  explicit Collector(std::vector<std::string>* searched) : searched_(searched) {}

  // A file named by the user: taken whatever its name, if it is a regular file.
  void AddFile(const std::string& path, std::string name) {
    if (name.empty()) name = BackendNameFromFile(Basename(path));
    if (name.empty()) {
      Log(KL_LOG_WARN, "KEEL_BACKEND_PATH entry '%s' is not named libkeel_<backend>.so; skipped",
          path.c_str());
      return;
    }
    Add(name, path);
  }

  void AddDirectory(const std::string& dir) {
    searched_->push_back(dir);
    Log(KL_LOG_DEBUG, "searching %s", dir.c_str());
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) {
      Log(KL_LOG_DEBUG, "plugin directory %s: %s", dir.c_str(), std::strerror(errno));
      return;
    }
    std::vector<std::string> files;
    while (dirent* e = readdir(d)) files.emplace_back(e->d_name);
    closedir(d);
    std::sort(files.begin(), files.end());  // deterministic order
    for (const std::string& f : files) {
      std::string name = BackendNameFromFile(f);
      if (!name.empty()) Add(name, dir + "/" + f);
    }
  }

  std::vector<Candidate> Take() { return std::move(found_); }

 private:
  void Add(const std::string& name, const std::string& path) {
    for (const Candidate& c : found_) {
      if (c.name == name) {
        Log(KL_LOG_DEBUG, "candidate %s at %s is shadowed by %s", name.c_str(), path.c_str(),
            c.path.c_str());
        return;
      }
    }
    Log(KL_LOG_DEBUG, "candidate %s: %s", name.c_str(), path.c_str());
    found_.push_back({name, path});
  }

  std::vector<std::string>* searched_;
  std::vector<Candidate> found_;
};

// The directory holding libkeel itself, found from one of its own symbols.
std::string LoaderDirectory() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&klInit), &info) == 0 || info.dli_fname == nullptr) return "";
  std::string path = info.dli_fname;
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) != nullptr) path = resolved;
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

}  // namespace

std::vector<Candidate> DiscoverPlugins(std::vector<std::string>* searched_dirs) {
  Collector collector(searched_dirs);
  if (const char* env = secure_getenv("KEEL_BACKEND_PATH")) {
    Log(KL_LOG_DEBUG, "KEEL_BACKEND_PATH=%s", env);
    for (std::string entry : SplitPathList(env)) {
      entry = AbsolutePath(entry);
      struct stat st;
      if (stat(entry.c_str(), &st) != 0) {
        int err = errno;
        // A dangling link named like a plugin is a broken candidate (the
        // reason shows in keel-info); a missing directory is not an error.
        if (lstat(entry.c_str(), &st) == 0 && !BackendNameFromFile(Basename(entry)).empty()) {
          collector.AddFile(entry, "");
        } else {
          Log(KL_LOG_INFO, "KEEL_BACKEND_PATH entry '%s': %s", entry.c_str(), std::strerror(err));
          searched_dirs->push_back(entry);
        }
      } else if (S_ISDIR(st.st_mode)) {
        collector.AddDirectory(entry);
      } else {
        collector.AddFile(entry, "");
      }
    }
  } else if (std::getenv("KEEL_BACKEND_PATH") != nullptr) {
    Log(KL_LOG_WARN, "KEEL_BACKEND_PATH ignored in a privileged (setuid/setgid) process");
  }
  std::string own = LoaderDirectory();
  if (!own.empty()) collector.AddDirectory(own + "/keel");
  std::string installed = KEEL_INSTALL_FULL_PLUGINDIR;
  if (own.empty() || installed != own + "/keel") collector.AddDirectory(installed);
  return collector.Take();
}

std::vector<std::string> SelectedBackendNames() {
  const char* env = secure_getenv("KEEL_BACKENDS");
  return env == nullptr ? std::vector<std::string>() : ParseNameList(env);
}

}  // namespace keel::loader
