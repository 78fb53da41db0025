#include "openadcs/auth/ntlm_acceptor.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "auth/ntlm_context.h"
#include "openadcs/auth/ntlm_message.h"
#include "openadcs/auth/ntlm_session_security.h"
#include "openadcs/auth/user_file.h"

namespace openadcs::auth {
namespace {

using namespace ntlm;  // NOLINT(google-build-using-namespace)

// 1.3.6.1.4.1.311.2.2.10, the NTLMSSP mechanism.
gss_OID_desc kNtlmsspOid = {10, const_cast<char*>("\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a")};

// NetBIOS names: at most 15 characters of a conservative set.
constexpr std::size_t kMaxNetbiosNameLength = 15;

std::string GssMessage(OM_uint32 major, OM_uint32 minor) {
  std::string text;
  auto append = [&text](OM_uint32 code, int type, gss_OID mech) {
    OM_uint32 context = 0;
    do {
      OM_uint32 ignored = 0;
      gss_buffer_desc buffer = GSS_C_EMPTY_BUFFER;
      if (GSS_ERROR(gss_display_status(&ignored, code, type, mech, &context, &buffer))) return;
      if (!text.empty()) text += "; ";
      text.append(static_cast<const char*>(buffer.value), buffer.length);
      gss_release_buffer(&ignored, &buffer);
    } while (context != 0);
  };
  append(major, GSS_C_GSS_CODE, GSS_C_NO_OID);
  if (minor != 0) append(minor, GSS_C_MECH_CODE, &kNtlmsspOid);
  return text;
}

bool ValidNetbiosName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNetbiosNameLength) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The acceptor credential, shared by the acceptor and its contexts.
class Credential {
 public:
  explicit Credential(gss_cred_id_t cred) : cred_(cred) {}
  Credential(const Credential&) = delete;
  Credential& operator=(const Credential&) = delete;
  ~Credential() {
    OM_uint32 minor = 0;
    gss_release_cred(&minor, &cred_);
  }
  gss_cred_id_t get() const { return cred_; }

 private:
  gss_cred_id_t cred_;
};

class NtlmServerContext final : public internal::NtlmContext {
 public:
  NtlmServerContext(std::shared_ptr<const Credential> credential, std::size_t max_token_bytes)
      : credential_(std::move(credential)), max_token_bytes_(max_token_bytes) {}
  ~NtlmServerContext() override {
    OM_uint32 minor = 0;
    if (context_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context_, GSS_C_NO_BUFFER);
  }
  NtlmServerContext(const NtlmServerContext&) = delete;
  NtlmServerContext& operator=(const NtlmServerContext&) = delete;

  // SecurityContext
  Result<Bytes> Step(std::span<const std::uint8_t> in) override {
    if (failed_) return Status::FailedPrecondition("NTLM context failed earlier");
    Result<Bytes> out = Status::FailedPrecondition("NTLM handshake is complete");
    if (in.size() > max_token_bytes_) {
      out = Status::InvalidArgument("NTLM token of " + std::to_string(in.size()) +
                                    " bytes exceeds the limit of " +
                                    std::to_string(max_token_bytes_));
    } else if (!challenge_flags_) {
      out = Challenge(in);
    } else if (!security_) {
      out = Accept(in);
    }
    if (!out.ok()) failed_ = true;
    return out;
  }

 private:
  // One gss_accept_sec_context call. Returns the major status; `out` gets the
  // output token.
  OM_uint32 AcceptToken(std::span<const std::uint8_t> token, Bytes& out, OM_uint32& minor) {
    gss_buffer_desc input{token.size(), const_cast<std::uint8_t*>(token.data())};
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    const OM_uint32 major = gss_accept_sec_context(&minor, &context_, credential_->get(), &input,
                                                   GSS_C_NO_CHANNEL_BINDINGS, nullptr, nullptr,
                                                   &output, nullptr, nullptr, nullptr);
    const auto* data = static_cast<const std::uint8_t*>(output.value);
    out.assign(data, data + output.length);
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &output);
    return major;
  }

  Result<Bytes> Challenge(std::span<const std::uint8_t> in) {
    auto negotiate = ParseNegotiate(in);
    if (!negotiate.ok()) return negotiate.status();
    if ((negotiate->flags & kNegotiateExtendedSessionSecurity) == 0) {
      return Status::PermissionDenied(
          "NTLM client did not ask for extended session security; NTLMv1 is refused");
    }
    Bytes token(in.begin(), in.end());
    if (token.size() < kGssNtlmsspMinNegotiateBytes) token.resize(kGssNtlmsspMinNegotiateBytes, 0);
    Bytes challenge_bytes;
    OM_uint32 minor = 0;
    const OM_uint32 major = AcceptToken(token, challenge_bytes, minor);
    if (major != GSS_S_CONTINUE_NEEDED) {
      return Status::InvalidArgument("NTLM NEGOTIATE refused: " + GssMessage(major, minor));
    }
    auto challenge = ParseChallenge(challenge_bytes);
    if (!challenge.ok()) {
      return Status::Internal("gss-ntlmssp produced a CHALLENGE we cannot parse: " +
                              challenge.status().message());
    }
    if (FindAvPair(challenge->target_info, AvId::kNbComputerName) == nullptr) {
      return Status::Internal("gss-ntlmssp's CHALLENGE lacks MsvAvNbComputerName");
    }
    if ((challenge->flags & kNegotiateExtendedSessionSecurity) == 0) {
      return Status::Internal("gss-ntlmssp's CHALLENGE lacks extended session security");
    }
    challenge_flags_ = challenge->flags;
    return challenge_bytes;
  }

  Result<Bytes> Accept(std::span<const std::uint8_t> in) {
    auto authenticate = ParseAuthenticate(in);
    if (!authenticate.ok()) return authenticate.status();
    const std::string who = authenticate->domain.empty()
                                ? authenticate->user
                                : authenticate->domain + "\\" + authenticate->user;
    if (authenticate->user.empty() || authenticate->nt_response.empty()) {
      return Status::PermissionDenied("anonymous NTLM authentication is refused");
    }
    // An NTLMv1 response is exactly 24 bytes; NTLMv2 is longer.
    constexpr std::size_t kNtlmV1ResponseBytes = 24;
    const std::uint32_t flags = authenticate->flags & *challenge_flags_;
    if (authenticate->nt_response.size() <= kNtlmV1ResponseBytes ||
        (flags & kNegotiateExtendedSessionSecurity) == 0) {
      return Status::PermissionDenied("NTLMv1 authentication of " + who + " is refused");
    }
    Bytes unused;
    OM_uint32 minor = 0;
    const OM_uint32 major = AcceptToken(in, unused, minor);
    if (major != GSS_S_COMPLETE) {
      return Status::PermissionDenied("NTLM authentication of " + who +
                                      " failed: " + GssMessage(major, minor));
    }
    gss_buffer_set_t keys = GSS_C_NO_BUFFER_SET;
    OM_uint32 key_major =
        gss_inquire_sec_context_by_oid(&minor, context_, GSS_C_INQ_SSPI_SESSION_KEY, &keys);
    if (GSS_ERROR(key_major) || keys == GSS_C_NO_BUFFER_SET || keys->count < 1 ||
        keys->elements[0].length != sizeof(Key16)) {
      OM_uint32 ignored = 0;
      gss_release_buffer_set(&ignored, &keys);
      return Status::Internal("gss-ntlmssp reported no NTLM session key: " +
                              GssMessage(key_major, minor));
    }
    Key16 session_key{};
    std::copy_n(static_cast<const std::uint8_t*>(keys->elements[0].value), session_key.size(),
                session_key.begin());
    OPENSSL_cleanse(keys->elements[0].value, keys->elements[0].length);
    OM_uint32 ignored = 0;
    gss_release_buffer_set(&ignored, &keys);
    auto security = SessionSecurity::Create(SessionSecurity::Role::kServer, flags, session_key);
    OPENSSL_cleanse(session_key.data(), session_key.size());
    if (!security.ok()) return security.status();
    security_.emplace(std::move(*security));
    identity_ = Identity{authenticate->domain, authenticate->user,
                         UserFileAccountSid(authenticate->domain, authenticate->user),
                         UserFileAccountGroups()};
    return Bytes();
  }

  std::shared_ptr<const Credential> credential_;
  std::size_t max_token_bytes_;
  gss_ctx_id_t context_ = GSS_C_NO_CONTEXT;
  std::optional<std::uint32_t> challenge_flags_;
  bool failed_ = false;
};

class NtlmAcceptor final : public Acceptor {
 public:
  NtlmAcceptor(std::shared_ptr<const Credential> credential, std::size_t max_token_bytes)
      : credential_(std::move(credential)), max_token_bytes_(max_token_bytes) {}

  // Acceptor
  AuthType type() const override { return AuthType::kNtlm; }
  Result<std::unique_ptr<SecurityContext>> NewContext() override {
    return std::unique_ptr<SecurityContext>(
        std::make_unique<NtlmServerContext>(credential_, max_token_bytes_));
  }

 private:
  std::shared_ptr<const Credential> credential_;
  std::size_t max_token_bytes_;
};

// Serializes the environment updates and credential acquisition of acceptors
// created concurrently (which the header asks callers not to do).
std::mutex& EnvironmentMutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

Result<std::unique_ptr<Acceptor>> NewNtlmAcceptor(const NtlmAcceptorOptions& options) {
  if (options.user_file.empty()) return Status::InvalidArgument("NTLM needs a user file");
  if (!ValidNetbiosName(options.netbios_computer_name) ||
      !ValidNetbiosName(options.netbios_domain_name)) {
    return Status::InvalidArgument(
        "NetBIOS computer and domain names must be 1-15 letters, digits, '-' or '_'");
  }
  if (options.max_token_bytes < kGssNtlmsspMinNegotiateBytes ||
      options.max_token_bytes > kMaxMessageBytes) {
    return Status::InvalidArgument("NTLM max_token_bytes must be between " +
                                   std::to_string(kGssNtlmsspMinNegotiateBytes) + " and " +
                                   std::to_string(kMaxMessageBytes));
  }
  const std::string user_file = std::filesystem::absolute(options.user_file).string();

  std::lock_guard lock(EnvironmentMutex());
  // NOLINTNEXTLINE(concurrency-mt-unsafe): documented as process-wide, set before threads.
  const char* current = std::getenv("NTLM_USER_FILE");
  if (current != nullptr && user_file != current) {
    return Status::FailedPrecondition(std::string("NTLM_USER_FILE is already ") + current +
                                      "; one user file serves the process");
  }
  // NOLINTBEGIN(concurrency-mt-unsafe)
  if (::setenv("NTLM_USER_FILE", user_file.c_str(), 1) != 0 ||
      ::setenv("NETBIOS_COMPUTER_NAME", options.netbios_computer_name.c_str(), 1) != 0 ||
      ::setenv("NETBIOS_DOMAIN_NAME", options.netbios_domain_name.c_str(), 1) != 0) {
    return Status::Internal("cannot set the gss-ntlmssp environment");
  }
  // NOLINTEND(concurrency-mt-unsafe)

  // An explicit acceptor name: with GSS_C_NO_NAME, gss-ntlmssp 1.2 makes one
  // itself and leaks it on every acquisition.
  const std::string service = "host@" + options.netbios_computer_name;
  gss_buffer_desc service_buffer{service.size(), const_cast<char*>(service.data())};
  gss_name_t name = GSS_C_NO_NAME;
  OM_uint32 minor = 0;
  OM_uint32 major = gss_import_name(&minor, &service_buffer, GSS_C_NT_HOSTBASED_SERVICE, &name);
  if (GSS_ERROR(major)) {
    return Status::Unavailable("GSSAPI cannot import the acceptor name: " +
                               GssMessage(major, minor));
  }
  gss_OID_set_desc mechs = {1, &kNtlmsspOid};
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  major = gss_acquire_cred(&minor, name, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &cred, nullptr,
                           nullptr);
  OM_uint32 ignored = 0;
  gss_release_name(&ignored, &name);
  if (GSS_ERROR(major)) {
    return Status::Unavailable("no GSSAPI NTLM acceptor (is gss-ntlmssp installed?): " +
                               GssMessage(major, minor));
  }
  return std::unique_ptr<Acceptor>(
      std::make_unique<NtlmAcceptor>(std::make_shared<Credential>(cred), options.max_token_bytes));
}

}  // namespace openadcs::auth
