// A private slapd for tests: scripts/start-slapd's layout (the AD PKI schema
// of config/ldap/, syncprov, the containers of an AD configuration partition
// and the sample templates of config/templates/) in a test's temporary
// folder, listening on an ldapi:// socket there (no port to collide on).
// The server is a child of the test process; waits are bounded.
#ifndef OPENADCS_TESTS_TESTING_LDAP_SLAPD_H_
#define OPENADCS_TESTS_TESTING_LDAP_SLAPD_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "testing/daemon_process.h"

namespace openadcs::testing {

inline constexpr char kExampleConfigurationNc[] = "CN=Configuration,DC=example,DC=com";
inline constexpr char kExampleTemplatesDn[] =
    "CN=Certificate Templates,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,"
    "DC=com";
inline constexpr char kExampleServiceDn[] =
    "CN=openadcs-CA,CN=Enrollment Services,CN=Public Key Services,CN=Services,CN=Configuration,"
    "DC=example,DC=com";

class SlapdServer {
 public:
  // Creates the database in `dir` (which must exist; with the sample
  // templates unless `with_templates` is false) and starts slapd. Null with
  // the reason in *error when it cannot.
  static std::unique_ptr<SlapdServer> Start(const std::filesystem::path& dir, std::string* error,
                                            bool with_templates = true);
  // The same, and listening on ldap://127.0.0.1:`ldap_port` (StartTLS) and
  // ldaps://127.0.0.1:`ldaps_port` with a server certificate for 127.0.0.1
  // and localhost issued by a CA made here (ca_file()). Fixed ports: run
  // the test in a network namespace of its own.
  static std::unique_ptr<SlapdServer> StartWithTls(const std::filesystem::path& dir,
                                                   std::uint16_t ldap_port,
                                                   std::uint16_t ldaps_port, std::string* error);
  ~SlapdServer();  // stops the server
  SlapdServer(const SlapdServer&) = delete;
  SlapdServer& operator=(const SlapdServer&) = delete;

  const std::string& uri() const { return uri_; }  // ldapi://...
  // StartTLS only: "" without them.
  const std::string& ldap_uri() const { return ldap_uri_; }
  const std::string& ldaps_uri() const { return ldaps_uri_; }
  std::filesystem::path ca_file() const { return dir_ / "tls" / "ca.pem"; }
  static std::string admin_dn() { return "CN=admin,DC=example,DC=com"; }
  std::filesystem::path password_file() const { return dir_ / "admin-password"; }
  // slapd's output (startup failures; with StartWithTls also each connection,
  // its TLS session and its operations), for a failing test's message.
  std::filesystem::path log_file() const { return dir_ / "slapd.log"; }

  // SIGTERM, then waits for the exit. True when it stopped.
  bool Stop();
  // Starts it again on the same database; true once it answers.
  bool Restart();
  bool running() const { return process_ != nullptr; }

  // ldapmodify as the root DN with `ldif` (change records; "changetype: add"
  // etc.). Empty on success, else the tool's output.
  std::string Modify(const std::string& ldif);
  // slapmodify on the stopped server's database (an offline change).
  std::string ModifyOffline(const std::string& ldif);
  // ldapsearch -LLL as the root DN; the LDIF it prints.
  CommandResult Search(const std::string& base, const std::string& scope,
                       const std::string& filter);

 private:
  SlapdServer(std::filesystem::path dir, std::string uri)
      : dir_(std::move(dir)), uri_(std::move(uri)) {}
  bool Launch(std::string* error);

  std::filesystem::path dir_;
  std::string uri_;
  std::string ldap_uri_;
  std::string ldaps_uri_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_LDAP_SLAPD_H_
