// UUIDs (GUIDs) as DCE/RPC, DCOM and the directory use them.
//
// Text form: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case on input,
// lower case on output). Wire form (NDR, MS-DTYP 2.3.4.2 GUID): Data1, Data2
// and Data3 little-endian, Data4 as 8 bytes in order.
#ifndef OPENADCS_UTIL_UUID_H_
#define OPENADCS_UTIL_UUID_H_

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace openadcs {

struct Uuid {
  std::uint32_t data1 = 0;
  std::uint16_t data2 = 0;
  std::uint16_t data3 = 0;
  std::array<std::uint8_t, 8> data4{};

  static std::optional<Uuid> Parse(std::string_view text);
  // REQUIRES: wire.size() >= 16.
  static Uuid FromWire(std::span<const std::uint8_t> wire);
  // 16 bytes from a cryptographic generator, version 4 / variant 1 bits set.
  static Uuid Random();

  void ToWire(std::span<std::uint8_t, 16> out) const;
  std::string ToString() const;
  bool IsNil() const { return *this == Uuid{}; }

  friend auto operator<=>(const Uuid&, const Uuid&) = default;
};

}  // namespace openadcs

#endif  // OPENADCS_UTIL_UUID_H_
