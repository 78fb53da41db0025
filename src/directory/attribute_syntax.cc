#include "directory/attribute_syntax.h"

#include <charconv>
#include <cstring>
#include <limits>

#include "openadcs/util/bytes.h"

namespace openadcs::directory::syntax {

namespace {

constexpr std::int64_t kHundredNsPerSecond = 10'000'000;

Result<std::int64_t> ParseDecimal(std::span<const std::uint8_t> value) {
  if (value.size() > kMaxIntegerText) {
    return Status::InvalidArgument("integer text longer than " + std::to_string(kMaxIntegerText));
  }
  std::string_view text = TrimAscii(AsText(value));
  std::int64_t out = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec == std::errc::result_out_of_range) {
    return Status::InvalidArgument("integer out of range: " + std::string(text));
  }
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Status::InvalidArgument("not a decimal integer: \"" + std::string(text) + "\"");
  }
  return out;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string_view AsText(std::span<const std::uint8_t> value) {
  return {reinterpret_cast<const char*>(value.data()), value.size()};
}

Result<std::uint32_t> ParseFlags(std::span<const std::uint8_t> value) {
  Result<std::int64_t> n = ParseDecimal(value);
  if (!n.ok()) return n.status();
  if (*n < std::numeric_limits<std::int32_t>::min() ||
      *n > std::numeric_limits<std::uint32_t>::max()) {
    return Status::InvalidArgument("flag value " + std::to_string(*n) + " outside 32 bits");
  }
  return static_cast<std::uint32_t>(*n);
}

Result<std::int32_t> ParseInt32(std::span<const std::uint8_t> value, std::int32_t min) {
  Result<std::int64_t> n = ParseDecimal(value);
  if (!n.ok()) return n.status();
  if (*n < min || *n > std::numeric_limits<std::int32_t>::max()) {
    return Status::InvalidArgument("value " + std::to_string(*n) + " outside " +
                                   std::to_string(min) + "..2147483647");
  }
  return static_cast<std::int32_t>(*n);
}

bool IsValidOid(std::string_view oid) {
  if (oid.empty() || oid.size() > kMaxOidLength) return false;
  std::size_t arcs = 0;
  std::string_view first;
  std::size_t pos = 0;
  while (pos <= oid.size()) {
    std::size_t dot = oid.find('.', pos);
    if (dot == std::string_view::npos) dot = oid.size();
    std::string_view arc = oid.substr(pos, dot - pos);
    if (!IsDigits(arc) || (arc.size() > 1 && arc[0] == '0')) return false;
    if (arcs == 0) {
      if (arc.size() != 1 || arc[0] > '2') return false;
      first = arc;
    } else if (arcs == 1 && first[0] != '2') {
      if (arc.size() > 2 || (arc.size() == 2 && arc[0] > '3')) return false;
    }
    ++arcs;
    pos = dot + 1;
  }
  return arcs >= 2;
}

Result<std::string> ParseOid(std::span<const std::uint8_t> value) {
  std::string_view text = TrimAscii(AsText(value));
  if (!IsValidOid(text)) {
    constexpr std::size_t kShown = 64;
    return Status::InvalidArgument("not a dotted OID: \"" + std::string(text.substr(0, kShown)) +
                                   "\"");
  }
  return std::string(text);
}

Result<std::int64_t> ParsePeriodSeconds(std::span<const std::uint8_t> value) {
  if (value.size() != 8) {
    return Status::InvalidArgument("expected 8 bytes, got " + std::to_string(value.size()));
  }
  std::uint64_t raw = 0;
  for (std::size_t i = 0; i < 8; ++i) raw |= std::uint64_t{value[i]} << (8 * i);
  std::int64_t count = 0;
  std::memcpy(&count, &raw, sizeof count);  // two's complement reinterpretation
  if (count > 0) {
    return Status::InvalidArgument("positive value " + std::to_string(count) +
                                   " is not a relative period");
  }
  // Divide first so INT64_MIN cannot overflow on negation.
  return -(count / kHundredNsPerSecond);
}

Result<std::uint16_t> ParseKeyUsage(std::span<const std::uint8_t> value) {
  if (value.empty() || value.size() > 2) {
    return Status::InvalidArgument("expected 1 or 2 bytes, got " + std::to_string(value.size()));
  }
  if (value.size() == 2 && (value[1] & 0x7F) != 0) {
    return Status::InvalidArgument("bits past decipherOnly set");
  }
  std::uint16_t bits = 0;
  for (unsigned n = 0; n < 8; ++n) {
    if ((value[0] & (0x80U >> n)) != 0) bits = static_cast<std::uint16_t>(bits | (1U << n));
  }
  if (value.size() == 2 && (value[1] & 0x80) != 0) bits = static_cast<std::uint16_t>(bits | 0x100U);
  return bits;
}

}  // namespace openadcs::directory::syntax
