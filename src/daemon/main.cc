// openadcsd: the AD CS-compatible certificate authority daemon. Runs in the
// foreground (systemd Type=notify). Exit codes: 0 clean stop, 1 runtime
// failure (a failed disk among them: a restart recovers), 2 bad
// configuration or usage.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "openadcs/daemon/daemon.h"
#include "openadcs/daemon/daemon_config.h"
#include "openadcs/daemon/json_log.h"
#include "openadcs/daemon/version.h"
#include "openadcs/util/log_batch.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadConfig = 2;

struct CommandLine {
  std::string config_file;
  openadcs::daemon::ConfigOverrides overrides;
  bool check_config = false;
};

int Serve(const openadcs::daemon::DaemonConfig& config) {
  using openadcs::daemon::Daemon;
  spdlog::info("openadcsd {} starting, state in {}", openadcs::daemon::kVersion,
               config.state.dir.string());
  auto daemon = Daemon::Create(config);
  if (!daemon.ok()) {
    spdlog::critical("startup failed: {}", daemon.status().ToString());
    return kExitFailure;
  }
  const openadcs::Status run = (*daemon)->Run();
  daemon->reset();  // destroys the engine and closes the database before the exit
  if (!run.ok()) {
    // Run logged why; the exit status tells systemd to restart.
    spdlog::info("openadcsd stopped (exit status {})", kExitFailure);
    return kExitFailure;
  }
  spdlog::info("openadcsd stopped");
  return kExitOk;
}

int Main(int argc, char** argv) {
  CLI::App app("openadcsd: certificate authority daemon speaking the AD CS protocols", "openadcsd");
  CommandLine cl;
  std::string state_dir, templates_dir, log_level;
  auto* config_opt =
      app.add_option("--config", cl.config_file, "TOML configuration file (default: built-in)")
          ->type_name("FILE");
  auto* state_opt =
      app.add_option("--state-dir", state_dir, "State directory ([state] dir)")->type_name("DIR");
  auto* templates_opt =
      app.add_option("--templates", templates_dir, "Template LDIF folder ([templates] directory)")
          ->type_name("DIR");
  auto* log_opt = app.add_option("--log-level", log_level,
                                 "trace, debug, info, warn, error, critical or off ([log] level)")
                      ->type_name("LEVEL");
  app.add_flag("--check-config", cl.check_config,
               "Validate the configuration and exit (0: valid, 2: not)");
  app.set_version_flag("--version", std::string("openadcsd ") + openadcs::daemon::kVersion);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitBadConfig;
  }
  if (state_opt->count() > 0) cl.overrides.state_dir = state_dir;
  if (templates_opt->count() > 0) cl.overrides.templates_dir = templates_dir;
  if (log_opt->count() > 0) cl.overrides.log_level = log_level;

  openadcs::daemon::DaemonConfig config;
  if (config_opt->count() > 0) {
    auto loaded = openadcs::daemon::LoadConfigFile(cl.config_file);
    if (!loaded.ok()) {
      std::fprintf(stderr, "openadcsd: %s\n", loaded.status().message().c_str());
      return kExitBadConfig;
    }
    config = std::move(loaded).value();
  }
  if (auto applied = openadcs::daemon::ApplyOverrides(cl.overrides, config); !applied.ok()) {
    std::fprintf(stderr, "openadcsd: %s\n", applied.message().c_str());
    return kExitBadConfig;
  }
  if (cl.check_config) {
    std::printf("openadcsd: configuration OK\n");
    return kExitOk;
  }
  spdlog::set_level(spdlog::level::from_str(config.log.level));
  if (config.log.format == "json") {
    spdlog::default_logger()->set_formatter(std::make_unique<openadcs::daemon::JsonLogFormatter>());
  }
  return Serve(config);
}

}  // namespace

int main(int argc, char** argv) {
  // A write to a pipe or socket whose reader is gone raises SIGPIPE, which
  // would end the daemon without a word in the log: libldap's writes (the
  // directory code blocks it around them, but a library call missed there
  // would bring it back), or the log's own when stderr is a pipe whose
  // reader has exited. Ignored, such a write fails with EPIPE and the caller
  // handles it. Set before any thread starts; openadcsd runs no children.
  std::signal(SIGPIPE, SIG_IGN);
  // systemd's journal timestamps each line; stderr keeps stdout free. A
  // terminal gets colours; the journal or a file gets a burst of lines in
  // one write (openadcs/util/log_batch.h).
  spdlog::set_default_logger(isatty(STDERR_FILENO) != 0
                                 ? spdlog::stderr_color_mt("openadcsd")
                                 : std::make_shared<spdlog::logger>(
                                       "openadcsd", openadcs::MakeBatchingLogSink(STDERR_FILENO)));
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    // Nothing on the daemon's paths throws by design; this is the last
    // resort for std::bad_alloc and the like.
    spdlog::critical("unexpected error: {}", e.what());
    return kExitFailure;
  }
}
