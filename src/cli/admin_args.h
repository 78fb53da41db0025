// What the officer and administrator commands (cli/admin_commands.h,
// cli/view_commands.h) make of their arguments, and how they show values:
// pure functions, so that the command lines are tested without a CA.
// Errors are kInvalidArgument with a message for the user.
#ifndef OPENADCS_CLI_ADMIN_ARGS_H_
#define OPENADCS_CLI_ADMIN_ARGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "openadcs/client/cert_admin_client.h"
#include "openadcs/util/status.h"

namespace openadcs::cli {

// A revocation reason by name (unspecified, key-compromise, ca-compromise,
// affiliation-changed, superseded, cessation-of-operation,
// certificate-hold, remove-from-crl; case-insensitive) or by its RFC 5280
// number (0-6, 8).
Result<std::uint32_t> ParseRevocationReason(std::string_view text);

// "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" with an optional "Z" (UTC; no other
// offset), as a FILETIME. Years 1601-9999.
Result<client::FileTime> ParseIso8601(std::string_view text);
// "YYYY-MM-DDTHH:MM:SSZ" (sub-second ticks dropped).
std::string FileTimeIso8601(client::FileTime t);

// A Request.Disposition value: pending, issued, revoked, failed, denied
// (client::kDbDisp*) or a number.
Result<std::int32_t> ParseDisposition(std::string_view text);
// The name of a Disposition value, "" when not one of those.
std::string_view DispositionName(std::int32_t disposition);

// `--restrict` "Column<op>Value" with op one of = == < <= > >= (the first
// operator found; spaces around the parts are dropped). A value starting
// with = < or > is refused as a misspelt operator.
struct RestrictionText {
  std::string column;
  client::SeekOperator seek = client::SeekOperator::kEq;
  std::string value;
  friend bool operator==(const RestrictionText&, const RestrictionText&) = default;
};
Result<RestrictionText> ParseRestriction(std::string_view text);

// `text` as a value of PROPTYPE `type` (low byte of a column Type): LONG
// decimal or 0x-hex (and a disposition name when `disposition_column`),
// DATE ISO 8601, STRING as is, BINARY hex.
Result<client::TypedValue> ParseTypedValue(std::uint32_t type, std::string_view text,
                                           bool disposition_column);
// --type long|date|string|binary as a PROPTYPE.
Result<std::uint32_t> ParseValueType(std::string_view name);

// A value for people and scripts: LONG decimal, DATE ISO 8601, STRING as
// is, BINARY lowercase hex; no value "".
std::string TypedValueText(const std::optional<client::TypedValue>& value);

// `--table` request|extension|attribute|crl as EnumViewColumnTable's iTable.
Result<std::uint32_t> ParseTable(std::string_view name);

// Role bits as names (Admin Officer Auditor Operator Read Enroll),
// space-separated; unknown bits as one 0x-hex word; "none" for zero.
std::string RoleNames(std::uint32_t roles);

// A certificate serial number as RevokeCertificate wants it (MS-CSRA
// 3.1.4.1.8: plain hex, compared case-sensitively; CAs store lowercase):
// ':' and ' ' separators and a leading 0x dropped, lowercased.
Result<std::string> NormalizeSerial(std::string_view text);

// The SID string of ACCOUNT: a literal "S-1-..." as given, or for
// "DOMAIN\user" the SID openadcsd gives a user-file account
// (auth::UserFileAccountSid).
Result<std::string> AccountSid(std::string_view account);

// The exit code for a failed call: kExitAccessDenied when the CA refused
// the call itself (E_ACCESSDENIED, CERTSRV_E_RESTRICTEDOFFICER or an
// access-denied fault, after the connection was authenticated),
// kExitFailure otherwise.
int ExitCodeFor(const Status& status);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_ADMIN_ARGS_H_
