// The NTLM user file: the accounts the NTLM acceptor authenticates.
//
// Format (smbpasswd-style, which gss-ntlmssp reads too),
// one account a line:
//   DOMAIN\user:0:<LM hash>:<NT hash>:[U          ]:LCT-00000000:
// with the NT hash MD4(UTF-16LE(password)) as 32 upper-case hex digits and the
// LM hash field all 'X' (no LM hash). Names are compared ASCII
// case-insensitively (see ntlm_verifier.h for how the NTLM acceptor matches
// domains). No password is ever stored.
// Blank lines and '#' comments are kept as they are.
//
// Not thread-safe; the file itself is replaced atomically (readers such as
// the daemon's NTLM verifier see the old file or the new one), but
// concurrent writers from two processes may lose an update.
#ifndef OPENADCS_AUTH_USER_FILE_H_
#define OPENADCS_AUTH_USER_FILE_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openadcs/auth/ntlm_crypto.h"
#include "openadcs/util/status.h"

namespace openadcs::auth {

// Longest domain or user name accepted (Windows allows 20 for sAMAccountName
// and 15 for NetBIOS domains; the cap only bounds input).
inline constexpr std::size_t kMaxAccountNameLength = 256;

// The SID an account of a user file is known by, as no directory assigns
// one: S-1-5-21-D1-D2-D3-U1-U2, where D1-D3 come from SHA-256 of the
// upper-cased domain and U1-U2 from SHA-256 of the upper-cased qualified
// name. Stable across restarts and hosts, the same for every spelling case
// of the name (names compare case-insensitively), and 64 bits per account,
// so that two accounts of one domain do not meet by chance.
std::string UserFileAccountSid(std::string_view domain, std::string_view user);

// The groups every account authenticated from a user file is in: Everyone
// (S-1-1-0) and Authenticated Users (S-1-5-11).
std::vector<std::string> UserFileAccountGroups();

struct UserEntry {
  std::string domain;
  std::string user;
  ntlm::Key16 nt_hash{};
};

// Splits "DOMAIN\user" (both parts required). Errors: kInvalidArgument for a
// missing part, a name over kMaxAccountNameLength, or one with ':', a
// control character (line breaks included) or a second '\'.
Result<std::pair<std::string, std::string>> SplitQualifiedName(std::string_view name);

class UserFile {
 public:
  // Reads `path`; a missing file is an empty list. Errors: unreadable
  // (kIOError); a line that is neither a comment nor an account
  // (kCorruption, with the line number).
  static Result<UserFile> Load(const std::filesystem::path& path);

  const std::vector<UserEntry>& users() const { return users_; }

  // Errors: kAlreadyExists, kInvalidArgument (bad name or password).
  Status Add(std::string_view domain, std::string_view user, std::string_view password);
  // Errors: kNotFound, kInvalidArgument.
  Status SetPassword(std::string_view domain, std::string_view user, std::string_view password);
  // Errors: kNotFound.
  Status Remove(std::string_view domain, std::string_view user);

  // Writes the file atomically with mode 0600 (temporary file, fsync,
  // rename, directory fsync). Run as root, the file is given the owner and
  // group of its directory (the daemon's user under systemd's
  // StateDirectory). Errors: kIOError naming the step.
  Status Save() const;

 private:
  explicit UserFile(std::filesystem::path path) : path_(std::move(path)) {}
  std::vector<UserEntry>::iterator Find(std::string_view domain, std::string_view user);

  std::filesystem::path path_;
  std::vector<UserEntry> users_;
  // Comment and blank lines, kept ahead of the accounts when saving.
  std::vector<std::string> comments_;
};

}  // namespace openadcs::auth

#endif  // OPENADCS_AUTH_USER_FILE_H_
