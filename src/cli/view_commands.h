// `openadcs view`, `pending` and `show`: reading the CA database over DCOM
// (MS-CSRA ICertAdminD2 OpenView/EnumView, EnumViewColumnTable,
// EnumAttributesOrExtensions), as `certutil -view` does.
//
//   openadcs view -u DOMAIN\user [--table request|extension|attribute|crl]
//       [-r|--restrict 'Column<op>Value']... [-c|--columns A,B,...]
//       [--limit N] [--json]
//     Column names come from the CA's catalogue (EnumViewColumnTable),
//     case-insensitive; "Disposition" finds "Request.Disposition". Operators
//     = < <= > >=. Values by the column's type: numbers (decimal or 0x),
//     ISO 8601 UTC dates, text, hex for binary columns; Disposition also
//     takes pending (9), issued (20), revoked (21), failed (30), denied (31);
//     CertificateTemplate also takes the name of a template the CA serves
//     (the column holds a schema 2 template's OID).
//     Rows are fetched in pages until the CA's end marker (or --limit).
//   openadcs pending -u DOMAIN\user [--limit N] [--json]
//     The pending requests, with the columns an officer decides on.
//   openadcs show -u DOMAIN\user ID
//     Request ID's columns, its attributes and its extensions.
//
// Text output is one header line and one line per row, columns separated by
// two spaces, CertificateTemplate by the name of the template the CA serves
// with that OID; --json is one array of objects keyed by column name, values
// as stored (numbers as numbers, dates ISO 8601, binary hex, no value null).
//
// Exit codes (cli/exit_codes.h): 0 done, 1 usage error, 2 any other error,
// 5 the CA refused the call (the account lacks the Read or Officer role).
#ifndef OPENADCS_CLI_VIEW_COMMANDS_H_
#define OPENADCS_CLI_VIEW_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"

namespace openadcs::cli {

// Adds the subcommands to `app`; `*exit_code` receives the exit code of
// whichever ran.
void RegisterViewCommands(CLI::App& app, int* exit_code);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_VIEW_COMMANDS_H_
