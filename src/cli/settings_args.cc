#include "cli/settings_args.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "cli/admin_args.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/utf16.h"

namespace openadcs::cli {
namespace {

struct FilterBit {
  std::string_view name;
  std::uint32_t bit;
};
// MS-CSRA 3.1.4.2.14, "AuditFilter".
constexpr std::array<FilterBit, 7> kFilterBits = {{{"start-stop", 0x01},
                                                   {"backup", 0x02},
                                                   {"issuance", 0x04},
                                                   {"revocation", 0x08},
                                                   {"security", 0x10},
                                                   {"key-recovery", 0x20},
                                                   {"configuration", 0x40}}};
constexpr std::uint32_t kAllFilterBits = 0x7F;

Result<security::Sid> SidOf(std::string_view account) {
  Result<std::string> text = AccountSid(account);
  if (!text.ok()) return text.status();
  return security::Sid::Parse(*text);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<security::OfficerRightsEntry>> OfficerRightsEntries(
    std::span<const std::string> allow, std::span<const std::string> deny) {
  std::vector<security::OfficerRightsEntry> entries;
  const auto add = [&](std::span<const std::string> pairs, bool is_allow) -> Status {
    const std::size_t first = entries.size();
    for (const std::string& pair : pairs) {
      const std::size_t colon = pair.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == pair.size()) {
        return Status::InvalidArgument(
            fmt::format("{} is not OFFICER:REQUESTER (each DOMAIN\\user or S-1-...)", pair));
      }
      Result<security::Sid> officer = SidOf(std::string_view(pair).substr(0, colon));
      if (!officer.ok()) return officer.status();
      Result<security::Sid> requester = SidOf(std::string_view(pair).substr(colon + 1));
      if (!requester.ok()) return requester.status();
      auto it = std::find_if(entries.begin() + static_cast<std::ptrdiff_t>(first), entries.end(),
                             [&](const auto& e) { return e.officer == *officer; });
      if (it == entries.end()) {
        entries.push_back({is_allow, *officer, {}, {}, 0});
        it = entries.end() - 1;
      }
      if (std::find(it->requesters.begin(), it->requesters.end(), *requester) ==
          it->requesters.end()) {
        it->requesters.push_back(*requester);
      }
    }
    return Status::Ok();
  };
  OPENADCS_RETURN_IF_ERROR(add(deny, false));
  OPENADCS_RETURN_IF_ERROR(add(allow, true));
  if (entries.size() > security::kMaxAces) {
    return Status::InvalidArgument(fmt::format("more than {} officers", security::kMaxAces));
  }
  return entries;
}

std::vector<std::string> DescribeOfficerRights(
    std::span<const security::OfficerRightsEntry> entries) {
  std::vector<std::string> lines;
  for (const security::OfficerRightsEntry& e : entries) {
    std::string line = fmt::format("{} {}:", e.allow ? "allow" : "deny", e.officer.ToString());
    for (std::size_t i = 0; i < e.requesters.size(); ++i) {
      line += (i == 0 ? " " : ", ") + e.requesters[i].ToString();
    }
    if (e.requesters.empty()) line += " (no requester)";
    if (!e.template_name.empty()) {
      Result<std::string> name = Utf16ToUtf8(e.template_name);
      line += " (template " + (name.ok() ? *name : std::string("?")) + ")";
    }
    if ((e.flags & security::kInheritOnlyAce) != 0) line += " (inherit-only: not applied)";
    lines.push_back(std::move(line));
  }
  return lines;
}

Result<std::uint32_t> ParseAuditFilter(std::string_view text) {
  text = Trim(text);
  const Status bad = Status::InvalidArgument(fmt::format(
      "{} is not an audit filter (a number up to 0x7f, or names: start-stop, backup, issuance, "
      "revocation, security, key-recovery, configuration, none)",
      text));
  if (text.empty()) return bad;
  if (text[0] >= '0' && text[0] <= '9') {
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const std::string_view digits = hex ? text.substr(2) : text;
    std::uint32_t v = 0;
    const auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), v, hex ? 16 : 10);
    if (ec != std::errc() || end != digits.data() + digits.size()) return bad;
    if ((v & ~kAllFilterBits) != 0) return bad;
    return v;
  }
  std::uint32_t filter = 0;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view word = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (EqualsIgnoreCaseAscii(word, "none")) continue;
    const auto it = std::find_if(kFilterBits.begin(), kFilterBits.end(), [&](const FilterBit& b) {
      return EqualsIgnoreCaseAscii(word, b.name);
    });
    if (it == kFilterBits.end()) return bad;
    filter |= it->bit;
  }
  return filter;
}

std::string AuditFilterText(std::uint32_t filter) {
  std::string names;
  for (const FilterBit& b : kFilterBits) {
    if ((filter & b.bit) != 0) names += (names.empty() ? "" : ", ") + std::string(b.name);
  }
  if ((filter & ~kAllFilterBits) != 0) {
    names += (names.empty() ? "" : ", ") + fmt::format("0x{:x}", filter & ~kAllFilterBits);
  }
  return fmt::format("0x{:08x} ({})", filter, names.empty() ? "none" : names);
}

}  // namespace openadcs::cli
