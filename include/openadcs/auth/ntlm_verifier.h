// Who checks a client's NTLMv2 response for the NTLM acceptor: the user file
// of a standalone CA, or the domain through winbind on a host joined to
// Active Directory (or a Samba AD domain).
//
// Either way the answer names the account canonically, as the user file or
// the domain spells it, never as the client did: a client that sends
// "example.com\ALICE" for the account EXAMPLE\alice is EXAMPLE\alice, which
// is what the CA records and logs as the requester. Domains match without
// regard to ASCII case and in both NetBIOS and DNS form, as on Windows.
#ifndef OPENADCS_AUTH_NTLM_VERIFIER_H_
#define OPENADCS_AUTH_NTLM_VERIFIER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "openadcs/auth/ntlm_crypto.h"
#include "openadcs/auth/security_context.h"
#include "openadcs/util/status.h"

namespace openadcs::auth {

// What the AUTHENTICATE carried, with the challenge it answers.
struct NtlmResponse {
  // UTF-8, as the client sent them: the NTLMv2 response is keyed by these
  // exact spellings.
  std::string domain;
  std::string user;
  std::string workstation;
  ntlm::Challenge8 server_challenge{};
  std::span<const std::uint8_t> nt_response;  // NTLMv2: NTProofStr || temp
  std::span<const std::uint8_t> lm_response;
};

struct VerifiedAccount {
  // The canonical domain and user name, the account SID and its groups
  // (including Everyone and Authenticated Users).
  Identity identity;
  // The NTLMv2 SessionBaseKey, which is the key exchange key (MS-NLMP
  // 3.4.5.1); the acceptor derives the exported session key from it.
  ntlm::Key16 session_base_key{};
};

// Thread-safe.
class NtlmVerifier {
 public:
  virtual ~NtlmVerifier() = default;
  // Errors: no such account or a response that does not match
  // (kPermissionDenied); the verifier cannot be asked, e.g. winbindd is not
  // running (kUnavailable).
  virtual Result<VerifiedAccount> Verify(const NtlmResponse& response) = 0;
  // True when Verify asks another process, which may ask another host
  // (Acceptor::StepWaitFor says kRemote for an AUTHENTICATE).
  virtual bool MayBlock() const = 0;
};

struct UserFileVerifierOptions {
  // See user_file.h. Read again at an authentication when stat() says it
  // changed (another inode, size or time), so accounts added, changed or
  // removed later count at once; a missing file has no accounts.
  std::filesystem::path user_file;
  // The two names of the CA's own domain: a client naming it in either form
  // reaches an account of the user file filed under either form. An empty
  // domain in the AUTHENTICATE is this domain too, as on Windows.
  std::string netbios_domain_name;
  std::string dns_domain_name;  // may be empty
};

// Verifies against the NT hashes of a user file. An account matches when
// its user name matches ASCII case-insensitively and its domain either does
// or is, like the client's, one of the two names of the CA's domain; a
// response matching two accounts is refused. The identity is the account as
// the file spells it, with the SID UserFileAccountSid derives from that.
std::unique_ptr<NtlmVerifier> NewUserFileVerifier(UserFileVerifierOptions options);

// Verifies through the local winbindd (libwbclient, on its default socket
// /run/samba/winbindd), which passes the response to a domain controller
// (wbcAuthenticateUserEx at the response level); computer accounts may
// authenticate too. The identity is the domain's canonical NetBIOS domain
// and account name with the SIDs of the logon (account, primary group,
// other groups), plus Everyone and Authenticated Users. Each Verify opens
// its own winbind connection (so verifiers on several threads never share
// one) and blocks its thread until winbindd answers.
std::unique_ptr<NtlmVerifier> NewWinbindVerifier();

// True when winbindd answers a ping; for a warning at start-up (winbindd may
// start later).
bool WinbindReachable();

struct DeadlineVerifierOptions {
  // Who the wrapped verifier asks, for the errors ("winbindd").
  std::string asked;
  // How long a Verify waits for the verifier it wraps; more than 0.
  std::chrono::milliseconds timeout{10'000};
  // Calls of the wrapped verifier under way at once, those given up on
  // included; more than 0.
  std::size_t max_running = 64;
};

// Wraps a verifier that may block (MayBlock) so that a Verify returns
// within `timeout`: each call of `inner` runs on one of the wrapper's
// threads (kept while they have work, and a minute after), and one that has
// not answered in time is given up on (kUnavailable) and left to finish
// there, keeping `inner` alive and touching nothing else. A logon
// thread is so never held longer than the timeout by a winbindd that stops
// answering, which libwbclient waits for up to 300 s and cannot be told to
// stop. While `max_running` calls are under way a Verify fails at once
// (kUnavailable) without asking `inner`: a winbindd that does not answer
// gathers no more threads. Errors: those of `inner`, and kUnavailable.
std::unique_ptr<NtlmVerifier> NewDeadlineVerifier(std::shared_ptr<NtlmVerifier> inner,
                                                  DeadlineVerifierOptions options);

}  // namespace openadcs::auth

#endif  // OPENADCS_AUTH_NTLM_VERIFIER_H_
