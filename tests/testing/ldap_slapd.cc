#include "testing/ldap_slapd.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

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
  process_ = SpawnUntilReady(
      {kStartSlapd.string(), "--foreground", dir_.string()}, dir_ / "slapd.log",
      [this] { return Answers(dir_ / "ldapi"); }, kStartTimeout, kConnectRetry, "slapd", error);
  return process_ != nullptr;
}

bool SlapdServer::Stop() {
  return Terminate(process_, kStopTimeout);
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
