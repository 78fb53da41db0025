// The server side of Kerberos (auth type 16) and SPNEGO (auth type 9) for
// DCE/RPC, on MIT GSSAPI.
//
// Kerberos is DCE style (MS-RPCE 3.3.1.5.2, RFC 4121 with GSS_C_DCE_STYLE):
// the client's AP-REQ arrives in the BIND, our AP-REP (with a subkey) goes
// back in the BIND_ACK, and the client's own AP-REP completes the context in
// AUTH3 or ALTER_CONTEXT. MIT verifies the tickets against a keytab holding
// the CA host's service principals (HOST/..., RPCSS/...); any principal in it
// is accepted, so the keytab decides which names the CA answers to. PDUs are
// sealed with gss_wrap_iov and signed with gss_get_mic.
//
// SPNEGO is decoded here (see spnego.h): it selects Kerberos (either
// Kerberos OID) or NTLM, in the client's order of preference, and drives that
// mechanism's context. The mechListMIC (RFC 4178 section 5) is verified and
// ours sent when the mechanism chosen was not the client's first, when NTLM's
// AUTHENTICATE carried a MIC, or whenever the client sends one; a required
// one missing or wrong fails the handshake. It comes with the client's last
// mechanism token, so our answer to that leg is then not empty: clients
// that send it in an AUTH3 (which is never answered) fail.
//
// A client principal user@REALM becomes Identity{domain = the NetBIOS domain
// configured for REALM, user}; principals of other realms are refused. The
// identity's SIDs come from the ticket's PAC when MIT verified its server
// signature (pac.h; Identity::sids_from_pac); otherwise they are derived as
// for user-file accounts (user_file.h), so the CA's security settings name
// Kerberos users as 'DOMAIN\user'.
#ifndef OPENADCS_AUTH_KERBEROS_ACCEPTOR_H_
#define OPENADCS_AUTH_KERBEROS_ACCEPTOR_H_

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "openadcs/auth/security_context.h"
#include "openadcs/util/status.h"

namespace openadcs::auth {

struct KerberosAcceptorOptions {
  // The keytab with the service principals' keys. Required; read when the
  // acceptor is made and again by MIT on each authentication.
  std::filesystem::path keytab;
  // The only realm whose users are accepted (e.g. "EXAMPLE.COM"), and the
  // NetBIOS domain name their identities carry (e.g. "EXAMPLE"). Required.
  std::string realm;
  std::string netbios_domain_name;
  // Largest handshake token accepted (tickets with large PACs reach ~12 KB);
  // larger ones fail with kInvalidArgument.
  std::size_t max_token_bytes = std::size_t{64} * 1024;
};

// Auth type 16. Errors: invalid options (kInvalidArgument); the keytab is
// missing or unusable (kUnavailable).
Result<std::unique_ptr<Acceptor>> NewKerberosAcceptor(const KerberosAcceptorOptions& options);

// Auth type 9 over the given mechanisms, either of which may be null (not
// both): `kerberos` must be of type 16 and `ntlm` of type 10.
// Errors: kInvalidArgument.
Result<std::unique_ptr<Acceptor>> NewSpnegoAcceptor(std::shared_ptr<Acceptor> kerberos,
                                                    std::shared_ptr<Acceptor> ntlm);

}  // namespace openadcs::auth

#endif  // OPENADCS_AUTH_KERBEROS_ACCEPTOR_H_
