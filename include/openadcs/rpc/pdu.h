// Connection-oriented DCE/RPC PDUs (C706 chapter 12.6 as MS-RPCE 2.2.2
// extends it): the common header, the sec_trailer and each PDU body.
//
// Wire format: little-endian integers, ASCII characters, IEEE floats only.
// A PDU declaring any other data representation (packed_drep) parses with
// Header::drep_supported false; the runtime answers it with a bind_nak (for
// a bind) or a fault and closes, and never reads its body.
//
// Decoders read untrusted bytes: every read is bounds-checked and a failure
// is a kInvalidArgument Status. Parsed PDUs (PduView and the bodies holding
// spans) borrow the caller's buffer and are valid only while it is.
#ifndef OPENADCS_RPC_PDU_H_
#define OPENADCS_RPC_PDU_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "openadcs/auth/security_context.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::rpc {

// PTYPE (C706 12.6.4, MS-RPCE 2.2.2.10 for auth3).
enum class PduType : std::uint8_t {
  kRequest = 0,
  kResponse = 2,
  kFault = 3,
  kBind = 11,
  kBindAck = 12,
  kBindNak = 13,
  kAlterContext = 14,
  kAlterContextResp = 15,
  kAuth3 = 16,
  kShutdown = 17,
  kCoCancel = 18,
  kOrphaned = 19,
};

// pfc_flags (C706 12.6.3.1, MS-RPCE 2.2.2.3).
namespace pfc {
inline constexpr std::uint8_t kFirstFrag = 0x01;
inline constexpr std::uint8_t kLastFrag = 0x02;
// PFC_PENDING_CANCEL on request/response; PFC_SUPPORT_HEADER_SIGN on bind,
// bind_ack, alter_context, alter_context_resp and auth3.
inline constexpr std::uint8_t kPendingCancel = 0x04;
inline constexpr std::uint8_t kSupportHeaderSign = 0x04;
inline constexpr std::uint8_t kConcMpx = 0x10;
inline constexpr std::uint8_t kDidNotExecute = 0x20;
inline constexpr std::uint8_t kMaybe = 0x40;
inline constexpr std::uint8_t kObjectUuid = 0x80;
}  // namespace pfc

inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kSecTrailerSize = 8;
// Fixed part of a request body (alloc_hint, p_cont_id, opnum); the object
// UUID adds 16 more when PFC_OBJECT_UUID is set.
inline constexpr std::size_t kRequestFixedSize = 8;
// Fixed part of a response body (alloc_hint, p_cont_id, cancel_count, pad).
inline constexpr std::size_t kResponseFixedSize = 8;
// Fixed part of a fault body (alloc_hint, p_cont_id, cancel_count, pad,
// status, reserved); a stub may follow.
inline constexpr std::size_t kFaultFixedSize = 16;
// packed_drep as this runtime writes it and the only one it reads: octet 0
// holds the integer order (high nibble, 1 = little-endian) and character set
// (low nibble, 0 = ASCII), octet 1 the float format (0 = IEEE).
inline constexpr std::array<std::uint8_t, 4> kPackedDrep = {0x10, 0x00, 0x00, 0x00};
// Stub plus auth padding is a multiple of this (MS-RPCE 2.2.2.11).
inline constexpr std::size_t kAuthPadAlignment = 16;
// The smallest fragment every implementation must receive (C706 12.6.3.1,
// MUST_RECV_FRAG_SIZE) and the largest frag_length can state.
inline constexpr std::uint16_t kMinFragmentSize = 1432;
inline constexpr std::uint16_t kMaxFragmentSize = 65535;

// bind_nak provider_reject_reason (C706 12.6.3.1, MS-RPCE 2.2.2.5).
namespace reject {
inline constexpr std::uint16_t kNotSpecified = 0;
inline constexpr std::uint16_t kLocalLimitExceeded = 2;
inline constexpr std::uint16_t kProtocolVersionNotSupported = 4;
inline constexpr std::uint16_t kAuthTypeNotRecognized = 8;
inline constexpr std::uint16_t kInvalidChecksum = 9;
}  // namespace reject

// p_cont_def_result_t (C706 12.6.3.1, MS-RPCE 2.2.2.4).
namespace result {
inline constexpr std::uint16_t kAcceptance = 0;
inline constexpr std::uint16_t kUserRejection = 1;
inline constexpr std::uint16_t kProviderRejection = 2;
inline constexpr std::uint16_t kNegotiateAck = 3;
}  // namespace result

// p_provider_reason_t (C706 12.6.3.1).
namespace reason {
inline constexpr std::uint16_t kNotSpecified = 0;
inline constexpr std::uint16_t kAbstractSyntaxNotSupported = 1;
inline constexpr std::uint16_t kTransferSyntaxesNotSupported = 2;
inline constexpr std::uint16_t kLocalLimitExceeded = 3;
}  // namespace reason

// BindTimeFeatureNegotiationBitmask bits (MS-RPCE 2.2.2.14).
namespace feature {
inline constexpr std::uint8_t kSecurityContextMultiplexing = 0x01;
inline constexpr std::uint8_t kKeepConnectionOnOrphan = 0x02;
}  // namespace feature

// NDR 2.0: 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0.
SyntaxId NdrTransferSyntax();
// The bind time feature negotiation transfer syntax (MS-RPCE 3.3.1.5.3):
// 6cb71c2c-9812-4540-<bitmask as 8 octets> v1.0.
SyntaxId BindTimeFeatureSyntax(std::uint8_t bitmask);
// The first bitmask octet when `syntax` is a feature negotiation syntax.
std::optional<std::uint8_t> BindTimeFeatureBits(const SyntaxId& syntax);

// The common header (16 bytes). packed_drep is not kept: see drep_supported.
struct Header {
  PduType type = PduType::kRequest;
  std::uint8_t flags = 0;
  std::uint16_t frag_length = 0;
  std::uint16_t auth_length = 0;
  std::uint32_t call_id = 0;
  std::uint8_t version_minor = 0;
  // False when packed_drep declares big-endian integers, EBCDIC or a
  // non-IEEE float format; frag_length and call_id are then read in the
  // declared integer order so that the answer can name the call.
  bool drep_supported = true;
};

// Parses the first kHeaderSize bytes: rpc_vers 5, rpc_vers_minor 0 or 1,
// frag_length at least the header plus, when auth_length is non-zero, the
// sec_trailer and the auth_value. Does not check the PTYPE (the runtime
// answers unknown types itself).
Result<Header> ParseHeader(std::span<const std::uint8_t> bytes);

// sec_trailer (MS-RPCE 2.2.2.11).
struct SecTrailer {
  auth::AuthType auth_type = auth::AuthType::kNone;
  auth::AuthLevel auth_level = auth::AuthLevel::kNone;
  std::uint8_t auth_pad_length = 0;
  std::uint32_t auth_context_id = 0;
};

// A whole PDU split into its segments (MS-RPCE 2.2.2.1).
struct PduView {
  Header header;
  // From the end of the common header to the sec_trailer, auth padding
  // included; to the end of the PDU when there is no trailer.
  std::span<const std::uint8_t> body;
  std::optional<SecTrailer> trailer;  // present iff auth_length != 0
  std::span<const std::uint8_t> auth_value;
};

// Parses one whole PDU. REQUIRES nothing of `pdu`: it must hold exactly
// frag_length bytes, the header must parse with a supported drep, and the
// auth padding must fit in the body.
Result<PduView> ParsePdu(std::span<const std::uint8_t> pdu);

// p_cont_elem_t.
struct PresentationContext {
  std::uint16_t context_id = 0;
  SyntaxId abstract_syntax;
  std::vector<SyntaxId> transfer_syntaxes;
};

// bind and alter_context.
struct BindBody {
  std::uint16_t max_xmit_frag = kMaxFragmentSize;
  std::uint16_t max_recv_frag = kMaxFragmentSize;
  std::uint32_t assoc_group_id = 0;
  std::vector<PresentationContext> contexts;
};

// p_result_t.
struct ContextResult {
  std::uint16_t result = result::kAcceptance;
  std::uint16_t reason = reason::kNotSpecified;
  SyntaxId transfer_syntax;
};

// bind_ack and alter_context_resp.
struct BindAckBody {
  std::uint16_t max_xmit_frag = 0;
  std::uint16_t max_recv_frag = 0;
  std::uint32_t assoc_group_id = 0;
  // port_any_t without its NUL; alter_context_resp sends it empty.
  std::string secondary_address;
  std::vector<ContextResult> results;
};

struct BindNakBody {
  std::uint16_t reject_reason = reject::kNotSpecified;
};

struct RequestBody {
  std::uint32_t alloc_hint = 0;
  std::uint16_t context_id = 0;
  std::uint16_t opnum = 0;
  std::optional<Uuid> object;
  std::span<const std::uint8_t> stub;  // without auth padding
};

struct ResponseBody {
  std::uint32_t alloc_hint = 0;
  std::uint16_t context_id = 0;
  std::uint8_t cancel_count = 0;
  std::span<const std::uint8_t> stub;  // without auth padding
};

struct FaultBody {
  std::uint32_t alloc_hint = 0;
  std::uint16_t context_id = 0;
  std::uint8_t cancel_count = 0;
  std::uint32_t status = 0;
};

// Body decoders; each checks the PTYPE it is given. Bytes after the fields a
// body defines (before the trailer) are ignored, as C706 allows.
Result<BindBody> ParseBind(const PduView& pdu);        // bind, alter_context
Result<BindAckBody> ParseBindAck(const PduView& pdu);  // bind_ack, alter_context_resp
Result<BindNakBody> ParseBindNak(const PduView& pdu);
Result<RequestBody> ParseRequest(const PduView& pdu);
Result<ResponseBody> ParseResponse(const PduView& pdu);
Result<FaultBody> ParseFault(const PduView& pdu);

// Body encoders (the bytes after the common header).
Bytes EncodeBind(const BindBody& body);
Bytes EncodeBindAck(const BindAckBody& body);
Bytes EncodeBindNak(const BindNakBody& body);
// The fixed part of a request (with the object UUID when given); the stub
// follows it.
Bytes EncodeRequestFixed(std::uint32_t alloc_hint, std::uint16_t context_id, std::uint16_t opnum,
                         const std::optional<Uuid>& object);
Bytes EncodeResponseFixed(std::uint32_t alloc_hint, std::uint16_t context_id);
Bytes EncodeFault(const FaultBody& body);

// An encoded PDU and where its protected body lies.
struct BuiltPdu {
  Bytes bytes;
  std::size_t body_offset = 0;  // stub start (request/response) or body start
  std::size_t body_length = 0;  // stub plus auth padding
  std::size_t auth_offset = 0;  // auth_value start; bytes.size() without one
};

// Assembles header, `fixed` (the body's fixed part), `stub`, auth padding,
// sec_trailer and `auth_value`. Without a trailer no padding is added. With
// one, stub plus padding is a multiple of kAuthPadAlignment; `trailer`'s
// auth_pad_length is overwritten. `auth_value` may be a zero-filled
// placeholder the caller then fills (SecurityContext::Protect).
// REQUIRES: the total fits in 65535 bytes and auth_value in auth_length
// (the caller sizes fragments).
BuiltPdu BuildPdu(PduType type, std::uint8_t flags, std::uint32_t call_id,
                  std::span<const std::uint8_t> fixed, std::span<const std::uint8_t> stub,
                  const std::optional<SecTrailer>& trailer,
                  std::span<const std::uint8_t> auth_value);

}  // namespace openadcs::rpc

#endif  // OPENADCS_RPC_PDU_H_
