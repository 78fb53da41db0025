// Enrollment on behalf of others (MS-WCCE 3.2.2.6.2.1.2.1) over the wire,
// against the real daemon with templates and accounts from a throwaway Samba
// AD DC: alice enrolls for an Enrollment Agent certificate (the Windows
// default EnrollmentAgent template), then `openadcs request --on-behalf-of
// EXAMPLE\bob` signs bob's request with it on AgentUser, a schema 2 template
// that requires one agent signature with the Certificate Request Agent
// policy. The certificate names bob from his directory entry and the
// Request row names bob as requester and alice as caller. The same request
// bare, signed by a certificate without the agent EKU, or by an agent the
// enrollment agent rights (set with `openadcs agent-rights set`) do not
// allow for bob or for the template, is refused with AD CS's HRESULT
// (CERTSRV_E_SIGNATURE_POLICY_REQUIRED, _SIGNATURE_REJECTED,
// _RESTRICTEDOFFICER). The
// rights are read back over the wire (GetOfficerRights, MS-CSRA 2.2.1.11.1)
// with the CLI and with impacket.
//
// The callers authenticate with NTLM against the daemon's user file
// (InteropDaemon's accounts); alice and bob also exist in Samba, so the
// identity lookup gives them their directory SIDs, while admin and officer,
// unknown there, keep the user file's (which AdminDaemonConfig's [security]
// names). Samba's and the DCOM ports are fixed: this lives in the
// dcom_interop_test binary (a network namespace per test), and one test
// walks through every case on one provisioned domain.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "openadcs/auth/user_file.h"
#include "openadcs/security/officer_rights.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"
#include "testing/admin_interop.h"
#include "testing/ldap_samba.h"
#include "testing/ldap_template_edits.h"

namespace openadcs {
namespace {

using ::testing::HasSubstr;
using testing::InteropDaemon;
using testing::JsonField;

constexpr const char* kPassword = InteropDaemon::kPassword;
constexpr const char* kBob = "EXAMPLE\\bob";

// A schema 2 user template that needs one enrollment agent signature with
// the Certificate Request Agent policy (only such a template may name
// another requester), subject CN and UPN from the directory, client
// authentication; the sample templates' descriptor (Authenticated Users
// enroll).
std::string AgentUserTemplate(const std::string& cn, const std::string& oid_suffix) {
  return fmt::format(
      "dn: {}\nchangetype: add\nobjectClass: top\nobjectClass: pKICertificateTemplate\ncn: {}\n"
      "displayName: {}\nflags: 131584\nrevision: 100\npKIDefaultKeySpec: 1\npKIKeyUsage:: oAA=\n"
      "pKIMaxIssuingDepth: 0\npKICriticalExtensions: 2.5.29.15\n"
      "pKIExpirationPeriod:: AEA5hy7h/v8=\npKIOverlapPeriod:: AICmCv/e//8=\n"
      "pKIExtendedKeyUsage: 1.3.6.1.5.5.7.3.2\nmsPKI-RA-Signature: 1\n"
      "msPKI-RA-Application-Policies: 1.3.6.1.4.1.311.20.2.1\nmsPKI-Enrollment-Flag: 0\n"
      "msPKI-Private-Key-Flag: 16842768\nmsPKI-Certificate-Name-Flag: 1107296256\n"
      "msPKI-Minimal-Key-Size: 2048\nmsPKI-Template-Schema-Version: 2\n"
      "msPKI-Template-Minor-Revision: 1\nmsPKI-Cert-Template-OID: 1.3.6.1.4.1.311.21.8.1.2.{}\n"
      "msPKI-Certificate-Application-Policy: 1.3.6.1.5.5.7.3.2\nnTSecurityDescriptor:: {}\n",
      testing::TemplateDn(cn), cn, cn, oid_suffix, testing::kSampleTemplateDescriptor);
}

class EnrollmentAgentInteropTest : public testing::AdminInteropTest {
 protected:
  // `openadcs args...` as EXAMPLE\`user`.
  static testing::CommandResult Cli(const std::string& user, std::vector<std::string> args) {
    args.insert(args.end(), {"-u", "EXAMPLE\\" + user});
    return testing::RunInteropCli(args, kPassword);
  }

  // A file in the daemon's directory for keys and certificates.
  static std::string File(const std::string& name) { return (daemon_->dir() / name).string(); }

  // alice's request for bob on `template_name`, signed with the key and
  // certificate `signer` (files "<signer>.key", "<signer>.pem").
  static testing::CommandResult ForBob(const std::string& template_name, const std::string& signer,
                                       const std::string& out) {
    return Cli("alice", {"request", "-t", template_name, "--key-out", File(out + ".key"), "-o",
                         File(out + ".pem"), "--on-behalf-of", kBob, "--agent-cert",
                         File(signer + ".pem"), "--agent-key", File(signer + ".key")});
  }

  // The HRESULT a refused request's disposition carries, as the CLI prints
  // it; "" when it printed none.
  static std::string Refusal(const testing::CommandResult& r) {
    std::smatch m;
    return std::regex_search(r.output, m, std::regex("not issued: (0x[0-9a-f]+)")) ? m[1].str()
                                                                                   : "";
  }
  static std::string Hex(std::uint32_t hresult) { return fmt::format("{:#x}", hresult); }

  // The entries of the enrollment agent rights impacket's client split off
  // GetOfficerRights' blob (admin_client.py's agent_sd); none when they do
  // not decode.
  static std::vector<security::OfficerRightsEntry> AgentRightsIn(const std::string& json) {
    std::optional<Bytes> bytes = Base64Decode(JsonField(json, "agent_sd"));
    if (!bytes) return {};
    Result<security::SecurityDescriptor> sd = security::DecodeSecurityDescriptor(*bytes);
    if (!sd.ok()) return {};
    Result<std::vector<security::OfficerRightsEntry>> entries = security::ParseOfficerRights(*sd);
    return entries.ok() ? std::move(*entries) : std::vector<security::OfficerRightsEntry>{};
  }

  // alice may enroll for `user`, on `template_name` ("" any).
  static std::vector<security::OfficerRightsEntry> AliceFor(const std::string& alice,
                                                            const std::string& user,
                                                            const std::u16string& template_name) {
    return {{true,
             security::Sid::Parse(alice).value(),
             {security::Sid::Parse(user).value()},
             template_name,
             0}};
  }

  // The request id the CLI reports for an issued certificate.
  static std::string IssuedId(const testing::CommandResult& r) {
    std::smatch m;
    return std::regex_search(r.output, m, std::regex("issued: request ([0-9]+)")) ? m[1].str() : "";
  }
};

TEST_F(EnrollmentAgentInteropTest, AgentEnrollsForBobOnlyWithAValidSignatureAndAllowedRights) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "samba");
  std::string error;
  std::unique_ptr<testing::SambaServer> samba =
      testing::SambaServer::Start(dir.path() / "samba", &error);
  ASSERT_NE(samba, nullptr) << error;
  for (const char* user : {"alice", "bob"}) {
    ASSERT_EQ(samba->CreateUser(user, {{"userPrincipalName", std::string(user) + "@example.com"}}),
              "");
  }
  ASSERT_EQ(samba->Modify(AgentUserTemplate("AgentUser", "901")), "");
  ASSERT_EQ(samba->Modify(AgentUserTemplate("OtherAgentUser", "902")), "");
  for (const char* cn : {"EnrollmentAgent", "AgentUser", "OtherAgentUser"}) {
    ASSERT_EQ(samba->Modify(testing::ListTemplate(cn)), "");
  }
  const std::string alice_sid = samba->ObjectSid(testing::SambaServer::UserDn("alice"));
  const std::string bob_sid = samba->ObjectSid(testing::SambaServer::UserDn("bob"));
  ASSERT_NE(alice_sid, "");
  ASSERT_NE(bob_sid, "");
  ASSERT_TRUE(StartDaemon(
      AdminDaemonConfig(),
      "[templates]\nsource = \"ldap\"\nenrollment_service = \"openadcs-CA\"\n[directory]\nuris = "
      "[\"" +
          testing::SambaServer::uri() + "\"]\nbind = \"simple\"\nbind_dn = \"" +
          testing::SambaServer::admin_dn() + "\"\npassword_file = \"" +
          samba->password_file().string() +
          // The Samba fixture serves LDAP without TLS (ldap_samba.h).
          "\"\nallow_cleartext = true\n"));

  // alice's Enrollment Agent certificate, and one without the agent EKU.
  testing::CommandResult r = Cli("alice", {"request", "-t", "EnrollmentAgent", "--key-out",
                                           File("agent.key"), "-o", File("agent.pem")});
  ASSERT_EQ(r.exit_code, 0) << r.output << DaemonLog();
  r = Cli("alice", {"request", "-t", "AutoIssueSubject", "--subject", "CN=alice-client",
                    "--key-out", File("client.key"), "-o", File("client.pem")});
  ASSERT_EQ(r.exit_code, 0) << r.output << DaemonLog();

  // With the agent's signature: bob's certificate, names from his entry.
  r = ForBob("AgentUser", "agent", "bob1");
  ASSERT_EQ(r.exit_code, 0) << r.output << DaemonLog();
  const std::string id = IssuedId(r);
  ASSERT_NE(id, "") << r.output;
  const testing::CommandResult cert =
      testing::RunCommand({"/usr/bin/openssl", "x509", "-in", File("bob1.pem"), "-noout",
                           "-subject", "-ext", "subjectAltName"});
  EXPECT_THAT(cert.output, HasSubstr("CN = bob")) << cert.output;
  EXPECT_THAT(cert.output, HasSubstr("bob@example.com")) << cert.output;
  const testing::CommandResult row = Cli("officer", {"show", id});
  ASSERT_EQ(row.exit_code, 0) << row.output;
  EXPECT_THAT(row.output, HasSubstr("RequesterName: EXAMPLE\\bob")) << row.output;
  EXPECT_THAT(row.output, HasSubstr("CallerName: EXAMPLE\\alice")) << row.output;

  // No agent signature: bob named in a request attribute of a bare PKCS#10.
  // AD CS checks the template's signature requirement first:
  // CERTSRV_E_SIGNATURE_POLICY_REQUIRED.
  r = Cli("alice", {"request", "-t", "AgentUser", "--key-out", File("bare.key"), "-a",
                    std::string("requestername:") + kBob});
  EXPECT_EQ(Refusal(r), Hex(hr::kSignaturePolicyRequired)) << r.output;
  // Signed, but by a certificate without the Certificate Request Agent
  // policy: CERTSRV_E_SIGNATURE_REJECTED.
  r = ForBob("AgentUser", "client", "bob2");
  EXPECT_EQ(Refusal(r), Hex(hr::kSignatureRejected)) << r.output;

  // Enrollment agent rights: alice for bob on AgentUser only.
  r = Cli("alice", {"agent-rights", "set", "--enable", "--allow", alice_sid + ":" + bob_sid});
  EXPECT_NE(r.exit_code, 0) << r.output;  // only the administrator sets them
  r = Cli("admin", {"agent-rights", "set", "--enable", "--allow", alice_sid + ":" + bob_sid,
                    "--template", "AgentUser"});
  ASSERT_EQ(r.exit_code, 0) << r.output << DaemonLog();
  r = Cli("officer", {"agent-rights", "get"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("enrollment agent rights: enabled")) << r.output;
  EXPECT_THAT(r.output, HasSubstr("allow " + alice_sid + ": " + bob_sid + " (template AgentUser)"))
      << r.output;
  r = Cli("officer", {"officer-rights", "get"});
  EXPECT_THAT(r.output, HasSubstr("officer rights: disabled")) << r.output;
  // impacket reads the 2.2.1.11.1 form: pfEnabled 0, then the agent rights.
  std::string json = Admin("officer", "get-officer-rights");
  EXPECT_EQ(JsonField(json, "return"), "0") << json;
  EXPECT_EQ(JsonField(json, "enabled"), "0") << json;
  EXPECT_EQ(JsonField(json, "sd"), "") << json;
  EXPECT_EQ(AgentRightsIn(json), AliceFor(alice_sid, bob_sid, u"AgentUser")) << json;

  r = ForBob("AgentUser", "agent", "bob3");
  EXPECT_EQ(r.exit_code, 0) << r.output << DaemonLog();
  r = ForBob("OtherAgentUser", "agent", "bob4");
  EXPECT_EQ(Refusal(r), Hex(hr::kRestrictedOfficer)) << r.output;

  // Rights for alice on behalf of herself only: not for bob.
  r = Cli("admin", {"agent-rights", "set", "--enable", "--allow", alice_sid + ":" + alice_sid});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = ForBob("AgentUser", "agent", "bob5");
  EXPECT_EQ(Refusal(r), Hex(hr::kRestrictedOfficer)) << r.output;
  EXPECT_THAT(DaemonLog(), HasSubstr("enrollment agent rights do not let EXAMPLE\\alice"));

  // Officer rights too: both descriptors in one blob.
  const std::string officer = auth::UserFileAccountSid("EXAMPLE", "officer");
  ASSERT_EQ(JsonField(Admin("admin", "set-officer-rights", {"--allow", officer + ":" + bob_sid}),
                      "return"),
            "0");
  json = Admin("officer", "get-officer-rights");
  EXPECT_EQ(JsonField(json, "enabled"), "1") << json;
  EXPECT_NE(JsonField(json, "sd"), "") << json;
  EXPECT_EQ(AgentRightsIn(json), AliceFor(alice_sid, alice_sid, u"")) << json;
  r = Cli("officer", {"agent-rights", "get"});
  EXPECT_THAT(r.output, HasSubstr("allow " + alice_sid + ": " + alice_sid)) << r.output;
}

}  // namespace
}  // namespace openadcs
