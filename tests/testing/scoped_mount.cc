#include "testing/scoped_mount.h"

#include <sys/mount.h>

namespace openadcs::testing {

ScopedMount::~ScopedMount() {
  if (!at_.empty()) ::umount2(at_.c_str(), MNT_DETACH);
}

bool ScopedMount::Make(const std::string& source, const std::filesystem::path& target,
                       const std::string& type,
                       unsigned long flags,  // NOLINT(google-runtime-int): mount(2)'s
                       const std::string& options) {
  if (::mount(source.c_str(), target.c_str(), type.c_str(), flags, options.c_str()) != 0) {
    return false;
  }
  at_ = target;
  return true;
}

}  // namespace openadcs::testing
