#include "openadcs/security/sid.h"

#include <fmt/format.h>

#include <charconv>

namespace openadcs::security {
namespace {

// The largest decimal authority; 2.4.2.1 writes larger ones in hex.
constexpr std::uint64_t kMaxDecimalAuthority = 0xFFFFFFFF;
// "0x" and 12HEXDIG.
constexpr std::size_t kHexAuthorityDigits = 12;
// 1*10DIGIT for the authority and every sub-authority.
constexpr std::size_t kMaxDecimalDigits = 10;

Status Invalid(std::string_view text, const char* why) {
  return Status::InvalidArgument("SID \"" + std::string(text) + "\": " + why);
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// A decimal number as 2.4.2.1 writes it: 1 to 10 digits, no leading zero
// unless the number is 0, at most `max`.
bool ParseDecimal(std::string_view s, std::uint64_t max, std::uint64_t* out) {
  if (s.empty() || s.size() > kMaxDecimalDigits || (s.size() > 1 && s[0] == '0')) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');  // 10 digits cannot overflow 64 bits
  }
  if (v > max) return false;
  *out = v;
  return true;
}

bool ParseHexAuthority(std::string_view s, std::uint64_t* out) {
  if (s.size() != kHexAuthorityDigits) return false;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || end != s.data() + s.size()) return false;
  *out = v;  // 12 hex digits are 48 bits: never above kMaxAuthority
  return true;
}

}  // namespace

Result<Sid> Sid::FromParts(std::uint64_t authority,
                           std::span<const std::uint32_t> sub_authorities) {
  if (authority > kMaxAuthority) {
    return Status::InvalidArgument("SID identifier authority " + std::to_string(authority) +
                                   " exceeds 48 bits");
  }
  if (sub_authorities.size() > kMaxSubAuthorities) {
    return Status::InvalidArgument("SID with " + std::to_string(sub_authorities.size()) +
                                   " sub-authorities (at most 15)");
  }
  Sid sid;
  sid.authority_ = authority;
  for (std::uint32_t v : sub_authorities) sid.sub_[sid.count_++] = v;
  return sid;
}

Result<Sid> Sid::Parse(std::string_view text) {
  if (text.size() < 4 || (text[0] != 'S' && text[0] != 's') || text.substr(1, 3) != "-1-") {
    return Invalid(text, "does not start with \"S-1-\"");
  }
  std::string_view rest = text.substr(4);
  std::size_t dash = rest.find('-');
  std::string_view authority_text = rest.substr(0, dash);
  Sid sid;
  if (authority_text.size() > 2 && authority_text[0] == '0' &&
      (authority_text[1] == 'x' || authority_text[1] == 'X')) {
    if (!ParseHexAuthority(authority_text.substr(2), &sid.authority_)) {
      return Invalid(text, "hex identifier authority is not 12 hex digits");
    }
  } else if (!ParseDecimal(authority_text, kMaxDecimalAuthority, &sid.authority_)) {
    return Invalid(text, "identifier authority is not a decimal number below 2^32");
  }
  while (dash != std::string_view::npos) {
    rest = rest.substr(dash + 1);
    dash = rest.find('-');
    if (sid.count_ == kMaxSubAuthorities) return Invalid(text, "more than 15 sub-authorities");
    std::uint64_t v = 0;
    if (!ParseDecimal(rest.substr(0, dash), 0xFFFFFFFF, &v)) {
      return Invalid(text, "sub-authority is not a 32-bit decimal number");
    }
    sid.sub_[sid.count_++] = static_cast<std::uint32_t>(v);
  }
  return sid;
}

Result<Sid> Sid::Decode(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderBytes) return Status::InvalidArgument("SID: truncated header");
  if (bytes[0] != kRevision) {
    return Status::InvalidArgument("SID: revision " + std::to_string(bytes[0]) + " (must be 1)");
  }
  const std::size_t count = bytes[1];
  if (count > kMaxSubAuthorities) {
    return Status::InvalidArgument("SID: " + std::to_string(count) +
                                   " sub-authorities (at most 15)");
  }
  if (bytes.size() < kHeaderBytes + 4 * count) {
    return Status::InvalidArgument("SID: truncated sub-authorities");
  }
  Sid sid;
  for (std::size_t i = 2; i < kHeaderBytes; ++i) sid.authority_ = sid.authority_ << 8 | bytes[i];
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = kHeaderBytes + 4 * i;
    sid.sub_[i] = static_cast<std::uint32_t>(bytes[at]) |
                  static_cast<std::uint32_t>(bytes[at + 1]) << 8 |
                  static_cast<std::uint32_t>(bytes[at + 2]) << 16 |
                  static_cast<std::uint32_t>(bytes[at + 3]) << 24;
  }
  sid.count_ = static_cast<std::uint8_t>(count);
  return sid;
}

std::string Sid::ToString() const {
  std::string out = "S-1-";
  if (authority_ <= kMaxDecimalAuthority) {
    out += std::to_string(authority_);
  } else {
    out += fmt::format("0x{:0{}X}", authority_, kHexAuthorityDigits);
  }
  for (std::uint32_t v : sub_authorities()) {
    out += '-';
    out += std::to_string(v);
  }
  return out;
}

void Sid::EncodeTo(Bytes* out) const {
  out->push_back(kRevision);
  out->push_back(count_);
  for (int shift = 40; shift >= 0; shift -= 8) {
    out->push_back(static_cast<std::uint8_t>(authority_ >> shift));
  }
  for (std::uint32_t v : sub_authorities()) {
    for (int shift = 0; shift < 32; shift += 8)
      out->push_back(static_cast<std::uint8_t>(v >> shift));
  }
}

Bytes Sid::Encode() const {
  Bytes out;
  EncodeTo(&out);
  return out;
}

}  // namespace openadcs::security
