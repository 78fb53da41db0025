// The LDAP template source against a real Samba AD DC (shared_samba.h):
// discovery of the configuration partition, the AD notification control
// (one-level on the templates container, base on the enrollment service,
// CN=Deleted Objects with show-deleted), outages and the disk snapshot.
// Mirrors tests/directory/ldap_template_source_test.cc (slapd).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "directory_engine/shared_samba.h"
#include "openadcs/directory/ldap_template_source.h"
#include "testing/ldap_template_edits.h"
#include "testing/pki.h"
#include "testing/template_inspection.h"

namespace openadcs::directory {
namespace {

using ::testing::HasSubstr;
using testing::ListTemplate;
using testing::NewTemplate;
using testing::ReplaceLine;
using testing::TemplateDn;
using ::testing::UnorderedElementsAreArray;

// Every wait for the directory is bounded by this; changes arrive in tens of ms.
constexpr std::chrono::seconds kChangeTimeout{10};

using testing::LogCapture;
using testing::TemplateNames;
const std::vector<std::string>& kSampleNames = testing::kSampleTemplateNames;

class SambaTemplateSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = testing::SharedSamba(&error);
    ASSERT_NE(server_, nullptr) << error;
  }

  LdapTemplateSourceOptions Options() const {
    LdapTemplateSourceOptions options;
    options.uris = {testing::SambaServer::uri()};
    // The Samba fixture serves LDAP without TLS (ldap_samba.h).
    options.allow_cleartext = true;
    options.bind = LdapBind::kSimple;
    options.bind_dn = testing::SambaServer::admin_dn();
    options.password_file = server_->password_file();
    options.enrollment_service = "openadcs-CA";
    options.operation_timeout = std::chrono::seconds(5);
    options.reconnect_min = std::chrono::milliseconds(20);
    options.reconnect_max = std::chrono::milliseconds(200);
    options.snapshot_file = dir_.path() / "templates.snapshot";
    options.status_file = dir_.path() / "directory.status";
    return options;
  }

  std::unique_ptr<LdapTemplateSource> Open(const LdapTemplateSourceOptions& options) {
    Result<std::unique_ptr<LdapTemplateSource>> source = OpenLdapTemplateSource(options);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    return source.ok() ? std::move(source).value() : nullptr;
  }

  // Applies `ldif` and waits for the snapshot that follows.
  void Change(LdapTemplateSource& source, const std::string& ldif) {
    const std::uint64_t before = source.State().generation;
    ASSERT_EQ(server_->Modify(ldif), "");
    ASSERT_TRUE(source.WaitForGeneration(before, kChangeTimeout)) << "no snapshot after:\n" << ldif;
  }

  testing::TempDir dir_;
  testing::SambaServer* server_ = nullptr;
};

TEST_F(SambaTemplateSourceTest, InitialLoadEqualsWhatLdapsearchReturns) {
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(TemplateNames(*source->Current()), UnorderedElementsAreArray(kSampleNames));

  testing::ExpectSameAsLdapsearchExport(*source->Current(), *server_, dir_.path());

  const DirectoryState state = source->State();
  EXPECT_TRUE(state.connected);
  EXPECT_EQ(state.notification, "ad");
  EXPECT_EQ(state.snapshot_origin, "directory");
  EXPECT_EQ(state.templates, kSampleNames.size());
}

TEST_F(SambaTemplateSourceTest, PendAllRequestsTakesEffectWithoutRestart) {
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);
  const std::shared_ptr<const TemplateSnapshot> in_flight = source->Current();
  ASSERT_FALSE(in_flight->FindByName("AutoIssueSubject")->pend_all_requests());

  Change(*source, ReplaceLine(TemplateDn("AutoIssueSubject"), "msPKI-Enrollment-Flag", "2"));
  EXPECT_TRUE(source->Current()->FindByName("AutoIssueSubject")->pend_all_requests());
  EXPECT_FALSE(in_flight->FindByName("AutoIssueSubject")->pend_all_requests());
  EXPECT_NE(source->State().last_change, 0);

  Change(*source, ReplaceLine(TemplateDn("AutoIssueSubject"), "msPKI-Enrollment-Flag", "0"));
  EXPECT_FALSE(source->Current()->FindByName("AutoIssueSubject")->pend_all_requests());
}

TEST_F(SambaTemplateSourceTest, AddListDeleteAndDropFromList) {
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);

  Change(*source, NewTemplate("SambaExtra", "177"));
  EXPECT_EQ(source->Current()->FindByName("SambaExtra"), nullptr) << "not listed yet";
  Change(*source, ListTemplate("SambaExtra"));
  ASSERT_NE(source->Current()->FindByName("SambaExtra"), nullptr);
  EXPECT_NE(source->Current()->FindByOid("1.3.6.1.4.1.311.21.8.1.2.177"), nullptr);

  // AD reports a delete only in CN=Deleted Objects.
  Change(*source, testing::DeleteEntry(TemplateDn("SambaExtra")));
  EXPECT_EQ(source->Current()->FindByName("SambaExtra"), nullptr);

  Change(*source, NewTemplate("SambaExtra", "177"));
  ASSERT_NE(source->Current()->FindByName("SambaExtra"), nullptr) << "still listed";
  Change(*source, ListTemplate("SambaExtra", "delete"));
  EXPECT_EQ(source->Current()->FindByName("SambaExtra"), nullptr);
  EXPECT_EQ(source->Current()->templates().size(), kSampleNames.size());
  EXPECT_EQ(server_->Modify(testing::DeleteEntry(TemplateDn("SambaExtra"))), "");
}

TEST_F(SambaTemplateSourceTest, GarbageTemplateIsSkippedWithALogLine) {
  LogCapture log;
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);
  Change(*source, ListTemplate("SambaBroken"));
  // 7 bytes where a relative FILETIME needs 8.
  std::string broken = NewTemplate("SambaBroken", "178");
  const std::string good = "pKIExpirationPeriod:: AEA5hy7h/v8=";
  broken.replace(broken.find(good), good.size(), "pKIExpirationPeriod:: AEA5hy7h/g==");
  Change(*source, broken);
  EXPECT_EQ(source->Current()->FindByName("SambaBroken"), nullptr);
  EXPECT_EQ(source->Current()->templates().size(), kSampleNames.size());
  EXPECT_THAT(log.Text(), HasSubstr("template CN=SambaBroken,"));
  EXPECT_THAT(log.Text(), HasSubstr("skipped: pKIExpirationPeriod: expected 8 bytes, got 7"));

  Change(*source, ListTemplate("SambaBroken", "delete"));
  EXPECT_EQ(server_->Modify(testing::DeleteEntry(TemplateDn("SambaBroken"))), "");
}

TEST_F(SambaTemplateSourceTest, OutageKeepsServingAndPicksUpChangesMadeMeanwhile) {
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);
  const std::uint64_t before = source->State().generation;

  ASSERT_TRUE(server_->Stop());
  ASSERT_TRUE(source->WaitForConnected(false, kChangeTimeout));
  EXPECT_EQ(source->Current()->templates().size(), kSampleNames.size());
  EXPECT_THAT(testing::ReadTextFile(dir_.path() / "directory.status"), HasSubstr("connected=no"));

  ASSERT_EQ(
      server_->ModifyOffline(ReplaceLine(TemplateDn("WebServer"), "msPKI-Enrollment-Flag", "2")),
      "");
  ASSERT_TRUE(server_->Restart());
  ASSERT_TRUE(source->WaitForConnected(true, kChangeTimeout));
  EXPECT_GT(source->State().generation, before);
  EXPECT_TRUE(source->Current()->FindByName("WebServer")->pend_all_requests());
  EXPECT_THAT(testing::ReadTextFile(dir_.path() / "directory.status"), HasSubstr("connected=yes"));

  // Notification was registered again.
  Change(*source, ReplaceLine(TemplateDn("WebServer"), "msPKI-Enrollment-Flag", "0"));
  EXPECT_FALSE(source->Current()->FindByName("WebServer")->pend_all_requests());
}

TEST_F(SambaTemplateSourceTest, RestartDuringOutageServesTheDiskSnapshot) {
  const LdapTemplateSourceOptions options = Options();
  {
    std::unique_ptr<LdapTemplateSource> source = Open(options);
    ASSERT_NE(source, nullptr);
    Change(*source, ReplaceLine(TemplateDn("Machine"), "msPKI-Enrollment-Flag", "34"));
  }
  ASSERT_TRUE(server_->Stop());
  std::unique_ptr<LdapTemplateSource> source = Open(options);
  ASSERT_NE(source, nullptr);
  EXPECT_FALSE(source->State().connected);
  EXPECT_EQ(source->State().snapshot_origin, "disk");
  EXPECT_THAT(TemplateNames(*source->Current()), UnorderedElementsAreArray(kSampleNames));
  EXPECT_TRUE(source->Current()->FindByName("Machine")->pend_all_requests());

  ASSERT_TRUE(server_->Restart());
  ASSERT_TRUE(source->WaitForConnected(true, kChangeTimeout));
  EXPECT_EQ(source->State().snapshot_origin, "directory");
  Change(*source, ReplaceLine(TemplateDn("Machine"), "msPKI-Enrollment-Flag", "32"));
  EXPECT_FALSE(source->Current()->FindByName("Machine")->pend_all_requests());
}

}  // namespace
}  // namespace openadcs::directory
