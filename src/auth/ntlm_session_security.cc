#include "openadcs/auth/ntlm_session_security.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "openadcs/auth/ntlm_message.h"

namespace openadcs::auth::ntlm {
namespace {

Status CheckRange(std::span<const std::uint8_t> pdu, std::size_t offset, std::size_t length,
                  std::size_t signature_size) {
  if (offset > pdu.size() || length > pdu.size() - offset) {
    return Status::InvalidArgument("protected body lies outside the PDU");
  }
  if (signature_size != kSignatureBytes) {
    return Status::InvalidArgument("NTLM signature must be " + std::to_string(kSignatureBytes) +
                                   " bytes");
  }
  return Status::Ok();
}

void Store32(std::span<std::uint8_t> out, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// NTLMSSP_MESSAGE_SIGNATURE with extended session security (MS-NLMP
// 2.2.2.9.2): Version 1, the checksum, SeqNum.
void StoreSignature(std::span<std::uint8_t> out, const Challenge8& checksum, std::uint32_t seq) {
  Store32(out.first(4), 1);
  std::copy(checksum.begin(), checksum.end(), out.begin() + 4);
  Store32(out.subspan(12, 4), seq);
}

std::uint32_t Load32(std::span<const std::uint8_t> in) {
  return static_cast<std::uint32_t>(in[0]) | (static_cast<std::uint32_t>(in[1]) << 8) |
         (static_cast<std::uint32_t>(in[2]) << 16) | (static_cast<std::uint32_t>(in[3]) << 24);
}

}  // namespace

Result<SessionSecurity> SessionSecurity::Create(Role role, std::uint32_t flags,
                                                const Key16& exported_session_key) {
  if ((flags & kNegotiateExtendedSessionSecurity) == 0) {
    return Status::PermissionDenied(
        "NTLM session without extended session security (NTLMv1-style signing) is refused");
  }
  const Direction send =
      role == Role::kClient ? Direction::kClientToServer : Direction::kServerToClient;
  const Direction receive =
      role == Role::kClient ? Direction::kServerToClient : Direction::kClientToServer;
  auto send_sign_key = SignKey(exported_session_key, send);
  if (!send_sign_key.ok()) return send_sign_key.status();
  auto receive_sign_key = SignKey(exported_session_key, receive);
  if (!receive_sign_key.ok()) return receive_sign_key.status();
  auto send_sign = HmacMd5Key::Create(*send_sign_key);
  if (!send_sign.ok()) return send_sign.status();
  auto receive_sign = HmacMd5Key::Create(*receive_sign_key);
  if (!receive_sign.ok()) return receive_sign.status();
  auto send_seal_key = SealKey(exported_session_key, flags, send);
  if (!send_seal_key.ok()) return send_seal_key.status();
  auto receive_seal_key = SealKey(exported_session_key, flags, receive);
  if (!receive_seal_key.ok()) return receive_seal_key.status();
  auto send_seal = Rc4::Create(*send_seal_key);
  if (!send_seal.ok()) return send_seal.status();
  auto receive_seal = Rc4::Create(*receive_seal_key);
  if (!receive_seal.ok()) return receive_seal.status();
  return SessionSecurity(flags, std::move(*send_sign), std::move(*receive_sign), *send_seal_key,
                         *receive_seal_key, std::move(*send_seal), std::move(*receive_seal));
}

SessionSecurity::SessionSecurity(std::uint32_t flags, HmacMd5Key send_sign, HmacMd5Key receive_sign,
                                 const Key16& send_seal_key, const Key16& receive_seal_key,
                                 Rc4 send_seal, Rc4 receive_seal)
    : flags_(flags),
      send_sign_(std::move(send_sign)),
      receive_sign_(std::move(receive_sign)),
      send_seal_key_(send_seal_key),
      receive_seal_key_(receive_seal_key),
      send_seal_(std::move(send_seal)),
      receive_seal_(std::move(receive_seal)) {}

Result<Bytes> SessionSecurity::FirstSignature(const HmacMd5Key& sign, const Key16& seal_key,
                                              std::span<const std::uint8_t> message) const {
  if (broken_ || send_seq_ != 0 || receive_seq_ != 0) {
    return Status::FailedPrecondition("NTLM mechListMIC after the first protected PDU");
  }
  auto mac = Checksum(sign, 0, message);
  if (!mac.ok()) return mac.status();
  Challenge8 checksum = *mac;
  if ((flags_ & kNegotiateKeyExchange) != 0) {
    auto stream = Rc4::Create(seal_key);
    if (!stream.ok()) return stream.status();
    OPENADCS_RETURN_IF_ERROR(stream->Apply(checksum));
  }
  Bytes signature(kSignatureBytes, 0);
  StoreSignature(signature, checksum, 0);
  return signature;
}

Result<Bytes> SessionSecurity::MakeMechListMic(std::span<const std::uint8_t> message) const {
  return FirstSignature(send_sign_, send_seal_key_, message);
}

Status SessionSecurity::VerifyMechListMic(std::span<const std::uint8_t> message,
                                          std::span<const std::uint8_t> mic) const {
  Result<Bytes> expected = FirstSignature(receive_sign_, receive_seal_key_, message);
  if (!expected.ok()) return expected.status();
  if (mic.size() != expected->size() ||
      CRYPTO_memcmp(mic.data(), expected->data(), mic.size()) != 0) {
    return Status::PermissionDenied("NTLM mechListMIC refused");
  }
  return Status::Ok();
}

Status SessionSecurity::CheckLevel(AuthLevel level) const {
  if (level < AuthLevel::kPacket) {
    return Status::FailedPrecondition("NTLM protects PDUs only at packet level or above");
  }
  if (level == AuthLevel::kPrivacy && (flags_ & kNegotiateSeal) == 0) {
    return Status::FailedPrecondition("privacy requested but NTLM sealing was not negotiated");
  }
  if ((flags_ & (kNegotiateSign | kNegotiateSeal)) == 0) {
    return Status::FailedPrecondition("integrity requested but NTLM signing was not negotiated");
  }
  return Status::Ok();
}

Result<Challenge8> SessionSecurity::Checksum(const HmacMd5Key& key, std::uint32_t seq,
                                             std::span<const std::uint8_t> pdu) {
  std::array<std::uint8_t, 4> seq_bytes{};
  Store32(seq_bytes, seq);
  auto mac = key.Mac(seq_bytes, pdu);
  if (!mac.ok()) return mac.status();
  Challenge8 checksum{};
  std::copy_n(mac->begin(), checksum.size(), checksum.begin());
  return checksum;
}

Status SessionSecurity::Protect(AuthLevel level, std::span<std::uint8_t> pdu,
                                std::size_t body_offset, std::size_t body_length,
                                std::span<std::uint8_t> signature) {
  if (broken_) return Status::FailedPrecondition("NTLM session failed earlier");
  OPENADCS_RETURN_IF_ERROR(CheckLevel(level));
  OPENADCS_RETURN_IF_ERROR(CheckRange(pdu, body_offset, body_length, signature.size()));
  // The checksum is over the plaintext, but the stream seals the body first.
  auto mac = Checksum(send_sign_, send_seq_, pdu);
  if (!mac.ok()) {
    broken_ = true;
    return mac.status();
  }
  Challenge8 checksum = *mac;
  Status status;
  if (level == AuthLevel::kPrivacy)
    status = send_seal_.Apply(pdu.subspan(body_offset, body_length));
  if (status.ok() && (flags_ & kNegotiateKeyExchange) != 0) status = send_seal_.Apply(checksum);
  if (!status.ok()) {
    broken_ = true;
    return status;
  }
  StoreSignature(signature, checksum, send_seq_);
  ++send_seq_;
  return Status::Ok();
}

Status SessionSecurity::Unprotect(AuthLevel level, std::span<std::uint8_t> pdu,
                                  std::size_t body_offset, std::size_t body_length,
                                  std::span<const std::uint8_t> signature) {
  if (broken_) return Status::PermissionDenied("NTLM session failed earlier");
  Status status = CheckLevel(level);
  if (!status.ok()) {
    broken_ = true;
    return Status::PermissionDenied(status.message());
  }
  status = CheckRange(pdu, body_offset, body_length, signature.size());
  if (!status.ok()) {
    broken_ = true;
    return status;
  }
  if (level == AuthLevel::kPrivacy) {
    status = receive_seal_.Apply(pdu.subspan(body_offset, body_length));
    if (!status.ok()) {
      broken_ = true;
      return status;
    }
  }
  auto expected = Checksum(receive_sign_, receive_seq_, pdu);
  if (expected.ok() && (flags_ & kNegotiateKeyExchange) != 0) {
    status = receive_seal_.Apply(*expected);
  }
  if (!expected.ok() || !status.ok()) {
    broken_ = true;
    return expected.ok() ? status : expected.status();
  }
  const bool version_ok = Load32(signature.first(4)) == 1;
  const bool seq_ok = Load32(signature.subspan(12, 4)) == receive_seq_;
  const bool mac_ok = CRYPTO_memcmp(expected->data(), signature.data() + 4, 8) == 0;
  if (!version_ok || !seq_ok || !mac_ok) {
    broken_ = true;
    return Status::PermissionDenied(!seq_ok ? "NTLM signature has the wrong sequence number"
                                            : "NTLM signature does not verify");
  }
  ++receive_seq_;
  return Status::Ok();
}

}  // namespace openadcs::auth::ntlm
