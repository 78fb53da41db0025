#include "openadcs/daemon/state_directory.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace openadcs::daemon {

Status EnsureStateDirectory(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument(
          fmt::format("state directory {} exists and is not a directory", dir.string()));
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
      spdlog::warn("state directory {} is open to group or others (mode {:04o}); 0700 expected",
                   dir.string(), st.st_mode & 07777);
    }
    return Status::Ok();
  }
  if (errno != ENOENT) {
    return Status::IOError(
        fmt::format("state directory {}: {}", dir.string(), std::strerror(errno)));
  }
  std::error_code ec;
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  if (ec) {
    return Status::IOError(
        fmt::format("cannot create {}: {}", dir.parent_path().string(), ec.message()));
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IOError(
        fmt::format("cannot create state directory {}: {}", dir.string(), std::strerror(errno)));
  }
  // mkdir's mode passes through the umask; the directory must be exactly 0700.
  if (::chmod(dir.c_str(), 0700) != 0) {
    return Status::IOError(
        fmt::format("cannot chmod state directory {}: {}", dir.string(), std::strerror(errno)));
  }
  spdlog::info("created state directory {}", dir.string());
  return Status::Ok();
}

}  // namespace openadcs::daemon
