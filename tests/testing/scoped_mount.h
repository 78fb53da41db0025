// A mount a test makes (in the mount namespace CMake runs it in), undone on
// destruction.
#ifndef OPENADCS_TESTS_TESTING_SCOPED_MOUNT_H_
#define OPENADCS_TESTS_TESTING_SCOPED_MOUNT_H_

#include <filesystem>
#include <string>

namespace openadcs::testing {

class ScopedMount {
 public:
  ScopedMount() = default;
  // Unmounts lazily (a process may still hold files there), before the
  // directory holding the mount point goes: declare it after that directory.
  ~ScopedMount();
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;

  // mount(2) of `source` as `type` on `target` with `flags` and `options`.
  // Once per object. False, with errno set, when it fails.
  bool Make(const std::string& source, const std::filesystem::path& target, const std::string& type,
            unsigned long flags,  // NOLINT(google-runtime-int): mount(2)'s
            const std::string& options);

 private:
  std::filesystem::path at_;
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_SCOPED_MOUNT_H_
