#include "directory/entry_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "openadcs/util/bytes.h"

namespace openadcs::directory {
namespace {

Status Errno(const std::filesystem::path& path, const char* what) {
  return Status::IOErrorFromErrno(path.string() + ": " + what);
}

Status WriteAll(int fd, const std::string& contents, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno(path, "write");
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

// An empty value is "name:" (RFC 2849's empty value-spec): libldap refuses
// the whole record for "name:: " with nothing after it.
void AppendLine(std::string& out, std::string_view name, std::span<const std::uint8_t> value) {
  out += name;
  out += value.empty() ? ":" : ":: " + Base64Encode(value);
  out += '\n';
}

bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 4512 1.4: numericoid = number 1*( DOT number ), without leading zeros.
bool IsNumericOid(std::string_view s) {
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    while (i < s.size() && IsAsciiDigit(s[i])) ++i;
    if (i == start || (s[start] == '0' && i - start > 1)) return false;
    if (i == s.size()) return true;
    if (s[i] != '.') return false;
    ++i;
  }
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool SnapshotKeeps(std::string_view attribute) {
  if (attribute.empty()) return false;
  if (IsAsciiDigit(attribute[0])) return IsNumericOid(attribute);
  if (!IsAsciiAlpha(attribute[0])) return false;
  for (char c : attribute) {
    if (!IsAsciiAlpha(c) && !IsAsciiDigit(c) && c != '-') return false;
  }
  for (std::string_view word : {"dn", "changetype", "control", "include", "version"}) {
    if (EqualsIgnoringCase(attribute, word)) return false;
  }
  return true;
}

Status ReplaceFile(const std::filesystem::path& path, const std::string& contents, mode_t mode) {
  std::filesystem::path folder = path.parent_path();
  if (folder.empty()) folder = ".";
  std::string temp = path.string() + ".XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) return Errno(path, "creating a temporary file");
  Status status = fchmod(fd, mode) == 0 ? WriteAll(fd, contents, temp) : Errno(temp, "fchmod");
  if (status.ok() && fsync(fd) != 0) status = Errno(temp, "fsync");
  if (close(fd) != 0 && status.ok()) status = Errno(temp, "close");
  if (status.ok() && rename(temp.c_str(), path.c_str()) != 0) status = Errno(path, "rename");
  if (!status.ok()) {
    unlink(temp.c_str());
    return status;
  }
  // The rename is durable only once the folder is.
  const int dir = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Errno(folder, "open");
  const bool synced = fsync(dir) == 0;
  close(dir);
  return synced ? Status::Ok() : Errno(folder, "fsync");
}

std::string EntriesToLdif(const std::vector<DirectoryEntry>& entries, const std::string& comment) {
  std::string out = "# " + comment + "\nversion: 1\n";
  for (const DirectoryEntry& entry : entries) {
    out += '\n';
    const std::string& dn = entry.dn();
    AppendLine(out, "dn", std::span(reinterpret_cast<const std::uint8_t*>(dn.data()), dn.size()));
    for (const auto& [name, values] : entry.attributes()) {
      if (!SnapshotKeeps(name)) continue;
      for (const Bytes& value : values) AppendLine(out, name, value);
    }
  }
  return out;
}

}  // namespace openadcs::directory
