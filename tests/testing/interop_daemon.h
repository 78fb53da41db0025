// openadcsd as the interop tests (tests/interop/) run it: started as the
// README starts it (a config file, a state directory), with one account,
// driven by client scripts that print one JSON line. The tests share the
// daemon's setup, its bound ports and the scripts' protocol through here.
#ifndef OPENADCS_TESTS_TESTING_INTEROP_DAEMON_H_
#define OPENADCS_TESTS_TESTING_INTEROP_DAEMON_H_

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "testing/daemon_process.h"
#include "testing/pki.h"

namespace openadcs::testing {

class InteropDaemon {
 public:
  static constexpr const char* kCaName = "Interop Test CA";
  // The accounts of the user file, all in domain EXAMPLE with kPassword:
  // two requesters and the names the admin tests give the CA's roles
  // (kAdminSecurity).
  static constexpr const char* kAccounts[] = {"alice", "bob", "officer", "admin"};
  static constexpr const char* kPassword = "Correct-Horse-7";
  // A [security] section making EXAMPLE\admin the administrator and
  // EXAMPLE\officer the officer.
  static constexpr const char* kAdminSecurity =
      "[security]\nadministrators = ['EXAMPLE\\admin']\nofficers = ['EXAMPLE\\officer']\n";

  // Writes a state directory whose user file holds EXAMPLE\alice and a
  // config with the CA, the state directory and the templates of
  // config/templates, followed by `more_config` (the [rpc] section and any
  // other: that is where the tests differ). Starts openadcsd on it with a
  // notify socket and waits for READY=1. Null, with the reason (and the
  // daemon's log) in *error, when a step fails.
  // `templates_config`, when not empty, replaces the [templates] section
  // (e.g. with source = "ldap" and a [directory] section). `prepare_state`,
  // when set, is called with the (empty) state directory before anything is
  // written to it (e.g. to mount a file system there); false from it fails
  // the start.
  static std::unique_ptr<InteropDaemon> Start(
      const std::string& more_config, std::string* error, const std::string& templates_config = "",
      const std::function<bool(const std::filesystem::path&)>& prepare_state = {});
  // A daemon still running is killed, so a failing test leaves none behind.
  ~InteropDaemon() = default;
  InteropDaemon(const InteropDaemon&) = delete;
  InteropDaemon& operator=(const InteropDaemon&) = delete;

  // The temporary directory holding everything; removed on destruction.
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path state_dir() const { return dir() / "state"; }
  std::filesystem::path log_path() const { return dir() / "openadcsd.log"; }
  std::string Log() const;

  // The port `service` ("epm", "icpr", "dcom") is bound to, as the daemon's
  // STATUS line says; 0 when it does not say.
  std::uint16_t Port(const std::string& service) const;

  // SIGTERM, as systemd stops it. Success when it exited with status 0 in
  // time; otherwise a failure that says how it ended (a signal, an exit
  // status, or still running).
  ::testing::AssertionResult Stop();
  // Waits at most `timeout` for the daemon to exit on its own; its waitpid
  // status, or nullopt when it is still running.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);
  // SIGKILL, as a crash or the OOM killer ends it. True when it died of it
  // in time.
  bool Kill();
  // Starts openadcsd on the config and state in dir() (Start does; again
  // after Stop, Kill or an exit WaitForExit saw, as systemd's Restart= does)
  // and waits for READY=1. False, with the reason in
  // *error, when it does not come up.
  bool Launch(std::string* error);

  // A fresh RSA key's DER CSR for `cn`, in a file a client script can read.
  std::filesystem::path WriteCsr(const std::string& cn) const;

 private:
  InteropDaemon() = default;
  // Spawns openadcsd on the config file and waits for READY=1.
  bool Spawn(std::string* error);

  // Declared in this order so the daemon goes first, then the socket it
  // notifies, then the directory both live in.
  TempDir dir_;
  std::unique_ptr<NotifySocket> notify_;
  std::unique_ptr<ChildProcess> process_;
};

// A suite sharing one daemon: SetUpTestSuite starts it (ASSERT_TRUE on
// StartDaemon), the inherited TearDownTestSuite stops it and expects a clean
// exit. Suites run one after another, so one daemon_ serves them all.
class InteropTest : public ::testing::Test {
 protected:
  // InteropDaemon::Start with `more_config`; false, with a test failure
  // saying why, when it fails.
  static bool StartDaemon(const std::string& more_config, const std::string& templates_config = "");
  static void TearDownTestSuite();

  static std::string DaemonLog() { return daemon_->Log(); }
  // The daemon's log once `done` holds for it, or as it is after 10 s. A new
  // request's lines (its `[req N]`, `audit:` and call lines) are written
  // just after its reply is on its way, so a client can have the reply first.
  static std::string DaemonLogOnce(const std::function<bool(const std::string&)>& done);
  static std::filesystem::path CsrFile(const std::string& cn) { return daemon_->WriteCsr(cn); }

  static InteropDaemon* daemon_;
};

// Runs tests/interop/`script` under /usr/bin/python3 (the only interpreter
// that sees Debian's impacket) with `args`; returns its output, the JSON
// line. The scripts report failures in the JSON and exit 0, so any other
// exit is a test failure (non-fatal, so the output still gets checked).
std::string RunInteropScript(const std::string& script, const std::vector<std::string>& args);

// One value of a script's JSON line: a number, true or false, or a string
// as written (escapes kept); "" when absent.
std::string JsonField(const std::string& json, const std::string& name);

// Runs the openadcs CLI with `args`, the password in OPENADCS_PASSWORD as the
// README shows it.
CommandResult RunInteropCli(const std::vector<std::string>& args, const std::string& password);

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_INTEROP_DAEMON_H_
