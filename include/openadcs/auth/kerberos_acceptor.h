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
// mechanism's context. mechListMIC is neither checked nor sent: a client that
// requires it (NTLM under SPNEGO with a Windows peer) fails the handshake.
//
// A client principal user@REALM becomes Identity{domain = the NetBIOS domain
// configured for REALM, user}; principals of other realms are refused. The
// identity's SIDs are derived as for user-file accounts (user_file.h), so the
// CA's security settings name Kerberos users as 'DOMAIN\user'.
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
