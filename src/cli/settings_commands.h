// The administrator's `openadcs` commands for the CA settings MS-CSRA keeps
// beside its security, over DCOM (ICertAdminD2):
//
//   openadcs officer-rights get [--json]   enabled or disabled, and who may
//                                          act for whom (GetOfficerRights)
//   openadcs officer-rights set --enable --allow OFFICER:REQUESTER...
//       [--deny OFFICER:REQUESTER...]      restrict officers (SetOfficerRights);
//                                          each side DOMAIN\user or S-1-...,
//                                          Everyone is S-1-1-0
//   openadcs officer-rights set --disable  every officer acts for everyone
//   ... set --enable ... --template NAME   the entries apply to that template
//                                          only
//   openadcs agent-rights get|set ...      the same for the enrollment agent
//                                          rights (AGENT:USER pairs)
//   openadcs audit-filter get              the audit filter, with names
//   openadcs audit-filter set FILTER       a number or names (cli/settings_args.h)
//   openadcs config get NAME [--node PATH] one configuration entry
//                                          (GetConfigEntry), as certutil
//                                          -getreg reads it
//
// Every one takes the connection flags of cli/connection.h. Exit codes as
// the other administrator commands (cli/admin_commands.h): 0 done, 1 usage,
// 2 other errors, 5 the CA refused the call.
#ifndef OPENADCS_CLI_SETTINGS_COMMANDS_H_
#define OPENADCS_CLI_SETTINGS_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace openadcs::cli {

// Adds the subcommands to `app`; `*exit_code` receives the exit code of
// whichever ran.
void RegisterSettingsCommands(CLI::App& app, int* exit_code);

}  // namespace openadcs::cli

#endif  // OPENADCS_CLI_SETTINGS_COMMANDS_H_
