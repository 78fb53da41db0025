#include "testing/daemon_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace openadcs::testing {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

bool HasLine(std::string_view message, std::string_view line) {
  std::size_t start = 0;
  while (start <= message.size()) {
    std::size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    if (message.substr(start, end - start) == line) return true;
    start = end + 1;
  }
  return false;
}

std::string NameOf(std::string_view assignment) {
  return std::string(assignment.substr(0, assignment.find('=')));
}

}  // namespace

std::string ExitDescription(std::optional<int> status) {
  if (!status) return "still running";
  if (WIFEXITED(*status)) return "exit " + std::to_string(WEXITSTATUS(*status));
  if (WIFSIGNALED(*status)) {
    return "signal " + std::to_string(WTERMSIG(*status)) + " (" + strsignal(WTERMSIG(*status)) +
           ")";
  }
  return "status " + std::to_string(*status);
}

NotifySocket::NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path_.string();
  if (p.size() >= sizeof(addr.sun_path)) return;
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
}

bool NotifySocket::WaitFor(std::string_view line, std::chrono::milliseconds timeout) {
  if (fd_ < 0) return false;
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, RemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    std::array<char, 4096> buffer{};
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    messages_.emplace_back(buffer.data(), static_cast<std::size_t>(n));
    if (HasLine(messages_.back(), line)) return true;
  }
}

std::unique_ptr<ChildProcess> ChildProcess::Spawn(const std::vector<std::string>& argv,
                                                  const std::vector<std::string>& env,
                                                  const std::filesystem::path& output_file,
                                                  std::string* error) {
  if (argv.empty()) {
    *error = "empty argv";
    return nullptr;
  }
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string name = NameOf(*e);
    bool replaced = false;
    for (const std::string& assignment : env) replaced = replaced || NameOf(assignment) == name;
    if (!replaced) environment.emplace_back(*e);
  }
  environment.insert(environment.end(), env.begin(), env.end());

  std::vector<char*> args, envp;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const std::string& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_file.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    *error = std::string("posix_spawn ") + argv[0] + ": " + std::strerror(rc);
    return nullptr;
  }
  // The child cannot have been reaped yet, so the pid still names it.
  // Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    *error = std::string("pidfd_open: ") + std::strerror(errno);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return nullptr;
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, pidfd));
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ::close(pidfd_);
}

bool ChildProcess::Signal(int signal_number) {
  return !reaped_ && ::kill(pid_, signal_number) == 0;
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (reaped_) return std::nullopt;
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      return status;
    }
    if (done < 0 && errno != EINTR) return std::nullopt;
    // The pidfd turns readable when the child exits.
    pollfd pfd{pidfd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, RemainingMs(deadline));
    if (ready == 0) return std::nullopt;
    if (ready < 0 && errno != EINTR) return std::nullopt;
  }
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input,
                         std::chrono::milliseconds timeout) {
  CommandResult result;
  char in_template[] = "/tmp/openadcs-cmd-in-XXXXXX";
  char out_template[] = "/tmp/openadcs-cmd-out-XXXXXX";
  const int in_fd = mkstemp(in_template);
  const int out_fd = mkstemp(out_template);
  if (in_fd < 0 || out_fd < 0) return result;
  close(out_fd);
  [[maybe_unused]] const ssize_t written = write(in_fd, input.data(), input.size());
  close(in_fd);
  std::vector<std::string> shell_argv = {"/bin/sh", "-c", "exec \"$@\" < \"$0\"", in_template};
  shell_argv.insert(shell_argv.end(), argv.begin(), argv.end());
  std::string error;
  std::unique_ptr<ChildProcess> child = ChildProcess::Spawn(shell_argv, {}, out_template, &error);
  if (child != nullptr) {
    std::optional<int> status = child->Wait(timeout);
    if (status && WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
  }
  result.output = child != nullptr ? ReadTextFile(out_template) : error;
  unlink(in_template);
  unlink(out_template);
  return result;
}

std::unique_ptr<ChildProcess> SpawnUntilReady(const std::vector<std::string>& argv,
                                              const std::filesystem::path& log,
                                              const std::function<bool()>& ready,
                                              std::chrono::milliseconds timeout,
                                              std::chrono::milliseconds interval,
                                              const std::string& what, std::string* error) {
  std::unique_ptr<ChildProcess> child = ChildProcess::Spawn(argv, {}, log, error);
  if (child == nullptr) return nullptr;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return child;
    if (child->Wait(interval)) break;  // exited: it will not answer
  }
  *error = what + " did not start: " + ReadTextFile(log);
  return nullptr;
}

bool Terminate(std::unique_ptr<ChildProcess>& process, std::chrono::milliseconds timeout) {
  if (process == nullptr) return true;
  process->Signal(SIGTERM);
  const bool stopped = process->Wait(timeout).has_value();
  process.reset();
  return stopped;
}

std::uint16_t StatusPort(const NotifySocket& notify, const std::string& service) {
  const std::regex endpoint(service + " (?:[0-9.]+|\\[[^\\]]+\\]):([0-9]+)");
  std::uint16_t port = 0;
  // The latest STATUS message is the one in force.
  for (const std::string& message : notify.messages()) {
    std::smatch match;
    if (std::regex_search(message, match, endpoint)) {
      port = static_cast<std::uint16_t>(std::stoi(match[1]));
    }
  }
  return port;
}

std::string ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string PollTextFile(const std::filesystem::path& file,
                         const std::function<bool(const std::string&)>& done,
                         std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string content = ReadTextFile(file);
    if (done(content) || std::chrono::steady_clock::now() >= deadline) return content;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool WaitForText(const std::filesystem::path& file, const std::string& text,
                 std::chrono::milliseconds timeout) {
  const auto has_text = [&text](const std::string& content) {
    return content.find(text) != std::string::npos;
  };
  return has_text(PollTextFile(file, has_text, timeout));
}

std::string RunTshark(const std::vector<std::string>& argv) {
  const CommandResult r = RunCommand(argv, "", std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string kept;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("Running as user")) kept += line + "\n";
  }
  return kept;
}

void StopCaptureAfterFin(ChildProcess& tshark, const std::filesystem::path& capture,
                         std::uint16_t port) {
  const std::vector<std::string> fin = {
      "/usr/bin/tshark", "-r", capture.string(), "-Y",
      "tcp.srcport==" + std::to_string(port) + " && tcp.flags.fin==1"};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (RunTshark(fin).empty() && std::chrono::steady_clock::now() < deadline) {
  }
  ASSERT_TRUE(tshark.Signal(SIGINT));
  ASSERT_TRUE(tshark.Wait(std::chrono::seconds(30)).has_value());
}

}  // namespace openadcs::testing
