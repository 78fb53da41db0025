#include "pki/key_files.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "openadcs/util/write_all.h"

namespace openadcs::pki::internal {
namespace {

constexpr mode_t kGroupOtherReadWrite = S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH;

std::string Errno(const std::string& what, const std::filesystem::path& path, int err) {
  return what + " " + path.string() + ": " + std::strerror(err);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.Release()) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Result<std::string> ReadAll(int fd, const std::filesystem::path& path) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(Errno("reading", path, errno));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > kMaxCaFileBytes) {
      return Status::InvalidArgument(path.string() + " is larger than " +
                                     std::to_string(kMaxCaFileBytes) + " bytes");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Result<Fd> Open(const std::filesystem::path& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(Errno("opening", path, err));
    return Status::IOError(Errno("opening", path, err));
  }
  return Result<Fd>(Fd(fd));
}

Status WriteAll(int fd, std::span<const std::uint8_t> data, const std::filesystem::path& path) {
  const int err = util::WriteAll(fd, data.data(), data.size());
  return err == 0 ? Status::Ok() : Status::IOError(Errno("writing", path, err));
}

Status SyncDirectory(const std::filesystem::path& dir) {
  int fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno("opening directory", dir, errno));
  Fd guard(fd);
  if (fsync(fd) != 0) return Status::IOError(Errno("syncing directory", dir, errno));
  return Status::Ok();
}

}  // namespace

Result<std::string> ReadCaFile(const std::filesystem::path& path) {
  Result<Fd> fd = Open(path);
  if (!fd.ok()) return fd.status();
  return ReadAll(fd->get(), path);
}

Result<std::string> ReadSecretFile(const std::filesystem::path& path) {
  Result<Fd> fd = Open(path);
  if (!fd.ok()) return fd.status();
  struct stat st {};
  if (fstat(fd->get(), &st) != 0) return Status::IOError(Errno("stat", path, errno));
  if (!S_ISREG(st.st_mode))
    return Status::InvalidArgument(path.string() + " is not a regular file");
  if ((st.st_mode & kGroupOtherReadWrite) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::PermissionDenied(path.string() + " has mode " + mode +
                                    "; it must not be readable or writable by group or others "
                                    "(chmod 600)");
  }
  return ReadAll(fd->get(), path);
}

Status RemoveStaleTemporaries(const std::filesystem::path& path) {
  const std::string prefix = path.filename().string() + ".tmp-";
  constexpr std::size_t kSuffixBytes = 6;  // mkstemp's XXXXXX
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    // No directory yet: nothing was ever written there.
    if (ec == std::errc::no_such_file_or_directory) return Status::Ok();
    return Status::IOError(dir.string() + ": " + ec.message());
  }
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return Status::IOError(dir.string() + ": " + ec.message());
    const std::filesystem::directory_entry& entry = *it;
    const std::string name = entry.path().filename().string();
    if (name.size() != prefix.size() + kSuffixBytes || name.compare(0, prefix.size(), prefix) != 0)
      continue;
    if (!std::filesystem::remove(entry.path(), ec) && ec) {
      return Status::IOError("removing the stale temporary file " + entry.path().string() + ": " +
                             ec.message());
    }
    spdlog::warn("removed {}, a temporary file a crash left while {} was being written",
                 entry.path().string(), path.string());
  }
  if (ec) return Status::IOError(dir.string() + ": " + ec.message());
  return Status::Ok();
}

Status WriteFilesAtomically(std::span<const FileToWrite> files) {
  std::vector<std::string> temps;
  auto remove_temps = [&temps] {
    for (const std::string& t : temps) unlink(t.c_str());
  };
  for (const FileToWrite& f : files) {
    std::string tmpl = f.path.string() + ".tmp-XXXXXX";
    int raw = mkstemp(tmpl.data());  // O_EXCL, mode 0600
    if (raw < 0) {
      Status st = Status::IOError(Errno("creating a temporary file for", f.path, errno));
      remove_temps();
      return st;
    }
    temps.push_back(tmpl);
    Fd fd(raw);
    Status st = WriteAll(fd.get(), f.contents, tmpl);
    if (st.ok() && f.mode != 0600 && fchmod(fd.get(), f.mode) != 0) {
      st = Status::IOError(Errno("chmod", tmpl, errno));
    }
    if (st.ok() && fsync(fd.get()) != 0) st = Status::IOError(Errno("syncing", tmpl, errno));
    if (st.ok() && close(fd.Release()) != 0) st = Status::IOError(Errno("closing", tmpl, errno));
    if (!st.ok()) {
      remove_temps();
      return st;
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (rename(temps[i].c_str(), files[i].path.c_str()) != 0) {
      Status st = Status::IOError(Errno("renaming into place", files[i].path, errno));
      for (std::size_t k = i; k < temps.size(); ++k) unlink(temps[k].c_str());
      return st;
    }
  }
  for (const FileToWrite& f : files) OPENADCS_RETURN_IF_ERROR(SyncDirectory(f.path.parent_path()));
  return Status::Ok();
}

}  // namespace openadcs::pki::internal
