// NTLM signing and sealing of DCE/RPC PDUs (MS-NLMP 3.4 with extended session
// security, as MS-RPCE 2.2.2.11 applies it).
//
// The signature covers the whole PDU while only the stub and its padding are
// encrypted, and each direction has ONE continuous RC4 stream: a sender seals
// the body, then encrypts the 8-byte checksum with the same stream; the
// receiver decrypts the body, then encrypts its own checksum with its stream
// and compares. Both sides must therefore process every PDU, in order, for
// the streams to stay in step. Sequence numbers start at 0 in each direction
// and count every protected PDU.
//
// Only extended session security is supported: NTLMv1-style signing (CRC32,
// a single key) is refused when the object is created. Not thread-safe.
#ifndef OPENADCS_AUTH_NTLM_SESSION_SECURITY_H_
#define OPENADCS_AUTH_NTLM_SESSION_SECURITY_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "openadcs/auth/ntlm_crypto.h"
#include "openadcs/auth/security_context.h"
#include "openadcs/util/status.h"

namespace openadcs::auth::ntlm {

// NTLMSSP_MESSAGE_SIGNATURE: Version(4) Checksum(8) SeqNum(4).
inline constexpr std::size_t kSignatureBytes = 16;

class SessionSecurity {
 public:
  enum class Role { kClient, kServer };

  // `flags` are the negotiated flags; `exported_session_key` the key both
  // sides agreed on (after key exchange). Errors: no extended session
  // security in `flags` (kPermissionDenied); crypto unavailable (kInternal).
  static Result<SessionSecurity> Create(Role role, std::uint32_t flags,
                                        const Key16& exported_session_key);

  std::uint32_t flags() const { return flags_; }

  // See SecurityContext::Protect / Unprotect. Errors: a level below kPacket,
  // or kPrivacy without sealing (kIntegrity without signing) negotiated
  // (kFailedPrecondition for Protect, kPermissionDenied for Unprotect); a
  // range outside `pdu` or a signature of the wrong size (kInvalidArgument);
  // a bad signature or sequence number (kPermissionDenied). After any
  // Unprotect error the object refuses further use, because its stream may
  // be out of step.
  Status Protect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                 std::size_t body_length, std::span<std::uint8_t> signature);
  Status Unprotect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                   std::size_t body_length, std::span<const std::uint8_t> signature);

  // SPNEGO's mechListMIC (MS-SPNG 3.2.5.1): the signature of `message` as
  // the first PDU's would be made (sequence number 0, the RC4 stream's
  // first bytes), leaving the session as it was, so that the first PDU is
  // signed with the same state. Ours, and the check of the peer's (a wrong
  // one: kPermissionDenied). Errors: a PDU was already protected
  // (kFailedPrecondition).
  Result<Bytes> MakeMechListMic(std::span<const std::uint8_t> message) const;
  Status VerifyMechListMic(std::span<const std::uint8_t> message,
                           std::span<const std::uint8_t> mic) const;

 private:
  SessionSecurity(std::uint32_t flags, HmacMd5Key send_sign, HmacMd5Key receive_sign,
                  const Key16& send_seal_key, const Key16& receive_seal_key, Rc4 send_seal,
                  Rc4 receive_seal);
  // The signature of `message` with sequence number 0 and a fresh stream.
  Result<Bytes> FirstSignature(const HmacMd5Key& sign, const Key16& seal_key,
                               std::span<const std::uint8_t> message) const;
  Status CheckLevel(AuthLevel level) const;
  // HMAC_MD5(key, seq || pdu)[0..8], before any RC4.
  static Result<Challenge8> Checksum(const HmacMd5Key& key, std::uint32_t seq,
                                     std::span<const std::uint8_t> pdu);

  std::uint32_t flags_;
  // Keyed with SIGNKEY once per session: no digest fetch per PDU.
  HmacMd5Key send_sign_;
  HmacMd5Key receive_sign_;
  Key16 send_seal_key_;
  Key16 receive_seal_key_;
  Rc4 send_seal_;
  Rc4 receive_seal_;
  std::uint32_t send_seq_ = 0;
  std::uint32_t receive_seq_ = 0;
  bool broken_ = false;
};

}  // namespace openadcs::auth::ntlm

#endif  // OPENADCS_AUTH_NTLM_SESSION_SECURITY_H_
