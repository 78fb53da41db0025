// The fixture of the interop suites that drive the officer and
// administrator half of AD CS (MS-CSRA ICertAdminD2) over DCOM with
// impacket: the daemon's config (the endpoint mapper on 127.0.0.1:135, DCOM,
// EXAMPLE\admin administrator and EXAMPLE\officer officer) and the runs of
// tests/interop/admin_client.py and dcom_client.py as one of the
// InteropDaemon accounts. Header-only: it adds nothing to openadcs_testing.
//
// Contract: a suite's SetUpTestSuite calls
// ASSERT_TRUE(StartDaemon(AdminDaemonConfig(its_sections))); the helpers
// need that daemon and return the script's JSON line.
#ifndef OPENADCS_TESTS_TESTING_ADMIN_INTEROP_H_
#define OPENADCS_TESTS_TESTING_ADMIN_INTEROP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "testing/interop_daemon.h"

namespace openadcs::testing {

class AdminInteropTest : public InteropTest {
 protected:
  // The [rpc] and [dcom] sections, `more_config`, then the [security] of
  // InteropDaemon::kAdminSecurity.
  static std::string AdminDaemonConfig(const std::string& more_config = "") {
    return "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 135\nicpr_port = 0\n"
           "netbios_domain_name = \"EXAMPLE\"\n[dcom]\nport = 0\n" +
           more_config + std::string(InteropDaemon::kAdminSecurity);
  }

  // The scripts' options that authenticate as EXAMPLE\`user` to the CA.
  static std::vector<std::string> As(const std::string& user) {
    return {"--authority", InteropDaemon::kCaName,  "--domain", "EXAMPLE", "--user", user,
            "--password",  InteropDaemon::kPassword};
  }

  // admin_client.py `action` `operands` as `user`.
  static std::string Admin(const std::string& user, const std::string& action,
                           const std::vector<std::string>& operands = {}) {
    std::vector<std::string> argv = {action};
    argv.insert(argv.end(), operands.begin(), operands.end());
    const std::vector<std::string> who = As(user);
    argv.insert(argv.end(), who.begin(), who.end());
    return RunInteropScript("admin_client.py", argv);
  }

  // dcom_client.py `action` as `user` with `args`.
  static std::string Wcce(const std::string& user, const std::string& action,
                          const std::vector<std::string>& args) {
    std::vector<std::string> argv = {action};
    const std::vector<std::string> who = As(user);
    argv.insert(argv.end(), who.begin(), who.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return RunInteropScript("dcom_client.py", argv);
  }

  // An HRESULT as the scripts print it: unsigned decimal.
  static std::string Unsigned(std::uint32_t v) { return std::to_string(v); }
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_ADMIN_INTEROP_H_
