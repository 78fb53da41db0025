// The client side of Kerberos (auth type 16) for DCE/RPC, on MIT GSSAPI,
// with the tickets of a credential cache as impacket and Windows use them.
//
// DCE style (MS-RPCE 3.3.1.5.2, RFC 4121 with GSS_C_DCE_STYLE), as Windows
// clients speak it: Step({}) gives the AP-REQ for the BIND (mutual
// authentication, integrity, confidentiality, replay and sequence
// detection asked for), Step(the server's AP-REP from the BIND_ACK) gives
// our own AP-REP, which the RPC channel sends in AUTH3, and establishes the
// context. PDUs are then protected exactly as the acceptor
// (kerberos_acceptor.h) expects them.
//
// The ticket to the service comes from the cache when it is there, else
// from the KDC with the cache's TGT (through krb5.conf, KRB5_CONFIG). Errors
// carry MIT's major and minor status text, never key material.
#ifndef OPENADCS_AUTH_KERBEROS_INITIATOR_H_
#define OPENADCS_AUTH_KERBEROS_INITIATOR_H_

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "openadcs/auth/security_context.h"
#include "openadcs/util/status.h"

namespace openadcs::auth {

struct KerberosInitiatorOptions {
  // The credential cache ("FILE:" is implied for a plain path; any MIT
  // cache name such as "KEYRING:..." works). Empty: MIT's default cache
  // (KRB5CCNAME, else krb5.conf's default_ccache_name).
  std::string ccache;
  // The server's principal, "service/host" or "service/host@REALM"
  // ("host/ca.example.com"). Without a realm, the realm of the cache's
  // client principal. Required.
  std::string target;
  // Largest handshake token accepted from the server; larger ones fail
  // with kInvalidArgument.
  std::size_t max_token_bytes = std::size_t{64} * 1024;
};

// A client SecurityContext whose identity() is the cache's client principal
// (domain: the realm, user: the principal's name). Errors: invalid options
// (kInvalidArgument); no cache, or no usable ticket in it
// (kPermissionDenied, with MIT's reason). Handshake failures (no ticket to the target, the KDC
// unreachable, a server AP-REP that does not verify) fail Step with kPermissionDenied.
Result<std::unique_ptr<SecurityContext>> NewKerberosClientContext(
    const KerberosInitiatorOptions& options);

}  // namespace openadcs::auth

#endif  // OPENADCS_AUTH_KERBEROS_INITIATOR_H_
