// Where the CLI takes a password from, in order: --password-file (its first
// line), the OPENADCS_PASSWORD environment variable, or a prompt on the
// terminal with echo off. Never from the command line, where other users
// could read it; never printed or logged.
#ifndef OPENADCS_CLI_CREDENTIALS_H_
#define OPENADCS_CLI_CREDENTIALS_H_

#include <string>

#include "openadcs/util/status.h"

namespace openadcs::cli {

inline constexpr const char* kPasswordEnvironmentVariable = "OPENADCS_PASSWORD";

// `password_file` empty: not given. `confirm`: a prompted password is asked
// twice (setting one). Errors: kIOError for an unreadable file;
// kInvalidArgument when there is no terminal to prompt on, or the two
// prompted passwords differ.
Result<std::string> ReadPassword(const std::string& password_file, const std::string& prompt,
                                 bool confirm);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_CREDENTIALS_H_
