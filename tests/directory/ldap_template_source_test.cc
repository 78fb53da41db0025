// The LDAP template source against a real private slapd (AD PKI schema,
// syncprov) started per test: discovery and paged load, RFC 4533 change
// notification, outages, the disk snapshot and the status file.
#include "openadcs/directory/ldap_template_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "openadcs/util/hresult.h"
#include "testing/ldap_slapd.h"
#include "testing/ldap_template_edits.h"
#include "testing/pki.h"
#include "testing/template_inspection.h"

namespace openadcs::directory {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

// Every wait for the directory is bounded by this; changes arrive in tens of ms.
constexpr std::chrono::seconds kChangeTimeout{10};

using testing::ListTemplate;
using testing::LogCapture;
using testing::NewTemplate;
using testing::ReplaceLine;
using testing::TemplateDn;
using testing::TemplateNames;
const std::vector<std::string>& kSampleNames = testing::kSampleTemplateNames;

class LdapTemplateSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = testing::SlapdServer::Start(dir_.path() / "slapd", &error);
    ASSERT_NE(server_, nullptr) << error;
  }

  LdapTemplateSourceOptions Options() const {
    LdapTemplateSourceOptions options;
    options.uris = {server_->uri()};
    options.bind = LdapBind::kSimple;
    options.bind_dn = testing::SlapdServer::admin_dn();
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
  std::unique_ptr<testing::SlapdServer> server_;
};

TEST_F(LdapTemplateSourceTest, InitialLoadEqualsWhatLdapsearchReturns) {
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(TemplateNames(*source->Current()), UnorderedElementsAreArray(kSampleNames));

  // What ldapsearch prints, read by the LDIF source, is the same model.
  testing::ExpectSameAsLdapsearchExport(*source->Current(), *server_, dir_.path());

  const DirectoryState state = source->State();
  EXPECT_TRUE(state.connected);
  EXPECT_EQ(state.notification, "rfc4533");
  EXPECT_EQ(state.snapshot_origin, "directory");
  EXPECT_EQ(state.templates, kSampleNames.size());
}

TEST_F(LdapTemplateSourceTest, PagedLoadWithSmallPagesAndExternalBind) {
  LdapTemplateSourceOptions options = Options();
  options.page_size = 2;
  options.bind = LdapBind::kSaslExternal;  // ldapi peer credentials
  options.bind_dn.clear();
  options.password_file.clear();
  std::unique_ptr<LdapTemplateSource> source = Open(options);
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(TemplateNames(*source->Current()), UnorderedElementsAreArray(kSampleNames));
}

TEST_F(LdapTemplateSourceTest, FailsOverToTheNextUri) {
  LdapTemplateSourceOptions options = Options();
  options.uris = {"ldapi://%2Fnonexistent%2Fldapi", server_->uri()};
  std::unique_ptr<LdapTemplateSource> source = Open(options);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->State().server, server_->uri());
  EXPECT_EQ(source->Current()->templates().size(), kSampleNames.size());
}

TEST_F(LdapTemplateSourceTest, BadPasswordIsRefusedWithoutRetrying) {
  LdapTemplateSourceOptions options = Options();
  std::ofstream(dir_.path() / "wrong") << "not-the-password\n";
  options.password_file = dir_.path() / "wrong";
  Result<std::unique_ptr<LdapTemplateSource>> source = OpenLdapTemplateSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(source.status().message(), HasSubstr("invalid credentials"));
}

TEST_F(LdapTemplateSourceTest, UnknownEnrollmentServiceFails) {
  LdapTemplateSourceOptions options = Options();
  options.enrollment_service = "other-CA";
  Result<std::unique_ptr<LdapTemplateSource>> source = OpenLdapTemplateSource(options);
  ASSERT_FALSE(source.ok());
  EXPECT_THAT(source.status().message(), HasSubstr("no pKIEnrollmentService with cn other-CA"));
}

TEST_F(LdapTemplateSourceTest, PendAllRequestsTakesEffectWithoutRestart) {
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);
  const std::shared_ptr<const TemplateSnapshot> in_flight = source->Current();
  ASSERT_FALSE(in_flight->FindByName("AutoIssueSubject")->pend_all_requests());

  Change(*source, ReplaceLine(TemplateDn("AutoIssueSubject"), "msPKI-Enrollment-Flag", "2"));
  EXPECT_TRUE(source->Current()->FindByName("AutoIssueSubject")->pend_all_requests());
  // A request that started before the change keeps its snapshot.
  EXPECT_FALSE(in_flight->FindByName("AutoIssueSubject")->pend_all_requests());
  EXPECT_NE(source->State().last_change, 0);
}

TEST_F(LdapTemplateSourceTest, AddListDeleteAndDropFromList) {
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);

  Change(*source, NewTemplate("Extra", "77"));
  EXPECT_EQ(source->Current()->FindByName("Extra"), nullptr) << "not listed yet";
  Change(*source, ListTemplate("Extra"));
  ASSERT_NE(source->Current()->FindByName("Extra"), nullptr);
  EXPECT_NE(source->Current()->FindByOid("1.3.6.1.4.1.311.21.8.1.2.77"), nullptr);

  Change(*source, testing::DeleteEntry(TemplateDn("Extra")));
  EXPECT_EQ(source->Current()->FindByName("Extra"), nullptr);

  Change(*source, NewTemplate("Extra", "77"));
  ASSERT_NE(source->Current()->FindByName("Extra"), nullptr) << "still listed";
  Change(*source, ListTemplate("Extra", "delete"));
  EXPECT_EQ(source->Current()->FindByName("Extra"), nullptr);
  EXPECT_EQ(source->Current()->templates().size(), kSampleNames.size());
}

TEST_F(LdapTemplateSourceTest, GarbageTemplateIsSkippedWithALogLine) {
  LogCapture log;
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);
  Change(*source, ListTemplate("Broken"));
  // 7 bytes where a relative FILETIME needs 8.
  std::string broken = NewTemplate("Broken", "78");
  const std::string good = "pKIExpirationPeriod:: AEA5hy7h/v8=";
  broken.replace(broken.find(good), good.size(), "pKIExpirationPeriod:: AEA5hy7h/g==");
  Change(*source, broken);
  EXPECT_EQ(source->Current()->FindByName("Broken"), nullptr);
  EXPECT_EQ(source->Current()->templates().size(), kSampleNames.size());
  // slapd hands the DN back in its own case.
  EXPECT_THAT(log.Text(), HasSubstr("template cn=Broken,"));
  EXPECT_THAT(log.Text(), HasSubstr("skipped: pKIExpirationPeriod: expected 8 bytes, got 7"));
}

TEST_F(LdapTemplateSourceTest, OutageKeepsServingAndPicksUpChangesMadeMeanwhile) {
  metrics::Registry metrics;
  LdapTemplateSourceOptions options = Options();
  options.metrics = &metrics;
  std::unique_ptr<LdapTemplateSource> source = Open(options);
  ASSERT_NE(source, nullptr);
  const std::uint64_t before = source->State().generation;
  const auto gauge = [&](const char* name, const metrics::Labels& labels = {}) {
    return metrics.GetGauge(name, "", labels).value();
  };
  ASSERT_TRUE(source->WaitForConnected(true, kChangeTimeout));
  EXPECT_EQ(gauge("openadcs_directory_connected"), 1);
  EXPECT_EQ(gauge("openadcs_directory_notification", {{"kind", "rfc4533"}}), 1);
  EXPECT_EQ(gauge("openadcs_directory_notification", {{"kind", "ad"}}), 0);
  EXPECT_EQ(gauge("openadcs_directory_templates"), static_cast<double>(kSampleNames.size()));

  ASSERT_TRUE(server_->Stop());
  ASSERT_TRUE(source->WaitForConnected(false, kChangeTimeout));
  EXPECT_EQ(source->Current()->templates().size(), kSampleNames.size());
  EXPECT_THAT(testing::ReadTextFile(dir_.path() / "directory.status"), HasSubstr("connected=no"));
  EXPECT_EQ(gauge("openadcs_directory_connected"), 0);
  EXPECT_EQ(gauge("openadcs_directory_notification", {{"kind", "rfc4533"}}), 0);

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

TEST_F(LdapTemplateSourceTest, RestartDuringOutageServesTheDiskSnapshot) {
  const LdapTemplateSourceOptions options = Options();
  {
    std::unique_ptr<LdapTemplateSource> source = Open(options);
    ASSERT_NE(source, nullptr);
    Change(*source, ReplaceLine(TemplateDn("User"), "msPKI-Enrollment-Flag", "2"));
  }
  struct stat st {};
  ASSERT_EQ(stat(options.snapshot_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ASSERT_TRUE(server_->Stop());
  std::unique_ptr<LdapTemplateSource> source = Open(options);
  ASSERT_NE(source, nullptr);
  EXPECT_FALSE(source->State().connected);
  EXPECT_EQ(source->State().snapshot_origin, "disk");
  EXPECT_THAT(TemplateNames(*source->Current()), UnorderedElementsAreArray(kSampleNames));
  EXPECT_TRUE(source->Current()->FindByName("User")->pend_all_requests());

  ASSERT_TRUE(server_->Restart());
  ASSERT_TRUE(source->WaitForConnected(true, kChangeTimeout));
  EXPECT_EQ(source->State().snapshot_origin, "directory");
}

TEST_F(LdapTemplateSourceTest, NoServerAndNoSnapshotFails) {
  ASSERT_TRUE(server_->Stop());
  Result<std::unique_ptr<LdapTemplateSource>> source = OpenLdapTemplateSource(Options());
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kUnavailable);
}

// --- SetServedTemplates (SetCAProperty CR_PROP_TEMPLATES) ---

// certificateTemplates of the sample enrollment service, as slapd holds it.
std::vector<std::string> ListedInDirectory(testing::SlapdServer& server) {
  testing::CommandResult r = server.Search(testing::kExampleServiceDn, "base", "(objectClass=*)");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> names;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    constexpr std::string_view kPrefix = "certificateTemplates: ";
    if (line.starts_with(kPrefix)) names.push_back(line.substr(kPrefix.size()));
  }
  return names;
}

TEST_F(LdapTemplateSourceTest, SetServedTemplatesWritesTheDirectoryAndTheChangeIsServed) {
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);
  const std::uint64_t before = source->State().generation;

  // SubCA is in the directory but not served; names keep the directory's spelling.
  ASSERT_TRUE(source->SetServedTemplates({"subca", "User"}).ok());
  EXPECT_THAT(ListedInDirectory(*server_), UnorderedElementsAre("SubCA", "User"));
  ASSERT_TRUE(source->WaitForGeneration(before, kChangeTimeout));
  EXPECT_THAT(TemplateNames(*source->Current()), UnorderedElementsAre("SubCA", "User"));
}

TEST_F(LdapTemplateSourceTest, SetServedTemplatesRefusesAnUnknownNameAndWritesNothing) {
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);
  LogCapture log;
  const Status s = source->SetServedTemplates({"User", "NoSuchTemplate"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.hresult(), hr::kInvalidArg);
  EXPECT_THAT(s.message(), HasSubstr("NoSuchTemplate"));
  EXPECT_THAT(log.Text(), HasSubstr("served templates not changed"));
  EXPECT_THAT(ListedInDirectory(*server_), UnorderedElementsAreArray(kSampleNames));
}

TEST_F(LdapTemplateSourceTest, SetServedTemplatesWithoutWriteAccessIsRefusedByTheDirectory) {
  LdapTemplateSourceOptions options = Options();
  options.bind = LdapBind::kAnonymous;  // slapd lets anyone read, only its root DN write
  options.bind_dn.clear();
  options.password_file.clear();
  std::unique_ptr<LdapTemplateSource> source = Open(options);
  ASSERT_NE(source, nullptr);
  const Status s = source->SetServedTemplates({"User"});
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_EQ(s.hresult(), hr::kDsInsuffAccessRights);
  EXPECT_THAT(ListedInDirectory(*server_), UnorderedElementsAreArray(kSampleNames));
}

TEST_F(LdapTemplateSourceTest, SetServedTemplatesWhileTheDirectoryIsDownIsServerDown) {
  std::unique_ptr<LdapTemplateSource> source = Open(Options());
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(server_->Stop());
  const Status s = source->SetServedTemplates({"User"});
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_EQ(s.hresult(), hr::kDsServerDown);
  EXPECT_THAT(TemplateNames(*source->Current()), UnorderedElementsAreArray(kSampleNames));
}

}  // namespace
}  // namespace openadcs::directory
