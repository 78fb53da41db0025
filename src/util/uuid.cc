#include "openadcs/util/uuid.h"

#include <cstdio>

#include "openadcs/util/random.h"

namespace openadcs {
namespace {

std::optional<std::uint8_t> HexNibble(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  return std::nullopt;
}

}  // namespace

std::optional<Uuid> Uuid::Parse(std::string_view text) {
  // The 16 bytes in text order; dashes only at their canonical positions.
  if (text.size() != 36) return std::nullopt;
  std::array<std::uint8_t, 16> b{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    auto hi = HexNibble(text[i]);
    auto lo = HexNibble(text[i + 1]);
    if (!hi || !lo) return std::nullopt;
    b[n++] = static_cast<std::uint8_t>(*hi << 4 | *lo);
    i += 2;
  }
  Uuid u;
  u.data1 = static_cast<std::uint32_t>(b[0]) << 24 | static_cast<std::uint32_t>(b[1]) << 16 |
            static_cast<std::uint32_t>(b[2]) << 8 | b[3];
  u.data2 = static_cast<std::uint16_t>(b[4] << 8 | b[5]);
  u.data3 = static_cast<std::uint16_t>(b[6] << 8 | b[7]);
  for (std::size_t i = 0; i < 8; ++i) u.data4[i] = b[8 + i];
  return u;
}

Uuid Uuid::FromWire(std::span<const std::uint8_t> w) {
  Uuid u;
  u.data1 = static_cast<std::uint32_t>(w[3]) << 24 | static_cast<std::uint32_t>(w[2]) << 16 |
            static_cast<std::uint32_t>(w[1]) << 8 | w[0];
  u.data2 = static_cast<std::uint16_t>(w[5] << 8 | w[4]);
  u.data3 = static_cast<std::uint16_t>(w[7] << 8 | w[6]);
  for (std::size_t i = 0; i < 8; ++i) u.data4[i] = w[8 + i];
  return u;
}

Uuid Uuid::Random() {
  std::array<std::uint8_t, 16> b{};
  // Randomness only fails when the DRBG cannot be seeded; a UUID is not
  // worth stopping for, and the version bits below keep it well-formed.
  (void)RandomBytes(b);
  b[7] =
      static_cast<std::uint8_t>((b[7] & 0x0f) | 0x40);  // version 4 (wire order: data3 high byte)
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // variant 1
  return FromWire(b);
}

void Uuid::ToWire(std::span<std::uint8_t, 16> out) const {
  out[0] = static_cast<std::uint8_t>(data1);
  out[1] = static_cast<std::uint8_t>(data1 >> 8);
  out[2] = static_cast<std::uint8_t>(data1 >> 16);
  out[3] = static_cast<std::uint8_t>(data1 >> 24);
  out[4] = static_cast<std::uint8_t>(data2);
  out[5] = static_cast<std::uint8_t>(data2 >> 8);
  out[6] = static_cast<std::uint8_t>(data3);
  out[7] = static_cast<std::uint8_t>(data3 >> 8);
  for (std::size_t i = 0; i < 8; ++i) out[8 + i] = data4[i];
}

std::string Uuid::ToString() const {
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", data1, data2,
                data3, data4[0], data4[1], data4[2], data4[3], data4[4], data4[5], data4[6],
                data4[7]);
  return buf;
}

}  // namespace openadcs
