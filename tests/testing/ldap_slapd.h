// A private slapd for tests: scripts/start-slapd's layout (the AD PKI schema
// of config/ldap/, syncprov, the containers of an AD configuration partition
// and the sample templates of config/templates/) in a test's temporary
// folder, listening on an ldapi:// socket there (no port to collide on).
// The server is a child of the test process; waits are bounded.
#ifndef OPENADCS_TESTS_TESTING_LDAP_SLAPD_H_
#define OPENADCS_TESTS_TESTING_LDAP_SLAPD_H_

#include <chrono>
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
  ~SlapdServer();  // stops the server
  SlapdServer(const SlapdServer&) = delete;
  SlapdServer& operator=(const SlapdServer&) = delete;

  const std::string& uri() const { return uri_; }  // ldapi://...
  static std::string admin_dn() { return "CN=admin,DC=example,DC=com"; }
  std::filesystem::path password_file() const { return dir_ / "admin-password"; }

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
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_LDAP_SLAPD_H_
