// Kerberos (through SPNEGO, auth type 9, as impacket speaks it) against the
// real daemon: Samba's KDC issues the tickets, the daemon holds the keytab of
// the CA's service account, and Debian's python3-impacket enrolls over
// ICertPassage and over DCOM at packet privacy. Tickets for another service
// and tickets the keytab has no key for are refused.
//
// Samba's and the DCOM ports are fixed (88, 389, 135), so this lives in the
// dcom_interop_test binary, whose tests each run in a network namespace of
// their own. Provisioning Samba takes up to a minute, so one test walks
// through every case on one domain.
//
// Not covered: an expired ticket. Samba's KDC issues tickets no shorter than
// its minimum lifetime and neither client nor KDC clock can be moved here
// without waiting.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "testing/daemon_process.h"
#include "testing/interop_daemon.h"
#include "testing/ldap_samba.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using testing::JsonField;

constexpr const char* kCaName = testing::InteropDaemon::kCaName;
constexpr const char* kCaHost = "ca.example.com";
constexpr const char* kOtherHost = "other.example.com";
constexpr const char* kUserPassword = "Alice.Kerberos-1";
constexpr const char* kServicePassword = "Ca.Service-Acct-1";

class KerberosInteropTest : public testing::InteropTest {
 protected:
  // impacket as alice with the tickets of `ccache`, to host/`host_name`.
  static std::string Icpr(const std::filesystem::path& ccache, const std::string& host_name,
                          const std::string& csr_cn) {
    return testing::RunInteropScript(
        "icpr_client.py", {"--epm-port", "135", "--authority", kCaName, "--domain", "EXAMPLE.COM",
                           "--user", "alice", "--kerberos", host_name, "--ccache", ccache.string(),
                           "--template", "AutoIssueSubject", "--csr", CsrFile(csr_cn).string()});
  }

  static std::string Dcom(const std::filesystem::path& ccache, const std::string& host_name,
                          const std::string& csr_cn) {
    return testing::RunInteropScript(
        "dcom_client.py", {"request", "--authority", kCaName, "--domain", "EXAMPLE.COM", "--user",
                           "alice", "--kerberos", host_name, "--ccache", ccache.string(),
                           "--template", "AutoIssueSubject", "--csr", CsrFile(csr_cn).string()});
  }
};

TEST_F(KerberosInteropTest, ImpacketEnrollsWithKerberosAndWrongTicketsAreRefused) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "samba");
  std::string error;
  std::unique_ptr<testing::SambaServer> samba =
      testing::SambaServer::Start(dir.path() / "samba", &error);
  ASSERT_NE(samba, nullptr) << error;
  ASSERT_EQ(samba->AddUser("alice", kUserPassword), "");
  ASSERT_EQ(samba->AddUser("caacct", kServicePassword), "");
  ASSERT_EQ(samba->AddSpn("caacct", std::string("HOST/") + kCaHost), "");
  // Another password: accounts without msDS-SupportedEncryptionTypes get
  // RC4 tickets, whose key is the password's NT hash, salted with nothing.
  ASSERT_EQ(samba->AddUser("otheracct", "Other.Service-Acct-1"), "");
  ASSERT_EQ(samba->AddSpn("otheracct", std::string("HOST/") + kOtherHost), "");
  const std::filesystem::path keytab = dir.path() / "ca.keytab";
  // The account's keys (AES and RC4, salted with its name); tickets to any
  // of its SPNs are encrypted with them.
  ASSERT_EQ(samba->ExportKeytab(keytab, "caacct"), "");

  ASSERT_TRUE(
      StartDaemon("[rpc]\naddress = \"127.0.0.1\"\nepm_port = 135\nicpr_port = 0\n"
                  "netbios_domain_name = \"EXAMPLE\"\n[dcom]\nport = 0\n[kerberos]\nkeytab = \"" +
                  keytab.string() + "\"\nrealm = \"EXAMPLE.COM\"\n"));

  const std::filesystem::path ccache = dir.path() / "alice.ccache";
  ASSERT_EQ(samba->GetTickets("alice", kUserPassword, ccache,
                              {std::string("host/") + kCaHost, std::string("host/") + kOtherHost}),
            "");

  std::string json = Icpr(ccache, kCaHost, "kerberos-icpr");
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "disposition"), "3") << json << DaemonLog();
  EXPECT_NE(DaemonLog().find("authenticated EXAMPLE\\alice"), std::string::npos) << DaemonLog();

  json = Dcom(ccache, kCaHost, "kerberos-dcom");
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "disposition"), "3") << json << DaemonLog();

  // A ticket to another account's service: no key for it in the keytab.
  json = Icpr(ccache, kOtherHost, "kerberos-other");
  EXPECT_NE(JsonField(json, "error"), "") << json;
  EXPECT_EQ(JsonField(json, "disposition"), "") << json;

  // A new password gives the account new keys: tickets are encrypted with
  // a key version the daemon's keytab lacks.
  ASSERT_EQ(samba->SetPassword("caacct", "Ca.Service-Acct-2"), "");
  const std::filesystem::path fresh = dir.path() / "fresh.ccache";
  ASSERT_EQ(samba->GetTickets("alice", kUserPassword, fresh, {std::string("host/") + kCaHost}), "");
  json = Icpr(fresh, kCaHost, "kerberos-stale");
  EXPECT_NE(JsonField(json, "error"), "") << json;
  EXPECT_EQ(JsonField(json, "disposition"), "") << json;
  EXPECT_NE(DaemonLog().find("Kerberos authentication failed"), std::string::npos) << DaemonLog();
}

}  // namespace
}  // namespace openadcs
