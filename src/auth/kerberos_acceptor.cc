#include "openadcs/auth/kerberos_acceptor.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/auth/pac.h"
#include "openadcs/auth/spnego.h"
#include "openadcs/auth/user_file.h"

namespace openadcs::auth {
namespace {

gss_OID_desc kKrb5Oid = {9, const_cast<std::uint8_t*>(spnego::kOidKerberos)};
// RFC 4121 4.1: the TOK_ID of an initial context token (AP-REQ) after the
// GSS framing.
constexpr std::array<std::uint8_t, 2> kApReqTokId = {0x01, 0x00};

std::string GssMessage(OM_uint32 major, OM_uint32 minor) {
  std::string text;
  auto append = [&text](OM_uint32 code, int type) {
    OM_uint32 context = 0;
    do {
      OM_uint32 ignored = 0;
      gss_buffer_desc buffer = GSS_C_EMPTY_BUFFER;
      if (GSS_ERROR(gss_display_status(&ignored, code, type, &kKrb5Oid, &context, &buffer))) {
        return;
      }
      if (!text.empty()) text += "; ";
      text.append(static_cast<const char*>(buffer.value), buffer.length);
      gss_release_buffer(&ignored, &buffer);
    } while (context != 0);
  };
  append(major, GSS_C_GSS_CODE);
  if (minor != 0) append(minor, GSS_C_MECH_CODE);
  return text;
}

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

struct Settings {
  std::shared_ptr<const Credential> credential;
  std::string realm;
  std::string domain;
  std::size_t max_token_bytes = 0;
};

// The raw AP-REQ MIT accepts in DCE style: a token framed with either
// Kerberos OID loses its framing and TOK_ID (MIT's mechanism glue does not
// take the Microsoft OID for the krb5 credential we hold).
Result<std::span<const std::uint8_t>> RawApReq(std::span<const std::uint8_t> token) {
  for (std::span<const std::uint8_t> oid :
       {std::span<const std::uint8_t>(spnego::kOidKerberos),
        std::span<const std::uint8_t>(spnego::kOidMsKerberos)}) {
    Result<std::span<const std::uint8_t>> inner = spnego::StripGssFraming(token, oid);
    if (!inner.ok()) continue;
    if (inner->data() == token.data()) return token;  // not framed
    if (inner->size() < kApReqTokId.size() || !std::ranges::equal(inner->first(2), kApReqTokId)) {
      return Status::InvalidArgument("Kerberos token is not an AP-REQ");
    }
    return inner->subspan(kApReqTokId.size());
  }
  return Status::InvalidArgument("GSS token of a mechanism other than Kerberos");
}

class KerberosServerContext final : public SecurityContext {
 public:
  explicit KerberosServerContext(std::shared_ptr<const Settings> settings)
      : settings_(std::move(settings)) {}
  ~KerberosServerContext() override {
    OM_uint32 minor = 0;
    if (context_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context_, GSS_C_NO_BUFFER);
  }
  KerberosServerContext(const KerberosServerContext&) = delete;
  KerberosServerContext& operator=(const KerberosServerContext&) = delete;

  Result<Bytes> Step(std::span<const std::uint8_t> in) override {
    if (failed_) return Status::FailedPrecondition("Kerberos context failed earlier");
    if (established_) return Status::FailedPrecondition("Kerberos handshake is complete");
    Result<Bytes> out = Accept(in);
    if (!out.ok()) failed_ = true;
    return out;
  }

  bool established() const override { return established_; }
  const Identity& identity() const override { return identity_; }
  std::size_t signature_size(AuthLevel level) const override {
    return level == AuthLevel::kPrivacy ? sealed_size_ : signed_size_;
  }
  void set_header_signing(bool on) override { header_signing_ = on; }

  Result<Bytes> MakeMechListMic(std::span<const std::uint8_t> message) override {
    if (!established_) return Status::FailedPrecondition("Kerberos context is not established");
    gss_buffer_desc input{message.size(), const_cast<std::uint8_t*>(message.data())};
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_get_mic(&minor, context_, GSS_C_QOP_DEFAULT, &input, &token);
    if (GSS_ERROR(major)) return Status::Internal("gss_get_mic: " + GssMessage(major, minor));
    Bytes mic(static_cast<const std::uint8_t*>(token.value),
              static_cast<const std::uint8_t*>(token.value) + token.length);
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &token);
    return mic;
  }
  Status VerifyMechListMic(std::span<const std::uint8_t> message,
                           std::span<const std::uint8_t> mic) override {
    if (!established_) return Status::FailedPrecondition("Kerberos context is not established");
    gss_buffer_desc input{message.size(), const_cast<std::uint8_t*>(message.data())};
    gss_buffer_desc token{mic.size(), const_cast<std::uint8_t*>(mic.data())};
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_verify_mic(&minor, context_, &input, &token, nullptr);
    if (major != GSS_S_COMPLETE) {
      return Status::PermissionDenied("Kerberos mechListMIC refused: " + GssMessage(major, minor));
    }
    return Status::Ok();
  }

  Status Protect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                 std::size_t body_length, std::span<std::uint8_t> signature) override {
    if (!established_) return Status::FailedPrecondition("Kerberos context is not established");
    if (body_offset + body_length > pdu.size() || signature.size() != signature_size(level)) {
      return Status::InvalidArgument("Kerberos protect: bad ranges");
    }
    OM_uint32 minor = 0;
    if (level != AuthLevel::kPrivacy) {
      Bytes signed_bytes = SignedBytes(pdu, body_offset, body_length);
      gss_buffer_desc message{signed_bytes.size(), signed_bytes.data()};
      gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
      const OM_uint32 major = gss_get_mic(&minor, context_, GSS_C_QOP_DEFAULT, &message, &token);
      if (GSS_ERROR(major)) return Status::Internal("gss_get_mic: " + GssMessage(major, minor));
      const bool fits = token.length == signature.size();
      if (fits)
        std::copy_n(static_cast<const std::uint8_t*>(token.value), token.length, signature.begin());
      OM_uint32 ignored = 0;
      gss_release_buffer(&ignored, &token);
      if (!fits) return Status::Internal("Kerberos MIC size differs from the one announced");
      return Status::Ok();
    }
    std::vector<gss_iov_buffer_desc> iov = Iov(pdu, body_offset, body_length, signature);
    int conf_state = 0;
    const OM_uint32 major = gss_wrap_iov(&minor, context_, 1, GSS_C_QOP_DEFAULT, &conf_state,
                                         iov.data(), static_cast<int>(iov.size()));
    if (GSS_ERROR(major)) return Status::Internal("gss_wrap_iov: " + GssMessage(major, minor));
    if (conf_state == 0) return Status::Internal("gss_wrap_iov did not encrypt");
    return Status::Ok();
  }

  Status Unprotect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                   std::size_t body_length, std::span<const std::uint8_t> signature) override {
    if (!established_) return Status::FailedPrecondition("Kerberos context is not established");
    if (body_offset + body_length > pdu.size()) {
      return Status::PermissionDenied("Kerberos unprotect: bad ranges");
    }
    OM_uint32 minor = 0;
    if (level != AuthLevel::kPrivacy) {
      Bytes signed_bytes = SignedBytes(pdu, body_offset, body_length);
      gss_buffer_desc message{signed_bytes.size(), signed_bytes.data()};
      gss_buffer_desc token{signature.size(), const_cast<std::uint8_t*>(signature.data())};
      const OM_uint32 major = gss_verify_mic(&minor, context_, &message, &token, nullptr);
      if (major != GSS_S_COMPLETE) {
        return Status::PermissionDenied("Kerberos signature refused: " + GssMessage(major, minor));
      }
      return Status::Ok();
    }
    // MIT rotates and decrypts the token in place: work on a copy.
    Bytes header(signature.begin(), signature.end());
    std::vector<gss_iov_buffer_desc> iov = Iov(pdu, body_offset, body_length, header);
    int conf_state = 0;
    const OM_uint32 major = gss_unwrap_iov(&minor, context_, &conf_state, nullptr, iov.data(),
                                           static_cast<int>(iov.size()));
    if (major != GSS_S_COMPLETE) {
      return Status::PermissionDenied("Kerberos sealed PDU refused: " + GssMessage(major, minor));
    }
    if (conf_state == 0) return Status::PermissionDenied("PDU at privacy was not encrypted");
    return Status::Ok();
  }

 private:
  Result<Bytes> Accept(std::span<const std::uint8_t> in) {
    if (in.size() > settings_->max_token_bytes) {
      return Status::InvalidArgument("Kerberos token of " + std::to_string(in.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(settings_->max_token_bytes));
    }
    if (in.empty()) return Status::InvalidArgument("empty Kerberos token");
    std::span<const std::uint8_t> token = in;
    if (context_ == GSS_C_NO_CONTEXT) {
      Result<std::span<const std::uint8_t>> raw = RawApReq(in);
      if (!raw.ok()) return raw.status();
      token = *raw;
    }
    gss_buffer_desc input{token.size(), const_cast<std::uint8_t*>(token.data())};
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    gss_name_t source = GSS_C_NO_NAME;
    OM_uint32 flags = 0;
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_accept_sec_context(&minor, &context_, settings_->credential->get(),
                                                   &input, GSS_C_NO_CHANNEL_BINDINGS, &source,
                                                   nullptr, &output, &flags, nullptr, nullptr);
    Bytes out(static_cast<const std::uint8_t*>(output.value),
              static_cast<const std::uint8_t*>(output.value) + output.length);
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &output);
    if (GSS_ERROR(major)) {
      gss_release_name(&ignored, &source);
      return Status::PermissionDenied("Kerberos authentication failed: " +
                                      GssMessage(major, minor));
    }
    if (major == GSS_S_CONTINUE_NEEDED) {
      gss_release_name(&ignored, &source);
      return out;
    }
    Status named = TakeIdentity(source);
    gss_release_name(&ignored, &source);
    OPENADCS_RETURN_IF_ERROR(named);
    if ((flags & GSS_C_INTEG_FLAG) == 0) {
      return Status::PermissionDenied("Kerberos context of " + identity_.Qualified() +
                                      " offers no integrity");
    }
    OPENADCS_RETURN_IF_ERROR(MeasureTokens());
    established_ = true;
    return out;
  }

  Status TakeIdentity(gss_name_t source) {
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_display_name(&minor, source, &text, nullptr);
    if (GSS_ERROR(major)) {
      return Status::Internal("cannot read the client principal: " + GssMessage(major, minor));
    }
    const std::string principal(static_cast<const char*>(text.value), text.length);
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &text);
    // Realms cannot contain '@'; the name part can (escaped), so split at
    // the last one.
    const std::size_t at = principal.rfind('@');
    if (at == std::string::npos || at == 0) {
      return Status::PermissionDenied("Kerberos client principal without a realm: " + principal);
    }
    if (principal.substr(at + 1) != settings_->realm) {
      return Status::PermissionDenied("Kerberos client " + principal + " is not of realm " +
                                      settings_->realm);
    }
    const std::string user = principal.substr(0, at);
    identity_ = Identity{settings_->domain, user, UserFileAccountSid(settings_->domain, user),
                         UserFileAccountGroups()};
    return TakePacSids(source);
  }

  // The SIDs of the ticket's PAC when it has one whose server signature MIT
  // verified (`authenticated`) with the key from our keytab; without one the
  // derived SIDs stay and the CA asks the directory. A verified PAC that
  // does not decode fails the authentication: without the client's groups a
  // deny entry naming one of them would be missed.
  Status TakePacSids(gss_name_t source) {
    static constexpr char kLogonInfo[] = "urn:mspac:logon-info";
    gss_buffer_desc attribute{sizeof(kLogonInfo) - 1, const_cast<char*>(kLogonInfo)};
    int authenticated = 0;
    int complete = 0;
    int more = -1;
    gss_buffer_desc value = GSS_C_EMPTY_BUFFER;
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_get_name_attribute(&minor, source, &attribute, &authenticated,
                                                   &complete, &value, nullptr, &more);
    if (major == GSS_S_UNAVAILABLE) return Status::Ok();  // no PAC, or none of this type
    if (GSS_ERROR(major)) {
      return Status::PermissionDenied("cannot read the PAC of " + identity_.Qualified() + ": " +
                                      GssMessage(major, minor));
    }
    const Bytes logon_info(static_cast<const std::uint8_t*>(value.value),
                           static_cast<const std::uint8_t*>(value.value) + value.length);
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &value);
    if (authenticated == 0) return Status::Ok();
    Status applied = SetSidsFromPac(logon_info, &identity_);
    if (!applied.ok()) {
      return Status::PermissionDenied("PAC of " + identity_.Qualified() +
                                      " refused: " + applied.message());
    }
    return Status::Ok();
  }

  // The token sizes for each level, fixed per context (DCE style puts the
  // whole token, padding and checksum included, in the auth_value).
  Status MeasureTokens() {
    for (int conf : {0, 1}) {
      std::array<gss_iov_buffer_desc, 2> iov{};
      iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
      iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
      iov[1].buffer.length = 16;  // the body is always a multiple of 16 bytes
      OM_uint32 minor = 0;
      const OM_uint32 major = gss_wrap_iov_length(&minor, context_, conf, GSS_C_QOP_DEFAULT,
                                                  nullptr, iov.data(), iov.size());
      if (GSS_ERROR(major)) {
        return Status::Internal("gss_wrap_iov_length: " + GssMessage(major, minor));
      }
      (conf == 1 ? sealed_size_ : signed_size_) = iov[0].buffer.length;
    }
    return Status::Ok();
  }

  // What a MIC covers: the body, or with header signing the whole PDU.
  Bytes SignedBytes(std::span<const std::uint8_t> pdu, std::size_t body_offset,
                    std::size_t body_length) const {
    if (header_signing_) return Bytes(pdu.begin(), pdu.end());
    const auto body = pdu.subspan(body_offset, body_length);
    return Bytes(body.begin(), body.end());
  }

  std::vector<gss_iov_buffer_desc> Iov(std::span<std::uint8_t> pdu, std::size_t body_offset,
                                       std::size_t body_length, std::span<std::uint8_t> header) {
    auto buffer = [](OM_uint32 type, std::span<std::uint8_t> bytes) {
      gss_iov_buffer_desc b{};
      b.type = type;
      b.buffer.length = bytes.size();
      b.buffer.value = bytes.data();
      return b;
    };
    std::vector<gss_iov_buffer_desc> iov;
    iov.push_back(buffer(GSS_IOV_BUFFER_TYPE_HEADER, header));
    if (header_signing_)
      iov.push_back(buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, pdu.first(body_offset)));
    iov.push_back(buffer(GSS_IOV_BUFFER_TYPE_DATA, pdu.subspan(body_offset, body_length)));
    if (header_signing_) {
      iov.push_back(buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, pdu.subspan(body_offset + body_length)));
    }
    return iov;
  }

  std::shared_ptr<const Settings> settings_;
  gss_ctx_id_t context_ = GSS_C_NO_CONTEXT;
  Identity identity_;
  std::size_t signed_size_ = 0;
  std::size_t sealed_size_ = 0;
  bool header_signing_ = false;
  bool established_ = false;
  bool failed_ = false;
};

class KerberosAcceptor final : public Acceptor {
 public:
  explicit KerberosAcceptor(std::shared_ptr<const Settings> settings)
      : settings_(std::move(settings)) {}
  AuthType type() const override { return AuthType::kKerberos; }
  Result<std::unique_ptr<SecurityContext>> NewContext() override {
    return std::unique_ptr<SecurityContext>(std::make_unique<KerberosServerContext>(settings_));
  }

 private:
  std::shared_ptr<const Settings> settings_;
};

// SPNEGO over one selected mechanism context.
class SpnegoServerContext final : public SecurityContext {
 public:
  SpnegoServerContext(std::shared_ptr<Acceptor> kerberos, std::shared_ptr<Acceptor> ntlm)
      : kerberos_(std::move(kerberos)), ntlm_(std::move(ntlm)) {}

  Result<Bytes> Step(std::span<const std::uint8_t> in) override {
    if (failed_) return Status::FailedPrecondition("SPNEGO context failed earlier");
    Result<Bytes> out = inner_ ? Continue(in) : Start(in);
    if (!out.ok()) failed_ = true;
    return out;
  }

  // Not before the mechListMICs, when exchanged, have been checked.
  bool established() const override { return established_; }
  const Identity& identity() const override { return inner_->identity(); }
  std::size_t signature_size(AuthLevel level) const override {
    return inner_->signature_size(level);
  }
  void set_header_signing(bool on) override {
    header_signing_ = on;
    if (inner_) inner_->set_header_signing(on);
  }
  Status Protect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                 std::size_t body_length, std::span<std::uint8_t> signature) override {
    if (!established()) return Status::FailedPrecondition("SPNEGO context is not established");
    return inner_->Protect(level, pdu, body_offset, body_length, signature);
  }
  Status Unprotect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                   std::size_t body_length, std::span<const std::uint8_t> signature) override {
    if (!established()) return Status::FailedPrecondition("SPNEGO context is not established");
    return inner_->Unprotect(level, pdu, body_offset, body_length, signature);
  }

 private:
  Result<Bytes> Start(std::span<const std::uint8_t> in) {
    Result<spnego::NegTokenInit> init = spnego::DecodeInitialToken(in);
    if (!init.ok()) return init.status();
    mech_types_ = spnego::EncodeMechTypeList(init->mech_types);
    // The first mechanism of the client's list that we have.
    for (std::size_t i = 0; i < init->mech_types.size() && !inner_; ++i) {
      const Bytes& oid = init->mech_types[i];
      Acceptor* acceptor = nullptr;
      if (std::ranges::equal(oid, spnego::kOidKerberos) ||
          std::ranges::equal(oid, spnego::kOidMsKerberos)) {
        acceptor = kerberos_.get();
      } else if (std::ranges::equal(oid, spnego::kOidNtlm)) {
        acceptor = ntlm_.get();
      }
      if (acceptor == nullptr) continue;
      Result<std::unique_ptr<SecurityContext>> context = acceptor->NewContext();
      if (!context.ok()) return context.status();
      inner_ = std::move(*context);
      inner_->set_header_signing(header_signing_);
      mech_ = oid;
      preferred_ = i == 0;
      // The optimistic token is for the client's first mechanism only.
      if (i == 0 && init->mech_token) return Answer(*init->mech_token, true, init->mech_list_mic);
    }
    if (!inner_) return Status::PermissionDenied("SPNEGO: no mechanism in common with the client");
    spnego::NegTokenResp resp;
    resp.neg_state = spnego::NegState::kAcceptIncomplete;
    resp.supported_mech = mech_;
    return spnego::EncodeNegTokenResp(resp);
  }

  Result<Bytes> Continue(std::span<const std::uint8_t> in) {
    Result<spnego::NegTokenResp> resp = spnego::DecodeNegTokenResp(in);
    if (!resp.ok()) return resp.status();
    if (resp->neg_state == spnego::NegState::kReject) {
      return Status::PermissionDenied("SPNEGO: the client rejected the negotiation");
    }
    if (!resp->response_token) return Status::InvalidArgument("SPNEGO: no mechanism token");
    return Answer(*resp->response_token, false, resp->mech_list_mic);
  }

  // Hands `token` to the mechanism and wraps its answer. A final leg that
  // completes the context with nothing to say is answered with nothing (an
  // AUTH3 must not be answered), unless mechListMICs are exchanged.
  Result<Bytes> Answer(std::span<const std::uint8_t> token, bool first,
                       const std::optional<Bytes>& client_mic) {
    Result<Bytes> out = inner_->Step(token);
    if (!out.ok()) return out.status();
    std::optional<Bytes> our_mic;
    if (inner_->established()) {
      Result<std::optional<Bytes>> mic = ExchangeMics(client_mic);
      if (!mic.ok()) return mic.status();
      our_mic = std::move(*mic);
    }
    established_ = inner_->established();
    if (out->empty() && established_ && !first && !our_mic) return Bytes();
    spnego::NegTokenResp resp;
    resp.neg_state = inner_->established() ? spnego::NegState::kAcceptCompleted
                                           : spnego::NegState::kAcceptIncomplete;
    if (first) resp.supported_mech = mech_;
    if (!out->empty()) resp.response_token = std::move(*out);
    resp.mech_list_mic = std::move(our_mic);
    return spnego::EncodeNegTokenResp(resp);
  }

  // RFC 4178 section 5 at completion: the exchange protects the mechanism
  // list against a downgrade, so it is required when the mechanism chosen
  // was not the client's first or when the mechanism demands it (NTLM with
  // a MIC), and done whenever the client sent a MIC. The client's token
  // completes our mechanisms, so its MIC comes with it: verified here, and
  // ours returned. Nothing when the exchange is neither required nor begun.
  Result<std::optional<Bytes>> ExchangeMics(const std::optional<Bytes>& client_mic) {
    const bool required = !preferred_ || inner_->RequiresMechListMic();
    if (!client_mic) {
      if (!required) return std::optional<Bytes>();
      return Status::PermissionDenied(
          std::string("SPNEGO: the client sent no mechListMIC, "
                      "required because ") +
          (preferred_ ? "its NTLM message had a MIC" : "the mechanism was not its first choice"));
    }
    Status verified = inner_->VerifyMechListMic(mech_types_, *client_mic);
    if (!verified.ok()) return Status::PermissionDenied("SPNEGO: " + verified.message());
    Result<Bytes> ours = inner_->MakeMechListMic(mech_types_);
    if (!ours.ok()) return ours.status();
    return std::optional<Bytes>(std::move(*ours));
  }

  std::shared_ptr<Acceptor> kerberos_;
  std::shared_ptr<Acceptor> ntlm_;
  std::unique_ptr<SecurityContext> inner_;
  Bytes mech_;
  Bytes mech_types_;  // the DER list the mechListMICs cover
  bool preferred_ = false;
  bool established_ = false;
  bool header_signing_ = false;
  bool failed_ = false;
};

class SpnegoAcceptor final : public Acceptor {
 public:
  SpnegoAcceptor(std::shared_ptr<Acceptor> kerberos, std::shared_ptr<Acceptor> ntlm)
      : kerberos_(std::move(kerberos)), ntlm_(std::move(ntlm)) {}
  AuthType type() const override { return AuthType::kSpnego; }
  Result<std::unique_ptr<SecurityContext>> NewContext() override {
    return std::unique_ptr<SecurityContext>(
        std::make_unique<SpnegoServerContext>(kerberos_, ntlm_));
  }

 private:
  std::shared_ptr<Acceptor> kerberos_;
  std::shared_ptr<Acceptor> ntlm_;
};

}  // namespace

Result<std::unique_ptr<Acceptor>> NewKerberosAcceptor(const KerberosAcceptorOptions& options) {
  if (options.keytab.empty()) return Status::InvalidArgument("Kerberos needs a keytab");
  if (options.realm.empty() || options.realm.find('@') != std::string::npos) {
    return Status::InvalidArgument("Kerberos needs a realm name");
  }
  if (options.netbios_domain_name.empty()) {
    return Status::InvalidArgument("Kerberos needs the realm's NetBIOS domain name");
  }
  if (options.max_token_bytes < 1024 || options.max_token_bytes > spnego::kMaxTokenBytes) {
    return Status::InvalidArgument("Kerberos max_token_bytes must be between 1024 and " +
                                   std::to_string(spnego::kMaxTokenBytes));
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.keytab, ec)) {
    return Status::Unavailable("Kerberos keytab " + options.keytab.string() + " is not a file");
  }
  const std::string keytab = std::filesystem::absolute(options.keytab).string();
  std::array<gss_key_value_element_desc, 1> elements = {{{"keytab", keytab.c_str()}}};
  gss_key_value_set_desc store{static_cast<OM_uint32>(elements.size()), elements.data()};
  gss_OID_set_desc mechs = {1, &kKrb5Oid};
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  OM_uint32 minor = 0;
  const OM_uint32 major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                                GSS_C_ACCEPT, &store, &cred, nullptr, nullptr);
  if (GSS_ERROR(major)) {
    return Status::Unavailable("no Kerberos acceptor credential from " + keytab + ": " +
                               GssMessage(major, minor));
  }
  auto settings = std::make_shared<Settings>();
  settings->credential = std::make_shared<Credential>(cred);
  settings->realm = options.realm;
  settings->domain = options.netbios_domain_name;
  settings->max_token_bytes = options.max_token_bytes;
  return std::unique_ptr<Acceptor>(std::make_unique<KerberosAcceptor>(std::move(settings)));
}

Result<std::unique_ptr<Acceptor>> NewSpnegoAcceptor(std::shared_ptr<Acceptor> kerberos,
                                                    std::shared_ptr<Acceptor> ntlm) {
  if (!kerberos && !ntlm) return Status::InvalidArgument("SPNEGO needs a mechanism");
  if (kerberos && kerberos->type() != AuthType::kKerberos) {
    return Status::InvalidArgument("SPNEGO's Kerberos acceptor is of another type");
  }
  if (ntlm && ntlm->type() != AuthType::kNtlm) {
    return Status::InvalidArgument("SPNEGO's NTLM acceptor is of another type");
  }
  return std::unique_ptr<Acceptor>(
      std::make_unique<SpnegoAcceptor>(std::move(kerberos), std::move(ntlm)));
}

}  // namespace openadcs::auth
