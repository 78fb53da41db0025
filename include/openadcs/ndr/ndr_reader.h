// Decoding NDR 2.0 (C706 chapter 14, MS-RPCE 2.2.5), little-endian data
// representation only, from untrusted request or response stub bytes.
//
// Every read is bounds-checked and fails with kInvalidArgument (the service
// adapter turns it into rpc::fault::kBadStubData); nothing is asserted.
// Alignment is relative to the start of the stub. Padding bytes are skipped
// unchecked: NDR leaves their value unspecified.
//
// Pointers: NDR puts a pointee after the construct that holds the pointer
// (the enclosing top-level parameter, or the pointee that embeds it). The
// reader keeps that order with a queue: ReadUniquePointer and friends read the
// referent id and queue the pointee's decoder; FlushDeferred runs the queue,
// each pointee's own deferred pointees before the next sibling's (the order
// MIDL writes). Call FlushDeferred after each top-level parameter.
#ifndef OPENADCS_NDR_NDR_READER_H_
#define OPENADCS_NDR_NDR_READER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::ndr {

// Caps on what a decoder accepts. Independently of these, an array is never
// allocated beyond what the bytes left in the stub can hold.
struct NdrLimits {
  // Largest conformance (max_count) or variance (actual_count) accepted.
  std::uint32_t max_element_count = 16u << 20;
  // Deepest chain of pointees that embed further pointers.
  std::uint32_t max_pointer_depth = 32;
  // Most pointers one decode may queue (referents are at least 4 bytes, so
  // the stub size bounds this too; the cap bounds the queue's memory).
  std::uint32_t max_pointers = 65536;
};

class NdrReader {
 public:
  // Decodes a deferred pointee; may queue further pointees.
  using Deferred = std::function<Status(NdrReader&)>;

  // `stub` must outlive the reader. Not thread-safe; one reader per decode.
  explicit NdrReader(std::span<const std::uint8_t> stub, NdrLimits limits = {});

  // Bytes consumed so far, and left.
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return stub_.size() - pos_; }
  const NdrLimits& limits() const { return limits_; }

  // Skips padding up to a multiple of `n` (1, 2, 4 or 8) from the stub start.
  Status Align(std::size_t n);

  // Primitives, each aligned to its own size first.
  Status ReadU8(std::uint8_t* out);
  Status ReadU16(std::uint16_t* out);
  Status ReadU32(std::uint32_t* out);
  Status ReadU64(std::uint64_t* out);  // hyper: 8-byte aligned
  Status ReadI32(std::int32_t* out);
  // GUID (MS-DTYP 2.3.4.2): 4-byte aligned, 16 bytes.
  Status ReadUuid(Uuid* out);
  // `n` raw bytes (no alignment), e.g. the elements of a byte array.
  Status ReadBytes(std::size_t n, Bytes* out);
  Status Skip(std::size_t n);

  // A conformant array's max_count (4-byte aligned). Fails when it exceeds
  // limits().max_element_count or when `element_size` wire bytes per element
  // cannot fit in what is left of the stub, so a count never allocates more
  // than the bytes present justify. Pass element_size 0 for the max_count of
  // a conformant-varying array: only its actual_count elements are on the
  // wire, and ReadVariance checks those.
  Status ReadConformance(std::uint32_t* max_count, std::size_t element_size);
  // A varying array's offset and actual_count; requires
  // offset + actual_count <= max_count and the elements to fit as above.
  Status ReadVariance(std::uint32_t max_count, std::uint32_t* offset, std::uint32_t* actual_count,
                      std::size_t element_size);

  // A conformant byte array: max_count then the bytes ([size_is] BYTE*).
  Status ReadConformantBytes(Bytes* out);

  // Pointers. A null unique or full pointer sets *present false and queues
  // nothing. A full pointer whose referent id was seen before in this decode
  // is an alias: *present is true and the pointee is not read again (the
  // caller resolves the alias through `referent_id`).
  Status ReadUniquePointer(bool* present, Deferred pointee);
  Status ReadFullPointer(bool* present, std::uint32_t* referent_id, Deferred pointee);
  // An embedded [ref] pointer: a referent id that must not be null. (A
  // top-level [ref] parameter has no referent id: read its pointee inline.)
  Status ReadEmbeddedRefPointer(Deferred pointee);
  // Runs every queued pointee decoder, depth-first, until the queue is empty.
  Status FlushDeferred();

  // The pointee of a [string] wchar_t* (conformant-varying UTF-16 with its
  // NUL): max_count, offset, actual_count, then actual_count units. The value
  // ends at the first NUL. A string with max_count, offset and actual_count
  // all 0 and so no NUL (a quirk of some clients) decodes as empty with
  // *terminated false; otherwise a missing NUL is an error.
  Status ReadConformantVaryingString(std::u16string* out, bool* terminated = nullptr);
  // A top-level [in, string, unique] wchar_t* parameter: pointer and, when
  // present, its string, flushed. NULL and the zero-count quirk above both
  // give std::nullopt (the clients that send the quirk mean "absent").
  Status ReadUniqueString(std::optional<std::u16string>* out);

 private:
  Status Need(std::size_t n, const char* what) const;
  Status CheckCount(std::uint32_t count, std::size_t element_size, const char* what) const;
  Status Queue(Deferred pointee);

  std::span<const std::uint8_t> stub_;
  NdrLimits limits_;
  std::size_t pos_ = 0;
  std::vector<Deferred> queue_;
  std::uint32_t depth_ = 0;
  std::uint32_t pointers_ = 0;
  std::unordered_set<std::uint32_t> full_pointer_ids_;
};

// NDR type serialization version 1 (MS-RPCE 2.2.6): a common header
// {version 1, little-endian 0x10, length 8, filler} and a private header
// {object buffer length, filler}, then the body, an NDR stream of its own.
inline constexpr std::size_t kTypeSerialization1HeaderBytes = 16;
// Sets *body to the body of the serialized type at the start of `in`.
// Errors (kInvalidArgument): another version or data representation, or a
// body longer than what follows the headers.
Status OpenTypeSerialization1(std::span<const std::uint8_t> in,
                              std::span<const std::uint8_t>* body);

}  // namespace openadcs::ndr

#endif  // OPENADCS_NDR_NDR_READER_H_
