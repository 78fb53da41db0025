// openadcs: the command-line client of openadcsd.
#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{
      "openadcs: enroll with and manage an openadcs (AD CS protocol) certificate authority"};
  app.set_version_flag("--version", OPENADCS_VERSION);
  app.require_subcommand(0);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
