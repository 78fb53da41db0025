// The SPNEGO tokens (RFC 4178, MS-SPNG) that DCE/RPC auth type 9 carries.
//
// MIT's SPNEGO acceptor refuses impacket's NegTokenInit, so the daemon
// decodes SPNEGO itself and hands the chosen mechanism's token to that
// mechanism. The decoders take untrusted bytes: they are bounded (token size,
// nesting, mechanism count) and return kInvalidArgument for anything
// malformed; unknown context tags inside a SEQUENCE are skipped, as
// MS-SPNG's NegTokenInit2 adds negHints.
#ifndef OPENADCS_AUTH_SPNEGO_H_
#define OPENADCS_AUTH_SPNEGO_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::auth::spnego {

// Largest token either decoder accepts.
inline constexpr std::size_t kMaxTokenBytes = std::size_t{64} * 1024;
// Most mechanism OIDs a NegTokenInit may offer.
inline constexpr std::size_t kMaxMechTypes = 16;

// OIDs as the contents octets of their DER encoding.
inline constexpr std::uint8_t kOidSpnego[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
// 1.2.840.113554.1.2.2: Kerberos 5.
inline constexpr std::uint8_t kOidKerberos[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                0x12, 0x01, 0x02, 0x02};
// 1.2.840.48018.1.2.2: the Kerberos OID as Windows 2000 truncated it, which
// Windows and impacket still offer first.
inline constexpr std::uint8_t kOidMsKerberos[] = {0x2a, 0x86, 0x48, 0x82, 0xf7,
                                                  0x12, 0x01, 0x02, 0x02};
// 1.3.6.1.4.1.311.2.2.10: NTLMSSP.
inline constexpr std::uint8_t kOidNtlm[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                            0x82, 0x37, 0x02, 0x02, 0x0a};

struct NegTokenInit {
  std::vector<Bytes> mech_types;  // OID contents, the initiator's preference first
  std::optional<Bytes> mech_token;
  std::optional<Bytes> mech_list_mic;
};

enum class NegState : std::uint8_t {
  kAcceptCompleted = 0,
  kAcceptIncomplete = 1,
  kReject = 2,
  kRequestMic = 3,
};

struct NegTokenResp {
  std::optional<NegState> neg_state;
  std::optional<Bytes> supported_mech;  // OID contents
  std::optional<Bytes> response_token;
  std::optional<Bytes> mech_list_mic;
};

// The initiator's first token: [APPLICATION 0] { the SPNEGO OID, [0]
// NegTokenInit }. Errors: kInvalidArgument.
Result<NegTokenInit> DecodeInitialToken(std::span<const std::uint8_t> token);
// The inverse: always with the GSS framing.
Bytes EncodeInitialToken(const NegTokenInit& init);

// Any later token: [1] NegTokenResp. Errors: kInvalidArgument.
Result<NegTokenResp> DecodeNegTokenResp(std::span<const std::uint8_t> token);
Bytes EncodeNegTokenResp(const NegTokenResp& resp);

// The DER MechTypeList (SEQUENCE OF OID) that mechListMIC covers.
Bytes EncodeMechTypeList(const std::vector<Bytes>& mech_types);

// Strips the RFC 2743 3.1 framing ([APPLICATION 0] { OID, inner }) when
// `token` has it and its OID is `oid`: returns the inner bytes (for a
// Kerberos token, TOK_ID and AP-REQ). Errors: kInvalidArgument for a framed
// token of another mechanism or malformed framing.
Result<std::span<const std::uint8_t>> StripGssFraming(std::span<const std::uint8_t> token,
                                                      std::span<const std::uint8_t> oid);

}  // namespace openadcs::auth::spnego

#endif  // OPENADCS_AUTH_SPNEGO_H_
