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

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "openadcs/auth/user_file.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/openssl.h"
#include "testing/admin_interop.h"
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

class DcomAdminInteropTest : public testing::AdminInteropTest {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(StartDaemon(AdminDaemonConfig())); }

  // A request by `user` on the approval template; its id, "" on failure.
  static std::string SubmitPending(const std::string& user, const std::string& cn) {
    const std::string json =
        Wcce(user, "request", {"--template", "OfficerApproval", "--csr", CsrFile(cn).string()});
    EXPECT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
    EXPECT_EQ(JsonField(json, "disposition"), "5") << json << DaemonLog();
    return JsonField(json, "request_id");
  }
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
  // The pending row names its template (OfficerApproval's OID, from
  // config/templates/officer-approval.ldif), as the console's pending view
  // asks (MS-CSRA <49>).
  EXPECT_THAT(flow, HasSubstr("\"CertificateTemplate\": \"1.3.6.1.4.1.311.21.8.11034890.834619."
                              "12601478.16236816.7255827.176.8245731.9624577\""))
      << flow;
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

// ImportCertificate and DeleteRow with impacket, then with the CLI: the
// rights each needs (Officer; Administrator and Officer both), a row
// deleted and a certificate of this CA imported back into its place, and
// the refusals (a duplicate serial, a foreign certificate, a bad table).
TEST_F(DcomAdminInteropTest, ImportCertificateAndDeleteRow) {
  const std::string issued =
      Wcce("alice", "request",
           {"--template", "AutoIssueSubject", "--csr", CsrFile("to-delete").string()});
  ASSERT_EQ(JsonField(issued, "disposition"), "3") << issued << DaemonLog();
  const std::string id = JsonField(issued, "request_id");
  const std::string cert_b64 = JsonField(issued, "certificate");
  const std::string denied = Unsigned(hr::kAccessDenied);

  // The requester and the officer alone may not delete; nothing goes.
  EXPECT_EQ(JsonField(Admin("alice", "delete-row", {id}), "return"), denied);
  EXPECT_EQ(JsonField(Admin("officer", "delete-row", {id}), "return"), denied);
  EXPECT_EQ(JsonField(Admin("officer", "import-cert", {"--cert-b64", cert_b64}), "return"),
            Unsigned(hr::kObjectExists));
  EXPECT_EQ(JsonField(Admin("alice", "import-cert", {"--cert-b64", cert_b64}), "return"), denied);

  // The administrator made an officer too deletes the row.
  const testing::CommandResult added = testing::RunInteropCli(
      {"officer", "add", "EXAMPLE\\admin", "-u", "EXAMPLE\\admin"}, kPassword);
  ASSERT_EQ(added.exit_code, 0) << added.output << DaemonLog();
  EXPECT_EQ(JsonField(Admin("admin", "delete-row", {"--table", "0x2000", id}), "return"),
            Unsigned(hr::kInvalidArg));
  const std::string gone = Admin("admin", "delete-row", {id});
  EXPECT_EQ(JsonField(gone, "return"), "0") << gone << DaemonLog();
  EXPECT_EQ(JsonField(gone, "deleted"), "1") << gone;
  const std::string again = Admin("admin", "delete-row", {id});
  EXPECT_EQ(JsonField(again, "return"), "0") << again;
  EXPECT_EQ(JsonField(again, "deleted"), "0") << again;

  // Imported back: a new, issued request, known by its serial.
  const std::string imported = Admin("officer", "import-cert", {"--cert-b64", cert_b64});
  ASSERT_EQ(JsonField(imported, "return"), "0") << imported << DaemonLog();
  EXPECT_GT(std::stoul(JsonField(imported, "request_id")), std::stoul(id));
  const std::optional<Bytes> der = Base64Decode(cert_b64);
  ASSERT_TRUE(der.has_value());
  ossl::X509Ptr cert = testing::ParseCertDer(*der);
  ASSERT_NE(cert, nullptr);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  const std::string serial_hex = HexLower(
      {ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial))});
  EXPECT_EQ(JsonField(Admin("officer", "is-valid", {serial_hex}), "disposition"), "3");

  // A certificate another key signed, with or without ICF_ALLOWFOREIGN.
  ossl::PKeyPtr key = testing::MakeEcKey();
  const std::string foreign =
      Base64Encode(testing::CertDer(testing::MakeSelfSignedCert(key.get(), "foreign").get()));
  EXPECT_EQ(JsonField(Admin("officer", "import-cert", {"--cert-b64", foreign}), "return"),
            Unsigned(hr::kIssuerChaining));
  EXPECT_EQ(
      JsonField(Admin("officer", "import-cert", {"--cert-b64", foreign, "--flags", "0x10000"}),
                "return"),
      Unsigned(hr::kIssuerChaining));

  // The CLI: delete the imported row, import the file, clean up by date.
  const std::string new_id = JsonField(imported, "request_id");
  testing::CommandResult cli =
      testing::RunInteropCli({"delete-row", new_id, "-u", "EXAMPLE\\officer"}, kPassword);
  EXPECT_EQ(cli.exit_code, 5) << cli.output;
  cli = testing::RunInteropCli({"delete-row", new_id, "-u", "EXAMPLE\\admin"}, kPassword);
  EXPECT_EQ(cli.exit_code, 0) << cli.output << DaemonLog();
  EXPECT_THAT(cli.output, HasSubstr("deleted: 1 row(s)"));
  const std::filesystem::path file = daemon_->dir() / "imported.pem";
  {
    std::ofstream out(file);
    out << "-----BEGIN CERTIFICATE-----\n" << cert_b64 << "\n-----END CERTIFICATE-----\n";
  }
  cli = testing::RunInteropCli({"import-cert", file.string(), "-u", "EXAMPLE\\officer"}, kPassword);
  EXPECT_EQ(cli.exit_code, 0) << cli.output << DaemonLog();
  EXPECT_THAT(cli.output, HasSubstr("imported: request "));
  cli = testing::RunInteropCli(
      {"delete-row", "--expired-before", "2999-01-01T00:00:00Z", "-u", "EXAMPLE\\admin"},
      kPassword);
  EXPECT_EQ(cli.exit_code, 0) << cli.output << DaemonLog();
  EXPECT_THAT(cli.output, HasSubstr("deleted: "));
  cli = testing::RunInteropCli({"delete-row", "-u", "EXAMPLE\\admin"}, kPassword);
  EXPECT_EQ(cli.exit_code, 1) << cli.output;

  // The suite's roles as they were.
  const testing::CommandResult removed = testing::RunInteropCli(
      {"officer", "remove", "EXAMPLE\\admin", "-u", "EXAMPLE\\admin"}, kPassword);
  EXPECT_EQ(removed.exit_code, 0) << removed.output;
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
