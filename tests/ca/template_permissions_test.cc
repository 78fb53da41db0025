// The template's own Enroll permission (MS-WCCE 3.2.2.6.2.1.4.3): the engine
// on an LDIF folder holding the samples plus two templates of this test, one
// whose descriptor lets only a group enroll (and denies one of its members),
// one with no descriptor at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "openadcs/directory/ldif_template_source.h"
#include "openadcs/security/object_access.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/util/hresult.h"
#include "testing/engine_fixture.h"
#include "testing/template_descriptors.h"
#include "testing/template_inspection.h"

namespace openadcs::ca {
namespace {

using testing::GroupOnlyDescriptor;
using ::testing::HasSubstr;
using testing::kEnrollees;
using testing::kMallory;
using testing::kMember;
namespace sec = security;

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Replace(std::string* text, const std::string& from, const std::string& to) {
  for (std::size_t at = text->find(from); at != std::string::npos;
       at = text->find(from, at + to.size())) {
    text->replace(at, from.size(), to);
  }
}

class TemplatePermissionsTest : public testing::EngineTestBase {
 protected:
  bool StartsEngine() const override { return false; }
  ca::EngineOptions Options() const override {
    ca::EngineOptions options;
    options.enforce_template_permissions = enforce_;
    return options;
  }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(EngineTestBase::SetUp());
    const std::filesystem::path samples =
        std::filesystem::path(OPENADCS_SOURCE_DIR) / "config" / "templates";
    const std::filesystem::path folder = dir_.path() / "templates";
    std::filesystem::create_directory(folder);
    for (const auto& entry : std::filesystem::directory_iterator(samples)) {
      if (entry.path().extension() == ".ldif") {
        std::filesystem::copy_file(entry.path(), folder / entry.path().filename());
      }
    }
    std::ofstream(folder / "enrollment-service.ldif", std::ios::app)
        << "certificateTemplates: Restricted\ncertificateTemplates: Unprotected\n";
    const std::string base = ReadText(samples / "auto-issue-subject.ldif");
    std::string restricted = base;
    Replace(&restricted, "AutoIssueSubject", "Restricted");
    Replace(&restricted, ".3870421.11598423", ".3870421.1");
    const std::size_t sd_at = restricted.find("nTSecurityDescriptor:: ");
    ASSERT_NE(sd_at, std::string::npos);
    restricted.replace(sd_at, std::string::npos,
                       "nTSecurityDescriptor:: " + GroupOnlyDescriptor() + "\n");
    std::ofstream(folder / "restricted.ldif") << restricted;
    std::string unprotected = base.substr(0, base.find("# O:BAG:BAD:"));
    Replace(&unprotected, "AutoIssueSubject", "Unprotected");
    Replace(&unprotected, ".3870421.11598423", ".3870421.2");
    std::ofstream(folder / "unprotected.ldif") << unprotected;

    auto source = directory::OpenLdifTemplateSource({folder, "openadcs-CA"});
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    templates_ = std::move(source).value();
    ASSERT_NE(templates_->Current()->FindByName("Restricted"), nullptr);
    ASSERT_NE(templates_->Current()->FindByName("Unprotected"), nullptr);
    StartEngine(Options());
  }

  SubmitResult Enroll(const Caller& caller, const std::string& template_name) {
    return SubmitAs(caller, Csr("host.example.com"), "CertificateTemplate:" + template_name);
  }

  bool enforce_ = true;
};

TEST_F(TemplatePermissionsTest, MemberOfTheGrantedGroupEnrolls) {
  SubmitResult r = Enroll(kMember, "Restricted");
  EXPECT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
}

TEST_F(TemplatePermissionsTest, OthersAreDeniedWithARowAndALogLine) {
  testing::LogCapture log;
  SubmitResult r = Enroll(requester_, "Restricted");
  EXPECT_EQ(r.disposition, WireDisposition::kDenied);
  EXPECT_EQ(r.status, hr::kTemplateDenied);
  EXPECT_THAT(r.message, HasSubstr("'Restricted'"));
  EXPECT_THAT(r.message, HasSubstr(requester_.name));
  ASSERT_NE(r.request_id, 0u);
  auto rec = store_->GetRequest(r.request_id);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->disposition, db::Disposition::kDenied);
  EXPECT_EQ(rec->status_code, hr::kTemplateDenied);
  EXPECT_EQ(rec->template_name, "Restricted");
  EXPECT_EQ(rec->requester_name, requester_.name);
  auto extensions = store_->ListExtensions(r.request_id);
  ASSERT_TRUE(extensions.ok());
  for (const auto& row : *extensions) {
    EXPECT_NE(row.flags & db::extension_flag::kOriginMask, db::extension_flag::kOriginPolicy)
        << row.name;
  }
  EXPECT_THAT(log.Text(), HasSubstr("denied"));
  EXPECT_THAT(log.Text(), HasSubstr("do not allow " + requester_.name));
}

TEST_F(TemplatePermissionsTest, DenyAceOnTheMemberWins) {
  SubmitResult r = Enroll(kMallory, "Restricted");
  EXPECT_EQ(r.disposition, WireDisposition::kDenied);
  EXPECT_EQ(r.status, hr::kTemplateDenied);
}

TEST_F(TemplatePermissionsTest, TemplateWithoutDescriptorAdmitsNoOne) {
  SubmitResult r = Enroll(kMember, "Unprotected");
  EXPECT_EQ(r.status, hr::kTemplateDenied);
  EXPECT_THAT(r.message, HasSubstr("no security descriptor"));
}

TEST_F(TemplatePermissionsTest, SampleTemplatesAdmitAuthenticatedUsers) {
  for (const char* name : {"User", "Machine", "WebServer", "AutoIssueSubject"}) {
    const auto* t = templates_->Current()->FindByName(name);
    ASSERT_NE(t, nullptr) << name;
    ASSERT_TRUE(t->security.has_value()) << name;
    EXPECT_TRUE(sec::HasExtendedRight(*t->security,
                                      std::vector<sec::Sid>{sec::well_known::kAuthenticatedUsers},
                                      sec::extended_right::kEnroll))
        << name;
  }
  SubmitResult r = Enroll(requester_, "AutoIssueSubject");
  EXPECT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
}

TEST_F(TemplatePermissionsTest, TheCaEnrollRightIsStillRequired) {
  // In the template's group, but not in Authenticated Users, which alone
  // holds the CA's Enroll right.
  const Caller outsider{"EXAMPLE\\dave", "S-1-5-21-1-2-3-1108", {kEnrollees}};
  SubmitResult r = Enroll(outsider, "Restricted");
  EXPECT_EQ(r.status, hr::kEnrollDenied);
}

TEST_F(TemplatePermissionsTest, IgnoreSettingAdmitsEveryoneTheCaAdmits) {
  enforce_ = false;
  StartEngine(Options());
  EXPECT_EQ(Enroll(requester_, "Restricted").disposition, WireDisposition::kIssued);
  EXPECT_EQ(Enroll(kMallory, "Restricted").disposition, WireDisposition::kIssued);
  EXPECT_EQ(Enroll(kMember, "Unprotected").disposition, WireDisposition::kIssued);
}

}  // namespace
}  // namespace openadcs::ca
