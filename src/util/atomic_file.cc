#include "openadcs/util/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "openadcs/util/write_all.h"

namespace openadcs::util {
namespace {

Status Errno(std::string_view what, const std::string& path) {
  return Status::IOErrorFromErrno(fmt::format("{} {}", what, path));
}

}  // namespace

Status WriteFileAtomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes,
                           mode_t mode, FileOwner owner) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::string name = ".";
  name += path.filename().string();
  name += ".XXXXXX";
  std::string temp = (dir / name).string();
  std::vector<char> templ(temp.begin(), temp.end());
  templ.push_back('\0');
  const int fd = ::mkostemp(templ.data(), O_CLOEXEC);
  if (fd < 0) return Errno("create a temporary file for", path.string());
  temp = templ.data();

  Status status = Status::Ok();
  struct stat dir_stat {};
  if (::fchmod(fd, mode) != 0) {
    status = Errno("chmod", temp);
  } else if (owner == FileOwner::kDirectoryOwnerIfRoot && ::geteuid() == 0 &&
             ::stat(dir.c_str(), &dir_stat) == 0 &&
             ::fchown(fd, dir_stat.st_uid, dir_stat.st_gid) != 0) {
    status = Errno("chown", temp);
  } else if (const int err = WriteAll(fd, bytes.data(), bytes.size()); err != 0) {
    errno = err;
    status = Errno("write", temp);
  }
  if (status.ok() && ::fsync(fd) != 0) status = Errno("fsync", temp);
  if (::close(fd) != 0 && status.ok()) status = Errno("close", temp);
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = Errno("rename into place", path.string());
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  // The rename is durable only once the directory entry is.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Errno("open directory", dir.string());
  const int rc = ::fsync(dir_fd);
  ::close(dir_fd);
  if (rc != 0) return Errno("fsync directory", dir.string());
  return Status::Ok();
}

Status WriteFileAtomically(const std::filesystem::path& path, std::string_view text, mode_t mode,
                           FileOwner owner) {
  return WriteFileAtomically(
      path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), mode,
      owner);
}

}  // namespace openadcs::util
