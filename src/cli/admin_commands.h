// The officer's and administrator's `openadcs` commands, over DCOM (MS-CSRA
// ICertAdminD2). They speak only the protocol, so they work against any
// AD CS CA, a Windows one too. Every one takes the connection flags of
// cli/connection.h; the CA name (--ca) is asked of the CA when not given.
//
//   openadcs set-extension ID OID --type long|date|string|binary --value V
//       [--critical]                      add or replace an extension of a
//                                         pending request (dates ISO 8601
//                                         UTC, binary hex)
//   openadcs set-attributes ID NAME:VALUE...   set request attributes
//   openadcs approve ID                   resubmit a pending request
//                                         (ResubmitRequest)
//   openadcs deny ID                      deny a pending request
//   openadcs revoke SERIAL --reason REASON [--when ISO8601]
//       REASON: unspecified, key-compromise, ca-compromise,
//       affiliation-changed, superseded, cessation-of-operation,
//       certificate-hold, remove-from-crl, or its number; --when defaults
//       to now
//   openadcs unrevoke SERIAL              release a certificate from hold
//   openadcs crl publish [--delta]        publish a new base (or delta) CRL
//   openadcs crl get [-o FILE]            the current base CRL as PEM
//   openadcs security get [--json]        owner, group and ACEs of the CA's
//                                         security descriptor, with role
//                                         names (Admin Officer Auditor
//                                         Operator Read Enroll)
//   openadcs security set --file SD.bin   replace it (self-relative bytes)
//   openadcs officer add|remove ACCOUNT   grant or withdraw the Officer
//                                         role; ACCOUNT is DOMAIN\user (an
//                                         openadcsd user-file account) or
//                                         a SID S-1-...
//   openadcs roles                        the caller's roles, by name
//
// Exit codes (cli/exit_codes.h): 0 done (approve: issued), 1 usage error,
// 2 any other error, 3 approve: still pending, 4 approve: denied or failed
// by the CA, 5 the CA refused the call (the account lacks the role). Errors
// are one line on stderr: "openadcs: <what>: <Method> returned 0x%08x
// (NAME)".
#ifndef OPENADCS_CLI_ADMIN_COMMANDS_H_
#define OPENADCS_CLI_ADMIN_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"

namespace openadcs::cli {

// Adds the subcommands to `app`; `*exit_code` receives the exit code of
// whichever ran.
void RegisterAdminCommands(CLI::App& app, int* exit_code);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_ADMIN_COMMANDS_H_
