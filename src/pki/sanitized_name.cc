// CA name sanitizing, MS-WCCE 3.1.1.4.1.1: the forms of the CA name used as
// directory object names and file names.
#include <cstdio>
#include <string>

#include "openadcs/pki/ca_identity.h"

namespace openadcs::pki {
namespace {

// MS-WCCE 3.1.1.4.1.1.2, besides the control characters and non-ASCII.
constexpr std::string_view kDisallowed = "!\"#%&'()*+,/:;<=>?[\\]^`{|}";
constexpr std::size_t kShortNameBase = 51;
constexpr std::size_t kEscapeLength = 5;  // "!xxxx"

// UTF-16 code units of `utf8`. A byte that does not start a well-formed
// sequence stands for itself, so that it is escaped rather than lost.
std::u16string Utf16Of(std::string_view utf8) {
  std::u16string out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(utf8[k]); };
    unsigned char b = byte(i);
    std::size_t len = b < 0x80             ? 1
                      : (b & 0xE0) == 0xC0 ? 2
                      : (b & 0xF0) == 0xE0 ? 3
                      : (b & 0xF8) == 0xF0 ? 4
                                           : 0;
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
    bool ok = len > 0 && i + len <= utf8.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (byte(i + k) & 0xC0) == 0x80;
      cp = (cp << 6) | (byte(i + k) & 0x3Fu);
    }
    if (!ok || cp > 0x10FFFF) {
      out.push_back(b);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return out;
}

}  // namespace

std::string SanitizeCaName(std::string_view utf8_name) {
  std::string out;
  for (char16_t u : Utf16Of(utf8_name)) {
    if (u < 0x20 || u >= 0x7F || kDisallowed.find(static_cast<char>(u)) != std::string_view::npos) {
      char escape[kEscapeLength + 1];
      std::snprintf(escape, sizeof escape, "!%04x", static_cast<unsigned>(u));
      out += escape;
    } else {
      out.push_back(static_cast<char>(u));
    }
  }
  return out;
}

std::string SanitizedShortName(std::string_view utf8_name) {
  std::string sanitized = SanitizeCaName(utf8_name);
  if (sanitized.size() <= kShortNameBase) return sanitized;
  // Every '!' in a sanitized name starts an escape; do not keep half of one.
  std::size_t cut = kShortNameBase;
  std::size_t bang = sanitized.rfind('!', kShortNameBase - 1);
  if (bang != std::string::npos && bang + kEscapeLength > kShortNameBase) cut = bang;
  std::uint16_t hash = 0;
  for (std::size_t i = cut; i < sanitized.size(); ++i) {
    std::uint16_t low_bit = (hash & 0x8000) != 0 ? 1 : 0;
    hash = static_cast<std::uint16_t>(((hash << 1) | low_bit) +
                                      static_cast<unsigned char>(sanitized[i]));
  }
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "-%05u", static_cast<unsigned>(hash));
  return sanitized.substr(0, cut) + suffix;
}

}  // namespace openadcs::pki
