// `openadcs audit`: reads the CA database's audit trail from the file, with
// no daemon and no network (openadcs/db/audit.h). The file is opened
// read-only, so both commands are safe while the daemon runs.
//
//   openadcs audit DB [--after SEQ] [--limit N] [--json]
//     The rows with seq > SEQ (default 0), ascending, at most N (default:
//     all). Text is one header line and one line per row, columns separated
//     by two spaces, the hash cut to 16 hex digits; --json is one array of
//     objects (time ISO 8601 UTC, hashes in full hex).
//   openadcs audit verify DB
//     Recomputes the chain: "audit chain of N rows verifies; head <hex>" and
//     exit 0, or "audit row S: <why>" on stderr and exit 2.
//
// Exit codes (cli/exit_codes.h): 0 done (verify: the chain verifies), 1
// usage error, 2 the chain is broken or the file cannot be read.
#ifndef OPENADCS_CLI_AUDIT_COMMAND_H_
#define OPENADCS_CLI_AUDIT_COMMAND_H_

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"

namespace openadcs::cli {

// Registers `audit` and `audit verify` on `app`; `*exit_code` receives the
// exit code of whichever ran and must outlive the parse.
void AddAuditCommand(CLI::App& app, int* exit_code);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_AUDIT_COMMAND_H_
