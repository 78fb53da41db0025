// The security-context interface the RPC runtime authenticates through.
//
// One SecurityContext per (connection, auth_context_id) (MS-RPCE 3.3.1.5.2):
// the runtime feeds it the auth_value of each handshake leg (BIND,
// ALTER_CONTEXT, AUTH3 and their answers) and then has it protect and
// unprotect every PDU of that context. NTLM, Kerberos and SPNEGO live behind
// this interface. Nothing here knows PDU layouts beyond the byte ranges it is
// handed.
#ifndef OPENADCS_AUTH_SECURITY_CONTEXT_H_
#define OPENADCS_AUTH_SECURITY_CONTEXT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::auth {

// auth_type of the sec_trailer (MS-RPCE 2.2.1.1.7).
enum class AuthType : std::uint8_t {
  kNone = 0,
  kSpnego = 9,
  kNtlm = 10,
  kKerberos = 16,
};

// auth_level of the sec_trailer (MS-RPCE 2.2.1.1.8). Ordered: a higher value
// is a stronger protection.
enum class AuthLevel : std::uint8_t {
  kDefault = 0,
  kNone = 1,
  kConnect = 2,
  kCall = 3,
  kPacket = 4,
  kIntegrity = 5,
  kPrivacy = 6,
};

// Who the peer authenticated as. `domain` and `user` name the account as
// its authority spells it (the user file, or the domain's NetBIOS name and
// account name), whatever spelling the client sent; `sid` and `group_sids`
// are what the CA's access checks match against the CA's security
// descriptor, in string form ("S-1-5-21-...").
struct Identity {
  std::string domain;
  std::string user;
  std::string sid;  // empty when the acceptor knows none
  std::vector<std::string> group_sids;
  // True when sid and group_sids come from a Kerberos PAC whose signature
  // was verified: the domain's own statement of the account's access token,
  // which the CA uses as it is instead of asking the directory.
  bool sids_from_pac = false;
  // "DOMAIN\user", the form the CA records as the requester.
  std::string Qualified() const { return domain.empty() ? user : domain + "\\" + user; }
};

// Not thread-safe: a connection drives its contexts from one strand.
class SecurityContext {
 public:
  virtual ~SecurityContext() = default;

  // Consumes one handshake leg. `in` is the auth_value the peer sent (empty
  // for a client's first leg). Returns the auth_value to send back, which
  // may be empty (a server answers AUTH3 with nothing). Errors: the peer
  // failed to authenticate (kPermissionDenied) or sent a malformed token
  // (kInvalidArgument); the context is then unusable.
  virtual Result<Bytes> Step(std::span<const std::uint8_t> in) = 0;

  // True once the handshake has completed successfully.
  virtual bool established() const = 0;

  // REQUIRES: established(). The server side: the authenticated client.
  virtual const Identity& identity() const = 0;

  // Bytes of auth_value a protected PDU carries at `level` (16 for NTLM at
  // every level; Kerberos tokens are longer at kPrivacy than below).
  // REQUIRES: established().
  virtual std::size_t signature_size(AuthLevel level) const = 0;

  // Whether the peer and we agreed to sign the PDU header and sec_trailer
  // too (PFC_SUPPORT_HEADER_SIGN in the bind, MS-RPCE 2.2.2.3): Kerberos then
  // covers them, otherwise only the body. NTLM always signs the whole PDU and
  // ignores this. Called before the first Protect or Unprotect.
  virtual void set_header_signing(bool /*on*/) {}

  // SPNEGO's mechListMIC (RFC 4178 section 5): this context's checksum over
  // `message` (the DER of the initiator's mechTypes list) and the check of
  // the peer's. Neither disturbs the per-PDU protection that follows.
  // REQUIRES: established(). Mechanisms without one answer
  // kFailedPrecondition; a wrong MIC is kPermissionDenied.
  virtual Result<Bytes> MakeMechListMic(std::span<const std::uint8_t> /*message*/) {
    return Status::FailedPrecondition("this mechanism has no mechListMIC");
  }
  virtual Status VerifyMechListMic(std::span<const std::uint8_t> /*message*/,
                                   std::span<const std::uint8_t> /*mic*/) {
    return Status::FailedPrecondition("this mechanism has no mechListMIC");
  }
  // Whether the mechanism itself makes the mechListMIC exchange mandatory
  // (NTLM whose AUTHENTICATE carried a MIC, MS-SPNG 3.1.5.1 note 8).
  // REQUIRES: established().
  virtual bool RequiresMechListMic() const { return false; }

  // Protects an outgoing PDU. `pdu` is the whole PDU without its auth_value
  // (header, body, padding, sec_trailer) with the final frag_length and
  // auth_length already written; [body_offset, body_offset + body_length)
  // is the stub plus auth padding. At kPrivacy the body is encrypted in
  // place and the PDU signed; at kIntegrity (and kPacket) the PDU is only
  // signed. Writes signature_size(level) bytes to `signature` and advances this
  // direction's sequence number. REQUIRES: established().
  virtual Status Protect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                         std::size_t body_length, std::span<std::uint8_t> signature) = 0;

  // The inverse for an incoming PDU: at kPrivacy decrypts the body in place,
  // then verifies `signature` over the plaintext PDU and the expected
  // sequence number, which it advances. Errors: kPermissionDenied for a bad
  // signature or sequence number (the caller faults and closes).
  virtual Status Unprotect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                           std::size_t body_length, std::span<const std::uint8_t> signature) = 0;
};

// What a context's Step may wait on besides the CPU, from the least to the
// most (std::max of two is what a step that may take either waits on).
enum class StepWait {
  kNone,    // memory only
  kLocal,   // files on this host (MIT Kerberos's keytab and replay cache):
            // as long as the disk takes
  kRemote,  // another host (a domain controller, through winbindd): as long
            // as that host takes to answer, or its timeout
};

// Makes server-side contexts for one auth type. Thread-safe.
class Acceptor {
 public:
  virtual ~Acceptor() = default;
  virtual AuthType type() const = 0;
  virtual Result<std::unique_ptr<SecurityContext>> NewContext() = 0;
  // What the Step that takes `token`, as received and not yet checked, may
  // wait on, in any context of this acceptor: never less than it does (a
  // token the answer underrates is one the Step refuses before waiting).
  // The RPC runtime runs a step that may wait on a worker, so that one slow
  // authentication never holds up other connections' reads and writes, and
  // gives kRemote steps at most half the workers, so that a domain
  // controller that stops answering leaves the rest to calls and to the
  // others' logons.
  virtual StepWait StepWaitFor(std::span<const std::uint8_t> token) const = 0;
};

}  // namespace openadcs::auth

#endif  // OPENADCS_AUTH_SECURITY_CONTEXT_H_
