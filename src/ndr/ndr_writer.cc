#include "openadcs/ndr/ndr_writer.h"

#include <array>
#include <utility>

namespace openadcs::ndr {

void NdrWriter::Align(std::size_t n) {
  std::size_t pad = (n - out_.size() % n) % n;
  out_.insert(out_.end(), pad, 0);
}

void NdrWriter::WriteU8(std::uint8_t v) {
  out_.push_back(v);
}

void NdrWriter::WriteU16(std::uint16_t v) {
  Align(2);
  out_.push_back(static_cast<std::uint8_t>(v));
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
}

void NdrWriter::WriteU32(std::uint32_t v) {
  Align(4);
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void NdrWriter::WriteU64(std::uint64_t v) {
  Align(8);
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void NdrWriter::WriteI32(std::int32_t v) {
  WriteU32(static_cast<std::uint32_t>(v));
}

void NdrWriter::WriteUuid(const Uuid& v) {
  Align(4);
  std::array<std::uint8_t, 16> wire{};
  v.ToWire(wire);
  out_.insert(out_.end(), wire.begin(), wire.end());
}

void NdrWriter::WriteBytes(std::span<const std::uint8_t> bytes) {
  out_.insert(out_.end(), bytes.begin(), bytes.end());
}

void NdrWriter::WriteConformance(std::uint32_t max_count) {
  WriteU32(max_count);
}

void NdrWriter::WriteVariance(std::uint32_t offset, std::uint32_t actual_count) {
  WriteU32(offset);
  WriteU32(actual_count);
}

void NdrWriter::WriteConformantBytes(std::span<const std::uint8_t> bytes) {
  WriteConformance(static_cast<std::uint32_t>(bytes.size()));
  WriteBytes(bytes);
}

std::uint32_t NdrWriter::NextReferentId() {
  std::uint32_t id = next_referent_;
  next_referent_ += 4;
  return id;
}

void NdrWriter::WriteUniquePointer(bool present, Deferred pointee) {
  if (!present) {
    WriteU32(0);
    return;
  }
  WriteU32(NextReferentId());
  queue_.push_back(std::move(pointee));
}

void NdrWriter::WriteFullPointer(const void* key, Deferred pointee) {
  if (key == nullptr) {
    WriteU32(0);
    return;
  }
  auto [it, inserted] = full_pointer_ids_.try_emplace(key, 0);
  if (inserted) {
    it->second = NextReferentId();
    queue_.push_back(std::move(pointee));
  }
  WriteU32(it->second);
}

void NdrWriter::WriteEmbeddedRefPointer(Deferred pointee) {
  WriteUniquePointer(true, std::move(pointee));
}

void NdrWriter::FlushDeferred() {
  // Same order as NdrReader::FlushDeferred: depth-first per pointee. Our own
  // values bound the depth.
  std::vector<Deferred> level;
  level.swap(queue_);
  for (Deferred& pointee : level) {
    pointee(*this);
    FlushDeferred();
  }
}

void NdrWriter::WriteConformantVaryingString(std::u16string_view s) {
  auto count = static_cast<std::uint32_t>(s.size() + 1);
  WriteConformance(count);
  WriteVariance(0, count);
  for (char16_t c : s) WriteU16(static_cast<std::uint16_t>(c));
  WriteU16(0);
}

void NdrWriter::WriteUniqueString(const std::optional<std::u16string>& s) {
  WriteUniquePointer(s.has_value(), [&s](NdrWriter& w) { w.WriteConformantVaryingString(*s); });
  FlushDeferred();
}

}  // namespace openadcs::ndr
