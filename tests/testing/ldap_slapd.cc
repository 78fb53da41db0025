#include "testing/ldap_slapd.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "testing/pki.h"

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

bool CreateDatabase(const std::filesystem::path& dir, bool with_templates, std::string* error) {
  std::vector<std::string> init = {kStartSlapd.string(), "--init-only"};
  if (!with_templates) init.push_back("--no-templates");
  init.push_back(dir.string());
  CommandResult created = RunCommand(init);
  if (created.exit_code != 0) *error = "start-slapd --init-only failed: " + created.output;
  return created.exit_code == 0;
}

}  // namespace

std::unique_ptr<SlapdServer> SlapdServer::Start(const std::filesystem::path& dir,
                                                std::string* error, bool with_templates) {
  if (!CreateDatabase(dir, with_templates, error)) return nullptr;
  std::unique_ptr<SlapdServer> server(
      new SlapdServer(dir, "ldapi://" + PercentEncodePath((dir / "ldapi").string())));
  if (!server->Launch(error)) return nullptr;
  return server;
}

std::unique_ptr<SlapdServer> SlapdServer::StartWithTls(const std::filesystem::path& dir,
                                                       std::uint16_t ldap_port,
                                                       std::uint16_t ldaps_port,
                                                       std::string* error) {
  if (!CreateDatabase(dir, true, error)) return nullptr;
  const std::filesystem::path tls = dir / "tls";
  std::filesystem::create_directories(tls);
  ossl::PKeyPtr ca_key = MakeEcKey();
  ossl::X509Ptr ca = MakeCaCert(ca_key.get(), "slapd test CA");
  ossl::PKeyPtr key = MakeEcKey();
  ossl::X509Ptr cert =
      MakeServerCert(key.get(), "localhost", "IP:127.0.0.1,DNS:localhost", ca.get(), ca_key.get());
  WriteCertPem(tls / "ca.pem", ca.get());
  WriteCertPem(tls / "server.pem", cert.get());
  WriteKeyPem(tls / "server.key", key.get());
  std::unique_ptr<SlapdServer> server(
      new SlapdServer(dir, "ldapi://" + PercentEncodePath((dir / "ldapi").string())));
  const std::string settings =
      "dn: cn=config\nchangetype: modify\nreplace: olcTLSCertificateFile\n"
      "olcTLSCertificateFile: " +
      (tls / "server.pem").string() +
      "\n-\nreplace: olcTLSCertificateKeyFile\nolcTLSCertificateKeyFile: " +
      (tls / "server.key").string() + "\n";
  CommandResult configured =
      RunCommand({"/usr/sbin/slapmodify", "-q", "-n0", "-F", (dir / "slapd.d").string()}, settings);
  if (configured.exit_code != 0) {
    *error = "slapmodify of cn=config failed: " + configured.output;
    return nullptr;
  }
  server->ldap_uri_ = "ldap://127.0.0.1:" + std::to_string(ldap_port);
  server->ldaps_uri_ = "ldaps://127.0.0.1:" + std::to_string(ldaps_port);
  if (!server->Launch(error)) return nullptr;
  return server;
}

SlapdServer::~SlapdServer() {
  Stop();
}

bool SlapdServer::Launch(std::string* error) {
  std::vector<std::string> argv = {kStartSlapd.string(), "--foreground"};
  if (!ldap_uri_.empty()) {
    // Connections and TLS sessions in the log: the client's error alone
    // cannot tell a refused connection from a refused certificate.
    argv.insert(argv.end(), {"--urls", ldap_uri_ + "/ " + ldaps_uri_ + "/", "--debug", "stats"});
  }
  argv.push_back(dir_.string());
  process_ = SpawnUntilReady(
      argv, log_file(), [this] { return Answers(dir_ / "ldapi"); }, kStartTimeout, kConnectRetry,
      "slapd", error);
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
