#include "openadcs/directory/ldif_template_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/security/object_access.h"
#include "testing/pki.h"
#include "testing/template_inspection.h"

namespace openadcs::directory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const std::filesystem::path kSamples = OPENADCS_SOURCE_DIR "/config/templates";
const std::vector<std::string>& kSampleNames = openadcs::testing::kSampleTemplateNames;
constexpr char kTemplatesDn[] =
    "CN=Certificate Templates,CN=Public Key Services,CN=Services,CN=Configuration,DC=example,"
    "DC=com";
constexpr char kForestOid[] = "1.3.6.1.4.1.311.21.8.11034890.834619.12601478.16236816.7255827.176";
constexpr char kClientAuth[] = "1.3.6.1.5.5.7.3.2";
constexpr char kServerAuth[] = "1.3.6.1.5.5.7.3.1";

// Routes the default logger into a buffer for the life of the object.
class LogCapture {
 public:
  LogCapture()
      : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(128)),
        previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string Text() const {
    std::string all;
    for (const std::string& line : sink_->last_formatted()) all += line;
    return all;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

void ReplaceInFile(const std::filesystem::path& path, const std::string& from,
                   const std::string& to) {
  std::string text = ReadFile(path);
  std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << path;
  text.replace(at, from.size(), to);
  WriteFile(path, text);
}

// The sample folder copied into `dir`, so a test can change it.
void CopySamples(const std::filesystem::path& dir) {
  for (const auto& file : std::filesystem::directory_iterator(kSamples)) {
    std::filesystem::copy_file(file.path(), dir / file.path().filename());
  }
}

std::unique_ptr<TemplateSource> Open(const std::filesystem::path& dir, std::string service = "") {
  Result<std::unique_ptr<TemplateSource>> source =
      OpenLdifTemplateSource({.directory = dir, .enrollment_service = std::move(service)});
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  return source.ok() ? std::move(source).value() : nullptr;
}

std::vector<std::string> Names(const TemplateSnapshot& snapshot) {
  std::vector<std::string> names;
  for (const CertificateTemplate& t : snapshot.templates()) names.push_back(t.name);
  return names;
}

// A template entry whose `attribute` holds `value`, listed by nothing yet.
std::string TemplateLdif(const std::string& cn, const std::string& attribute,
                         const std::string& value) {
  return "dn: CN=" + cn + "," + kTemplatesDn +
         "\n"
         "objectClass: top\n"
         "objectClass: pKICertificateTemplate\n"
         "cn: " +
         cn +
         "\n"
         "msPKI-Template-Schema-Version: 2\n"
         "msPKI-Cert-Template-OID: 1.2.3.4.5\n" +
         attribute + ": " + value + "\n";
}

TEST(LdifTemplateSourceTest, SampleFolderServesEveryTemplate) {
  std::unique_ptr<TemplateSource> source = Open(kSamples);
  ASSERT_NE(source, nullptr);
  std::shared_ptr<const TemplateSnapshot> snapshot = source->Current();
  ASSERT_NE(snapshot, nullptr);
  EXPECT_THAT(
      Names(*snapshot),
      UnorderedElementsAre("User", "Machine", "WebServer", "OfficerApproval", "AutoIssueSubject",
                           "Workstation", "DomainController", "KerberosAuthentication"));
  // Loaded, but its enrollment service does not list it.
  EXPECT_EQ(snapshot->FindByName("SubCA"), nullptr);
}

TEST(LdifTemplateSourceTest, SampleUserTemplate) {
  std::unique_ptr<TemplateSource> source = Open(kSamples);
  ASSERT_NE(source, nullptr);
  const CertificateTemplate* t = source->Current()->FindByName("user");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->name, "User");
  EXPECT_EQ(t->display_name, "User");
  EXPECT_EQ(t->schema_version, 1U);
  EXPECT_EQ(
      t->oid,
      "1.3.6.1.4.1.311.21.8.11034890.834619.12601478.16236816.7255827.176.1.1");  // v1 templates
                                                                                  // keep their OID
                                                                                  // for lookups
  EXPECT_EQ(t->major_revision, 3U);
  EXPECT_EQ(t->minor_revision, 1U);
  EXPECT_EQ(t->general_flags, 66106U);
  EXPECT_EQ(t->enrollment_flags, 41U);
  EXPECT_EQ(t->private_key_flags, 16U);
  EXPECT_EQ(t->name_flags, 0xA6000000U);
  EXPECT_FALSE(t->enrollee_supplies_subject());
  EXPECT_EQ(t->minimal_key_size, 2048U);
  EXPECT_EQ(t->default_key_spec, 1U);
  EXPECT_EQ(t->key_usage, std::optional<std::uint16_t>(0x0005));
  EXPECT_EQ(t->max_issuing_depth, 0);
  EXPECT_EQ(t->validity_seconds, 31536000);
  EXPECT_EQ(t->overlap_seconds, 3628800);
  EXPECT_THAT(t->extended_key_usage,
              ElementsAre("1.3.6.1.4.1.311.10.3.4", "1.3.6.1.5.5.7.3.4", kClientAuth));
  EXPECT_THAT(t->critical_extensions, ElementsAre("2.5.29.15"));
  EXPECT_THAT(t->default_csps, ElementsAre("2,Microsoft Base Cryptographic Provider v1.0",
                                           "1,Microsoft Enhanced Cryptographic Provider v1.0"));
}

TEST(LdifTemplateSourceTest, SampleMachineTemplate) {
  std::unique_ptr<TemplateSource> source = Open(kSamples);
  ASSERT_NE(source, nullptr);
  const CertificateTemplate* t = source->Current()->FindByName("Machine");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->display_name, "Computer");
  EXPECT_EQ(t->general_flags, 66144U);
  EXPECT_NE(t->general_flags & general_flag::kMachineType, 0U);
  EXPECT_EQ(t->name_flags, name_flag::kAltRequireDns | name_flag::kSubjectRequireDnsAsCn);
  EXPECT_EQ(t->enrollment_flags, enrollment_flag::kAutoEnrollment);
  EXPECT_EQ(t->major_revision, 5U);
  EXPECT_EQ(t->key_usage, std::optional<std::uint16_t>(0x0005));
  EXPECT_THAT(t->extended_key_usage, ElementsAre(kClientAuth, kServerAuth));
}

TEST(LdifTemplateSourceTest, SampleWebServerTemplate) {
  std::unique_ptr<TemplateSource> source = Open(kSamples);
  ASSERT_NE(source, nullptr);
  const CertificateTemplate* t = source->Current()->FindByName("WebServer");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->display_name, "Web Server");
  EXPECT_EQ(t->general_flags, 66113U);
  EXPECT_EQ(t->name_flags, name_flag::kEnrolleeSuppliesSubject);
  EXPECT_EQ(t->enrollment_flags, 0U);
  EXPECT_EQ(t->major_revision, 4U);
  EXPECT_EQ(t->validity_seconds, 2 * 31536000);
  EXPECT_EQ(t->overlap_seconds, 6 * 7 * 86400);
  EXPECT_THAT(t->effective_ekus(), ElementsAre(kServerAuth));
}

TEST(LdifTemplateSourceTest, SampleSubCaTemplate) {
  openadcs::testing::TempDir dir;
  CopySamples(dir.path());
  ReplaceInFile(dir.path() / "enrollment-service.ldif", "certificateTemplates: User\n",
                "certificateTemplates: User\ncertificateTemplates: SubCA\n");
  std::unique_ptr<TemplateSource> source = Open(dir.path());
  ASSERT_NE(source, nullptr);
  const CertificateTemplate* t = source->Current()->FindByName("SubCA");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->general_flags, 66257U);
  EXPECT_TRUE(t->is_ca());
  EXPECT_EQ(t->key_usage, std::optional<std::uint16_t>(0x0061));
  EXPECT_EQ(t->max_issuing_depth, -1);
  EXPECT_EQ(t->validity_seconds, 5 * 31536000);
  EXPECT_EQ(t->default_key_spec, 2U);
  EXPECT_EQ(t->minimal_key_size, 1024U);
  EXPECT_THAT(t->critical_extensions, ElementsAre("2.5.29.15", "2.5.29.19"));
  EXPECT_TRUE(t->extended_key_usage.empty());
  // Only BUILTIN\Administrators may enroll.
  ASSERT_TRUE(t->security.has_value());
  using security::Sid;
  const Sid users[] = {security::well_known::kAuthenticatedUsers};
  const Sid admins[] = {security::well_known::kBuiltinAdministrators};
  EXPECT_FALSE(security::HasExtendedRight(*t->security, users, security::extended_right::kEnroll));
  EXPECT_TRUE(security::HasExtendedRight(*t->security, admins, security::extended_right::kEnroll));
}

// Authenticated Users may enroll on every sample template but the domain
// controllers' ones, on which (as Windows installs them) Enterprise Domain
// Controllers may, and users may not.
TEST(LdifTemplateSourceTest, SampleTemplatesLetAuthenticatedUsersEnroll) {
  std::unique_ptr<TemplateSource> source = Open(kSamples);
  ASSERT_NE(source, nullptr);
  const security::Sid users[] = {security::well_known::kAuthenticatedUsers};
  const security::Sid dcs[] = {security::Sid::Constant(5, {9})};  // Enterprise DCs
  ASSERT_EQ(source->Current()->templates().size(), kSampleNames.size());
  for (const CertificateTemplate& t : source->Current()->templates()) {
    ASSERT_TRUE(t.security.has_value()) << t.name;
    const bool for_dcs = t.name == "DomainController" || t.name == "KerberosAuthentication";
    EXPECT_EQ(security::HasExtendedRight(*t.security, users, security::extended_right::kEnroll),
              !for_dcs)
        << t.name;
    EXPECT_EQ(security::HasExtendedRight(*t.security, dcs, security::extended_right::kEnroll),
              for_dcs)
        << t.name;
    EXPECT_EQ(t.security->owner, security::well_known::kBuiltinAdministrators) << t.name;
  }
}

// The machine and domain controller templates as MS-CRTD section 3 lists
// them: what each takes from the directory and what the certificate is for.
TEST(LdifTemplateSourceTest, SampleDomainTemplates) {
  std::unique_ptr<TemplateSource> source = Open(kSamples);
  ASSERT_NE(source, nullptr);
  namespace nf = name_flag;
  struct Want {
    const char* name;
    std::uint32_t schema_version;
    std::uint32_t name_flags;
    std::vector<std::string> ekus;
    std::vector<std::string> critical;
    const char* oid_suffix;
  };
  const Want wants[] = {
      {"Workstation", 2, nf::kAltRequireDns, {kClientAuth}, {"2.5.29.15"}, ".1.30"},
      {"DomainController",
       1,
       nf::kSubjectRequireDnsAsCn | nf::kAltRequireDns | nf::kAltRequireDirectoryGuid,
       {kClientAuth, kServerAuth},
       {"2.5.29.15"},
       ".1.15"},
      {"KerberosAuthentication",
       2,
       nf::kAltRequireDns | nf::kAltRequireDomainDns,
       {kClientAuth, kServerAuth, "1.3.6.1.4.1.311.20.2.2", "1.3.6.1.5.2.3.5"},
       {"2.5.29.15", "2.5.29.17"},
       ".1.33"},
  };
  for (const Want& want : wants) {
    SCOPED_TRACE(want.name);
    const CertificateTemplate* t = source->Current()->FindByName(want.name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->schema_version, want.schema_version);
    EXPECT_EQ(t->name_flags, want.name_flags);
    EXPECT_NE(t->general_flags & general_flag::kMachineType, 0u);
    EXPECT_EQ(t->effective_ekus(), want.ekus);
    EXPECT_EQ(t->critical_extensions, want.critical);
    EXPECT_EQ(t->oid, std::string(kForestOid) + want.oid_suffix);
    EXPECT_EQ(t->minimal_key_size, 2048u);
    EXPECT_EQ(t->key_usage,
              std::optional<std::uint16_t>(0x05));  // digitalSignature, keyEncipherment
    EXPECT_EQ(t->validity_seconds, 365LL * 24 * 3600);
  }
}

TEST(LdifTemplateSourceTest, SampleOfficerApprovalTemplate) {
  std::unique_ptr<TemplateSource> source = Open(kSamples);
  ASSERT_NE(source, nullptr);
  const std::string oid = std::string(kForestOid) + ".8245731.9624577";
  const CertificateTemplate* t = source->Current()->FindByOid(oid);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->name, "OfficerApproval");
  EXPECT_EQ(t->schema_version, 2U);
  EXPECT_EQ(t->major_revision, 100U);
  EXPECT_EQ(t->minor_revision, 2U);
  EXPECT_EQ(t->enrollment_flags, enrollment_flag::kPendAllRequests);
  EXPECT_TRUE(t->pend_all_requests());
  EXPECT_TRUE(t->enrollee_supplies_subject());
  EXPECT_EQ(t->private_key_flags, 0x01010010U);
  EXPECT_THAT(t->application_policies, ElementsAre(kClientAuth));
  EXPECT_THAT(t->effective_ekus(), ElementsAre(kClientAuth));
}

TEST(LdifTemplateSourceTest, SampleAutoIssueSubjectTemplate) {
  std::unique_ptr<TemplateSource> source = Open(kSamples);
  ASSERT_NE(source, nullptr);
  const CertificateTemplate* t = source->Current()->FindByName("AutoIssueSubject");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->oid, std::string(kForestOid) + ".3870421.11598423");
  EXPECT_EQ(t->schema_version, 2U);
  EXPECT_EQ(t->minor_revision, 3U);
  EXPECT_FALSE(t->pend_all_requests());
  EXPECT_TRUE(t->enrollee_supplies_subject());
  EXPECT_EQ(t->validity_seconds, 31536000);
  EXPECT_THAT(t->effective_ekus(), ElementsAre(kServerAuth, kClientAuth));
}

TEST(LdifTemplateSourceTest, NamedEnrollmentServiceMatchesCaseInsensitively) {
  EXPECT_NE(Open(kSamples, "OPENADCS-ca"), nullptr);
  Result<std::unique_ptr<TemplateSource>> other =
      OpenLdifTemplateSource({.directory = kSamples, .enrollment_service = "other-CA"});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument);
}

TEST(LdifTemplateSourceTest, EnrollmentServiceListDecidesWhatIsServed) {
  openadcs::testing::TempDir dir;
  CopySamples(dir.path());
  ReplaceInFile(dir.path() / "enrollment-service.ldif",
                "certificateTemplates: Machine\n"
                "certificateTemplates: WebServer\n",
                "certificateTemplates: webserver\n");
  std::unique_ptr<TemplateSource> source = Open(dir.path());
  ASSERT_NE(source, nullptr);
  std::shared_ptr<const TemplateSnapshot> snapshot = source->Current();
  EXPECT_EQ(Names(*snapshot).size(), kSampleNames.size() - 1);
  EXPECT_NE(snapshot->FindByName("WebServer"), nullptr);
  EXPECT_EQ(snapshot->FindByName("Machine"), nullptr);
  EXPECT_EQ(snapshot->FindByName("SubCA"), nullptr);
}

TEST(LdifTemplateSourceTest, TemplateThatDoesNotParseIsSkippedWithAWarning) {
  struct Case {
    const char* attribute;
    const char* value;
  };
  for (const Case& c : {Case{"msPKI-Enrollment-Flag", "12abc"},
                        Case{"pKIExpirationPeriod:", "AEA5hy7h/g=="},  // 7 bytes
                        Case{"pKIExtendedKeyUsage", "1.3.6.1.5.5.7.3.2.x"},
                        Case{"msPKI-Certificate-Name-Flag", "-2147483649"}}) {
    SCOPED_TRACE(c.attribute);
    openadcs::testing::TempDir dir;
    CopySamples(dir.path());
    WriteFile(dir.path() / "broken.ldif", TemplateLdif("Broken", c.attribute, c.value));
    ReplaceInFile(dir.path() / "enrollment-service.ldif", "certificateTemplates: User\n",
                  "certificateTemplates: User\ncertificateTemplates: Broken\n");
    LogCapture log;
    std::unique_ptr<TemplateSource> source = Open(dir.path());
    ASSERT_NE(source, nullptr);
    std::shared_ptr<const TemplateSnapshot> snapshot = source->Current();
    EXPECT_EQ(snapshot->FindByName("Broken"), nullptr);
    EXPECT_EQ(snapshot->templates().size(), kSampleNames.size());
    std::string attribute = c.attribute;
    if (attribute.back() == ':') attribute.pop_back();
    EXPECT_THAT(log.Text(), HasSubstr(std::string("CN=Broken,") + kTemplatesDn));
    EXPECT_THAT(log.Text(), HasSubstr(attribute));
  }
}

TEST(LdifTemplateSourceTest, RecordThatIsNotLdifIsSkipped) {
  openadcs::testing::TempDir dir;
  CopySamples(dir.path());
  ReplaceInFile(dir.path() / "webserver.ldif", "pKIKeyUsage:: oAA=", "pKIKeyUsage:: o#A=");
  std::unique_ptr<TemplateSource> source = Open(dir.path());
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->Current()->FindByName("WebServer"), nullptr);
  EXPECT_EQ(source->Current()->templates().size(), kSampleNames.size() - 1);
}

TEST(LdifTemplateSourceTest, OpenFailsWithoutAUsableEnrollmentService) {
  openadcs::testing::TempDir dir;
  Result<std::unique_ptr<TemplateSource>> missing =
      OpenLdifTemplateSource({.directory = dir.path() / "absent", .enrollment_service = ""});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIOError);

  CopySamples(dir.path());
  std::filesystem::remove(dir.path() / "enrollment-service.ldif");
  Result<std::unique_ptr<TemplateSource>> none =
      OpenLdifTemplateSource({.directory = dir.path(), .enrollment_service = ""});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);

  std::string service = ReadFile(kSamples / "enrollment-service.ldif");
  WriteFile(dir.path() / "service-a.ldif", service);
  std::size_t at = service.find("openadcs-CA");
  while (at != std::string::npos) {
    service.replace(at, 11, "second-CA");
    at = service.find("openadcs-CA");
  }
  WriteFile(dir.path() / "service-b.ldif", service);
  Result<std::unique_ptr<TemplateSource>> two =
      OpenLdifTemplateSource({.directory = dir.path(), .enrollment_service = ""});
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(Open(dir.path(), "second-CA"), nullptr);
}

TEST(LdifTemplateSourceTest, ReloadSwapsAndHeldSnapshotsStayUnchanged) {
  openadcs::testing::TempDir dir;
  CopySamples(dir.path());
  std::unique_ptr<TemplateSource> source = Open(dir.path());
  ASSERT_NE(source, nullptr);
  std::shared_ptr<const TemplateSnapshot> before = source->Current();
  ASSERT_NE(before->FindByName("User"), nullptr);

  ReplaceInFile(dir.path() / "user.ldif", "msPKI-Minimal-Key-Size: 2048",
                "msPKI-Minimal-Key-Size: 4096");
  ReplaceInFile(dir.path() / "enrollment-service.ldif", "certificateTemplates: WebServer\n", "");
  ASSERT_TRUE(source->Reload().ok());

  std::shared_ptr<const TemplateSnapshot> after = source->Current();
  EXPECT_NE(after, before);
  EXPECT_EQ(after->FindByName("User")->minimal_key_size, 4096U);
  EXPECT_EQ(after->FindByName("WebServer"), nullptr);
  // The snapshot a request took before the reload is what it was.
  EXPECT_EQ(before->FindByName("User")->minimal_key_size, 2048U);
  EXPECT_NE(before->FindByName("WebServer"), nullptr);
  EXPECT_EQ(before->templates().size(), kSampleNames.size());
}

TEST(LdifTemplateSourceTest, FailedReloadKeepsTheOldSnapshot) {
  openadcs::testing::TempDir dir;
  const std::filesystem::path folder = dir.path() / "templates";
  std::filesystem::create_directory(folder);
  CopySamples(folder);
  std::unique_ptr<TemplateSource> source = Open(folder);
  ASSERT_NE(source, nullptr);
  std::shared_ptr<const TemplateSnapshot> loaded = source->Current();

  std::filesystem::remove(folder / "enrollment-service.ldif");
  Status no_service = source->Reload();
  EXPECT_EQ(no_service.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source->Current(), loaded);

  std::filesystem::remove_all(folder);
  Status no_folder = source->Reload();
  EXPECT_EQ(no_folder.code(), StatusCode::kIOError);
  EXPECT_EQ(source->Current(), loaded);
  EXPECT_EQ(source->Current()->templates().size(), kSampleNames.size());

  // And a later good reload recovers.
  std::filesystem::create_directory(folder);
  CopySamples(folder);
  ASSERT_TRUE(source->Reload().ok());
  EXPECT_NE(source->Current(), loaded);
  EXPECT_EQ(source->Current()->templates().size(), kSampleNames.size());
}

TEST(LdifTemplateSourceTest, ReadersSeeWholeSnapshotsDuringReloads) {
  openadcs::testing::TempDir dir;
  CopySamples(dir.path());
  std::unique_ptr<TemplateSource> source = Open(dir.path());
  ASSERT_NE(source, nullptr);
  constexpr int kReaders = 4;
  constexpr int kReads = 200;
  constexpr int kReloads = 10;
  std::vector<int> incomplete(kReaders, 0);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&source, &incomplete, r] {
      for (int i = 0; i < kReads; ++i) {
        std::shared_ptr<const TemplateSnapshot> snapshot = source->Current();
        if (snapshot->templates().size() != kSampleNames.size() ||
            snapshot->FindByName("User") == nullptr) {
          ++incomplete[r];
        }
      }
    });
  }
  for (int i = 0; i < kReloads; ++i) EXPECT_TRUE(source->Reload().ok());
  for (std::thread& t : readers) t.join();
  EXPECT_THAT(incomplete, ::testing::Each(0));
}

}  // namespace
}  // namespace openadcs::directory
