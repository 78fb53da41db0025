// The client side of NTLM for DCE/RPC: our own NTLMv2 (MS-NLMP 3.1.5.1).
//
// The crypto it needs is tested against the MS-NLMP 4.2.4 vectors.
#ifndef OPENADCS_AUTH_NTLM_CLIENT_H_
#define OPENADCS_AUTH_NTLM_CLIENT_H_

#include <memory>
#include <optional>
#include <string>

#include "openadcs/auth/ntlm_crypto.h"
#include "openadcs/auth/security_context.h"

namespace openadcs::auth {

struct NtlmCredentials {
  std::string domain;  // NetBIOS domain, as the server's user file names it
  std::string user;
  // One of the two: the password (UTF-8), or its NT hash (used when set).
  std::string password;
  std::optional<ntlm::Key16> nt_hash;
  // Our NetBIOS name in the AUTHENTICATE; may be empty.
  std::string workstation;
};

// A client SecurityContext: Step({}) returns the NEGOTIATE, Step(CHALLENGE)
// the AUTHENTICATE, after which it is established (the server's verdict
// arrives with the next PDU). Always asks for 128-bit keys, key exchange,
// signing, sealing and extended session security, and refuses a CHALLENGE
// that drops extended session security (kPermissionDenied). identity() is
// the credentials' DOMAIN\user. Not thread-safe.
std::unique_ptr<SecurityContext> NewNtlmClientContext(NtlmCredentials credentials);

}  // namespace openadcs::auth

#endif  // OPENADCS_AUTH_NTLM_CLIENT_H_
