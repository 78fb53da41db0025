#include "openadcs/auth/ntlm_client.h"

#include <openssl/crypto.h>

#include <optional>
#include <utility>

#include "auth/ntlm_context.h"
#include "openadcs/auth/ntlm_message.h"
#include "openadcs/auth/ntlm_session_security.h"
#include "openadcs/util/filetime.h"
#include "openadcs/util/random.h"

namespace openadcs::auth {
namespace {

using namespace ntlm;  // NOLINT(google-build-using-namespace)

constexpr std::uint32_t kClientFlags =
    kNegotiateUnicode | kRequestTarget | kNegotiateSign | kNegotiateSeal | kNegotiateNtlm |
    kNegotiateAlwaysSign | kNegotiateExtendedSessionSecurity | kNegotiateTargetInfo |
    kNegotiateVersion | kNegotiate128 | kNegotiateKeyExchange | kNegotiate56;

class NtlmClientContext final : public internal::NtlmContext {
 public:
  explicit NtlmClientContext(NtlmCredentials credentials) : credentials_(std::move(credentials)) {
    identity_.domain = credentials_.domain;
    identity_.user = credentials_.user;
  }
  ~NtlmClientContext() override {
    OPENSSL_cleanse(credentials_.password.data(), credentials_.password.size());
  }

  // SecurityContext
  Result<Bytes> Step(std::span<const std::uint8_t> in) override {
    if (failed_) return Status::FailedPrecondition("NTLM client context failed earlier");
    Result<Bytes> out = Status::FailedPrecondition("NTLM client handshake is complete");
    if (negotiate_.empty()) {
      out = Negotiate(in);
    } else if (!security_) {
      out = Authenticate(in);
    }
    if (!out.ok()) failed_ = true;
    return out;
  }

 private:
  Result<Bytes> Negotiate(std::span<const std::uint8_t> in) {
    if (!in.empty()) return Status::InvalidArgument("the NTLM client speaks first");
    NegotiateMessage m;
    m.flags = kClientFlags;
    m.version = kOurVersion;
    negotiate_ = EncodeNegotiate(m);
    return negotiate_;
  }

  Result<Bytes> Authenticate(std::span<const std::uint8_t> in) {
    auto challenge = ParseChallenge(in);
    if (!challenge.ok()) return challenge.status();
    if ((challenge->flags & kNegotiateExtendedSessionSecurity) == 0) {
      return Status::PermissionDenied(
          "the NTLM server refused extended session security (NTLMv1 is not supported)");
    }
    // The flags both sides support; UNICODE is what we encode names in.
    const std::uint32_t flags = (kClientFlags & challenge->flags) | kNegotiateUnicode;

    Key16 nt_hash{};
    if (credentials_.nt_hash) {
      nt_hash = *credentials_.nt_hash;
    } else {
      auto hash = NtHash(credentials_.password);
      if (!hash.ok()) return hash.status();
      nt_hash = *hash;
    }
    auto response_key = NtowfV2(nt_hash, credentials_.user, credentials_.domain);
    OPENSSL_cleanse(nt_hash.data(), nt_hash.size());
    if (!response_key.ok()) return response_key.status();

    // With a server timestamp, 3.1.5.1.2 has the client use it, send a zero
    // LM response and a MIC (announced in MsvAvFlags).
    TargetInfo info;
    std::optional<std::uint64_t> server_time;
    std::uint32_t av_flags = 0;
    for (const AvPair& pair : challenge->target_info) {
      if (pair.id == AvId::kTimestamp && pair.value.size() == 8) {
        std::uint64_t t = 0;
        for (int i = 7; i >= 0; --i) t = (t << 8) | pair.value[static_cast<std::size_t>(i)];
        server_time = t;
      }
      if (pair.id == AvId::kFlags && pair.value.size() == 4) {
        av_flags = static_cast<std::uint32_t>(pair.value[0] | (pair.value[1] << 8) |
                                              (pair.value[2] << 16) | (pair.value[3] << 24));
        continue;
      }
      info.push_back(pair);
    }
    const bool with_mic = server_time.has_value();
    if (with_mic) {
      av_flags |= kAvFlagMicPresent;
      info.push_back(AvPair{
          AvId::kFlags,
          {static_cast<std::uint8_t>(av_flags), static_cast<std::uint8_t>(av_flags >> 8),
           static_cast<std::uint8_t>(av_flags >> 16), static_cast<std::uint8_t>(av_flags >> 24)}});
    }

    Challenge8 client_challenge{};
    OPENADCS_RETURN_IF_ERROR(RandomBytes(client_challenge));
    auto response = ComputeNtlmV2Response(*response_key, challenge->server_challenge,
                                          client_challenge, server_time.value_or(FiletimeNow()),
                                          EncodeTargetInfo(info), with_mic);
    if (!response.ok()) return response.status();

    // With NTLMv2 the key exchange key is the session base key (3.4.5.1).
    Key16 exported = response->session_base_key;
    AuthenticateMessage m;
    m.flags = flags;
    if ((flags & kNegotiateKeyExchange) != 0) {
      OPENADCS_RETURN_IF_ERROR(RandomBytes(exported));
      auto encrypted = Rc4Key16(response->session_base_key, exported);
      if (!encrypted.ok()) return encrypted.status();
      m.encrypted_random_session_key.assign(encrypted->begin(), encrypted->end());
    }
    m.lm_response = std::move(response->lm_response);
    m.nt_response = std::move(response->nt_response);
    m.domain = credentials_.domain;
    m.user = credentials_.user;
    m.workstation = credentials_.workstation;
    m.version = kOurVersion;
    if (with_mic) m.mic.emplace();
    Bytes out = EncodeAuthenticate(m);
    if (with_mic) {
      // MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE ||
      // AUTHENTICATE with the MIC zeroed).
      Bytes all = negotiate_;
      all.insert(all.end(), in.begin(), in.end());
      all.insert(all.end(), out.begin(), out.end());
      auto mic = HmacMd5(exported, all);
      if (!mic.ok()) return mic.status();
      std::copy(mic->begin(), mic->end(), out.begin() + kAuthenticateMicOffset);
    }
    auto security = SessionSecurity::Create(SessionSecurity::Role::kClient, flags, exported);
    OPENSSL_cleanse(exported.data(), exported.size());
    if (!security.ok()) return security.status();
    security_.emplace(std::move(*security));
    return out;
  }

  NtlmCredentials credentials_;
  Bytes negotiate_;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<SecurityContext> NewNtlmClientContext(NtlmCredentials credentials) {
  return std::make_unique<NtlmClientContext>(std::move(credentials));
}

}  // namespace openadcs::auth
