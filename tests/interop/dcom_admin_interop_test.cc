// The officer half of AD CS (MS-CSRA ICertAdminD2 over DCOM) against the
// real daemon: MS-CERSOD 3.5, enrollment with CA administrator approval,
// end to end in real processes, with Debian's python3-impacket as the
// independent client for both roles (tests/interop/admin_client.py builds
// the MS-CSRA calls from the IDL; dcom_client.py and icpr_client.py enroll
// and retrieve), and the CA's roles enforced on every call.
//
// Runs in a network namespace per test like dcom_interop_test.cc (impacket
// dials port 135).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <optional>
#include <string>
#include <vector>

#include "openadcs/auth/user_file.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/openssl.h"
#include "testing/daemon_process.h"
#include "testing/interop_daemon.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using ::testing::HasSubstr;
using testing::InteropDaemon;
using testing::JsonField;

constexpr const char* kCaName = InteropDaemon::kCaName;
constexpr const char* kPassword = InteropDaemon::kPassword;
// The officer's extension: a private OID with a string value.
constexpr const char* kOfficerOid = "1.3.6.1.4.1.99999.77.1";
constexpr const char* kOfficerValue = "approved-by-impacket";

std::string Unsigned(std::uint32_t v) {
  return std::to_string(v);
}

class DcomAdminInteropTest : public testing::InteropTest {
 protected:
  static void SetUpTestSuite() {
    const std::string config =
        "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 135\nicpr_port = 0\n"
        "netbios_domain_name = \"EXAMPLE\"\n[dcom]\nport = 0\n" +
        std::string(InteropDaemon::kAdminSecurity);
    ASSERT_TRUE(StartDaemon(config));
  }

  static std::vector<std::string> As(const std::string& user) {
    return {"--authority", kCaName, "--domain", "EXAMPLE", "--user", user, "--password", kPassword};
  }

  // admin_client.py `action` `operands` as `user`.
  static std::string Admin(const std::string& user, const std::string& action,
                           const std::vector<std::string>& operands = {}) {
    std::vector<std::string> argv = {action};
    argv.insert(argv.end(), operands.begin(), operands.end());
    const std::vector<std::string> who = As(user);
    argv.insert(argv.end(), who.begin(), who.end());
    return testing::RunInteropScript("admin_client.py", argv);
  }

  // dcom_client.py `action` as `user` with `args`.
  static std::string Wcce(const std::string& user, const std::string& action,
                          const std::vector<std::string>& args) {
    std::vector<std::string> argv = {action};
    const std::vector<std::string> who = As(user);
    argv.insert(argv.end(), who.begin(), who.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunInteropScript("dcom_client.py", argv);
  }

  // A request by `user` on the approval template; its id, "" on failure.
  static std::string SubmitPending(const std::string& user, const std::string& cn) {
    const std::string json =
        Wcce(user, "request", {"--template", "OfficerApproval", "--csr", CsrFile(cn).string()});
    EXPECT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
    EXPECT_EQ(JsonField(json, "disposition"), "5") << json << DaemonLog();
    return JsonField(json, "request_id");
  }

  static std::string AuditText() { return DaemonLog(); }
};

// MS-CERSOD 3.5 with impacket in both roles: the requester's Request pends
// (5) -> the officer's OpenView on the pending queue lists it ->
// SetExtension -> ResubmitRequest issues (3) -> CloseView -> the
// requester's retrieve (ICertRequestD and ICertPassage) returns the
// certificate, which carries the officer's extension.
TEST_F(DcomAdminInteropTest, ImpacketApprovalFlowOfMsCersod35) {
  const std::string id = SubmitPending("alice", "approval-flow");
  ASSERT_NE(id, "");

  const std::string flow = Admin("officer", "flow", {id, kOfficerOid, kOfficerValue});
  ASSERT_EQ(JsonField(flow, "error"), "") << flow << DaemonLog();
  EXPECT_EQ(JsonField(flow, "open_view"), "0") << flow;
  EXPECT_EQ(JsonField(flow, "listed"), "true") << flow;
  EXPECT_EQ(JsonField(flow, "set_extension"), "0") << flow;
  EXPECT_EQ(JsonField(flow, "resubmit"), "0") << flow;
  EXPECT_EQ(JsonField(flow, "disposition"), "3") << flow << DaemonLog();
  EXPECT_EQ(JsonField(flow, "close_view"), "0") << flow;

  // Retrieved over ICertRequestD by the requester: issued, with the extension.
  const std::string got = Wcce("alice", "retrieve", {"--request-id", id});
  ASSERT_EQ(JsonField(got, "error"), "") << got;
  EXPECT_EQ(JsonField(got, "disposition"), "3") << got << DaemonLog();
  const std::optional<Bytes> der = Base64Decode(JsonField(got, "certificate"));
  ASSERT_TRUE(der && !der->empty()) << got;
  ossl::X509Ptr cert = testing::ParseCertDer(*der);
  ASSERT_NE(cert, nullptr);
  ossl::Asn1ObjectPtr oid(OBJ_txt2obj(kOfficerOid, 1));
  const int at = X509_get_ext_by_OBJ(cert.get(), oid.get(), -1);
  ASSERT_GE(at, 0) << "the certificate lacks the officer's extension";
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(cert.get(), at));
  const std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                         static_cast<std::size_t>(ASN1_STRING_length(value)));
  EXPECT_THAT(text, HasSubstr(kOfficerValue));

  // Retrieved over ICertPassage too.
  const std::string icpr = testing::RunInteropScript(
      "icpr_client.py", {"--epm-port", "135", "--authority", kCaName, "--request-id", id,
                         "--domain", "EXAMPLE", "--user", "alice", "--password", kPassword});
  ASSERT_EQ(JsonField(icpr, "error"), "") << icpr;
  EXPECT_EQ(JsonField(icpr, "disposition"), "3") << icpr << DaemonLog();
  EXPECT_EQ(JsonField(icpr, "certificate"), JsonField(got, "certificate"));

  // The Extension table holds the officer's row with the ADMIN origin.
  const std::string extensions = Admin("officer", "extensions", {id});
  ASSERT_EQ(JsonField(extensions, "error"), "") << extensions;
  EXPECT_THAT(extensions, HasSubstr(kOfficerOid));
  const std::size_t row = extensions.find(kOfficerOid);
  EXPECT_THAT(extensions.substr(row, 200), HasSubstr("\"origin\": 3")) << extensions;
}

// The requester may not act as an officer or administrator: every such
// call answers E_ACCESSDENIED and the request stays pending.
TEST_F(DcomAdminInteropTest, RequesterGetsAccessDeniedAndNothingChanges) {
  const std::string id = SubmitPending("alice", "not-an-officer");
  ASSERT_NE(id, "");
  const std::string denied = Unsigned(hr::kAccessDenied);
  EXPECT_EQ(JsonField(Admin("alice", "approve", {id}), "return"), denied);
  EXPECT_EQ(
      JsonField(Admin("alice", "set-extension", {id, kOfficerOid, "--string", "x"}), "return"),
      denied);
  EXPECT_EQ(JsonField(Admin("alice", "deny", {id}), "return"), denied);
  const std::string sd = JsonField(Admin("admin", "get-security"), "sd");
  ASSERT_NE(sd, "");
  EXPECT_EQ(JsonField(Admin("alice", "set-security", {"--sd-b64", sd}), "return"), denied);

  const std::string still = Wcce("alice", "retrieve", {"--request-id", id});
  EXPECT_EQ(JsonField(still, "disposition"), "5") << still;
  // The officer sees no extension of alice's on it.
  EXPECT_THAT(Admin("officer", "extensions", {id}), ::testing::Not(HasSubstr(kOfficerOid)));
}

// Roles as GetMyRoles reports them (CA_ACCESS_*: admin 1, officer 2, read
// 0x100, enroll 0x200).
TEST_F(DcomAdminInteropTest, GetMyRolesReportsEachAccountsRoles) {
  EXPECT_EQ(JsonField(Admin("alice", "roles"), "roles"), Unsigned(0x300));
  EXPECT_EQ(JsonField(Admin("officer", "roles"), "roles"), Unsigned(0x302));
  EXPECT_EQ(JsonField(Admin("admin", "roles"), "roles"), Unsigned(0x301));
}

// A second requester cannot retrieve the first one's request.
TEST_F(DcomAdminInteropTest, AnotherRequesterCannotRetrieve) {
  const std::string id = SubmitPending("alice", "alice-only");
  ASSERT_NE(id, "");
  const std::string json = Wcce("bob", "retrieve", {"--request-id", id});
  ASSERT_EQ(JsonField(json, "error"), "") << json;
  EXPECT_EQ(JsonField(json, "disposition"), Unsigned(hr::kAccessDenied)) << json;
}

// Officer work on requests in the wrong state, and view sequencing: each
// its HRESULT, nothing changed.
TEST_F(DcomAdminInteropTest, WrongStatesAnswerTheirHresults) {
  const std::string id = SubmitPending("alice", "wrong-states");
  ASSERT_NE(id, "");
  ASSERT_EQ(JsonField(Admin("officer", "approve", {id}), "disposition"), "3");
  // Approving an issued request: BAD_REQUESTSTATUS in the disposition.
  EXPECT_EQ(JsonField(Admin("officer", "approve", {id}), "disposition"),
            Unsigned(hr::kBadRequestStatus));
  // SetExtension on a request that is not pending.
  EXPECT_EQ(
      JsonField(Admin("officer", "set-extension", {id, kOfficerOid, "--string", "late"}), "return"),
      Unsigned(hr::kBadRequestStatus));
  // An unknown request.
  EXPECT_EQ(JsonField(Admin("officer", "approve", {"999999"}), "return"),
            Unsigned(hr::kPropertyEmpty));
  // A restriction on a column no table has.
  const std::string view =
      Admin("officer", "view", {"--columns", "Request.RequestID", "--restrict", "0x7777=1"});
  EXPECT_EQ(JsonField(view, "open_view"), Unsigned(hr::kInvalidArg)) << view;
}

// The administrator adds an officer with SetCASecurity, who may approve at
// once; the change survives as the CA's security descriptor.
TEST_F(DcomAdminInteropTest, OfficerAddedWithSetCaSecurityApprovesAtOnce) {
  const std::string id = SubmitPending("alice", "new-officer");
  ASSERT_NE(id, "");
  EXPECT_EQ(JsonField(Admin("bob", "approve", {id}), "return"), Unsigned(hr::kAccessDenied));
  const testing::CommandResult added =
      testing::RunInteropCli({"officer", "add", "EXAMPLE\\bob", "-u", "EXAMPLE\\admin"}, kPassword);
  ASSERT_EQ(added.exit_code, 0) << added.output << DaemonLog();
  EXPECT_EQ(JsonField(Admin("bob", "approve", {id}), "disposition"), "3") << DaemonLog();
}

// Restricted officers over the wire: the administrator sets officer rights
// (a descriptor impacket builds from MS-CSRA 2.2.1.11) that let the officer
// act for alice only. The officer's approval of bob's request answers
// CERTSRV_E_RESTRICTEDOFFICER and leaves it pending; alice's is issued;
// GetOfficerRights (impacket and `openadcs officer-rights get`) reports
// them; disabling them lets the officer approve bob's.
TEST_F(DcomAdminInteropTest, RestrictedOfficerApprovesOnlyItsRequester) {
  const std::string alices = SubmitPending("alice", "restricted-alice");
  const std::string bobs = SubmitPending("bob", "restricted-bob");
  ASSERT_NE(alices, "");
  ASSERT_NE(bobs, "");
  const std::string officer = auth::UserFileAccountSid("EXAMPLE", "officer");
  const std::string alice = auth::UserFileAccountSid("EXAMPLE", "alice");
  EXPECT_EQ(JsonField(Admin("officer", "set-officer-rights", {"--allow", officer + ":" + alice}),
                      "return"),
            Unsigned(hr::kAccessDenied));
  const std::string set = Admin("admin", "set-officer-rights", {"--allow", officer + ":" + alice});
  ASSERT_EQ(JsonField(set, "return"), "0") << set << DaemonLog();

  const std::string got = Admin("officer", "get-officer-rights");
  EXPECT_EQ(JsonField(got, "return"), "0") << got;
  EXPECT_EQ(JsonField(got, "enabled"), "1") << got;
  EXPECT_EQ(JsonField(got, "sd"), JsonField(set, "sd")) << got;
  const testing::CommandResult shown =
      testing::RunInteropCli({"officer-rights", "get", "-u", "EXAMPLE\\officer"}, kPassword);
  EXPECT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_THAT(shown.output, HasSubstr("allow " + officer + ": " + alice)) << shown.output;

  const std::string refused = Admin("officer", "approve", {bobs});
  EXPECT_EQ(JsonField(refused, "return"), Unsigned(hr::kRestrictedOfficer)) << refused;
  EXPECT_EQ(JsonField(Wcce("bob", "retrieve", {"--request-id", bobs}), "disposition"), "5");
  EXPECT_THAT(DaemonLog(), HasSubstr("officer rights do not let EXAMPLE\\officer"));
  EXPECT_EQ(JsonField(Admin("officer", "approve", {alices}), "disposition"), "3") << DaemonLog();

  ASSERT_EQ(JsonField(Admin("admin", "set-officer-rights", {"--disable"}), "return"), "0");
  EXPECT_EQ(JsonField(Admin("officer", "get-officer-rights"), "enabled"), "0");
  EXPECT_EQ(JsonField(Admin("officer", "approve", {bobs}), "disposition"), "3") << DaemonLog();
}

}  // namespace
}  // namespace openadcs
