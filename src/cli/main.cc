// openadcs: the command-line client of openadcsd.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/admin_commands.h"
#include "cli/audit_command.h"
#include "cli/ca_commands.h"
#include "cli/enroll_commands.h"
#include "cli/maintenance_commands.h"
#include "cli/settings_commands.h"
#include "cli/template_commands.h"
#include "cli/user_command.h"
#include "cli/view_commands.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app{
      "openadcs: enroll with and manage an openadcs (AD CS protocol) certificate authority"};
  app.set_version_flag("--version", OPENADCS_VERSION);
  app.require_subcommand(1);
  int exit_code = openadcs::cli::kExitOk;
  openadcs::cli::RegisterEnrollCommands(app, &exit_code);
  openadcs::cli::RegisterCaCommands(app, &exit_code);
  openadcs::cli::RegisterViewCommands(app, &exit_code);
  openadcs::cli::RegisterAdminCommands(app, &exit_code);
  openadcs::cli::RegisterSettingsCommands(app, &exit_code);
  openadcs::cli::AddUserCommand(app, &exit_code);
  openadcs::cli::AddAuditCommand(app, &exit_code);
  openadcs::cli::RegisterMaintenanceCommands(app, &exit_code);
  openadcs::cli::RegisterTemplateCommands(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are successes; anything else is a usage error.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : openadcs::cli::kExitUsage;
  }
  return exit_code;
}

}  // namespace

// CLI11 throws while the commands are set up (a programming error) and the
// standard library on allocation failure: report either as a failure rather
// than terminating.
int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "openadcs: %s\n", e.what());
    return openadcs::cli::kExitFailure;
  }
}
