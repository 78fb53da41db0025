// NTLM messages (MS-NLMP 2.2): NEGOTIATE, CHALLENGE and AUTHENTICATE, their
// AV pairs (2.2.2.1) and VERSION (2.2.2.10).
//
// All fields are little-endian. Each message starts with "NTLMSSP\0" and a
// 32-bit type; variable fields are (length 16, max length 16, offset 32)
// descriptors pointing into the payload that follows the fixed part. The
// parsers read untrusted bytes: every descriptor is bounds-checked against
// the message, every limit below is enforced, and a failure is
// kInvalidArgument naming the field. Nothing here allocates more than the
// input size. Thread-safe (pure functions).
#ifndef OPENADCS_AUTH_NTLM_MESSAGE_H_
#define OPENADCS_AUTH_NTLM_MESSAGE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::auth::ntlm {

// NegotiateFlags (MS-NLMP 2.2.2.5).
inline constexpr std::uint32_t kNegotiateUnicode = 0x00000001;
inline constexpr std::uint32_t kNegotiateOem = 0x00000002;
inline constexpr std::uint32_t kRequestTarget = 0x00000004;
inline constexpr std::uint32_t kNegotiateSign = 0x00000010;
inline constexpr std::uint32_t kNegotiateSeal = 0x00000020;
inline constexpr std::uint32_t kNegotiateDatagram = 0x00000040;
inline constexpr std::uint32_t kNegotiateLmKey = 0x00000080;
inline constexpr std::uint32_t kNegotiateNtlm = 0x00000200;
inline constexpr std::uint32_t kNegotiateAnonymous = 0x00000800;
inline constexpr std::uint32_t kNegotiateOemDomainSupplied = 0x00001000;
inline constexpr std::uint32_t kNegotiateOemWorkstationSupplied = 0x00002000;
inline constexpr std::uint32_t kNegotiateAlwaysSign = 0x00008000;
inline constexpr std::uint32_t kTargetTypeDomain = 0x00010000;
inline constexpr std::uint32_t kTargetTypeServer = 0x00020000;
inline constexpr std::uint32_t kNegotiateExtendedSessionSecurity = 0x00080000;
inline constexpr std::uint32_t kNegotiateIdentify = 0x00100000;
inline constexpr std::uint32_t kRequestNonNtSessionKey = 0x00400000;
inline constexpr std::uint32_t kNegotiateTargetInfo = 0x00800000;
inline constexpr std::uint32_t kNegotiateVersion = 0x02000000;
inline constexpr std::uint32_t kNegotiate128 = 0x20000000;
inline constexpr std::uint32_t kNegotiateKeyExchange = 0x40000000;
inline constexpr std::uint32_t kNegotiate56 = 0x80000000;

// MessageType values.
inline constexpr std::uint32_t kNegotiateType = 1;
inline constexpr std::uint32_t kChallengeType = 2;
inline constexpr std::uint32_t kAuthenticateType = 3;

// Limits on untrusted input. A real AUTHENTICATE is a few hundred bytes; the
// cap bounds what one handshake leg may make us copy.
inline constexpr std::size_t kMaxMessageBytes = std::size_t{16} * 1024;
// AV pairs in one target info (a Windows server sends about ten).
inline constexpr std::size_t kMaxAvPairs = 64;

// Fixed-part sizes; the VERSION (8 bytes) follows the fixed part when
// kNegotiateVersion is set, and the AUTHENTICATE's MIC (16 bytes) follows
// the VERSION when present.
inline constexpr std::size_t kNegotiateFixedBytes = 32;
inline constexpr std::size_t kChallengeFixedBytes = 48;
inline constexpr std::size_t kAuthenticateFixedBytes = 64;
inline constexpr std::size_t kVersionBytes = 8;
inline constexpr std::size_t kMicBytes = 16;
// Where the MIC sits in an AUTHENTICATE that carries a VERSION.
inline constexpr std::size_t kAuthenticateMicOffset = kAuthenticateFixedBytes + kVersionBytes;

// AvId values (MS-NLMP 2.2.2.1).
enum class AvId : std::uint16_t {
  kEol = 0,
  kNbComputerName = 1,
  kNbDomainName = 2,
  kDnsComputerName = 3,
  kDnsDomainName = 4,
  kDnsTreeName = 5,
  kFlags = 6,
  kTimestamp = 7,
  kSingleHost = 8,
  kTargetName = 9,
  kChannelBindings = 10,
};

// MsvAvFlags bit: the AUTHENTICATE carries a MIC.
inline constexpr std::uint32_t kAvFlagMicPresent = 0x00000002;

struct AvPair {
  AvId id = AvId::kEol;
  Bytes value;
  bool operator==(const AvPair&) const = default;
};

// Target info without its MsvAvEOL terminator (the encoder adds it).
using TargetInfo = std::vector<AvPair>;

// The first pair with `id`, or null.
const AvPair* FindAvPair(const TargetInfo& info, AvId id);
// Parses AV pairs up to MsvAvEOL; bytes after the EOL are ignored (the
// NTLMv2 response pads them). Errors: a truncated pair, a missing EOL, more
// than kMaxAvPairs pairs.
Result<TargetInfo> ParseTargetInfo(std::span<const std::uint8_t> bytes);
// The pairs followed by MsvAvEOL. REQUIRES: no value longer than 65535.
Bytes EncodeTargetInfo(const TargetInfo& info);

struct Version {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint16_t build = 0;
  std::uint8_t revision = 0;  // NTLMSSP_REVISION_W2K3 is 15
  bool operator==(const Version&) const = default;
};

// What we announce when kNegotiateVersion is set: 6.1.7600, revision 15.
inline constexpr Version kOurVersion{6, 1, 7600, 15};

struct NegotiateMessage {
  std::uint32_t flags = 0;
  std::string domain;       // OEM bytes, as sent
  std::string workstation;  // OEM bytes, as sent
  std::optional<Version> version;
};

struct ChallengeMessage {
  std::uint32_t flags = 0;
  Bytes target_name;  // as sent (UTF-16LE or OEM per flags)
  std::array<std::uint8_t, 8> server_challenge{};
  TargetInfo target_info;
  std::optional<Version> version;
};

struct AuthenticateMessage {
  std::uint32_t flags = 0;
  Bytes lm_response;
  Bytes nt_response;
  // UTF-8 (decoded from UTF-16LE when kNegotiateUnicode, else OEM bytes
  // taken as they are).
  std::string domain;
  std::string user;
  std::string workstation;
  Bytes encrypted_random_session_key;
  std::optional<Version> version;
  // Present when the payload starts late enough to leave room for it; the
  // NT response's MsvAvFlags says whether it is meant (kAvFlagMicPresent).
  std::optional<std::array<std::uint8_t, kMicBytes>> mic;
};

// The message type of `bytes` after checking the signature, or
// kInvalidArgument.
Result<std::uint32_t> PeekMessageType(std::span<const std::uint8_t> bytes);

Result<NegotiateMessage> ParseNegotiate(std::span<const std::uint8_t> bytes);
Result<ChallengeMessage> ParseChallenge(std::span<const std::uint8_t> bytes);
Result<AuthenticateMessage> ParseAuthenticate(std::span<const std::uint8_t> bytes);

// Encoders. The VERSION is written when `version` is set (and the caller sets
// kNegotiateVersion); payload fields follow in the order the spec lists
// them. An AUTHENTICATE with `mic` set carries it at kAuthenticateMicOffset
// (REQUIRES: `version` set too). REQUIRES: every field fits in 65535 bytes.
Bytes EncodeNegotiate(const NegotiateMessage& message);
Bytes EncodeChallenge(const ChallengeMessage& message);
Bytes EncodeAuthenticate(const AuthenticateMessage& message);

}  // namespace openadcs::auth::ntlm

#endif  // OPENADCS_AUTH_NTLM_MESSAGE_H_
