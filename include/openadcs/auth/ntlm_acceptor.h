// The server side of NTLM (auth type 10).
//
// We build the CHALLENGE, have an NtlmVerifier (the user file, or the domain
// through winbind) check the client's NTLMv2 response and name the account,
// check the MIC when the client sends one, derive the exported session key
// (MS-NLMP 3.4.5: with NTLMv2 the key exchange key is the session base key,
// decrypting the client's random session key under KEY_EXCH) and sign and
// seal with ntlm::SessionSecurity. NTLMv1, anonymous and OEM-only clients
// are refused; so are names with control characters, and (unless
// allow_weak_keys) a context that signs or seals without 128-bit keys and
// key exchange.
#ifndef OPENADCS_AUTH_NTLM_ACCEPTOR_H_
#define OPENADCS_AUTH_NTLM_ACCEPTOR_H_

#include <cstddef>
#include <memory>
#include <string>

#include "openadcs/auth/ntlm_verifier.h"
#include "openadcs/auth/security_context.h"
#include "openadcs/util/status.h"

namespace openadcs::auth {

struct NtlmAcceptorOptions {
  // Required; shared by every context of the acceptor.
  std::shared_ptr<NtlmVerifier> verifier;
  // Our names in the CHALLENGE (NetBIOS: 1-15 ASCII letters, digits, '-'
  // and '_'). Clients compare nothing against them, but impacket needs the
  // computer name present. Without a DNS domain name the DNS fields carry
  // the NetBIOS names.
  std::string netbios_computer_name = "OPENADCS";
  std::string netbios_domain_name = "WORKGROUP";
  std::string dns_domain_name;
  // Largest handshake token accepted; larger ones fail with kInvalidArgument.
  std::size_t max_token_bytes = std::size_t{16} * 1024;
  // Accept an AUTHENTICATE that negotiates signing or sealing without
  // NTLMSSP_NEGOTIATE_128 or NTLMSSP_NEGOTIATE_KEY_EXCH: 40/56-bit RC4 keys,
  // or session keys derived from the password alone. Off: such a client is
  // refused (kPermissionDenied) and the missing flags logged.
  bool allow_weak_keys = false;
};

// Errors: invalid options (kInvalidArgument).
Result<std::unique_ptr<Acceptor>> NewNtlmAcceptor(const NtlmAcceptorOptions& options);

}  // namespace openadcs::auth

#endif  // OPENADCS_AUTH_NTLM_ACCEPTOR_H_
