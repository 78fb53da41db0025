// Little-endian readers and writers for PDU fields. The Reader never reads
// past its span: every accessor reports failure instead.
#ifndef OPENADCS_RPC_WIRE_H_
#define OPENADCS_RPC_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "openadcs/rpc/interface.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/uuid.h"

namespace openadcs::rpc::wire {

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }

  bool U8(std::uint8_t* v) {
    if (remaining() < 1) return false;
    *v = in_[pos_++];
    return true;
  }
  bool U16(std::uint16_t* v) {
    if (remaining() < 2) return false;
    *v = static_cast<std::uint16_t>(in_[pos_] | (in_[pos_ + 1] << 8));
    pos_ += 2;
    return true;
  }
  bool U32(std::uint32_t* v) {
    if (remaining() < 4) return false;
    *v = static_cast<std::uint32_t>(in_[pos_]) | (static_cast<std::uint32_t>(in_[pos_ + 1]) << 8) |
         (static_cast<std::uint32_t>(in_[pos_ + 2]) << 16) |
         (static_cast<std::uint32_t>(in_[pos_ + 3]) << 24);
    pos_ += 4;
    return true;
  }
  bool Take(std::size_t n, std::span<const std::uint8_t>* out) {
    if (remaining() < n) return false;
    *out = in_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool Skip(std::size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }
  // Skips to the next multiple of `alignment` from the span's start.
  bool Align(std::size_t alignment) {
    const std::size_t pad = (alignment - pos_ % alignment) % alignment;
    return Skip(pad);
  }
  bool ReadUuid(Uuid* v) {
    std::span<const std::uint8_t> b;
    if (!Take(16, &b)) return false;
    *v = Uuid::FromWire(b);
    return true;
  }
  // p_syntax_id_t: if_uuid, then if_version as major (low 16) and minor.
  bool Syntax(SyntaxId* v) { return ReadUuid(&v->uuid) && U16(&v->major) && U16(&v->minor); }

 private:
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
};

inline void PutU8(Bytes* out, std::uint8_t v) {
  out->push_back(v);
}
inline void PutU16(Bytes* out, std::uint16_t v) {
  out->push_back(static_cast<std::uint8_t>(v));
  out->push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void PutU32(Bytes* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void PutUuid(Bytes* out, const Uuid& v) {
  std::uint8_t b[16];
  v.ToWire(std::span<std::uint8_t, 16>(b));
  out->insert(out->end(), b, b + 16);
}
inline void PutSyntax(Bytes* out, const SyntaxId& v) {
  PutUuid(out, v.uuid);
  PutU16(out, v.major);
  PutU16(out, v.minor);
}
inline void SetU16(std::span<std::uint8_t> out, std::size_t at, std::uint16_t v) {
  out[at] = static_cast<std::uint8_t>(v);
  out[at + 1] = static_cast<std::uint8_t>(v >> 8);
}

}  // namespace openadcs::rpc::wire

#endif  // OPENADCS_RPC_WIRE_H_
