#include "openadcs/auth/kerberos_initiator.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <array>
#include <utility>

#include "auth/gss_context.h"

namespace openadcs::auth {
namespace {

using internal::GssMessage;
using internal::GssName;

// As Windows asks for them on a DCE/RPC connection.
constexpr OM_uint32 kRequestFlags = GSS_C_DCE_STYLE | GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG |
                                    GSS_C_CONF_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;

class KerberosClientContext final : public internal::GssContext {
 public:
  KerberosClientContext(std::unique_ptr<internal::GssCredential> credential,
                        std::unique_ptr<GssName> target, Identity identity,
                        std::size_t max_token_bytes)
      : GssContext(max_token_bytes),
        credential_(std::move(credential)),
        target_(std::move(target)),
        identity_(std::move(identity)) {}

  const Identity& identity() const override { return identity_; }

 private:
  Result<Bytes> Exchange(std::span<const std::uint8_t> in) override {
    const bool first = context_ == GSS_C_NO_CONTEXT;
    if (first != in.empty()) {
      return Status::InvalidArgument(first ? "the Kerberos client speaks first"
                                           : "empty Kerberos token from the server");
    }
    gss_buffer_desc input{in.size(), const_cast<std::uint8_t*>(in.data())};
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    OM_uint32 flags = 0;
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_init_sec_context(
        &minor, credential_->get(), &context_, target_->get(), internal::KerberosMechanism(),
        kRequestFlags, GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
        first ? GSS_C_NO_BUFFER : &input, nullptr, &output, &flags, nullptr);
    Bytes out = internal::TakeGssBuffer(output);
    if (GSS_ERROR(major)) {
      return Status::PermissionDenied("Kerberos authentication as " + identity_.user + "@" +
                                      identity_.domain + " failed: " + GssMessage(major, minor));
    }
    if (major == GSS_S_CONTINUE_NEEDED) {
      if (!first) return Status::PermissionDenied("Kerberos handshake has more than two legs");
      return out;
    }
    // DCE style with mutual authentication always takes the server's AP-REP.
    if (first) return Status::PermissionDenied("Kerberos context completed without the server");
    constexpr OM_uint32 kNeeded = GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG;
    if ((flags & kNeeded) != kNeeded) {
      return Status::PermissionDenied(
          "Kerberos context without mutual authentication, integrity or confidentiality");
    }
    OPENADCS_RETURN_IF_ERROR(Established());
    return out;
  }

  std::unique_ptr<internal::GssCredential> credential_;
  std::unique_ptr<GssName> target_;
  Identity identity_;
};

// The principal `credential` is for.
Result<internal::Principal> ClientPrincipal(gss_cred_id_t credential) {
  GssName name;
  OM_uint32 minor = 0;
  const OM_uint32 major =
      gss_inquire_cred(&minor, credential, name.out(), nullptr, nullptr, nullptr);
  if (GSS_ERROR(major)) {
    return Status::PermissionDenied("no usable Kerberos credentials: " + GssMessage(major, minor));
  }
  return internal::DisplayPrincipal(name.get());
}

}  // namespace

Result<std::unique_ptr<SecurityContext>> NewKerberosClientContext(
    const KerberosInitiatorOptions& options) {
  if (options.target.empty() || options.target.find('/') == std::string::npos) {
    return Status::InvalidArgument(
        "Kerberos needs a service principal such as host/<server>, not '" + options.target + "'");
  }
  if (options.max_token_bytes < 1024) {
    return Status::InvalidArgument("Kerberos max_token_bytes must be at least 1024");
  }
  std::array<gss_key_value_element_desc, 1> elements = {{{"ccache", options.ccache.c_str()}}};
  gss_key_value_set_desc store{static_cast<OM_uint32>(elements.size()), elements.data()};
  gss_OID_set_desc mechs = {1, internal::KerberosMechanism()};
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  OM_uint32 minor = 0;
  const OM_uint32 major = gss_acquire_cred_from(
      &minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
      options.ccache.empty() ? GSS_C_NO_CRED_STORE : &store, &cred, nullptr, nullptr);
  if (GSS_ERROR(major)) {
    return Status::PermissionDenied("no Kerberos credentials in " +
                                    (options.ccache.empty()
                                         ? std::string("the default credential cache")
                                         : "credential cache " + options.ccache) +
                                    ": " + GssMessage(major, minor));
  }
  auto credential = std::make_unique<internal::GssCredential>(cred);
  Result<internal::Principal> principal = ClientPrincipal(credential->get());
  if (!principal.ok()) return principal.status();
  Identity identity{principal->realm, principal->name, "", {}};

  std::string target = options.target;
  if (target.find('@') == std::string::npos) target += "@" + identity.domain;
  gss_buffer_desc target_text{target.size(), target.data()};
  auto name = std::make_unique<GssName>();
  const OM_uint32 imported = gss_import_name(
      &minor, &target_text, const_cast<gss_OID>(GSS_KRB5_NT_PRINCIPAL_NAME), name->out());
  if (GSS_ERROR(imported)) {
    return Status::InvalidArgument("bad Kerberos service principal " + target + ": " +
                                   GssMessage(imported, minor));
  }
  return std::unique_ptr<SecurityContext>(std::make_unique<KerberosClientContext>(
      std::move(credential), std::move(name), std::move(identity), options.max_token_bytes));
}

}  // namespace openadcs::auth
