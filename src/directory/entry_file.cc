#include "directory/entry_file.h"

#include <algorithm>
#include <cctype>

#include "openadcs/util/bytes.h"

namespace openadcs::directory {
namespace {

// An empty value is "name:" (RFC 2849's empty value-spec): libldap refuses
// the whole record for "name:: " with nothing after it.
void AppendLine(std::string& out, std::string_view name, std::span<const std::uint8_t> value) {
  out += name;
  out += value.empty() ? ":" : ":: " + Base64Encode(value);
  out += '\n';
}

bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 4512 1.4: numericoid = number 1*( DOT number ), without leading zeros.
bool IsNumericOid(std::string_view s) {
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    while (i < s.size() && IsAsciiDigit(s[i])) ++i;
    if (i == start || (s[start] == '0' && i - start > 1)) return false;
    if (i == s.size()) return true;
    if (s[i] != '.') return false;
    ++i;
  }
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool SnapshotKeeps(std::string_view attribute) {
  if (attribute.empty()) return false;
  if (IsAsciiDigit(attribute[0])) return IsNumericOid(attribute);
  if (!IsAsciiAlpha(attribute[0])) return false;
  for (char c : attribute) {
    if (!IsAsciiAlpha(c) && !IsAsciiDigit(c) && c != '-') return false;
  }
  for (std::string_view word : {"dn", "changetype", "control", "include", "version"}) {
    if (EqualsIgnoringCase(attribute, word)) return false;
  }
  return true;
}

std::string EntriesToLdif(const std::vector<DirectoryEntry>& entries, const std::string& comment) {
  std::string out = "# " + comment + "\nversion: 1\n";
  for (const DirectoryEntry& entry : entries) {
    out += '\n';
    const std::string& dn = entry.dn();
    AppendLine(out, "dn", std::span(reinterpret_cast<const std::uint8_t*>(dn.data()), dn.size()));
    for (const auto& [name, values] : entry.attributes()) {
      if (!SnapshotKeeps(name)) continue;
      for (const Bytes& value : values) AppendLine(out, name, value);
    }
  }
  return out;
}

}  // namespace openadcs::directory
