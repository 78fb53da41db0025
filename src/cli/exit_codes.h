// The exit codes of every `openadcs` command, for scripts.
#ifndef OPENADCS_CLI_EXIT_CODES_H_
#define OPENADCS_CLI_EXIT_CODES_H_

namespace openadcs::cli {

inline constexpr int kExitOk = 0;       // done; for request/retrieve: issued
inline constexpr int kExitUsage = 1;    // bad command line or input
inline constexpr int kExitFailure = 2;  // network, authentication, files
inline constexpr int kExitPending = 3;  // request/retrieve/approve: the request is pending
inline constexpr int kExitDenied = 4;   // request/retrieve/approve: denied or failed by the CA
// Officer and administrator commands: the CA refused the call itself
// (E_ACCESSDENIED: the account lacks the role). Failing authentication is
// kExitFailure.
inline constexpr int kExitAccessDenied = 5;

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_EXIT_CODES_H_
