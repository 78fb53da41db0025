#include <openssl/crypto.h>

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

  Result<VerifiedAccount> Verify(const NtlmResponse& response) override {
    auto file = UserFile::Load(options_.user_file);
    if (!file.ok()) return Status::Unavailable("NTLM user file: " + file.status().message());
    const std::string sent = response.domain + "\\" + response.user;
    const UserEntry* match = nullptr;
    for (const UserEntry& entry : file->users()) {
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
  bool OwnDomain(std::string_view domain) const {
    return domain.empty() || EqualsIgnoreCaseAscii(domain, options_.netbios_domain_name) ||
           (!options_.dns_domain_name.empty() &&
            EqualsIgnoreCaseAscii(domain, options_.dns_domain_name));
  }
  bool SameDomain(std::string_view filed, std::string_view sent) const {
    return EqualsIgnoreCaseAscii(filed, sent) || (OwnDomain(filed) && OwnDomain(sent));
  }

  UserFileVerifierOptions options_;
};

}  // namespace

std::unique_ptr<NtlmVerifier> NewUserFileVerifier(UserFileVerifierOptions options) {
  return std::make_unique<UserFileVerifier>(std::move(options));
}

}  // namespace openadcs::auth
