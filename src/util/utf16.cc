#include "openadcs/util/utf16.h"

namespace openadcs {

Result<std::string> Utf16ToUtf8(std::u16string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF) {
      if (i + 1 >= s.size() || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF) {
        return Status::InvalidArgument("UTF-16: unpaired high surrogate at unit " +
                                       std::to_string(i));
      }
      c = 0x10000 + ((c - 0xD800) << 10) + (static_cast<char32_t>(s[i + 1]) - 0xDC00);
      ++i;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      return Status::InvalidArgument("UTF-16: unpaired low surrogate at unit " + std::to_string(i));
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::optional<std::pair<char32_t, std::size_t>> DecodeUtf8At(std::string_view s, std::size_t at) {
  const auto b0 = static_cast<std::uint8_t>(s[at]);
  std::size_t len = 0;
  char32_t c = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    len = 1, c = b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, c = b0 & 0x1Fu, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, c = b0 & 0x0Fu, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, c = b0 & 0x07u, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (len > s.size() - at) return std::nullopt;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<std::uint8_t>(s[at + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    c = (c << 6) | (b & 0x3Fu);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return std::nullopt;
  return std::pair(c, len);
}

Result<std::u16string> Utf8ToUtf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto decoded = DecodeUtf8At(s, i);
    if (!decoded) {
      return Status::InvalidArgument(
          "UTF-8: invalid, truncated, overlong, surrogate or out-of-range sequence at " +
          std::to_string(i));
    }
    char32_t c = decoded->first;
    if (c >= 0x10000) {
      c -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (c >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (c & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(c));
    }
    i += decoded->second;
  }
  return out;
}

namespace {

Result<std::u16string> Utf16LeUnits(std::span<const std::uint8_t> bytes) {
  if (bytes.size() % 2 != 0) {
    return Status::InvalidArgument("UTF-16LE text of odd length " + std::to_string(bytes.size()));
  }
  std::u16string out;
  out.reserve(bytes.size() / 2);
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    out.push_back(static_cast<char16_t>(bytes[i] | bytes[i + 1] << 8));
  }
  return out;
}

void AppendUtf16Le(std::u16string_view s, Bytes& out) {
  for (char16_t c : s) {
    out.push_back(static_cast<std::uint8_t>(c));
    out.push_back(static_cast<std::uint8_t>(c >> 8));
  }
}

}  // namespace

Result<std::u16string> Utf16LeBytesToString(std::span<const std::uint8_t> bytes) {
  Result<std::u16string> out = Utf16LeUnits(bytes);
  if (!out.ok()) return out;
  while (!out->empty() && out->back() == u'\0') out->pop_back();
  return out;
}

Bytes StringToUtf16LeBytes(std::u16string_view s) {
  Bytes out;
  out.reserve(2 * (s.size() + 1));
  AppendUtf16Le(s, out);
  out.push_back(0);
  out.push_back(0);
  return out;
}

Result<Bytes> Utf8ToUtf16LeBytes(std::string_view s) {
  Result<std::u16string> units = Utf8ToUtf16(s);
  if (!units.ok()) return units.status();
  return StringToUtf16LeBytes(*units);
}

Result<std::string> Utf16LeBytesToUtf8(std::span<const std::uint8_t> bytes) {
  Result<std::u16string> units = Utf16LeBytesToString(bytes);
  if (!units.ok()) return units.status();
  return Utf16ToUtf8(*units);
}

Result<Bytes> Utf8ToUtf16Le(std::string_view s) {
  Result<std::u16string> units = Utf8ToUtf16(s);
  if (!units.ok()) return units.status();
  Bytes out;
  out.reserve(2 * units->size());
  AppendUtf16Le(*units, out);
  return out;
}

Result<std::string> Utf16LeToUtf8(std::span<const std::uint8_t> bytes) {
  Result<std::u16string> units = Utf16LeUnits(bytes);
  if (!units.ok()) return units.status();
  return Utf16ToUtf8(*units);
}

}  // namespace openadcs
