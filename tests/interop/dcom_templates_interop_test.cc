// The served template list changed over the protocol (MS-CSRA SetCAProperty
// CR_PROP_TEMPLATES) on a real daemon whose templates come from a private
// slapd: impacket (admin_client.py) and our CLI write the list, the daemon
// writes it to the directory, change notification brings it back, and a
// request on the added template is then issued. Waits poll GetCAProperty
// against a deadline.
//
// Runs in a network namespace per test like dcom_interop_test.cc (impacket
// dials port 135); each test has its own slapd and daemon.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "openadcs/util/hresult.h"
#include "testing/admin_interop.h"
#include "testing/daemon_process.h"
#include "testing/interop_daemon.h"
#include "testing/ldap_slapd.h"
#include "testing/ldap_template_edits.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using ::testing::HasSubstr;
using testing::InteropDaemon;
using testing::JsonField;

constexpr const char* kPassword = InteropDaemon::kPassword;
// In the directory, not served until a test adds it.
constexpr const char* kAdded = "AddedOverTheWire";
// Change notification takes tens of milliseconds; every wait is bounded by this.
constexpr std::chrono::seconds kServedTimeout{30};

class DcomTemplatesInteropTest : public testing::AdminInteropTest {
 protected:
  static void SetUpTestSuite() {
    slapd_dir_ = new testing::TempDir();
    std::string error;
    slapd_ = testing::SlapdServer::Start(slapd_dir_->path(), &error).release();
    ASSERT_NE(slapd_, nullptr) << error;
    ASSERT_EQ(slapd_->Modify(testing::NewTemplate(kAdded, "556")), "");
    const std::string templates =
        "[templates]\nsource = \"ldap\"\nenrollment_service = \"openadcs-CA\"\n"
        "[directory]\nuris = [\"" +
        slapd_->uri() + "\"]\nbind = \"simple\"\nbind_dn = \"" + testing::SlapdServer::admin_dn() +
        "\"\npassword_file = \"" + slapd_->password_file().string() + "\"\n";
    ASSERT_TRUE(StartDaemon(AdminDaemonConfig(), templates));
  }

  static void TearDownTestSuite() {
    InteropTest::TearDownTestSuite();
    delete slapd_;
    slapd_ = nullptr;
    delete slapd_dir_;
    slapd_dir_ = nullptr;
  }

  // The served list as GetCAProperty(CR_PROP_TEMPLATES) returns it.
  static std::string Served() {
    const std::string json = Admin("admin", "ca-property");
    EXPECT_EQ(JsonField(json, "return"), "0") << json;
    return JsonField(json, "text");
  }

  // Polls GetCAProperty until `done` holds for the served list or the
  // deadline passes (each poll is a whole client process: no pause needed).
  static bool WaitForServed(const std::function<bool(const std::string&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kServedTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done(Served())) return true;
    }
    return false;
  }

  static bool Lists(const std::string& served, const std::string& name) {
    // JsonField keeps escapes: lines end in a literal \n.
    return ("\\n" + served).find("\\n" + name + "\\n") != std::string::npos;
  }

  // alice's request on `template_name`; dcom_client.py's JSON line.
  static std::string RequestAs(const std::string& template_name, const std::string& cn) {
    return Wcce("alice", "request", {"--template", template_name, "--csr", CsrFile(cn).string()});
  }

  static testing::TempDir* slapd_dir_;
  static testing::SlapdServer* slapd_;
};

testing::TempDir* DcomTemplatesInteropTest::slapd_dir_ = nullptr;
testing::SlapdServer* DcomTemplatesInteropTest::slapd_ = nullptr;

// impacket's SetCAProperty as the administrator adds the template; once the
// daemon serves it (GetCAProperty lists it), alice's request on it is issued.
TEST_F(DcomTemplatesInteropTest, ImpacketSetCaPropertyServesATemplateThatIsThenIssued) {
  EXPECT_NE(JsonField(RequestAs(kAdded, "before"), "disposition"), "3");
  std::string served = Served();
  ASSERT_FALSE(Lists(served, kAdded)) << served;
  // JsonField keeps the JSON escapes; the value sent needs real newlines.
  std::string list;
  for (std::size_t i = 0; i < served.size(); ++i) {
    if (served.compare(i, 2, "\\n") == 0) {
      list += '\n';
      ++i;
    } else {
      list += served[i];
    }
  }
  list += std::string(kAdded) + "\n\n";

  EXPECT_EQ(JsonField(Admin("alice", "set-ca-property", {"--text", list}), "return"),
            std::to_string(hr::kAccessDenied));
  EXPECT_EQ(
      JsonField(Admin("admin", "set-ca-property", {"--prop-type", "1", "--text", list}), "return"),
      std::to_string(hr::kInvalidArg));
  const std::string set = Admin("admin", "set-ca-property", {"--text", list});
  ASSERT_EQ(JsonField(set, "return"), "0") << set << DaemonLog();

  ASSERT_TRUE(WaitForServed([](const std::string& s) { return Lists(s, kAdded); })) << DaemonLog();
  const std::string issued = RequestAs(kAdded, "after");
  EXPECT_EQ(JsonField(issued, "disposition"), "3") << issued << DaemonLog();
  EXPECT_THAT(DaemonLog(), HasSubstr("audit: "));
  EXPECT_THAT(DaemonLog(), HasSubstr("set-templates"));
}

// `openadcs templates` shows the directory; `openadcs ca-templates add` and
// `remove` change what the CA serves; a requester is refused (exit 5).
TEST_F(DcomTemplatesInteropTest, CliShowsTheDirectoryAndEditsTheServedList) {
  const testing::CommandResult shown =
      testing::RunInteropCli({"templates", "--uri", slapd_->uri(), "--json"}, kPassword);
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("\"name\": \"" + std::string(kAdded) + "\""));
  EXPECT_THAT(shown.output, HasSubstr("\"served_by\": [\"openadcs-CA\"]"));  // e.g. User

  const testing::CommandResult refused =
      testing::RunInteropCli({"ca-templates", "add", kAdded, "-u", "EXAMPLE\\alice"}, kPassword);
  EXPECT_EQ(refused.exit_code, 5) << refused.output;

  const testing::CommandResult added =
      testing::RunInteropCli({"ca-templates", "add", kAdded, "-u", "EXAMPLE\\admin"}, kPassword);
  ASSERT_EQ(added.exit_code, 0) << added.output << DaemonLog();
  ASSERT_TRUE(WaitForServed([](const std::string& s) { return Lists(s, kAdded); })) << DaemonLog();
  const testing::CommandResult listed =
      testing::RunInteropCli({"ca-templates", "list", "-u", "EXAMPLE\\admin"}, kPassword);
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr(kAdded));

  const testing::CommandResult removed =
      testing::RunInteropCli({"ca-templates", "remove", kAdded, "-u", "EXAMPLE\\admin"}, kPassword);
  ASSERT_EQ(removed.exit_code, 0) << removed.output << DaemonLog();
  ASSERT_TRUE(WaitForServed([](const std::string& s) { return !Lists(s, kAdded); })) << DaemonLog();
  const testing::CommandResult again =
      testing::RunInteropCli({"ca-templates", "remove", kAdded, "-u", "EXAMPLE\\admin"}, kPassword);
  EXPECT_EQ(again.exit_code, 1) << again.output;  // not served: a usage error
}

}  // namespace
}  // namespace openadcs
