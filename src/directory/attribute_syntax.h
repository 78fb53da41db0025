// Decoders for the value syntaxes of AD CS attributes (MS-CRTD 2, MS-ADA1-3).
// Each looks only at the bytes it is given and returns InvalidArgument with
// a message naming what is wrong, not which attribute it came from; the
// entry parser prefixes the attribute name.
#ifndef OPENADCS_SRC_DIRECTORY_ATTRIBUTE_SYNTAX_H_
#define OPENADCS_SRC_DIRECTORY_ATTRIBUTE_SYNTAX_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "openadcs/util/status.h"

namespace openadcs::directory::syntax {

// Longest dotted OID accepted; template OIDs in AD run to about 70.
inline constexpr std::size_t kMaxOidLength = 255;
// Longest decimal INTEGER text accepted (sign, digits, surrounding blanks).
inline constexpr std::size_t kMaxIntegerText = 32;

// A 32-bit flag word: decimal in -2^31 .. 2^32-1, negative values taken as
// their two's-complement bit pattern.
Result<std::uint32_t> ParseFlags(std::span<const std::uint8_t> value);
// A decimal in `min` .. 2^31-1.
Result<std::int32_t> ParseInt32(std::span<const std::uint8_t> value, std::int32_t min);
// True for a dotted OID: at least two arcs of digits, no leading zeros, the
// first arc 0-2 and, under 0 and 1, the second below 40.
bool IsValidOid(std::string_view oid);
// An OID value (blanks around it ignored).
Result<std::string> ParseOid(std::span<const std::uint8_t> value);
// An 8-byte little-endian negative count of 100 ns units, in seconds.
Result<std::int64_t> ParsePeriodSeconds(std::span<const std::uint8_t> value);
// pKIKeyUsage bytes as the uint16 laid out in template_entry.h.
Result<std::uint16_t> ParseKeyUsage(std::span<const std::uint8_t> value);

std::string_view AsText(std::span<const std::uint8_t> value);

}  // namespace openadcs::directory::syntax

#endif  // OPENADCS_SRC_DIRECTORY_ATTRIBUTE_SYNTAX_H_
