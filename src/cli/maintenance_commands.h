// The database maintenance commands of `openadcs`, over DCOM (MS-CSRA
// ICertAdminD2::DeleteRow and ICertAdminD::ImportCertificate). They take
// the connection flags of cli/connection.h.
//
//   openadcs delete-row ID [--table request|extension|attribute|crl]
//                                         delete one row (a request with its
//                                         extensions and attributes; the
//                                         extensions or attributes of request
//                                         ID; a CRL row); needs Admin and
//                                         Officer
//   openadcs delete-row --expired-before DATE [--table request|crl]
//                                         certificates that expired (CRLs
//                                         whose next update is) before DATE
//   openadcs delete-row --changed-before DATE
//                                         pending, failed and denied requests
//                                         last changed before DATE
//   openadcs import-cert FILE             import a certificate this CA
//                                         issued (DER or PEM); prints the
//                                         new request id; needs Officer
//
// DATE is ISO 8601 UTC. A delete by date repeats the call while the CA
// says that rows remain, and prints the total. Exit codes as the officer
// commands (cli/admin_commands.h): 0 done, 1 usage, 2 other errors, 5 the
// CA refused the call.
#ifndef OPENADCS_CLI_MAINTENANCE_COMMANDS_H_
#define OPENADCS_CLI_MAINTENANCE_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace openadcs::cli {

// Adds delete-row and import-cert to `app`; `*exit_code` receives the exit
// code of whichever ran.
void RegisterMaintenanceCommands(CLI::App& app, int* exit_code);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_MAINTENANCE_COMMANDS_H_
