#include "openadcs/auth/kerberos_acceptor.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "auth/gss_context.h"
#include "openadcs/auth/pac.h"
#include "openadcs/auth/spnego.h"
#include "openadcs/auth/user_file.h"
#include "openadcs/util/readable_file.h"

namespace openadcs::auth {
namespace {

using internal::GssMessage;

// RFC 4121 4.1: the TOK_ID of an initial context token (AP-REQ) after the
// GSS framing.
constexpr std::array<std::uint8_t, 2> kApReqTokId = {0x01, 0x00};

struct Settings {
  std::shared_ptr<const internal::GssCredential> credential;
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

class KerberosServerContext final : public internal::GssContext {
 public:
  explicit KerberosServerContext(std::shared_ptr<const Settings> settings)
      : GssContext(settings->max_token_bytes), settings_(std::move(settings)) {}

  const Identity& identity() const override { return identity_; }

 private:
  Result<Bytes> Exchange(std::span<const std::uint8_t> in) override {
    if (in.empty()) return Status::InvalidArgument("empty Kerberos token");
    std::span<const std::uint8_t> token = in;
    if (context_ == GSS_C_NO_CONTEXT) {
      Result<std::span<const std::uint8_t>> raw = RawApReq(in);
      if (!raw.ok()) return raw.status();
      token = *raw;
    }
    gss_buffer_desc input{token.size(), const_cast<std::uint8_t*>(token.data())};
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    internal::GssName source;
    OM_uint32 flags = 0;
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_accept_sec_context(&minor, &context_, settings_->credential->get(),
                                                   &input, GSS_C_NO_CHANNEL_BINDINGS, source.out(),
                                                   nullptr, &output, &flags, nullptr, nullptr);
    Bytes out = internal::TakeGssBuffer(output);
    if (GSS_ERROR(major)) {
      return Status::PermissionDenied("Kerberos authentication failed: " +
                                      GssMessage(major, minor));
    }
    if (major == GSS_S_CONTINUE_NEEDED) return out;
    OPENADCS_RETURN_IF_ERROR(TakeIdentity(source.get()));
    if ((flags & GSS_C_INTEG_FLAG) == 0) {
      return Status::PermissionDenied("Kerberos context of " + identity_.Qualified() +
                                      " offers no integrity");
    }
    OPENADCS_RETURN_IF_ERROR(Established());
    return out;
  }

  Status TakeIdentity(gss_name_t source) {
    Result<internal::Principal> principal = internal::DisplayPrincipal(source);
    if (!principal.ok()) return principal.status();
    if (principal->realm != settings_->realm) {
      return Status::PermissionDenied("Kerberos client " + principal->name + "@" +
                                      principal->realm + " is not of realm " + settings_->realm);
    }
    const std::string& user = principal->name;
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
    const Bytes logon_info = internal::TakeGssBuffer(value);
    if (authenticated == 0) return Status::Ok();
    Status applied = SetSidsFromPac(logon_info, &identity_);
    if (!applied.ok()) {
      return Status::PermissionDenied("PAC of " + identity_.Qualified() +
                                      " refused: " + applied.message());
    }
    return Status::Ok();
  }

  std::shared_ptr<const Settings> settings_;
  Identity identity_;
};

class KerberosAcceptor final : public Acceptor {
 public:
  explicit KerberosAcceptor(std::shared_ptr<const Settings> settings)
      : settings_(std::move(settings)) {}
  AuthType type() const override { return AuthType::kKerberos; }
  Result<std::unique_ptr<SecurityContext>> NewContext() override {
    return std::unique_ptr<SecurityContext>(std::make_unique<KerberosServerContext>(settings_));
  }
  // MIT's acceptor reads krb5.conf and the keytab and writes the replay
  // cache for every AP-REQ; it never asks the KDC.
  StepWait StepWaitFor(std::span<const std::uint8_t> /*token*/) const override {
    return StepWait::kLocal;
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
  // The mechanism token goes to whichever mechanism the context selected,
  // which the token alone does not say: the more either would wait.
  StepWait StepWaitFor(std::span<const std::uint8_t> token) const override {
    std::optional<Bytes> inner;
    if (Result<spnego::NegTokenInit> init = spnego::DecodeInitialToken(token); init.ok()) {
      inner = std::move(init->mech_token);
    } else if (Result<spnego::NegTokenResp> resp = spnego::DecodeNegTokenResp(token); resp.ok()) {
      inner = std::move(resp->response_token);
    }
    StepWait wait = StepWait::kNone;
    if (!inner) return wait;
    for (const std::shared_ptr<Acceptor>& mechanism : {kerberos_, ntlm_}) {
      if (mechanism != nullptr) wait = std::max(wait, mechanism->StepWaitFor(*inner));
    }
    return wait;
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
  // MIT says "nonexistent or empty" of a keytab it cannot open.
  if (const int error = util::OpenForReadingError(keytab); error != 0) {
    return Status::Unavailable(
        "Kerberos keytab " + keytab + " cannot be read: " + std::strerror(error) +
        (error == EACCES ? " (the daemon's user must read it; under systemd, LoadCredential=)"
                         : ""));
  }
  std::array<gss_key_value_element_desc, 1> elements = {{{"keytab", keytab.c_str()}}};
  gss_key_value_set_desc store{static_cast<OM_uint32>(elements.size()), elements.data()};
  gss_OID_set_desc mechs = {1, internal::KerberosMechanism()};
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  OM_uint32 minor = 0;
  const OM_uint32 major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                                GSS_C_ACCEPT, &store, &cred, nullptr, nullptr);
  if (GSS_ERROR(major)) {
    return Status::Unavailable("no Kerberos acceptor credential from " + keytab + ": " +
                               GssMessage(major, minor));
  }
  auto settings = std::make_shared<Settings>();
  settings->credential = std::make_shared<internal::GssCredential>(cred);
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
