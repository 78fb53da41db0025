// What the NTLM client and server contexts share once their handshakes are
// done: the identity and the session's signing and sealing. Internal to the
// auth layer.
#ifndef OPENADCS_AUTH_NTLM_CONTEXT_H_
#define OPENADCS_AUTH_NTLM_CONTEXT_H_

#include <optional>
#include <span>

#include "openadcs/auth/ntlm_session_security.h"
#include "openadcs/auth/security_context.h"

namespace openadcs::auth::internal {

// Subclasses implement Step and set security_ (and identity_) when the
// handshake completes.
class NtlmContext : public SecurityContext {
 public:
  bool established() const final { return security_.has_value(); }
  const Identity& identity() const final { return identity_; }
  std::size_t signature_size(AuthLevel /*level*/) const final { return ntlm::kSignatureBytes; }
  Status Protect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                 std::size_t body_length, std::span<std::uint8_t> signature) final {
    if (!security_) return Status::FailedPrecondition("NTLM context is not established");
    return security_->Protect(level, pdu, body_offset, body_length, signature);
  }
  Status Unprotect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                   std::size_t body_length, std::span<const std::uint8_t> signature) final {
    if (!security_) return Status::FailedPrecondition("NTLM context is not established");
    return security_->Unprotect(level, pdu, body_offset, body_length, signature);
  }
  Result<Bytes> MakeMechListMic(std::span<const std::uint8_t> message) final {
    if (!security_) return Status::FailedPrecondition("NTLM context is not established");
    return security_->MakeMechListMic(message);
  }
  Status VerifyMechListMic(std::span<const std::uint8_t> message,
                           std::span<const std::uint8_t> mic) final {
    if (!security_) return Status::FailedPrecondition("NTLM context is not established");
    return security_->VerifyMechListMic(message, mic);
  }
  bool RequiresMechListMic() const final { return requires_mech_list_mic_; }

 protected:
  std::optional<ntlm::SessionSecurity> security_;
  Identity identity_;
  // The AUTHENTICATE message carried a MIC (MS-SPNG 3.1.5.1 note 8).
  bool requires_mech_list_mic_ = false;
};

}  // namespace openadcs::auth::internal

#endif  // OPENADCS_AUTH_NTLM_CONTEXT_H_
