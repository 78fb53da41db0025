// The directory listing behind `openadcs templates`, against a private slapd
// holding the sample layout plus a second CA.
#include "openadcs/directory/directory_listing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "openadcs/util/bytes.h"
#include "testing/ldap_slapd.h"
#include "testing/ldap_template_edits.h"
#include "testing/pki.h"
#include "testing/template_inspection.h"

namespace openadcs::directory {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

// A second CA serving Machine and SubCA.
std::string SecondCa() {
  return fmt::format(
      "dn: CN=second-CA,CN=Enrollment Services,CN=Public Key Services,CN=Services,{}\n"
      "changetype: add\nobjectClass: top\nobjectClass: pKIEnrollmentService\ncn: second-CA\n"
      "dNSHostName: ca2.example.com\ncertificateTemplates: machine\ncertificateTemplates: SubCA\n",
      testing::kExampleConfigurationNc);
}

class DirectoryListingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = testing::SlapdServer::Start(dir_.path(), &error);
    ASSERT_NE(server_, nullptr) << error;
    options_.uris = {server_->uri()};  // anonymous: reading needs no account
    options_.operation_timeout = std::chrono::seconds(5);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::SlapdServer> server_;
  LdapTemplateSourceOptions options_;
};

TEST_F(DirectoryListingTest, EveryTemplateAndServiceWithWhoServesWhat) {
  ASSERT_EQ(server_->Modify(SecondCa()), "");
  Result<DirectoryListing> listing = ListDirectory(options_);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_TRUE(EqualsIgnoreCaseAscii(listing->templates_dn, testing::kExampleTemplatesDn))
      << listing->templates_dn;
  std::vector<std::string> names;
  for (const CertificateTemplate& t : listing->templates) names.push_back(t.name);
  std::vector<std::string> every = testing::kSampleTemplateNames;
  for (const char* loaded_only : {"SubCA", "EnrollmentAgent"}) every.push_back(loaded_only);
  EXPECT_THAT(names, UnorderedElementsAreArray(every));
  ASSERT_EQ(listing->services.size(), 2u);
  EXPECT_THAT(ServingCas(*listing, "Machine"), UnorderedElementsAre("openadcs-CA", "second-CA"));
  EXPECT_THAT(ServingCas(*listing, "subca"), ElementsAre("second-CA"));
  EXPECT_THAT(ServingCas(*listing, "User"), ElementsAre("openadcs-CA"));
  EXPECT_THAT(ServingCas(*listing, "NoSuchTemplate"), IsEmpty());
  EXPECT_THAT(listing->skipped, IsEmpty());
}

TEST_F(DirectoryListingTest, TemplateThatDoesNotParseIsReportedAsSkipped) {
  ASSERT_EQ(server_->Modify(testing::NewTemplate("Broken", "901", "")), "");
  ASSERT_EQ(server_->Modify(testing::ReplaceLine(testing::TemplateDn("Broken"),
                                                 "msPKI-Template-Schema-Version", "9")),
            "");
  Result<DirectoryListing> listing = ListDirectory(options_);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  ASSERT_EQ(listing->skipped.size(), 1u);
  EXPECT_THAT(listing->skipped.front(), ::testing::HasSubstr("=Broken,"));
  EXPECT_THAT(listing->skipped.front(), ::testing::HasSubstr("msPKI-Template-Schema-Version"));
}

TEST_F(DirectoryListingTest, NoServerIsUnavailable) {
  ASSERT_TRUE(server_->Stop());
  Result<DirectoryListing> listing = ListDirectory(options_);
  EXPECT_EQ(listing.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace openadcs::directory
