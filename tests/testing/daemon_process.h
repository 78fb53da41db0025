// Launching openadcsd (or any program) from a test: a child process with its
// own environment and its output in a file, a stand-in for systemd's notify
// socket, and waits bounded by timeouts (poll, never sleep).
#ifndef OPENADCS_TESTS_TESTING_DAEMON_PROCESS_H_
#define OPENADCS_TESTS_TESTING_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openadcs::testing {

// An AF_UNIX datagram socket bound at a path, playing the part of systemd's
// NOTIFY_SOCKET: sd_notify(3) messages from the child arrive here.
class NotifySocket {
 public:
  // Binds at `path`, which must not exist and must fit sun_path (107 bytes).
  // Check ok(); the socket file is removed on destruction.
  explicit NotifySocket(std::filesystem::path path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::filesystem::path& path() const { return path_; }

  // Reads messages until one holds `line` as a whole line (e.g. "READY=1")
  // or `timeout` has passed. Every message read is kept in messages(), in
  // order. True when the line arrived.
  bool WaitFor(std::string_view line, std::chrono::milliseconds timeout);
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

// The port openadcsd's latest STATUS message gives for `service` ("epm",
// "icpr", "dcom", as in "epm 127.0.0.1:41237" or "epm [::]:41237"), among the
// messages `notify` has read; 0 when none names it.
std::uint16_t StatusPort(const NotifySocket& notify, const std::string& service);

// A waitpid status (ChildProcess::Wait's) in words for a failure message:
// "still running" for nullopt, "exit N", "signal N (name)" or "status N".
std::string ExitDescription(std::optional<int> status);

// A child process. If it is still running on destruction it is killed
// (SIGKILL) and reaped, so a failing test never leaves a daemon behind.
class ChildProcess {
 public:
  // Starts argv[0] (a path) with `argv`, the test's environment with `env`
  // ("NAME=VALUE") set on top, and stdout and stderr appended to
  // `output_file`. Returns null, with the reason in *error, when it cannot.
  static std::unique_ptr<ChildProcess> Spawn(const std::vector<std::string>& argv,
                                             const std::vector<std::string>& env,
                                             const std::filesystem::path& output_file,
                                             std::string* error);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `signal_number`; false once the child has been reaped or on error.
  bool Signal(int signal_number);
  // Waits for the child to exit, polling its pidfd, at most `timeout`.
  // Returns the waitpid status, or nullopt when it is still running.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}

  pid_t pid_;
  int pidfd_;
  bool reaped_ = false;
};

// The outcome of a command run to completion.
struct CommandResult {
  int exit_code = -1;  // -1: did not start or did not finish in time
  std::string output;  // stdout and stderr
};

// Runs argv (argv[0] a path or a name on PATH via /usr/bin/env) with
// `input` on stdin, waiting at most `timeout`.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Starts argv (output appended to `log`) and asks `ready` every `interval`
// until it says yes (returns the child), the child exits, or `timeout`
// passes (null, with `what`, "did not start" and the log in *error).
std::unique_ptr<ChildProcess> SpawnUntilReady(const std::vector<std::string>& argv,
                                              const std::filesystem::path& log,
                                              const std::function<bool()>& ready,
                                              std::chrono::milliseconds timeout,
                                              std::chrono::milliseconds interval,
                                              const std::string& what, std::string* error);

// SIGTERM to `process`, then waits at most `timeout`; `process` is reset
// either way (its destructor kills and reaps a child still running). True
// when it exited in time or there was none.
bool Terminate(std::unique_ptr<ChildProcess>& process, std::chrono::milliseconds timeout);

// The whole content of `path` ("" when it cannot be read).
std::string ReadTextFile(const std::filesystem::path& path);

// Reads `file` every 20 ms until `done` holds for its content or `timeout`
// passes (a log file a child writes; there is no other signal). Returns the
// content last read.
std::string PollTextFile(const std::filesystem::path& file,
                         const std::function<bool(const std::string&)>& done,
                         std::chrono::milliseconds timeout);
// Polls `file` until it contains `text` or `timeout` passes.
bool WaitForText(const std::filesystem::path& file, const std::string& text,
                 std::chrono::milliseconds timeout);

// Runs tshark with `argv` to completion (at most a minute); its output without
// the warning it prints when run as root, "" with a test failure when it fails.
std::string RunTshark(const std::vector<std::string>& argv);

// Stops `tshark`, capturing into `capture`, once the FIN the server sent from
// `port` is in the file (the capture runs behind the wire), waiting at most
// 30 s for each. Fails the test when it cannot.
void StopCaptureAfterFin(ChildProcess& tshark, const std::filesystem::path& capture,
                         std::uint16_t port);

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_DAEMON_PROCESS_H_
