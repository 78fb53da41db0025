// What the Kerberos client and server contexts share, on MIT GSSAPI: the
// text of GSS errors and, once a DCE-style context is established, the
// protection of PDUs (MS-RPCE 3.3.1.5.2 with RFC 4121): gss_wrap_iov
// at privacy, gss_get_mic below, over the body or, with header signing,
// the whole PDU in PDU order. Internal to the auth layer.
#ifndef OPENADCS_AUTH_GSS_CONTEXT_H_
#define OPENADCS_AUTH_GSS_CONTEXT_H_

#include <gssapi/gssapi.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "openadcs/auth/security_context.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::auth::internal {

// The Kerberos mechanism (1.2.840.113554.1.2.2), as GSSAPI wants it.
gss_OID KerberosMechanism();

// The major status and, when set, the Kerberos minor status as MIT words
// them ("Unspecified GSS failure; No Kerberos credentials available ...").
// Carries no key material.
std::string GssMessage(OM_uint32 major, OM_uint32 minor);

// Copies a buffer GSSAPI allocated and releases it.
Bytes TakeGssBuffer(gss_buffer_desc& buffer);

// Owns a name handle.
class GssName {
 public:
  GssName() = default;
  GssName(const GssName&) = delete;
  GssName& operator=(const GssName&) = delete;
  ~GssName();
  gss_name_t get() const { return name_; }
  gss_name_t* out() { return &name_; }

 private:
  gss_name_t name_ = GSS_C_NO_NAME;
};

// A Kerberos principal as gss_display_name shows it, split at the last '@'
// (realms cannot contain one; the name part can, escaped).
struct Principal {
  std::string name;
  std::string realm;
};
// Errors: kInternal when it cannot be displayed, kPermissionDenied when it
// has no name or no realm.
Result<Principal> DisplayPrincipal(gss_name_t name);

// Owns a credential handle.
class GssCredential {
 public:
  explicit GssCredential(gss_cred_id_t cred) : cred_(cred) {}
  GssCredential(const GssCredential&) = delete;
  GssCredential& operator=(const GssCredential&) = delete;
  ~GssCredential();
  gss_cred_id_t get() const { return cred_; }

 private:
  gss_cred_id_t cred_;
};

// Subclasses implement Exchange and identity(); once their handshake
// completes they call Established(), which measures the tokens. Deletes the
// GSS context on destruction.
class GssContext : public SecurityContext {
 public:
  // Tokens from the peer longer than `max_token_bytes` are refused.
  explicit GssContext(std::size_t max_token_bytes) : max_token_bytes_(max_token_bytes) {}
  GssContext(const GssContext&) = delete;
  GssContext& operator=(const GssContext&) = delete;
  ~GssContext() override;

  // Refuses a step after a failed one, after the handshake, and of a token
  // over the limit; otherwise Exchange. A failure makes the context unusable.
  Result<Bytes> Step(std::span<const std::uint8_t> in) final;
  bool established() const final { return established_; }
  // DCE style puts the whole token (padding and checksum included) in the
  // auth_value, so its size is fixed per context and level.
  std::size_t signature_size(AuthLevel level) const final {
    return level == AuthLevel::kPrivacy ? sealed_size_ : signed_size_;
  }
  void set_header_signing(bool on) final { header_signing_ = on; }
  Status Protect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                 std::size_t body_length, std::span<std::uint8_t> signature) final;
  Status Unprotect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                   std::size_t body_length, std::span<const std::uint8_t> signature) final;
  // gss_get_mic / gss_verify_mic over the message, outside the PDU sequence.
  Result<Bytes> MakeMechListMic(std::span<const std::uint8_t> message) final;
  Status VerifyMechListMic(std::span<const std::uint8_t> message,
                           std::span<const std::uint8_t> mic) final;

 protected:
  // One handshake leg of the mechanism, `in` within the token limit.
  virtual Result<Bytes> Exchange(std::span<const std::uint8_t> in) = 0;
  // Marks the context established after measuring its token sizes.
  Status Established();

  gss_ctx_id_t context_ = GSS_C_NO_CONTEXT;

 private:
  std::size_t max_token_bytes_;
  bool failed_ = false;
  bool header_signing_ = false;
  bool established_ = false;
  std::size_t signed_size_ = 0;
  std::size_t sealed_size_ = 0;
};

}  // namespace openadcs::auth::internal

#endif  // OPENADCS_AUTH_GSS_CONTEXT_H_
