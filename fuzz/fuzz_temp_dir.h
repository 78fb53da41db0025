// A scratch folder for targets that need files: under /dev/shm when it
// exists (fsync and rename cost nothing there), made once per process and
// removed at exit. A process that crashes or is killed never reaches its
// atexit handler, so each folder carries its process id and the next target
// to start removes those of processes that are gone. Header-only:
// fuzz/CMakeLists.txt builds one executable per *_fuzz.cc.
#ifndef OPENADCS_FUZZ_FUZZ_TEMP_DIR_H_
#define OPENADCS_FUZZ_FUZZ_TEMP_DIR_H_

#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace openadcs::fuzz {

inline constexpr std::string_view kFuzzTempPrefix = "openadcs-fuzz.";

// Removes the folders under `base` left by fuzz processes that no longer
// exist ("openadcs-fuzz.<pid>.XXXXXX"). A process id reused by another
// process keeps its folder until that one is gone too.
inline void RemoveFoldersOfDeadProcesses(const std::filesystem::path& base) {
  // The non-throwing increment: a starting sibling may remove entries as
  // this one reads the folder.
  std::error_code ec;
  for (std::filesystem::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const std::filesystem::directory_entry& entry = *it;
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kFuzzTempPrefix)) continue;
    const std::string_view rest = std::string_view(name).substr(kFuzzTempPrefix.size());
    pid_t pid = 0;
    const auto [digits_end, err] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (err != std::errc() || digits_end == rest.data() || *digits_end != '.' || pid <= 0) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    std::filesystem::remove_all(entry.path(), ignored);
  }
}

inline const std::filesystem::path& FuzzTempDir() {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    RemoveFoldersOfDeadProcesses(base);
    std::string pattern =
        (base / (std::string(kFuzzTempPrefix) + std::to_string(::getpid()) + ".XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    return std::filesystem::path(pattern);
  }();
  static const bool cleanup = [] {
    return std::atexit([] {
             std::error_code ec;
             std::filesystem::remove_all(dir, ec);
           }) == 0;
  }();
  (void)cleanup;
  return dir;
}

}  // namespace openadcs::fuzz

#endif  // OPENADCS_FUZZ_FUZZ_TEMP_DIR_H_
