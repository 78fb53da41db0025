// The one Samba AD DC of this test binary: provisioning takes seconds to a
// minute, so it is done at the first use and the server lives until the
// process exits. Tests that change it restore what they changed, or use
// names of their own.
#ifndef OPENADCS_TESTS_DIRECTORY_ENGINE_SHARED_SAMBA_H_
#define OPENADCS_TESTS_DIRECTORY_ENGINE_SHARED_SAMBA_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "openadcs/directory/ldap_template_source.h"
#include "testing/ldap_samba.h"
#include "testing/ldap_slapd.h"

namespace openadcs::testing {

// The server, started when needed (Restart after a test's Stop); null with
// the reason in *error when it cannot be provisioned or started. The first
// failure is remembered: later calls fail at once with the same reason.
SambaServer* SharedSamba(std::string* error);

// The two directories the template-source tests run on.
enum class Server { kSlapd, kSamba };

// A test's directory: a private slapd (owned here) or the shared Samba.
struct TestDirectory {
  std::unique_ptr<SlapdServer> slapd;  // null on Samba
  // ldapmodify as the administrator: "" on success, else the tool's output.
  std::function<std::string(const std::string&)> modify;
};

// Starts slapd in `dir`/slapd, or takes SharedSamba, and points `options`
// (URI, simple bind as the administrator) at it. False with *error when the
// server cannot start.
bool StartTestDirectory(Server server, const std::filesystem::path& dir,
                        directory::LdapTemplateSourceOptions* options, TestDirectory* out,
                        std::string* error);

// "Slapd" or "Samba", for INSTANTIATE_TEST_SUITE_P.
std::string ServerName(const ::testing::TestParamInfo<Server>& param);

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_DIRECTORY_ENGINE_SHARED_SAMBA_H_
