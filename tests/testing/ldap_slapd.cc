#include "testing/ldap_slapd.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <thread>

namespace openadcs::testing {
namespace {

constexpr std::chrono::seconds kStartTimeout{15};
constexpr std::chrono::seconds kStopTimeout{15};
// Readiness is a connect() on the socket, retried at this interval until
// kStartTimeout (slapd gives no other signal in the foreground).
constexpr std::chrono::milliseconds kConnectRetry{20};

const std::filesystem::path kStartSlapd = OPENADCS_SOURCE_DIR "/scripts/start-slapd";

std::string PercentEncodePath(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '/') {
      out += "%2F";
    } else if (c == '%') {
      out += "%25";
    } else {
      out += c;
    }
  }
  return out;
}

bool Answers(const std::filesystem::path& socket_path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

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

std::unique_ptr<SlapdServer> SlapdServer::Start(const std::filesystem::path& dir,
                                                std::string* error, bool with_templates) {
  std::vector<std::string> init = {kStartSlapd.string(), "--init-only"};
  if (!with_templates) init.push_back("--no-templates");
  init.push_back(dir.string());
  CommandResult created = RunCommand(init);
  if (created.exit_code != 0) {
    *error = "start-slapd --init-only failed: " + created.output;
    return nullptr;
  }
  std::unique_ptr<SlapdServer> server(
      new SlapdServer(dir, "ldapi://" + PercentEncodePath((dir / "ldapi").string())));
  if (!server->Launch(error)) return nullptr;
  return server;
}

SlapdServer::~SlapdServer() {
  Stop();
}

bool SlapdServer::Launch(std::string* error) {
  process_ = ChildProcess::Spawn({kStartSlapd.string(), "--foreground", dir_.string()}, {},
                                 dir_ / "slapd.log", error);
  if (process_ == nullptr) return false;
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Answers(dir_ / "ldapi")) return true;
    if (process_->Wait(kConnectRetry)) break;  // exited: it will not answer
  }
  *error = "slapd did not start: " + ReadTextFile(dir_ / "slapd.log");
  process_.reset();
  return false;
}

bool SlapdServer::Stop() {
  if (process_ == nullptr) return true;
  process_->Signal(SIGTERM);
  const bool stopped = process_->Wait(kStopTimeout).has_value();
  process_.reset();
  return stopped;
}

bool SlapdServer::Restart() {
  if (process_ != nullptr) return true;
  std::string error;
  return Launch(&error);
}

std::string SlapdServer::Modify(const std::string& ldif) {
  CommandResult r = RunCommand({"ldapmodify", "-x", "-H", uri_, "-D", admin_dn(), "-y",
                                password_file().string(), "-o", "nettimeout=10"},
                               ldif);
  return r.exit_code == 0 ? "" : "ldapmodify: " + r.output;
}

std::string SlapdServer::ModifyOffline(const std::string& ldif) {
  CommandResult r = RunCommand(
      {"/usr/sbin/slapmodify", "-q", "-F", (dir_ / "slapd.d").string(), "-b", "DC=example,DC=com"},
      ldif);
  return r.exit_code == 0 ? "" : "slapmodify: " + r.output;
}

CommandResult SlapdServer::Search(const std::string& base, const std::string& scope,
                                  const std::string& filter) {
  return RunCommand({"ldapsearch",
                     "-LLL",
                     "-x",
                     "-H",
                     uri_,
                     "-D",
                     admin_dn(),
                     "-y",
                     password_file().string(),
                     "-o",
                     "nettimeout=10",
                     "-o",
                     "ldif-wrap=no",
                     "-l",
                     "10",
                     "-b",
                     base,
                     "-s",
                     scope,
                     filter});
}

}  // namespace openadcs::testing
