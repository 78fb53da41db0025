// The Windows domain templates (config/templates: User, Machine,
// Workstation, DomainController, KerberosAuthentication) end to end: the real
// daemon takes templates and requesters from a Samba AD DC, accepts Kerberos
// from the CA service account's keytab, and Debian's python3-impacket
// enrolls over DCOM with tickets from Samba's KDC as a user, as a
// workstation and as the DC itself. Each certificate carries what the
// directory says (subject, SAN, the SID extension), decoded by OpenSSL,
// whatever the CSR asked for (its subject names someone else).
//
// Samba's and the DCOM ports are fixed (88, 389, 135), so this lives in the
// dcom_interop_test binary, whose tests each run in a network namespace of
// their own. Provisioning Samba takes up to a minute, so one test walks
// through every case on one domain.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "openadcs/pki/name.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"
#include "testing/cert_names.h"
#include "testing/interop_daemon.h"
#include "testing/ldap_samba.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using ::testing::ElementsAre;
using testing::JsonField;
using testing::kDirectoryGuidOid;
using testing::kSidOid;
using testing::kUpnOid;
using testing::SambaServer;
using ::testing::UnorderedElementsAre;

constexpr const char* kCaName = testing::InteropDaemon::kCaName;
constexpr const char* kCaHost = "ca.example.com";
constexpr const char* kCaService = "host/ca.example.com";
constexpr const char* kUserPassword = "Wt.User-Pass-1";
constexpr const char* kComputerPassword = "Wt.Computer-Pass-1";
constexpr const char* kServicePassword = "Ca.Service-Acct-1";

class DomainTemplatesInteropTest : public testing::InteropTest {
 protected:
  // impacket's ICertRequestD::Request as `user`, with the tickets of
  // `ccache`, on `template_name`, with a CSR whose subject is CN=mallory.
  // The issued certificate; null (with a test failure) when none.
  static ossl::X509Ptr Enroll(const std::string& user, const std::filesystem::path& ccache,
                              const std::string& template_name) {
    const std::string json = Request(user, ccache, template_name);
    EXPECT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
    EXPECT_EQ(JsonField(json, "disposition"), "3") << template_name << ": " << json << DaemonLog();
    const std::optional<Bytes> der = Base64Decode(JsonField(json, "certificate"));
    if (!der || der->empty()) return nullptr;
    return testing::ParseCertDer(*der);
  }

  static std::string Request(const std::string& user, const std::filesystem::path& ccache,
                             const std::string& template_name) {
    return testing::RunInteropScript(
        "dcom_client.py", {"request", "--authority", kCaName, "--domain", "EXAMPLE.COM", "--user",
                           user, "--kerberos", kCaHost, "--ccache", ccache.string(), "--template",
                           template_name, "--csr", CsrFile("mallory").string()});
  }

  static std::string Subject(X509* cert) {
    return pki::FormatDistinguishedName(X509_get_subject_name(cert));
  }
};

TEST_F(DomainTemplatesInteropTest, ImpacketEnrollsOnTheWindowsTemplatesWithTheDirectorysNames) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "samba");
  std::string error;
  std::unique_ptr<SambaServer> samba = SambaServer::Start(dir.path() / "samba", &error);
  ASSERT_NE(samba, nullptr) << error;

  // The CA's service account and its keys.
  ASSERT_EQ(samba->AddUser("caacct", kServicePassword), "");
  ASSERT_EQ(samba->AddSpn("caacct", std::string("HOST/") + kCaHost), "");
  const std::filesystem::path keytab = dir.path() / "ca.keytab";
  ASSERT_EQ(samba->ExportKeytab(keytab, "caacct"), "");

  // A user with a mail address and a UPN of its own.
  const std::string user_dn = SambaServer::UserDn("wtuser");
  ASSERT_EQ(samba->AddUser("wtuser", kUserPassword), "");
  ASSERT_EQ(samba->SetAttribute(user_dn, "mail", "wt.user@example.com"), "");
  ASSERT_EQ(samba->SetAttribute(user_dn, "userPrincipalName", "wt.upn@example.com"), "");
  // A workstation with a password, so that it can get tickets.
  const std::string computer_dn = SambaServer::ComputerDn("WTWS1");
  ASSERT_EQ(samba->CreateComputer("WTWS1", "wtws1.example.com"), "");
  ASSERT_EQ(samba->SetPassword("WTWS1$", kComputerPassword), "");
  // The DC itself, with its keys from the database.
  const std::string dc_dn = "CN=DC1,OU=Domain Controllers,DC=example,DC=com";
  const std::filesystem::path dc_keytab = dir.path() / "dc.keytab";
  ASSERT_EQ(samba->ExportKeytab(dc_keytab, "DC1$"), "");

  const std::filesystem::path user_cache = dir.path() / "user.ccache";
  const std::filesystem::path computer_cache = dir.path() / "computer.ccache";
  const std::filesystem::path dc_cache = dir.path() / "dc.ccache";
  ASSERT_EQ(samba->GetTickets("wtuser", kUserPassword, user_cache, {kCaService}), "");
  ASSERT_EQ(samba->GetTickets("WTWS1$", kComputerPassword, computer_cache, {kCaService}), "");
  ASSERT_EQ(samba->GetTicketsWithKeytab("DC1$", dc_keytab, dc_cache, {kCaService}), "");

  ASSERT_TRUE(StartDaemon(
      "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 135\nicpr_port = 0\n"
      "netbios_domain_name = \"EXAMPLE\"\n[dcom]\nport = 0\n[kerberos]\nkeytab = \"" +
          keytab.string() + "\"\nrealm = \"EXAMPLE.COM\"\n",
      "[templates]\nsource = \"ldap\"\nenrollment_service = \"openadcs-CA\"\n"
      "[directory]\nuris = [\"" +
          SambaServer::uri() + "\"]\nbind = \"simple\"\nbind_dn = \"" + SambaServer::admin_dn() +
          "\"\npassword_file = \"" + samba->password_file().string() +
          // The Samba fixture serves LDAP without TLS (ldap_samba.h).
          "\"\nallow_cleartext = true\n"));

  const std::string user_sid = samba->ObjectSid(user_dn);
  const std::string computer_sid = samba->ObjectSid(computer_dn);
  const std::string dc_sid = samba->ObjectSid(dc_dn);
  const std::string dc_guid = samba->ObjectGuid(dc_dn);
  ASSERT_FALSE(user_sid.empty());
  ASSERT_FALSE(computer_sid.empty());
  ASSERT_FALSE(dc_sid.empty());
  ASSERT_EQ(dc_guid.size(), 36u) << dc_guid;

  {
    SCOPED_TRACE("User");
    ossl::X509Ptr cert = Enroll("wtuser", user_cache, "User");
    ASSERT_NE(cert, nullptr);
    EXPECT_TRUE(
        EqualsIgnoreCaseAscii(Subject(cert.get()), "emailAddress=wt.user@example.com," + user_dn))
        << Subject(cert.get());
    EXPECT_THAT(testing::SubjectAltNames(cert.get()),
                UnorderedElementsAre(std::string(kUpnOid) + "=wt.upn@example.com",
                                     "email=wt.user@example.com"));
    EXPECT_THAT(testing::SidExtension(cert.get()),
                ElementsAre(std::string(kSidOid) + "=" + user_sid));
  }
  {
    SCOPED_TRACE("Machine");
    ossl::X509Ptr cert = Enroll("WTWS1$", computer_cache, "Machine");
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(Subject(cert.get()), "CN=wtws1.example.com");
    EXPECT_THAT(testing::SubjectAltNames(cert.get()), ElementsAre("dns=wtws1.example.com"));
    EXPECT_THAT(testing::SidExtension(cert.get()),
                ElementsAre(std::string(kSidOid) + "=" + computer_sid));
  }
  {
    SCOPED_TRACE("Workstation");
    ossl::X509Ptr cert = Enroll("WTWS1$", computer_cache, "Workstation");
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(Subject(cert.get()), "");
    EXPECT_THAT(testing::SubjectAltNames(cert.get()), ElementsAre("dns=wtws1.example.com"));
    EXPECT_TRUE(testing::SubjectAltNameIsCritical(cert.get()));
    EXPECT_THAT(testing::SidExtension(cert.get()),
                ElementsAre(std::string(kSidOid) + "=" + computer_sid));
  }
  {
    SCOPED_TRACE("DomainController");
    ossl::X509Ptr cert = Enroll("DC1$", dc_cache, "DomainController");
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(Subject(cert.get()), "CN=dc1.example.com");
    EXPECT_THAT(testing::SubjectAltNames(cert.get()),
                ElementsAre("dns=dc1.example.com", std::string(kDirectoryGuidOid) + "=" + dc_guid));
    EXPECT_THAT(testing::SidExtension(cert.get()),
                ElementsAre(std::string(kSidOid) + "=" + dc_sid));
  }
  {
    SCOPED_TRACE("KerberosAuthentication");
    ossl::X509Ptr cert = Enroll("DC1$", dc_cache, "KerberosAuthentication");
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(Subject(cert.get()), "");
    EXPECT_THAT(testing::SubjectAltNames(cert.get()),
                ElementsAre("dns=dc1.example.com", "dns=example.com", "dns=EXAMPLE"));
    EXPECT_TRUE(testing::SubjectAltNameIsCritical(cert.get()));
    EXPECT_THAT(testing::ExtendedKeyUsages(cert.get()),
                ElementsAre("1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1", "1.3.6.1.4.1.311.20.2.2",
                            "1.3.6.1.5.2.3.5"));
    EXPECT_THAT(testing::SidExtension(cert.get()),
                ElementsAre(std::string(kSidOid) + "=" + dc_sid));
  }

  // A workstation is no domain controller: the template's descriptor lets
  // only Enterprise Domain Controllers enroll.
  const std::string refused = Request("WTWS1$", computer_cache, "KerberosAuthentication");
  EXPECT_EQ(JsonField(refused, "error"), "") << refused;
  // A denial's disposition is its HRESULT, as Windows answers.
  EXPECT_EQ(JsonField(refused, "disposition"), std::to_string(hr::kTemplateDenied)) << refused;
}

}  // namespace
}  // namespace openadcs
