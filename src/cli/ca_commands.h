// `openadcs ca-cert` and `openadcs ca-info`: what a CA says about itself over
// DCOM (ICertRequestD2 GetCACert and GetCAProperty, MS-WCCE 3.2.1.4.3.2).
//
//   openadcs ca-cert -u DOMAIN\user [--chain] [-o FILE]   the CA certificate
//       (or with --chain every certificate of its chain) as PEM
//   openadcs ca-info -u DOMAIN\user [--json]              names, type, DNS
//       name, templates served, the certificate's subject and expiry, and
//       the CRL and AIA URLs
//
// Exit codes (cli/exit_codes.h): 0 done, 1 usage error, 2 any other error.
#ifndef OPENADCS_CLI_CA_COMMANDS_H_
#define OPENADCS_CLI_CA_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"

namespace openadcs::cli {

// Adds the subcommands to `app`; `*exit_code` receives the exit code of
// whichever ran.
void RegisterCaCommands(CLI::App& app, int* exit_code);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_CA_COMMANDS_H_
