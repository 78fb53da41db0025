// The server side of NTLM (auth type 10): gss-ntlmssp verifies the client,
// we sign and seal.
//
// Debian's gss-ntlmssp (through MIT GSSAPI) builds the CHALLENGE and checks
// the NTLMv2 AUTHENTICATE against a user file, and reports the session key
// (GSS_C_INQ_SSPI_SESSION_KEY: with key exchange, the exported session key).
// It cannot sign a whole DCE/RPC PDU while sealing only the stub, so
// Protect/Unprotect are ntlm::SessionSecurity, keyed from that session key
// and the flags we parse from the CHALLENGE it produced and the client's
// AUTHENTICATE.
//
// Process-wide state: gss-ntlmssp reads its configuration from environment
// variables. NTLM_USER_FILE names the one user file that serves the whole
// process (re-read on every authentication, so users added later count), and
// NETBIOS_COMPUTER_NAME / NETBIOS_DOMAIN_NAME the names its CHALLENGE
// carries (MsvAvNbComputerName, which impacket requires, and
// MsvAvNbDomainName); gss-ntlmssp reads those when the acceptor credential is
// acquired. NewNtlmAcceptor sets them, so call it before any other thread
// exists or calls GSSAPI (setenv is not thread-safe), and only with one user
// file per process.
#ifndef OPENADCS_AUTH_NTLM_ACCEPTOR_H_
#define OPENADCS_AUTH_NTLM_ACCEPTOR_H_

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "openadcs/auth/security_context.h"
#include "openadcs/util/status.h"

namespace openadcs::auth {

// gss-ntlmssp refuses a NEGOTIATE shorter than this (impacket sends 32
// bytes, without a VERSION); shorter ones are padded with zeros.
inline constexpr std::size_t kGssNtlmsspMinNegotiateBytes = 40;

struct NtlmAcceptorOptions {
  // The smbpasswd-style user file (see user_file.h). Required.
  std::filesystem::path user_file;
  // Our NetBIOS computer and domain names in the CHALLENGE (at most 15
  // characters, ASCII letters, digits, '-' and '_'). Clients compare
  // nothing against them, but impacket needs the computer name present.
  std::string netbios_computer_name = "OPENADCS";
  std::string netbios_domain_name = "WORKGROUP";
  // Largest handshake token accepted; larger ones fail with kInvalidArgument.
  std::size_t max_token_bytes = std::size_t{16} * 1024;
};

// Errors: invalid options (kInvalidArgument); NTLM_USER_FILE already set to a
// different file (kFailedPrecondition: one user file per process); no NTLM
// mechanism in GSSAPI (kUnavailable).
Result<std::unique_ptr<Acceptor>> NewNtlmAcceptor(const NtlmAcceptorOptions& options);

}  // namespace openadcs::auth

#endif  // OPENADCS_AUTH_NTLM_ACCEPTOR_H_
