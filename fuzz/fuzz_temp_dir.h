// A scratch folder for targets that need files: under /dev/shm when it
// exists (fsync and rename cost nothing there), made once per process and
// removed at exit. Header-only: fuzz/CMakeLists.txt builds one executable
// per *_fuzz.cc.
#ifndef OPENADCS_FUZZ_FUZZ_TEMP_DIR_H_
#define OPENADCS_FUZZ_FUZZ_TEMP_DIR_H_

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace openadcs::fuzz {

inline const std::filesystem::path& FuzzTempDir() {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    std::string pattern = (base / "openadcs-fuzz.XXXXXX").string();
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
