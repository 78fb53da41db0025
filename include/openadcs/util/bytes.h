// Small byte and text helpers shared by every layer.
#ifndef OPENADCS_UTIL_BYTES_H_
#define OPENADCS_UTIL_BYTES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace openadcs {

using Bytes = std::vector<std::uint8_t>;

std::string HexLower(std::span<const std::uint8_t> bytes);
// Accepts upper or lower case and ignores spaces (as certutil prints serials).
std::optional<Bytes> HexDecode(std::string_view hex);
// Standard base64; whitespace and PEM armour lines ("-----...-----") skipped.
std::optional<Bytes> Base64Decode(std::string_view text);
std::string Base64Encode(std::span<const std::uint8_t> bytes);
std::string ToLowerAscii(std::string_view s);
// Equal after ToLowerAscii, without copying either.
bool EqualsIgnoreCaseAscii(std::string_view a, std::string_view b);
std::string_view TrimAscii(std::string_view s);
// The fields between `separator`s: "a,,b" -> {"a", "", "b"}. A separator
// at the end closes the last field and opens none: "a,b," -> {"a", "b"}.
// The views point into `text`.
std::vector<std::string_view> SplitFields(std::string_view text, char separator);

}  // namespace openadcs

#endif  // OPENADCS_UTIL_BYTES_H_
