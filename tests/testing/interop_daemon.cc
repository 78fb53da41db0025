#include "testing/interop_daemon.h"

#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <optional>
#include <regex>

#include "openadcs/auth/user_file.h"

namespace openadcs::testing {
namespace {

constexpr std::chrono::seconds kStartTimeout{60};
constexpr std::chrono::seconds kStopTimeout{30};
constexpr std::chrono::seconds kClientTimeout{60};
const std::string kTemplates = std::string(OPENADCS_SOURCE_DIR) + "/config/templates";

}  // namespace

std::unique_ptr<InteropDaemon> InteropDaemon::Start(
    const std::string& more_config, std::string* error, const std::string& templates_config,
    const std::function<bool(const std::filesystem::path&)>& prepare_state) {
  std::unique_ptr<InteropDaemon> daemon(new InteropDaemon());
  const std::filesystem::path state = daemon->state_dir();
  std::filesystem::create_directories(state);
  if (prepare_state && !prepare_state(state)) {
    *error = "cannot prepare the state directory " + state.string();
    return nullptr;
  }
  std::filesystem::permissions(state, std::filesystem::perms::owner_all);
  Result<auth::UserFile> users = auth::UserFile::Load(state / "users");
  if (!users.ok()) {
    *error = "user file: " + users.status().ToString();
    return nullptr;
  }
  for (const char* account : kAccounts) {
    if (Status s = users->Add("EXAMPLE", account, kPassword); !s.ok()) {
      *error = "user file: " + s.ToString();
      return nullptr;
    }
  }
  if (Status s = users->Save(); !s.ok()) {
    *error = "user file: " + s.ToString();
    return nullptr;
  }

  const std::filesystem::path config = daemon->dir() / "openadcsd.toml";
  std::ofstream(config) << "[ca]\nsubject = \"CN=" << kCaName
                        << "\"\nkey_algorithm = \"ecdsa-p256\"\n[state]\ndir = \"" << state.string()
                        << "\"\n"
                        << (templates_config.empty()
                                ? "[templates]\nsource = \"ldif\"\ndirectory = \"" + kTemplates +
                                      "\"\n"
                                : templates_config)
                        << more_config;
  daemon->notify_ = std::make_unique<NotifySocket>(daemon->dir() / "notify");
  if (!daemon->notify_->ok()) {
    *error = "cannot bind the notify socket";
    return nullptr;
  }
  if (!daemon->Launch(error)) return nullptr;
  return daemon;
}

bool InteropDaemon::Launch(std::string* error) {
  process_ = ChildProcess::Spawn({std::string(OPENADCS_BINARY_DIR) + "/openadcsd", "--config",
                                  (dir() / "openadcsd.toml").string()},
                                 {"NOTIFY_SOCKET=" + notify_->path().string()}, log_path(), error);
  if (process_ == nullptr) return false;
  if (!notify_->WaitFor("READY=1", kStartTimeout)) {
    *error = "no READY=1: " + Log();
    return false;
  }
  return true;
}

std::optional<int> InteropDaemon::WaitForExit(std::chrono::milliseconds timeout) {
  return process_->Wait(timeout);
}

std::string InteropDaemon::Log() const {
  return ReadTextFile(log_path());
}

std::uint16_t InteropDaemon::Port(const std::string& service) const {
  return StatusPort(*notify_, service);
}

::testing::AssertionResult InteropDaemon::Stop() {
  process_->Signal(SIGTERM);
  const std::optional<int> status = process_->Wait(kStopTimeout);
  if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "openadcsd after SIGTERM: " << ExitDescription(status);
}

bool InteropDaemon::Kill() {
  process_->Signal(SIGKILL);
  const std::optional<int> status = process_->Wait(kStopTimeout);
  return status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}

std::filesystem::path InteropDaemon::WriteCsr(const std::string& cn) const {
  ossl::PKeyPtr key = MakeRsaKey(2048);
  const Bytes der = MakeCsrDer(key.get(), {{{"CN", cn}}, {}, {}});
  std::filesystem::path path = dir() / (cn + ".csr");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
  return path;
}

InteropDaemon* InteropTest::daemon_ = nullptr;

bool InteropTest::StartDaemon(const std::string& more_config, const std::string& templates_config) {
  std::string error;
  daemon_ = InteropDaemon::Start(more_config, &error, templates_config).release();
  if (daemon_ == nullptr) ADD_FAILURE() << error;
  return daemon_ != nullptr;
}

std::string InteropTest::DaemonLogOnce(const std::function<bool(const std::string&)>& done) {
  return PollTextFile(daemon_->log_path(), done, std::chrono::seconds(10));
}

void InteropTest::TearDownTestSuite() {
  if (daemon_ != nullptr) {
    EXPECT_TRUE(daemon_->Stop()) << daemon_->Log();
  }
  delete daemon_;
  daemon_ = nullptr;
}

std::string RunInteropScript(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   std::string(OPENADCS_SOURCE_DIR) + "/tests/interop/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = RunCommand(argv, "", kClientTimeout);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

std::string JsonField(const std::string& json, const std::string& name) {
  std::smatch m;
  const std::regex literal("\"" + name + "\": (-?[0-9]+|true|false)");
  if (std::regex_search(json, m, literal)) return m[1];
  const std::regex text("\"" + name + "\": \"((?:[^\"\\\\]|\\\\.)*)\"");
  if (std::regex_search(json, m, text)) return m[1];
  return "";
}

CommandResult RunInteropCli(const std::vector<std::string>& args, const std::string& password) {
  std::vector<std::string> argv = {"/usr/bin/env", "OPENADCS_PASSWORD=" + password,
                                   std::string(OPENADCS_BINARY_DIR) + "/openadcs"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, "", kClientTimeout);
}

}  // namespace openadcs::testing
