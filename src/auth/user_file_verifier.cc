#include <openssl/crypto.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "openadcs/auth/ntlm_verifier.h"
#include "openadcs/auth/user_file.h"
#include "openadcs/util/bytes.h"

namespace openadcs::auth {
namespace {

class UserFileVerifier final : public NtlmVerifier {
 public:
  explicit UserFileVerifier(UserFileVerifierOptions options) : options_(std::move(options)) {}

  // A stat() of the file, and its reading when it changed.
  bool MayBlock() const override { return false; }

  Result<VerifiedAccount> Verify(const NtlmResponse& response) override {
    Result<std::shared_ptr<const UserFile>> file = Current();
    if (!file.ok()) return file.status();
    const std::string sent = response.domain + "\\" + response.user;
    const UserEntry* match = nullptr;
    for (const UserEntry& entry : (*file)->users()) {
      if (!EqualsIgnoreCaseAscii(entry.user, response.user) ||
          !SameDomain(entry.domain, response.domain)) {
        continue;
      }
      if (match != nullptr) {
        return Status::PermissionDenied(sent + " matches both " + match->domain + "\\" +
                                        match->user + " and " + entry.domain + "\\" + entry.user +
                                        " of the user file");
      }
      match = &entry;
    }
    if (match == nullptr) return Status::PermissionDenied(sent + " is not in the user file");
    // The client keys its response with the names as it sent them.
    auto key = ntlm::NtowfV2(match->nt_hash, response.user, response.domain);
    if (!key.ok()) return key.status();
    auto base = ntlm::VerifyNtlmV2Response(*key, response.server_challenge, response.nt_response);
    OPENSSL_cleanse(key->data(), key->size());
    if (!base.ok()) {
      if (base.status().code() != StatusCode::kPermissionDenied) return base.status();
      return Status::PermissionDenied("wrong password for " + match->domain + "\\" + match->user);
    }
    VerifiedAccount account;
    account.identity =
        Identity{match->domain, match->user, UserFileAccountSid(match->domain, match->user),
                 UserFileAccountGroups()};
    account.session_base_key = *base;
    OPENSSL_cleanse(base->data(), base->size());
    return account;
  }

 private:
  // What identifies one version of the file: replaced atomically (a new
  // inode) or edited in place (size, modification and change times).
  struct Version {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec modified{};
    timespec changed{};
    bool operator==(const Version& o) const {
      return device == o.device && inode == o.inode && size == o.size &&
             modified.tv_sec == o.modified.tv_sec && modified.tv_nsec == o.modified.tv_nsec &&
             changed.tv_sec == o.changed.tv_sec && changed.tv_nsec == o.changed.tv_nsec;
    }
  };

  // The file as it is now: parsed again only when stat() says it changed,
  // so a handshake costs a stat() instead of reading and parsing the file.
  // A missing file has no accounts, as UserFile::Load says.
  Result<std::shared_ptr<const UserFile>> Current() {
    struct stat st {};
    std::optional<Version> now;
    if (::stat(options_.user_file.c_str(), &st) == 0 && !RecentlyChanged(st)) {
      now = Version{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
    }
    {
      std::lock_guard lock(mu_);
      if (cached_ != nullptr && now && cached_version_ == *now) return cached_;
    }
    auto file = UserFile::Load(options_.user_file);
    if (!file.ok()) return Status::Unavailable("NTLM user file: " + file.status().message());
    auto loaded = std::make_shared<const UserFile>(std::move(*file));
    std::lock_guard lock(mu_);
    // Kept under the stat() taken before the read: a file changed in
    // between is read again next time.
    if (now) {
      cached_ = loaded;
      cached_version_ = *now;
    } else {
      cached_ = nullptr;
    }
    return loaded;
  }

  // File times advance in clock ticks (milliseconds): a second write within
  // the tick of the last one would keep the times and, at the same size,
  // look unchanged. A file changed within the last second is therefore read
  // every time, as git treats "racily clean" index entries.
  static bool RecentlyChanged(const struct stat& st) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    const time_t newest = std::max(st.st_mtim.tv_sec, st.st_ctim.tv_sec);
    return now.tv_sec - newest < 2;
  }

  bool OwnDomain(std::string_view domain) const {
    return domain.empty() || EqualsIgnoreCaseAscii(domain, options_.netbios_domain_name) ||
           (!options_.dns_domain_name.empty() &&
            EqualsIgnoreCaseAscii(domain, options_.dns_domain_name));
  }
  bool SameDomain(std::string_view filed, std::string_view sent) const {
    return EqualsIgnoreCaseAscii(filed, sent) || (OwnDomain(filed) && OwnDomain(sent));
  }

  UserFileVerifierOptions options_;
  std::mutex mu_;
  std::shared_ptr<const UserFile> cached_;  // GUARDED_BY(mu_)
  Version cached_version_;                  // GUARDED_BY(mu_)
};

}  // namespace

std::unique_ptr<NtlmVerifier> NewUserFileVerifier(UserFileVerifierOptions options) {
  return std::make_unique<UserFileVerifier>(std::move(options));
}

}  // namespace openadcs::auth
