// `openadcs request` and `openadcs retrieve`: enrollment over DCOM
// (ICertRequestD, as certreq does) or, with --icpr, over ICertPassage.
//
// Exit codes (cli/exit_codes.h): 0 issued, 3 pending (the request id is
// printed), 4 denied or failed by the CA, 1 usage error, 2 any other error
// (network, authentication, files).
#ifndef OPENADCS_CLI_ENROLL_COMMANDS_H_
#define OPENADCS_CLI_ENROLL_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"

namespace openadcs::cli {

// Adds the subcommands to `app`. `*exit_code` receives the exit code of
// whichever ran; the registered callbacks never throw past CLI11.
void RegisterEnrollCommands(CLI::App& app, int* exit_code);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_ENROLL_COMMANDS_H_
