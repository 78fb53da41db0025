#include "openadcs/rpc/pdu.h"

#include <fmt/format.h>

#include <algorithm>

#include "rpc/wire.h"

namespace openadcs::rpc {
namespace {

constexpr std::uint8_t kRpcVersion = 5;
constexpr std::uint8_t kRpcVersionMinor = 0;
constexpr std::size_t kSyntaxSize = 20;
// 6cb71c2c-9812-4540: the fixed prefix of the feature negotiation syntax.
constexpr std::uint32_t kFeatureData1 = 0x6cb71c2c;
constexpr std::uint16_t kFeatureData2 = 0x9812;
constexpr std::uint16_t kFeatureData3 = 0x4540;

Status Malformed(std::string_view what) {
  return Status::InvalidArgument(fmt::format("malformed PDU: {}", what));
}

bool IsBindLike(PduType t) {
  return t == PduType::kBind || t == PduType::kAlterContext;
}
bool IsBindAckLike(PduType t) {
  return t == PduType::kBindAck || t == PduType::kAlterContextResp;
}

// The stub of a request or response body after `fixed` bytes, without the
// auth padding the trailer declares.
bool StubAfter(const PduView& pdu, std::size_t fixed, std::span<const std::uint8_t>* stub) {
  if (pdu.body.size() < fixed) return false;
  const std::size_t pad = pdu.trailer ? pdu.trailer->auth_pad_length : 0;
  if (pdu.body.size() - fixed < pad) return false;
  *stub = pdu.body.subspan(fixed, pdu.body.size() - fixed - pad);
  return true;
}

}  // namespace

SyntaxId NdrTransferSyntax() {
  return SyntaxId{
      Uuid{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}}, 2, 0};
}

SyntaxId BindTimeFeatureSyntax(std::uint8_t bitmask) {
  return SyntaxId{Uuid{kFeatureData1, kFeatureData2, kFeatureData3, {bitmask, 0, 0, 0, 0, 0, 0, 0}},
                  1, 0};
}

std::optional<std::uint8_t> BindTimeFeatureBits(const SyntaxId& syntax) {
  if (syntax.uuid.data1 != kFeatureData1 || syntax.uuid.data2 != kFeatureData2 ||
      syntax.uuid.data3 != kFeatureData3) {
    return std::nullopt;
  }
  return syntax.uuid.data4[0];
}

Result<Header> ParseHeader(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) return Malformed("shorter than the common header");
  if (bytes[0] != kRpcVersion || bytes[1] > 1) {
    return Malformed(fmt::format("version {}.{}", bytes[0], bytes[1]));
  }
  Header h;
  h.version_minor = bytes[1];
  h.type = static_cast<PduType>(bytes[2]);
  h.flags = bytes[3];
  h.drep_supported = bytes[4] == kPackedDrep[0] && bytes[5] == kPackedDrep[1];
  const bool big_endian = (bytes[4] & 0xf0) == 0;
  auto u16 = [&](std::size_t at) {
    return big_endian ? static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1])
                      : static_cast<std::uint16_t>(bytes[at] | (bytes[at + 1] << 8));
  };
  h.frag_length = u16(8);
  h.auth_length = u16(10);
  h.call_id = big_endian ? (static_cast<std::uint32_t>(u16(12)) << 16) | u16(14)
                         : (static_cast<std::uint32_t>(u16(14)) << 16) | u16(12);
  if (!h.drep_supported) return h;
  if (h.frag_length < kHeaderSize) return Malformed("frag_length below the header size");
  if (h.auth_length != 0 &&
      static_cast<std::size_t>(h.auth_length) + kSecTrailerSize + kHeaderSize > h.frag_length) {
    return Malformed("auth_length does not fit in frag_length");
  }
  return h;
}

Result<PduView> ParsePdu(std::span<const std::uint8_t> pdu) {
  Result<Header> header = ParseHeader(pdu);
  if (!header.ok()) return header.status();
  if (!header->drep_supported) {
    return Status::InvalidArgument("unsupported data representation (packed_drep)");
  }
  if (header->frag_length != pdu.size()) return Malformed("frag_length differs from the PDU size");
  PduView v;
  v.header = *header;
  if (header->auth_length == 0) {
    v.body = pdu.subspan(kHeaderSize);
    return v;
  }
  const std::size_t trailer_at = pdu.size() - header->auth_length - kSecTrailerSize;
  wire::Reader r(pdu.subspan(trailer_at, kSecTrailerSize));
  std::uint8_t type = 0, level = 0, pad = 0, reserved = 0;
  SecTrailer t;
  if (!r.U8(&type) || !r.U8(&level) || !r.U8(&pad) || !r.U8(&reserved) ||
      !r.U32(&t.auth_context_id)) {
    return Malformed("sec_trailer");
  }
  t.auth_type = static_cast<auth::AuthType>(type);
  t.auth_level = static_cast<auth::AuthLevel>(level);
  t.auth_pad_length = pad;
  v.body = pdu.subspan(kHeaderSize, trailer_at - kHeaderSize);
  if (pad > v.body.size()) return Malformed("auth_pad_length exceeds the body");
  v.trailer = t;
  v.auth_value = pdu.subspan(trailer_at + kSecTrailerSize);
  return v;
}

Result<BindBody> ParseBind(const PduView& pdu) {
  if (!IsBindLike(pdu.header.type)) return Malformed("not a bind or alter_context");
  wire::Reader r(pdu.body);
  BindBody b;
  std::uint8_t n = 0;
  if (!r.U16(&b.max_xmit_frag) || !r.U16(&b.max_recv_frag) || !r.U32(&b.assoc_group_id) ||
      !r.U8(&n) || !r.Skip(3)) {
    return Malformed("bind header");
  }
  // n_context_elem and n_transfer_syn are octets, so the lists are bounded
  // (255 x 255 syntaxes) and the checks below bound the allocation by the
  // bytes actually present.
  b.contexts.reserve(std::min<std::size_t>(n, r.remaining() / (4 + kSyntaxSize)));
  for (std::uint8_t i = 0; i < n; ++i) {
    PresentationContext c;
    std::uint8_t n_ts = 0;
    if (!r.U16(&c.context_id) || !r.U8(&n_ts) || !r.Skip(1) || !r.Syntax(&c.abstract_syntax)) {
      return Malformed("p_cont_elem");
    }
    if (r.remaining() < static_cast<std::size_t>(n_ts) * kSyntaxSize) {
      return Malformed("transfer_syntaxes");
    }
    c.transfer_syntaxes.resize(n_ts);
    for (SyntaxId& ts : c.transfer_syntaxes) {
      if (!r.Syntax(&ts)) return Malformed("transfer syntax");
    }
    b.contexts.push_back(std::move(c));
  }
  return b;
}

Result<BindAckBody> ParseBindAck(const PduView& pdu) {
  if (!IsBindAckLike(pdu.header.type)) return Malformed("not a bind_ack or alter_context_resp");
  wire::Reader r(pdu.body);
  BindAckBody b;
  std::uint16_t addr_len = 0;
  std::span<const std::uint8_t> addr;
  if (!r.U16(&b.max_xmit_frag) || !r.U16(&b.max_recv_frag) || !r.U32(&b.assoc_group_id) ||
      !r.U16(&addr_len) || !r.Take(addr_len, &addr) || !r.Align(4)) {
    return Malformed("bind_ack header");
  }
  if (!addr.empty() && addr.back() == 0) addr = addr.first(addr.size() - 1);
  b.secondary_address.assign(addr.begin(), addr.end());
  std::uint8_t n = 0;
  if (!r.U8(&n) || !r.Skip(3)) return Malformed("p_result_list");
  if (r.remaining() < static_cast<std::size_t>(n) * (4 + kSyntaxSize)) {
    return Malformed("p_result_list entries");
  }
  b.results.resize(n);
  for (ContextResult& res : b.results) {
    if (!r.U16(&res.result) || !r.U16(&res.reason) || !r.Syntax(&res.transfer_syntax)) {
      return Malformed("p_result_t");
    }
  }
  return b;
}

Result<BindNakBody> ParseBindNak(const PduView& pdu) {
  if (pdu.header.type != PduType::kBindNak) return Malformed("not a bind_nak");
  wire::Reader r(pdu.body);
  BindNakBody b;
  if (!r.U16(&b.reject_reason)) return Malformed("bind_nak");
  return b;
}

Result<RequestBody> ParseRequest(const PduView& pdu) {
  if (pdu.header.type != PduType::kRequest) return Malformed("not a request");
  wire::Reader r(pdu.body);
  RequestBody b;
  if (!r.U32(&b.alloc_hint) || !r.U16(&b.context_id) || !r.U16(&b.opnum)) {
    return Malformed("request header");
  }
  if ((pdu.header.flags & pfc::kObjectUuid) != 0) {
    Uuid object;
    if (!r.ReadUuid(&object)) return Malformed("request object UUID");
    b.object = object;
  }
  if (!StubAfter(pdu, r.offset(), &b.stub)) return Malformed("request auth padding");
  return b;
}

Result<ResponseBody> ParseResponse(const PduView& pdu) {
  if (pdu.header.type != PduType::kResponse) return Malformed("not a response");
  wire::Reader r(pdu.body);
  ResponseBody b;
  if (!r.U32(&b.alloc_hint) || !r.U16(&b.context_id) || !r.U8(&b.cancel_count) || !r.Skip(1)) {
    return Malformed("response header");
  }
  if (!StubAfter(pdu, r.offset(), &b.stub)) return Malformed("response auth padding");
  return b;
}

Result<FaultBody> ParseFault(const PduView& pdu) {
  if (pdu.header.type != PduType::kFault) return Malformed("not a fault");
  wire::Reader r(pdu.body);
  FaultBody b;
  if (!r.U32(&b.alloc_hint) || !r.U16(&b.context_id) || !r.U8(&b.cancel_count) || !r.Skip(1) ||
      !r.U32(&b.status)) {
    return Malformed("fault");
  }
  return b;
}

Bytes EncodeBind(const BindBody& body) {
  Bytes out;
  wire::PutU16(&out, body.max_xmit_frag);
  wire::PutU16(&out, body.max_recv_frag);
  wire::PutU32(&out, body.assoc_group_id);
  wire::PutU8(&out, static_cast<std::uint8_t>(body.contexts.size()));
  out.insert(out.end(), 3, 0);
  for (const PresentationContext& c : body.contexts) {
    wire::PutU16(&out, c.context_id);
    wire::PutU8(&out, static_cast<std::uint8_t>(c.transfer_syntaxes.size()));
    wire::PutU8(&out, 0);
    wire::PutSyntax(&out, c.abstract_syntax);
    for (const SyntaxId& ts : c.transfer_syntaxes) wire::PutSyntax(&out, ts);
  }
  return out;
}

Bytes EncodeBindAck(const BindAckBody& body) {
  Bytes out;
  wire::PutU16(&out, body.max_xmit_frag);
  wire::PutU16(&out, body.max_recv_frag);
  wire::PutU32(&out, body.assoc_group_id);
  // port_any_t: length with the NUL, the text, the NUL; an empty address is
  // a bare zero length (what Windows sends in alter_context_resp).
  if (body.secondary_address.empty()) {
    wire::PutU16(&out, 0);
  } else {
    wire::PutU16(&out, static_cast<std::uint16_t>(body.secondary_address.size() + 1));
    out.insert(out.end(), body.secondary_address.begin(), body.secondary_address.end());
    out.push_back(0);
  }
  while (out.size() % 4 != 0) out.push_back(0);
  wire::PutU8(&out, static_cast<std::uint8_t>(body.results.size()));
  out.insert(out.end(), 3, 0);
  for (const ContextResult& res : body.results) {
    wire::PutU16(&out, res.result);
    wire::PutU16(&out, res.reason);
    wire::PutSyntax(&out, res.transfer_syntax);
  }
  return out;
}

Bytes EncodeBindNak(const BindNakBody& body) {
  Bytes out;
  wire::PutU16(&out, body.reject_reason);
  // p_rt_versions_supported_t: one entry, 5.0.
  wire::PutU8(&out, 1);
  wire::PutU8(&out, kRpcVersion);
  wire::PutU8(&out, kRpcVersionMinor);
  while (out.size() % 4 != 0) out.push_back(0);
  return out;
}

Bytes EncodeRequestFixed(std::uint32_t alloc_hint, std::uint16_t context_id, std::uint16_t opnum,
                         const std::optional<Uuid>& object) {
  Bytes out;
  wire::PutU32(&out, alloc_hint);
  wire::PutU16(&out, context_id);
  wire::PutU16(&out, opnum);
  if (object) wire::PutUuid(&out, *object);
  return out;
}

Bytes EncodeResponseFixed(std::uint32_t alloc_hint, std::uint16_t context_id) {
  Bytes out;
  wire::PutU32(&out, alloc_hint);
  wire::PutU16(&out, context_id);
  wire::PutU8(&out, 0);  // cancel_count
  wire::PutU8(&out, 0);
  return out;
}

Bytes EncodeFault(const FaultBody& body) {
  Bytes out;
  wire::PutU32(&out, body.alloc_hint);
  wire::PutU16(&out, body.context_id);
  wire::PutU8(&out, body.cancel_count);
  wire::PutU8(&out, 0);
  wire::PutU32(&out, body.status);
  wire::PutU32(&out, 0);  // reserved
  return out;
}

BuiltPdu BuildPdu(PduType type, std::uint8_t flags, std::uint32_t call_id,
                  std::span<const std::uint8_t> fixed, std::span<const std::uint8_t> stub,
                  const std::optional<SecTrailer>& trailer,
                  std::span<const std::uint8_t> auth_value) {
  BuiltPdu built;
  Bytes& out = built.bytes;
  out.reserve(kHeaderSize + fixed.size() + stub.size() + kAuthPadAlignment + kSecTrailerSize +
              auth_value.size());
  for (std::uint8_t b : {kRpcVersion, kRpcVersionMinor, static_cast<std::uint8_t>(type), flags}) {
    out.push_back(b);
  }
  out.insert(out.end(), kPackedDrep.begin(), kPackedDrep.end());
  wire::PutU16(&out, 0);  // frag_length, set below
  wire::PutU16(&out, trailer ? static_cast<std::uint16_t>(auth_value.size()) : 0);
  wire::PutU32(&out, call_id);
  out.insert(out.end(), fixed.begin(), fixed.end());
  built.body_offset = out.size();
  out.insert(out.end(), stub.begin(), stub.end());
  if (trailer) {
    const auto pad = static_cast<std::uint8_t>(
        (kAuthPadAlignment - stub.size() % kAuthPadAlignment) % kAuthPadAlignment);
    out.insert(out.end(), pad, 0);
    built.body_length = stub.size() + pad;
    wire::PutU8(&out, static_cast<std::uint8_t>(trailer->auth_type));
    wire::PutU8(&out, static_cast<std::uint8_t>(trailer->auth_level));
    wire::PutU8(&out, pad);
    wire::PutU8(&out, 0);
    wire::PutU32(&out, trailer->auth_context_id);
    built.auth_offset = out.size();
    out.insert(out.end(), auth_value.begin(), auth_value.end());
  } else {
    built.body_length = stub.size();
    built.auth_offset = out.size();
  }
  wire::SetU16(out, 8, static_cast<std::uint16_t>(out.size()));
  return built;
}

}  // namespace openadcs::rpc
