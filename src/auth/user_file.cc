#include "openadcs/auth/user_file.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "openadcs/util/atomic_file.h"
#include "openadcs/util/bytes.h"

namespace openadcs::auth {
namespace {

constexpr std::string_view kNoLmHash = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
constexpr std::string_view kAccountFlags = "[U          ]";
constexpr std::string_view kLastChange = "LCT-00000000";

Status CheckNamePart(std::string_view part, const char* what) {
  if (part.empty()) return Status::InvalidArgument(std::string(what) + " is empty");
  if (part.size() > kMaxAccountNameLength) {
    return Status::InvalidArgument(std::string(what) + " is longer than " +
                                   std::to_string(kMaxAccountNameLength));
  }
  if (part.find_first_of(":\\") != std::string_view::npos) {
    return Status::InvalidArgument(std::string(what) + " contains ':' or '\\'");
  }
  // Names are recorded and logged as the requester.
  for (char c : part) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Status::InvalidArgument(std::string(what) + " contains a control character");
    }
  }
  return Status::Ok();
}

std::string HexUpper(std::span<const std::uint8_t> bytes) {
  std::string hex = HexLower(bytes);
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return hex;
}

Status IoError(const std::string& step, const std::filesystem::path& path) {
  return Status::IOErrorFromErrno(step + " " + path.string());
}

Result<ntlm::Key16> HashPassword(std::string_view password) {
  if (password.empty()) return Status::InvalidArgument("the password is empty");
  return ntlm::NtHash(password);
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The first `count` little-endian 32-bit words of SHA-256(text), as decimal
// subauthorities.
std::string SubAuthorities(const std::string& text, int count) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string out;
  for (int i = 0; i < count; ++i) {
    std::uint32_t v = 0;
    for (int b = 3; b >= 0; --b) v = (v << 8) | digest[4 * i + b];
    out += '-';
    out += std::to_string(v);
  }
  return out;
}

}  // namespace

std::string UserFileAccountSid(std::string_view domain, std::string_view user) {
  const std::string upper_domain = AsciiUpper(domain);
  return "S-1-5-21" + SubAuthorities(upper_domain, 3) +
         SubAuthorities(upper_domain + "\\" + AsciiUpper(user), 2);
}

std::vector<std::string> UserFileAccountGroups() {
  return {"S-1-1-0", "S-1-5-11"};
}

Result<std::pair<std::string, std::string>> SplitQualifiedName(std::string_view name) {
  const auto slash = name.find('\\');
  if (slash == std::string_view::npos) {
    return Status::InvalidArgument("account name must be DOMAIN\\user");
  }
  std::string domain(name.substr(0, slash));
  std::string user(name.substr(slash + 1));
  OPENADCS_RETURN_IF_ERROR(CheckNamePart(domain, "domain"));
  OPENADCS_RETURN_IF_ERROR(CheckNamePart(user, "user name"));
  return std::make_pair(std::move(domain), std::move(user));
}

Result<UserFile> UserFile::Load(const std::filesystem::path& path) {
  UserFile file(path);
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return file;
    return IoError("cannot open", path);
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (TrimAscii(line).empty() || line.front() == '#') {
      file.comments_.push_back(line);
      continue;
    }
    // DOMAIN\user:uid:lm:nt:flags:lct:
    std::vector<std::string> fields;
    std::stringstream split(line);
    for (std::string field; std::getline(split, field, ':');) fields.push_back(field);
    auto name = fields.empty()
                    ? Result<std::pair<std::string, std::string>>(Status::InvalidArgument("empty"))
                    : SplitQualifiedName(fields[0]);
    const auto hash = fields.size() >= 4 ? HexDecode(fields[3]) : std::nullopt;
    if (!name.ok() || !hash || hash->size() != sizeof(ntlm::Key16)) {
      return Status::Corruption(path.string() + ":" + std::to_string(number) +
                                ": not a DOMAIN\\user:uid:lmhash:nthash:... line");
    }
    UserEntry entry{name->first, name->second, {}};
    std::copy(hash->begin(), hash->end(), entry.nt_hash.begin());
    file.users_.push_back(std::move(entry));
  }
  if (in.bad()) return IoError("cannot read", path);
  return file;
}

std::vector<UserEntry>::iterator UserFile::Find(std::string_view domain, std::string_view user) {
  return std::find_if(users_.begin(), users_.end(), [&](const UserEntry& e) {
    return EqualsIgnoreCaseAscii(e.domain, domain) && EqualsIgnoreCaseAscii(e.user, user);
  });
}

Status UserFile::Add(std::string_view domain, std::string_view user, std::string_view password) {
  OPENADCS_RETURN_IF_ERROR(CheckNamePart(domain, "domain"));
  OPENADCS_RETURN_IF_ERROR(CheckNamePart(user, "user name"));
  if (Find(domain, user) != users_.end()) {
    return Status::AlreadyExists(std::string(domain) + "\\" + std::string(user) +
                                 " already exists");
  }
  auto hash = HashPassword(password);
  if (!hash.ok()) return hash.status();
  users_.push_back(UserEntry{std::string(domain), std::string(user), *hash});
  return Status::Ok();
}

Status UserFile::SetPassword(std::string_view domain, std::string_view user,
                             std::string_view password) {
  auto it = Find(domain, user);
  if (it == users_.end()) {
    return Status::NotFound(std::string(domain) + "\\" + std::string(user) + " does not exist");
  }
  auto hash = HashPassword(password);
  if (!hash.ok()) return hash.status();
  it->nt_hash = *hash;
  return Status::Ok();
}

Status UserFile::Remove(std::string_view domain, std::string_view user) {
  auto it = Find(domain, user);
  if (it == users_.end()) {
    return Status::NotFound(std::string(domain) + "\\" + std::string(user) + " does not exist");
  }
  users_.erase(it);
  return Status::Ok();
}

Status UserFile::Save() const {
  std::string text;
  for (const std::string& line : comments_) text += line + "\n";
  for (const UserEntry& e : users_) {
    text += e.domain + "\\" + e.user + ":0:" + std::string(kNoLmHash) + ":" + HexUpper(e.nt_hash) +
            ":" + std::string(kAccountFlags) + ":" + std::string(kLastChange) + ":\n";
  }
  // Run as root (an operator managing the daemon's accounts), the file goes
  // to whoever owns its directory: the daemon's own user under systemd's
  // StateDirectory, which must be able to read it.
  return util::WriteFileAtomically(path_, text, 0600, util::FileOwner::kDirectoryOwnerIfRoot);
}

}  // namespace openadcs::auth
