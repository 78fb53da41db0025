// Encoding NDR 2.0 (C706 chapter 14), little-endian data representation, into
// a byte buffer: the counterpart of NdrReader, with the same deferred-pointee
// order (queue pointees with the Write*Pointer calls, FlushDeferred after each
// top-level parameter).
//
// Encoding cannot fail on well-formed values. REQUIRES (the caller's, not the
// peer's, data): every array and string has fewer than 2^32 elements.
#ifndef OPENADCS_NDR_NDR_WRITER_H_
#define OPENADCS_NDR_NDR_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/uuid.h"

namespace openadcs::ndr {

class NdrWriter {
 public:
  // Encodes a deferred pointee; may queue further pointees.
  using Deferred = std::function<void(NdrWriter&)>;

  NdrWriter() = default;

  std::size_t position() const { return out_.size(); }
  const Bytes& bytes() const { return out_; }
  // The stub; REQUIRES: nothing left queued (FlushDeferred was called).
  Bytes Take() && { return std::move(out_); }

  // Zero padding up to a multiple of `n` from the stub start.
  void Align(std::size_t n);

  // Primitives, each aligned to its own size first.
  void WriteU8(std::uint8_t v);
  void WriteU16(std::uint16_t v);
  void WriteU32(std::uint32_t v);
  void WriteU64(std::uint64_t v);  // hyper
  void WriteI32(std::int32_t v);
  void WriteUuid(const Uuid& v);
  void WriteBytes(std::span<const std::uint8_t> bytes);  // unaligned

  void WriteConformance(std::uint32_t max_count);  // 4-byte aligned
  void WriteVariance(std::uint32_t offset, std::uint32_t actual_count);
  // max_count then the bytes ([size_is] BYTE*).
  void WriteConformantBytes(std::span<const std::uint8_t> bytes);

  // Pointers. Referent ids are 0x00020000, 0x00020004, ... as MIDL numbers
  // them. A null unique pointer writes 0 and queues nothing.
  void WriteUniquePointer(bool present, Deferred pointee);
  // A full pointer identified by `key`: the first time a key is written the
  // pointee is queued; later writes of the same key reuse its referent id.
  void WriteFullPointer(const void* key, Deferred pointee);
  void WriteEmbeddedRefPointer(Deferred pointee);
  void FlushDeferred();

  // A [string] wchar_t* pointee: counts include the NUL this appends.
  void WriteConformantVaryingString(std::u16string_view s);
  // A top-level [in, string, unique] wchar_t* parameter, flushed.
  void WriteUniqueString(const std::optional<std::u16string>& s);

 private:
  std::uint32_t NextReferentId();

  Bytes out_;
  std::vector<Deferred> queue_;
  std::uint32_t next_referent_ = 0x00020000;
  std::map<const void*, std::uint32_t> full_pointer_ids_;
};

}  // namespace openadcs::ndr

#endif  // OPENADCS_NDR_NDR_WRITER_H_
