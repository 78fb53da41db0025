#include "openadcs/ndr/ndr_reader.h"

#include <string>
#include <utility>

namespace openadcs::ndr {

NdrReader::NdrReader(std::span<const std::uint8_t> stub, NdrLimits limits)
    : stub_(stub), limits_(limits) {}

Status NdrReader::Need(std::size_t n, const char* what) const {
  if (n > remaining()) {
    return Status::InvalidArgument(std::string("NDR: truncated ") + what + " at offset " +
                                   std::to_string(pos_));
  }
  return Status::Ok();
}

Status NdrReader::Align(std::size_t n) {
  std::size_t pad = (n - pos_ % n) % n;
  OPENADCS_RETURN_IF_ERROR(Need(pad, "alignment padding"));
  pos_ += pad;
  return Status::Ok();
}

Status NdrReader::ReadU8(std::uint8_t* out) {
  OPENADCS_RETURN_IF_ERROR(Need(1, "u8"));
  *out = stub_[pos_++];
  return Status::Ok();
}

Status NdrReader::ReadU16(std::uint16_t* out) {
  OPENADCS_RETURN_IF_ERROR(Align(2));
  OPENADCS_RETURN_IF_ERROR(Need(2, "u16"));
  *out = static_cast<std::uint16_t>(stub_[pos_] | stub_[pos_ + 1] << 8);
  pos_ += 2;
  return Status::Ok();
}

Status NdrReader::ReadU32(std::uint32_t* out) {
  OPENADCS_RETURN_IF_ERROR(Align(4));
  OPENADCS_RETURN_IF_ERROR(Need(4, "u32"));
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(stub_[pos_ + i]) << (8 * i);
  *out = v;
  pos_ += 4;
  return Status::Ok();
}

Status NdrReader::ReadU64(std::uint64_t* out) {
  OPENADCS_RETURN_IF_ERROR(Align(8));
  OPENADCS_RETURN_IF_ERROR(Need(8, "hyper"));
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(stub_[pos_ + i]) << (8 * i);
  *out = v;
  pos_ += 8;
  return Status::Ok();
}

Status NdrReader::ReadI32(std::int32_t* out) {
  std::uint32_t v = 0;
  OPENADCS_RETURN_IF_ERROR(ReadU32(&v));
  *out = static_cast<std::int32_t>(v);
  return Status::Ok();
}

Status NdrReader::ReadUuid(Uuid* out) {
  OPENADCS_RETURN_IF_ERROR(Align(4));
  OPENADCS_RETURN_IF_ERROR(Need(16, "UUID"));
  *out = Uuid::FromWire(stub_.subspan(pos_, 16));
  pos_ += 16;
  return Status::Ok();
}

Status NdrReader::ReadBytes(std::size_t n, Bytes* out) {
  OPENADCS_RETURN_IF_ERROR(Need(n, "byte array"));
  out->assign(stub_.begin() + static_cast<std::ptrdiff_t>(pos_),
              stub_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
  pos_ += n;
  return Status::Ok();
}

Status NdrReader::Skip(std::size_t n) {
  OPENADCS_RETURN_IF_ERROR(Need(n, "skipped bytes"));
  pos_ += n;
  return Status::Ok();
}

Status NdrReader::CheckCount(std::uint32_t count, std::size_t element_size,
                             const char* what) const {
  if (count > limits_.max_element_count) {
    return Status::InvalidArgument(std::string("NDR: ") + what + " " + std::to_string(count) +
                                   " exceeds the limit of " +
                                   std::to_string(limits_.max_element_count));
  }
  // Division, not multiplication: no overflow for any count.
  if (element_size != 0 && count > remaining() / element_size) {
    return Status::InvalidArgument(std::string("NDR: ") + what + " " + std::to_string(count) +
                                   " does not fit in the " + std::to_string(remaining()) +
                                   " bytes left");
  }
  return Status::Ok();
}

Status NdrReader::ReadConformance(std::uint32_t* max_count, std::size_t element_size) {
  std::uint32_t n = 0;
  OPENADCS_RETURN_IF_ERROR(ReadU32(&n));
  OPENADCS_RETURN_IF_ERROR(CheckCount(n, element_size, "conformance"));
  *max_count = n;
  return Status::Ok();
}

Status NdrReader::ReadVariance(std::uint32_t max_count, std::uint32_t* offset,
                               std::uint32_t* actual_count, std::size_t element_size) {
  std::uint32_t off = 0;
  std::uint32_t actual = 0;
  OPENADCS_RETURN_IF_ERROR(ReadU32(&off));
  OPENADCS_RETURN_IF_ERROR(ReadU32(&actual));
  if (off > max_count || actual > max_count - off) {
    return Status::InvalidArgument("NDR: variance (offset " + std::to_string(off) + ", count " +
                                   std::to_string(actual) + ") exceeds max_count " +
                                   std::to_string(max_count));
  }
  OPENADCS_RETURN_IF_ERROR(CheckCount(actual, element_size, "actual_count"));
  *offset = off;
  *actual_count = actual;
  return Status::Ok();
}

Status NdrReader::ReadConformantBytes(Bytes* out) {
  std::uint32_t n = 0;
  OPENADCS_RETURN_IF_ERROR(ReadConformance(&n, 1));
  return ReadBytes(n, out);
}

Status NdrReader::Queue(Deferred pointee) {
  if (++pointers_ > limits_.max_pointers) {
    return Status::InvalidArgument("NDR: more than " + std::to_string(limits_.max_pointers) +
                                   " pointers");
  }
  queue_.push_back(std::move(pointee));
  return Status::Ok();
}

Status NdrReader::ReadUniquePointer(bool* present, Deferred pointee) {
  std::uint32_t id = 0;
  OPENADCS_RETURN_IF_ERROR(ReadU32(&id));
  *present = id != 0;
  if (id == 0) return Status::Ok();
  return Queue(std::move(pointee));
}

Status NdrReader::ReadFullPointer(bool* present, std::uint32_t* referent_id, Deferred pointee) {
  std::uint32_t id = 0;
  OPENADCS_RETURN_IF_ERROR(ReadU32(&id));
  *present = id != 0;
  *referent_id = id;
  if (id == 0 || !full_pointer_ids_.insert(id).second) return Status::Ok();
  return Queue(std::move(pointee));
}

Status NdrReader::ReadEmbeddedRefPointer(Deferred pointee) {
  std::uint32_t id = 0;
  OPENADCS_RETURN_IF_ERROR(ReadU32(&id));
  if (id == 0) return Status::InvalidArgument("NDR: null [ref] pointer");
  return Queue(std::move(pointee));
}

Status NdrReader::FlushDeferred() {
  if (queue_.empty()) return Status::Ok();
  if (depth_ >= limits_.max_pointer_depth) {
    return Status::InvalidArgument("NDR: pointees nested deeper than " +
                                   std::to_string(limits_.max_pointer_depth));
  }
  // Each pointee's own pointees go before its next sibling's: take this
  // level's queue and flush what each pointee queues right after it.
  std::vector<Deferred> level;
  level.swap(queue_);
  ++depth_;
  Status st;
  for (Deferred& pointee : level) {
    st = pointee(*this);
    if (st.ok()) st = FlushDeferred();
    if (!st.ok()) break;
  }
  --depth_;
  return st;
}

Status NdrReader::ReadConformantVaryingString(std::u16string* out, bool* terminated) {
  std::uint32_t max_count = 0;
  std::uint32_t offset = 0;
  std::uint32_t actual = 0;
  OPENADCS_RETURN_IF_ERROR(ReadConformance(&max_count, 0));
  OPENADCS_RETURN_IF_ERROR(ReadVariance(max_count, &offset, &actual, 2));
  if (terminated != nullptr) *terminated = actual != 0;
  out->clear();
  if (actual == 0) {
    if (max_count == 0 && offset == 0) return Status::Ok();  // the zero-count quirk
    return Status::InvalidArgument("NDR: string without its terminating NUL");
  }
  out->reserve(actual);
  bool nul = false;
  for (std::uint32_t i = 0; i < actual; ++i) {
    std::uint16_t unit = 0;
    OPENADCS_RETURN_IF_ERROR(ReadU16(&unit));
    if (unit == 0) nul = true;
    if (!nul) out->push_back(static_cast<char16_t>(unit));
  }
  if (!nul) return Status::InvalidArgument("NDR: string without its terminating NUL");
  return Status::Ok();
}

Status NdrReader::ReadUniqueString(std::optional<std::u16string>* out) {
  out->reset();
  bool present = false;
  bool terminated = false;
  std::u16string value;
  OPENADCS_RETURN_IF_ERROR(ReadUniquePointer(
      &present, [&](NdrReader& r) { return r.ReadConformantVaryingString(&value, &terminated); }));
  OPENADCS_RETURN_IF_ERROR(FlushDeferred());
  if (present && terminated) *out = std::move(value);
  return Status::Ok();
}

Status OpenTypeSerialization1(std::span<const std::uint8_t> in,
                              std::span<const std::uint8_t>* body) {
  if (in.size() < kTypeSerialization1HeaderBytes) {
    return Status::InvalidArgument("NDR type serialization shorter than its headers");
  }
  if (in[0] != 1 || in[1] != 0x10 || in[2] != 8 || in[3] != 0) {
    return Status::InvalidArgument("not little-endian NDR type serialization version 1");
  }
  const std::uint32_t length = static_cast<std::uint32_t>(in[8]) | (std::uint32_t{in[9]} << 8) |
                               (std::uint32_t{in[10]} << 16) | (std::uint32_t{in[11]} << 24);
  if (length > in.size() - kTypeSerialization1HeaderBytes) {
    return Status::InvalidArgument("NDR type serialization body overruns its size");
  }
  *body = in.subspan(kTypeSerialization1HeaderBytes, length);
  return Status::Ok();
}

}  // namespace openadcs::ndr
