#include "openadcs/auth/ntlm_acceptor.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "auth/ntlm_context.h"
#include "openadcs/auth/ntlm_crypto.h"
#include "openadcs/auth/ntlm_message.h"
#include "openadcs/auth/ntlm_session_security.h"
#include "openadcs/util/filetime.h"
#include "openadcs/util/random.h"
#include "openadcs/util/utf16.h"

namespace openadcs::auth {
namespace {

using namespace ntlm;  // NOLINT(google-build-using-namespace)

constexpr std::size_t kMaxNetbiosNameLength = 15;
constexpr std::size_t kMaxDnsNameLength = 253;

// What we offer whatever the client asks; the rest only when it asks.
constexpr std::uint32_t kAlwaysFlags =
    kNegotiateUnicode | kRequestTarget | kNegotiateNtlm | kNegotiateAlwaysSign | kTargetTypeDomain |
    kNegotiateExtendedSessionSecurity | kNegotiateTargetInfo | kNegotiateVersion;
constexpr std::uint32_t kIfAskedFlags =
    kNegotiateSign | kNegotiateSeal | kNegotiate128 | kNegotiate56 | kNegotiateKeyExchange;

// Where temp's AV pairs start in an NTLMv2 response: after NTProofStr (16)
// and temp's fixed part (28).
constexpr std::size_t kResponseAvPairsOffset = 16 + 28;

bool NameOf(const std::string& name, std::size_t max, bool dots) {
  if (name.empty() || name.size() > max) return false;
  return std::all_of(name.begin(), name.end(), [dots](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || (dots && c == '.');
  });
}

bool HasControlCharacter(std::string_view name) {
  return std::any_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Result<AvPair> TextPair(AvId id, const std::string& text) {
  auto value = Utf8ToUtf16Le(text);
  if (!value.ok()) return value.status();
  return AvPair{id, std::move(*value)};
}

struct Names {
  std::string netbios_computer;
  std::string netbios_domain;
  std::string dns_computer;
  std::string dns_domain;
};

class NtlmServerContext final : public internal::NtlmContext {
 public:
  NtlmServerContext(std::shared_ptr<NtlmVerifier> verifier, std::shared_ptr<const Names> names,
                    std::size_t max_token_bytes, bool allow_weak_keys)
      : verifier_(std::move(verifier)),
        names_(std::move(names)),
        max_token_bytes_(max_token_bytes),
        allow_weak_keys_(allow_weak_keys) {}

  // SecurityContext
  Result<Bytes> Step(std::span<const std::uint8_t> in) override {
    if (failed_) return Status::FailedPrecondition("NTLM context failed earlier");
    Result<Bytes> out = Status::FailedPrecondition("NTLM handshake is complete");
    if (in.size() > max_token_bytes_) {
      out = Status::InvalidArgument("NTLM token of " + std::to_string(in.size()) +
                                    " bytes exceeds the limit of " +
                                    std::to_string(max_token_bytes_));
    } else if (challenge_.empty()) {
      out = Challenge(in);
    } else if (!security_) {
      out = Accept(in);
    }
    if (!out.ok()) failed_ = true;
    return out;
  }

 private:
  Result<Bytes> Challenge(std::span<const std::uint8_t> in) {
    auto negotiate = ParseNegotiate(in);
    if (!negotiate.ok()) return negotiate.status();
    if ((negotiate->flags & kNegotiateExtendedSessionSecurity) == 0) {
      return Status::PermissionDenied(
          "NTLM client did not ask for extended session security; NTLMv1 is refused");
    }
    if ((negotiate->flags & kNegotiateUnicode) == 0) {
      return Status::InvalidArgument("NTLM client does not speak Unicode; OEM is not supported");
    }
    ChallengeMessage m;
    m.flags = kAlwaysFlags | (negotiate->flags & kIfAskedFlags);
    auto target = Utf8ToUtf16Le(names_->netbios_domain);
    if (!target.ok()) return target.status();
    m.target_name = std::move(*target);
    OPENADCS_RETURN_IF_ERROR(RandomBytes(server_challenge_));
    m.server_challenge = server_challenge_;
    for (auto [id, text] : {std::pair{AvId::kNbDomainName, &names_->netbios_domain},
                            std::pair{AvId::kNbComputerName, &names_->netbios_computer},
                            std::pair{AvId::kDnsDomainName, &names_->dns_domain},
                            std::pair{AvId::kDnsComputerName, &names_->dns_computer}}) {
      auto pair = TextPair(id, *text);
      if (!pair.ok()) return pair.status();
      m.target_info.push_back(std::move(*pair));
    }
    // A timestamp has clients send a MIC (MS-NLMP 3.1.5.1.2), which we check.
    Bytes time(8);
    const std::uint64_t now = FiletimeNow();
    for (std::size_t i = 0; i < time.size(); ++i)
      time[i] = static_cast<std::uint8_t>(now >> (8 * i));
    m.target_info.push_back(AvPair{AvId::kTimestamp, std::move(time)});
    m.version = kOurVersion;
    challenge_flags_ = m.flags;
    negotiate_.assign(in.begin(), in.end());
    challenge_ = EncodeChallenge(m);
    return challenge_;
  }

  Result<Bytes> Accept(std::span<const std::uint8_t> in) {
    auto authenticate = ParseAuthenticate(in);
    if (!authenticate.ok()) return authenticate.status();
    if (HasControlCharacter(authenticate->domain) || HasControlCharacter(authenticate->user) ||
        HasControlCharacter(authenticate->workstation)) {
      return Status::InvalidArgument("NTLM names with control characters are refused");
    }
    const std::string who = authenticate->domain + "\\" + authenticate->user;
    if (authenticate->user.empty() || authenticate->nt_response.empty()) {
      return Status::PermissionDenied("anonymous NTLM authentication is refused");
    }
    const std::uint32_t flags = authenticate->flags & challenge_flags_;
    if (authenticate->nt_response.size() < kNtlmV2MinResponseBytes ||
        (flags & kNegotiateExtendedSessionSecurity) == 0) {
      return Status::PermissionDenied("NTLMv1 authentication of " + who + " is refused");
    }
    OPENADCS_RETURN_IF_ERROR(CheckKeyStrength(flags, who));
    auto client_info =
        ParseTargetInfo(std::span(authenticate->nt_response).subspan(kResponseAvPairsOffset));
    if (!client_info.ok()) {
      return Status::InvalidArgument("NTLMv2 response of " + who +
                                     " has bad AV pairs: " + client_info.status().message());
    }

    NtlmResponse response{authenticate->domain,      authenticate->user,
                          authenticate->workstation, server_challenge_,
                          authenticate->nt_response, authenticate->lm_response};
    auto account = verifier_->Verify(response);
    if (!account.ok()) return account.status();

    // With NTLMv2 the key exchange key is the session base key.
    Key16 exported = account->session_base_key;
    OPENSSL_cleanse(account->session_base_key.data(), account->session_base_key.size());
    if ((flags & kNegotiateKeyExchange) != 0) {
      if (authenticate->encrypted_random_session_key.size() != sizeof(Key16)) {
        OPENSSL_cleanse(exported.data(), exported.size());
        return Status::InvalidArgument("NTLM key exchange without a 16-byte session key");
      }
      Key16 encrypted{};
      std::copy_n(authenticate->encrypted_random_session_key.begin(), encrypted.size(),
                  encrypted.begin());
      auto decrypted = Rc4Key16(exported, encrypted);
      OPENSSL_cleanse(exported.data(), exported.size());
      if (!decrypted.ok()) return decrypted.status();
      exported = *decrypted;
      OPENSSL_cleanse(decrypted->data(), decrypted->size());
    }
    Status mic = CheckMic(*client_info, *authenticate, in, exported);
    if (!mic.ok()) {
      OPENSSL_cleanse(exported.data(), exported.size());
      return Status::PermissionDenied(mic.message() + " from " + who);
    }
    auto security = SessionSecurity::Create(SessionSecurity::Role::kServer, flags, exported);
    OPENSSL_cleanse(exported.data(), exported.size());
    if (!security.ok()) return security.status();
    security_.emplace(std::move(*security));
    identity_ = std::move(account->identity);
    requires_mech_list_mic_ = MicAnnounced(*client_info);
    return Bytes();
  }

  // Signing and sealing keys are only as strong as the negotiated key
  // length, and without key exchange every session of an account shares
  // keys derived from its password and the challenges (MS-NLMP 3.4.5).
  Status CheckKeyStrength(std::uint32_t flags, const std::string& who) const {
    if (allow_weak_keys_ || (flags & (kNegotiateSign | kNegotiateSeal)) == 0) return Status::Ok();
    std::string missing;
    if ((flags & kNegotiate128) == 0) missing = "NTLMSSP_NEGOTIATE_128";
    if ((flags & kNegotiateKeyExchange) == 0) {
      missing += std::string(missing.empty() ? "" : " and ") + "NTLMSSP_NEGOTIATE_KEY_EXCH";
    }
    if (missing.empty()) return Status::Ok();
    spdlog::warn("ntlm: refused {}: signing or sealing without {} (rpc.ntlm_allow_weak_keys)", who,
                 missing);
    return Status::PermissionDenied("NTLM authentication of " + who + " without " + missing +
                                    " is refused");
  }

  static bool MicAnnounced(const TargetInfo& client_info) {
    const AvPair* av_flags = FindAvPair(client_info, AvId::kFlags);
    return av_flags != nullptr && av_flags->value.size() == 4 &&
           (av_flags->value[0] & kAvFlagMicPresent) != 0;
  }

  // MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE
  // with the MIC zeroed), required when the response's MsvAvFlags says so.
  Status CheckMic(const TargetInfo& client_info, const AuthenticateMessage& authenticate,
                  std::span<const std::uint8_t> in, const Key16& exported) const {
    if (!MicAnnounced(client_info)) return Status::Ok();
    if (!authenticate.mic) return Status::PermissionDenied("NTLM MIC announced but missing");
    Bytes all = negotiate_;
    all.insert(all.end(), challenge_.begin(), challenge_.end());
    const std::size_t at = all.size() + kAuthenticateMicOffset;
    all.insert(all.end(), in.begin(), in.end());
    std::fill_n(all.begin() + static_cast<std::ptrdiff_t>(at), kMicBytes, 0);
    auto expected = HmacMd5(exported, all);
    if (!expected.ok()) return expected.status();
    if (CRYPTO_memcmp(expected->data(), authenticate.mic->data(), kMicBytes) != 0) {
      return Status::PermissionDenied("bad NTLM MIC");
    }
    return Status::Ok();
  }

  std::shared_ptr<NtlmVerifier> verifier_;
  std::shared_ptr<const Names> names_;
  std::size_t max_token_bytes_;
  bool allow_weak_keys_;
  std::uint32_t challenge_flags_ = 0;
  Challenge8 server_challenge_{};
  Bytes negotiate_;
  Bytes challenge_;
  bool failed_ = false;
};

class NtlmAcceptor final : public Acceptor {
 public:
  NtlmAcceptor(std::shared_ptr<NtlmVerifier> verifier, std::shared_ptr<const Names> names,
               std::size_t max_token_bytes, bool allow_weak_keys)
      : verifier_(std::move(verifier)),
        names_(std::move(names)),
        max_token_bytes_(max_token_bytes),
        allow_weak_keys_(allow_weak_keys) {}

  // Acceptor
  AuthType type() const override { return AuthType::kNtlm; }
  Result<std::unique_ptr<SecurityContext>> NewContext() override {
    return std::unique_ptr<SecurityContext>(
        std::make_unique<NtlmServerContext>(verifier_, names_, max_token_bytes_, allow_weak_keys_));
  }
  // Only an AUTHENTICATE reaches the verifier: the step refuses any other
  // message there before it asks.
  StepWait StepWaitFor(std::span<const std::uint8_t> token) const override {
    if (!verifier_->MayBlock()) return StepWait::kNone;
    Result<std::uint32_t> type = PeekMessageType(token);
    return type.ok() && *type == kAuthenticateType ? StepWait::kRemote : StepWait::kNone;
  }

 private:
  std::shared_ptr<NtlmVerifier> verifier_;
  std::shared_ptr<const Names> names_;
  std::size_t max_token_bytes_;
  bool allow_weak_keys_;
};

std::string AsciiLower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return s;
}

}  // namespace

Result<std::unique_ptr<Acceptor>> NewNtlmAcceptor(const NtlmAcceptorOptions& options) {
  if (!options.verifier) return Status::InvalidArgument("NTLM needs a verifier");
  if (!NameOf(options.netbios_computer_name, kMaxNetbiosNameLength, false) ||
      !NameOf(options.netbios_domain_name, kMaxNetbiosNameLength, false)) {
    return Status::InvalidArgument(
        "NetBIOS computer and domain names must be 1-15 letters, digits, '-' or '_'");
  }
  if (!options.dns_domain_name.empty() &&
      !NameOf(options.dns_domain_name, kMaxDnsNameLength, true)) {
    return Status::InvalidArgument("the DNS domain name must be letters, digits, '-' and '.'");
  }
  if (options.max_token_bytes < kNegotiateFixedBytes ||
      options.max_token_bytes > kMaxMessageBytes) {
    return Status::InvalidArgument("NTLM max_token_bytes must be between " +
                                   std::to_string(kNegotiateFixedBytes) + " and " +
                                   std::to_string(kMaxMessageBytes));
  }
  auto names = std::make_shared<Names>();
  names->netbios_computer = options.netbios_computer_name;
  names->netbios_domain = options.netbios_domain_name;
  if (options.dns_domain_name.empty()) {
    names->dns_computer = options.netbios_computer_name;
    names->dns_domain = options.netbios_domain_name;
  } else {
    names->dns_domain = AsciiLower(options.dns_domain_name);
    names->dns_computer = AsciiLower(options.netbios_computer_name) + "." + names->dns_domain;
  }
  return std::unique_ptr<Acceptor>(std::make_unique<NtlmAcceptor>(
      options.verifier, std::move(names), options.max_token_bytes, options.allow_weak_keys));
}

}  // namespace openadcs::auth
