// UTF-16 (what NDR wchar_t strings and CERTTRANSBLOB text carry) to and from
// UTF-8 (what the rest of the daemon uses). Both directions reject what is
// not well-formed: an unpaired surrogate, or invalid, overlong or surrogate
// UTF-8, fails with kInvalidArgument rather than being replaced.
#ifndef OPENADCS_UTIL_UTF16_H_
#define OPENADCS_UTIL_UTF16_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs {

Result<std::string> Utf16ToUtf8(std::u16string_view s);
Result<std::u16string> Utf8ToUtf16(std::string_view s);

// The code point of the UTF-8 sequence starting at s[at] (at < s.size()) and
// its length in bytes; nullopt when the sequence is not well-formed (bad lead
// or continuation byte, truncated, overlong, a surrogate, above U+10FFFF).
std::optional<std::pair<char32_t, std::size_t>> DecodeUtf8At(std::string_view s, std::size_t at);

// UTF-16LE bytes (e.g. a CERTTRANSBLOB's pb) to code units; fails on an odd
// length. Trailing NULs are dropped: blobs count their terminator in cb.
Result<std::u16string> Utf16LeBytesToString(std::span<const std::uint8_t> bytes);
// Code units to UTF-16LE bytes with one NUL appended (cb includes it).
Bytes StringToUtf16LeBytes(std::u16string_view s);

// The two above with the UTF-8 conversion: text as a blob the protocols
// carry (attributes, disposition messages), and back.
Result<Bytes> Utf8ToUtf16LeBytes(std::string_view s);
Result<std::string> Utf16LeBytesToUtf8(std::span<const std::uint8_t> bytes);

// UTF-16LE text whose length is its field's, with no terminator (NTLM's
// names and AV pairs): a NUL is a character like any other, so none is added
// or dropped. Odd lengths fail.
Result<Bytes> Utf8ToUtf16Le(std::string_view s);
Result<std::string> Utf16LeToUtf8(std::span<const std::uint8_t> bytes);

}  // namespace openadcs

#endif  // OPENADCS_UTIL_UTF16_H_
