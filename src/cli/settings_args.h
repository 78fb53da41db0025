// What `openadcs officer-rights` and `openadcs audit-filter` make of their
// arguments, and how they show the CA's answers: pure functions, tested
// without a CA. Errors are kInvalidArgument with a message for the user.
#ifndef OPENADCS_CLI_SETTINGS_ARGS_H_
#define OPENADCS_CLI_SETTINGS_ARGS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openadcs/security/officer_rights.h"
#include "openadcs/util/status.h"

namespace openadcs::cli {

// The entries of `--allow` and `--deny` OFFICER:REQUESTER pairs, each side
// an account as AccountSid resolves it (DOMAIN\user or S-1-...). Pairs with
// the same officer and kind share one entry (one ACE, its requesters in
// order); deny entries come first (the canonical order, so a deny is never
// shadowed by an allow), then allow entries, each in order of first
// appearance. Every entry applies to every template.
Result<std::vector<security::OfficerRightsEntry>> OfficerRightsEntries(
    std::span<const std::string> allow, std::span<const std::string> deny);

// One line per entry: "allow S-1-...: S-1-..., S-1-..." and
// " (template NAME)" when it has one.
std::vector<std::string> DescribeOfficerRights(
    std::span<const security::OfficerRightsEntry> entries);

// An audit filter (MS-CSRA 3.1.4.2.10): a number (decimal or 0x-hex) or
// comma-separated names: start-stop (0x1), backup (0x2), issuance (0x4),
// revocation (0x8), security (0x10), key-recovery (0x20), configuration
// (0x40); "none" is 0. Bits outside 0x7F are refused.
Result<std::uint32_t> ParseAuditFilter(std::string_view text);
// "0x00000014 (issuance, security)"; "0x00000000 (none)".
std::string AuditFilterText(std::uint32_t filter);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_SETTINGS_ARGS_H_
