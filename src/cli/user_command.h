// `openadcs user`: manages the NTLM user file the daemon authenticates with
// (see openadcs/auth/user_file.h).
//
//   openadcs user [--user-file PATH] add DOMAIN\user [--password-file FILE]
//   openadcs user [--user-file PATH] passwd DOMAIN\user [--password-file FILE]
//   openadcs user [--user-file PATH] remove DOMAIN\user
//   openadcs user [--user-file PATH] list
//
// The password comes from --password-file (its first line), else the
// environment variable OPENADCS_PASSWORD, else a prompt on the terminal with
// echo off (asked twice). It is never printed or logged.
#ifndef OPENADCS_CLI_USER_COMMAND_H_
#define OPENADCS_CLI_USER_COMMAND_H_

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"

namespace openadcs::cli {

inline constexpr const char* kDefaultUserFile = "/var/lib/openadcs/users";

// Registers `user` and its subcommands on `app`. When one of them runs (from
// app.parse), its exit code is stored in `*exit_code`, which must outlive
// the parse. Errors CLI11 itself detects (an unknown option, a missing
// argument) surface as CLI::ParseError from app.parse, as for every
// subcommand; the caller maps them to kExitUsage.
void AddUserCommand(CLI::App& app, int* exit_code);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_USER_COMMAND_H_
