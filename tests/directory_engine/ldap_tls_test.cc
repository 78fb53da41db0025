// The LDAP template source over TLS against a private slapd with a server
// certificate made here (StartTLS on ldap://, and ldaps://), and the refusal
// of binds that would cross the network in cleartext. slapd listens on
// fixed ports: this binary runs in a network namespace of its own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "openadcs/directory/ldap_template_source.h"
#include "testing/daemon_process.h"
#include "testing/ldap_slapd.h"
#include "testing/pki.h"

namespace openadcs::directory {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Not Samba's (389, 636), which share the namespace.
constexpr std::uint16_t kLdapPort = 3389;
constexpr std::uint16_t kLdapsPort = 3636;

class LdapTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ =
        testing::SlapdServer::StartWithTls(dir_.path() / "slapd", kLdapPort, kLdapsPort, &error);
    ASSERT_NE(server_, nullptr) << error;
  }

  LdapTemplateSourceOptions Options(const std::string& uri) const {
    LdapTemplateSourceOptions options;
    options.uris = {uri};
    options.bind = LdapBind::kSimple;
    options.bind_dn = testing::SlapdServer::admin_dn();
    options.password_file = server_->password_file();
    options.ca_file = server_->ca_file();
    options.enrollment_service = "openadcs-CA";
    options.notification = LdapNotification::kNone;
    options.operation_timeout = std::chrono::seconds(5);
    return options;
  }

  // A CA that did not issue the server's certificate.
  std::filesystem::path OtherCa() const {
    std::filesystem::path file = dir_.path() / "other-ca.pem";
    ossl::PKeyPtr key = testing::MakeEcKey();
    testing::WriteCertPem(file, testing::MakeCaCert(key.get(), "slapd test CA").get());
    return file;
  }

  // On failure, slapd's log says what the client's error cannot: libldap
  // reports a refused connection and a refused certificate alike.
  void ExpectTemplatesFrom(const LdapTemplateSourceOptions& options,
                           const std::string& server) const {
    Result<std::unique_ptr<LdapTemplateSource>> source = OpenLdapTemplateSource(options);
    ASSERT_TRUE(source.ok()) << source.status().ToString() << "\nslapd's log:\n"
                             << testing::ReadTextFile(server_->log_file());
    EXPECT_THAT((*source)->Current()->templates(), Not(IsEmpty()));
    EXPECT_EQ((*source)->State().server, server);
    EXPECT_EQ((*source)->State().snapshot_origin, "directory");
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::SlapdServer> server_;
};

TEST_F(LdapTlsTest, StartTlsWithTheTestCaLoadsTemplates) {
  LdapTemplateSourceOptions options = Options(server_->ldap_uri());
  options.start_tls = true;
  ExpectTemplatesFrom(options, server_->ldap_uri());
}

TEST_F(LdapTlsTest, LdapsWithTheTestCaLoadsTemplates) {
  ExpectTemplatesFrom(Options(server_->ldaps_uri()), server_->ldaps_uri());
}

TEST_F(LdapTlsTest, AnonymousBindOverLdapsIsFine) {
  LdapTemplateSourceOptions options = Options(server_->ldaps_uri());
  options.bind = LdapBind::kAnonymous;
  ExpectTemplatesFrom(options, server_->ldaps_uri());
}

TEST_F(LdapTlsTest, StartTlsWithAnotherCaFailsNamingTheHandshake) {
  LdapTemplateSourceOptions options = Options(server_->ldap_uri());
  options.start_tls = true;
  options.ca_file = OtherCa();
  Result<std::unique_ptr<LdapTemplateSource>> source = OpenLdapTemplateSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(source.status().message(),
              AllOf(HasSubstr(server_->ldap_uri()), HasSubstr("StartTLS"),
                    HasSubstr("TLS certificate was refused"), HasSubstr(options.ca_file.string())));
}

TEST_F(LdapTlsTest, LdapsWithAnotherCaFailsNamingTheCertificate) {
  LdapTemplateSourceOptions options = Options(server_->ldaps_uri());
  options.ca_file = OtherCa();
  Result<std::unique_ptr<LdapTemplateSource>> source = OpenLdapTemplateSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(source.status().message(),
              AllOf(HasSubstr(server_->ldaps_uri()), HasSubstr("TLS certificate was refused"),
                    HasSubstr(options.ca_file.string())));
}

TEST_F(LdapTlsTest, CleartextSimpleAndAnonymousBindsAreRefused) {
  for (LdapBind bind : {LdapBind::kSimple, LdapBind::kAnonymous, LdapBind::kSaslExternal}) {
    LdapTemplateSourceOptions options = Options(server_->ldap_uri());
    options.bind = bind;
    Result<std::unique_ptr<LdapTemplateSource>> source = OpenLdapTemplateSource(options);
    ASSERT_FALSE(source.ok()) << static_cast<int>(bind);
    // Options that can never work: no falling back on a disk snapshot.
    EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(source.status().message(),
                AllOf(HasSubstr(server_->ldap_uri()), HasSubstr("cleartext")));
  }
}

TEST_F(LdapTlsTest, CleartextIsAllowedWhenAskedFor) {
  LdapTemplateSourceOptions options = Options(server_->ldap_uri());
  options.allow_cleartext = true;
  ExpectTemplatesFrom(options, server_->ldap_uri());
}

TEST_F(LdapTlsTest, MixedListSkipsTheCleartextUri) {
  LdapTemplateSourceOptions options = Options(server_->ldap_uri());
  options.uris.push_back(server_->ldaps_uri());
  ExpectTemplatesFrom(options, server_->ldaps_uri());
}

}  // namespace
}  // namespace openadcs::directory
