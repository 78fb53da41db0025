// Where the CLI takes an NTLM password from, in order: --password-file, the
// OPENADCS_PASSWORD environment variable, or a prompt on the terminal with
// echo off. Never from the command line, where other users could read it.
#ifndef OPENADCS_CLI_CREDENTIALS_H_
#define OPENADCS_CLI_CREDENTIALS_H_

#include <string>

#include "openadcs/util/status.h"

namespace openadcs::cli {

inline constexpr const char* kPasswordEnvironmentVariable = "OPENADCS_PASSWORD";

// `password_file` empty: not given. The file's first line is the password.
// `prompt` is shown on the terminal when it comes to prompting. Errors:
// kIOError for an unreadable file, kInvalidArgument when there is no
// terminal to prompt on.
Result<std::string> ReadPassword(const std::string& password_file, const std::string& prompt);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_CREDENTIALS_H_
