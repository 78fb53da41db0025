#include "openadcs/rpc/verification_trailer.h"

#include <fmt/format.h>

#include <algorithm>

#include "rpc/wire.h"

namespace openadcs::rpc {
namespace {

constexpr std::array<std::uint8_t, 8> kSignature = {0x8a, 0xe3, 0x13, 0x71, 0x02, 0xf4, 0x36, 0x71};
// SEC_VT command field: the type in bits 0-13, the processing rules above.
constexpr std::uint16_t kCommandMask = 0x3fff;
constexpr std::uint16_t kCommandEnd = 0x4000;
constexpr std::uint16_t kMustProcess = 0x8000;
constexpr std::uint16_t kBitmask1 = 0x0001;
constexpr std::uint16_t kPcontext = 0x0002;
constexpr std::uint16_t kHeader2 = 0x0003;
constexpr std::uint16_t kBitmask1Length = 4;
constexpr std::uint16_t kPcontextLength = 0x28;
constexpr std::uint16_t kHeader2Length = 0x10;

Status Malformed(std::string_view what) {
  return Status::InvalidArgument(fmt::format("malformed verification trailer: {}", what));
}

Result<VerificationTrailer> DecodeCommands(std::span<const std::uint8_t> in) {
  wire::Reader r(in);
  VerificationTrailer t;
  for (;;) {
    std::uint16_t command = 0, length = 0;
    std::span<const std::uint8_t> value;
    if (!r.U16(&command) || !r.U16(&length)) return Malformed("no SEC_VT_COMMAND_END");
    if (length % 4 != 0) return Malformed(fmt::format("command length {}", length));
    if (!r.Take(length, &value)) return Malformed("command past the stub");
    wire::Reader v(value);
    const std::uint16_t type = command & kCommandMask;
    auto fixed = [&](bool present, std::uint16_t want, std::string_view name) -> Status {
      if (present) return Malformed(fmt::format("{} twice", name));
      if (length != want) return Malformed(fmt::format("{} length {}", name, length));
      return Status::Ok();
    };
    switch (type) {
      case kBitmask1: {
        OPENADCS_RETURN_IF_ERROR(fixed(t.bitmask1.has_value(), kBitmask1Length, "bitmask1"));
        std::uint32_t bits = 0;
        v.U32(&bits);
        t.bitmask1 = bits;
        break;
      }
      case kPcontext: {
        OPENADCS_RETURN_IF_ERROR(fixed(t.pcontext.has_value(), kPcontextLength, "pcontext"));
        VtPcontext p;
        v.Syntax(&p.interface_id);
        v.Syntax(&p.transfer_syntax);
        t.pcontext = p;
        break;
      }
      case kHeader2: {
        OPENADCS_RETURN_IF_ERROR(fixed(t.header2.has_value(), kHeader2Length, "header2"));
        VtHeader2 h;
        std::span<const std::uint8_t> drep;
        v.U8(&h.ptype);
        v.Skip(3);  // Reserved1, Reserved2: ignored on receipt
        v.Take(4, &drep);
        std::copy(drep.begin(), drep.end(), h.drep.begin());
        v.U32(&h.call_id);
        v.U16(&h.context_id);
        v.U16(&h.opnum);
        t.header2 = h;
        break;
      }
      default:
        if ((command & kMustProcess) != 0 && !t.unknown_must_process) {
          t.unknown_must_process = type;
        }
        break;
    }
    if ((command & kCommandEnd) != 0) return t;
  }
}

void PutCommand(Bytes* out, std::uint16_t command, bool last, const Bytes& value) {
  wire::PutU16(out, static_cast<std::uint16_t>(command | (last ? kCommandEnd : 0)));
  wire::PutU16(out, static_cast<std::uint16_t>(value.size()));
  out->insert(out->end(), value.begin(), value.end());
}

}  // namespace

Result<std::optional<FoundVerificationTrailer>> FindVerificationTrailer(
    std::span<const std::uint8_t> stub) {
  using Found = std::optional<FoundVerificationTrailer>;
  if (stub.size() < kSignature.size()) return Found();
  const std::size_t lowest =
      stub.size() > kMaxVerificationTrailerSearch ? stub.size() - kMaxVerificationTrailerSearch : 0;
  // The last aligned candidate first: stub data before the trailer may
  // happen to hold the signature, the commands after it do not.
  std::size_t at = (stub.size() - kSignature.size()) & ~std::size_t{3};
  for (;; at -= 4) {
    if (std::equal(kSignature.begin(), kSignature.end(), stub.begin() + at)) break;
    if (at < lowest + 4) return Found();
  }
  Result<VerificationTrailer> t = DecodeCommands(stub.subspan(at + kSignature.size()));
  if (!t.ok()) return t.status();
  return Found(FoundVerificationTrailer{at, std::move(*t)});
}

Bytes EncodeVerificationTrailer(const VerificationTrailer& trailer) {
  Bytes out(kSignature.begin(), kSignature.end());
  const int count =
      (trailer.bitmask1 ? 1 : 0) + (trailer.pcontext ? 1 : 0) + (trailer.header2 ? 1 : 0);
  int written = 0;
  if (trailer.bitmask1) {
    Bytes v;
    wire::PutU32(&v, *trailer.bitmask1);
    PutCommand(&out, kBitmask1, ++written == count, v);
  }
  if (trailer.pcontext) {
    Bytes v;
    wire::PutSyntax(&v, trailer.pcontext->interface_id);
    wire::PutSyntax(&v, trailer.pcontext->transfer_syntax);
    PutCommand(&out, kPcontext, ++written == count, v);
  }
  if (trailer.header2) {
    const VtHeader2& h = *trailer.header2;
    Bytes v;
    wire::PutU8(&v, h.ptype);
    v.insert(v.end(), 3, 0);
    v.insert(v.end(), h.drep.begin(), h.drep.end());
    wire::PutU32(&v, h.call_id);
    wire::PutU16(&v, h.context_id);
    wire::PutU16(&v, h.opnum);
    PutCommand(&out, kHeader2, ++written == count, v);
  }
  return out;
}

}  // namespace openadcs::rpc
