// `openadcs templates` on a private slapd (the listing and how it is shown)
// and the list editing of `openadcs ca-templates` (cli/template_commands.h).
#include "cli/template_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "testing/ldap_slapd.h"
#include "testing/ldap_template_edits.h"
#include "testing/pki.h"

namespace openadcs::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using List = std::vector<std::pair<std::string, std::string>>;

class TemplatesCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = testing::SlapdServer::Start(dir_.path(), &error);
    ASSERT_NE(server_, nullptr) << error;
    // OfficerApproval pends (PEND_ALL_REQUESTS); a second CA serves Machine too.
    ASSERT_EQ(server_->Modify(fmt::format(
                  "dn: CN=second-CA,CN=Enrollment Services,CN=Public Key Services,CN=Services,"
                  "{}\nchangetype: add\nobjectClass: top\nobjectClass: pKIEnrollmentService\n"
                  "cn: second-CA\ncertificateTemplates: Machine\n",
                  testing::kExampleConfigurationNc)),
              "");
    directory::LdapTemplateSourceOptions options;
    options.uris = {server_->uri()};
    options.operation_timeout = std::chrono::seconds(5);
    Result<directory::DirectoryListing> listing = directory::ListDirectory(options);
    ASSERT_TRUE(listing.ok()) << listing.status().ToString();
    listing_ = std::move(*listing);
  }

  // The table line of template `name`.
  std::string Line(const std::string& table, const std::string& name) {
    std::istringstream lines(table);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with(name + " ")) return line;
    }
    return "";
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::SlapdServer> server_;
  directory::DirectoryListing listing_;
};

TEST_F(TemplatesCommandTest, TableShowsOidVersionFlagsAndServingCas) {
  const std::string table = TemplatesTable(listing_);
  EXPECT_THAT(table, ::testing::StartsWith("NAME "));
  EXPECT_THAT(Line(table, "Machine"), HasSubstr("openadcs-CA,second-CA"));
  EXPECT_THAT(Line(table, "OfficerApproval"), HasSubstr("pend-all-requests"));
  EXPECT_THAT(Line(table, "AutoIssueSubject"), HasSubstr("enrollee-supplies-subject"));
  EXPECT_THAT(Line(table, "SubCA"), HasSubstr(",ca "));          // after enrollee-supplies-subject
  EXPECT_THAT(Line(table, "SubCA"), ::testing::EndsWith(" -"));  // served by no CA
  EXPECT_THAT(Line(table, "User"), HasSubstr("openadcs-CA"));
  EXPECT_THAT(Line(table, "User"), ::testing::Not(HasSubstr("second-CA")));
}

TEST_F(TemplatesCommandTest, JsonHasEveryTemplateAndService) {
  const std::string json = TemplatesJson(listing_);
  EXPECT_THAT(json, HasSubstr("\"name\": \"SubCA\""));
  EXPECT_THAT(json, HasSubstr("\"served_by\": [\"openadcs-CA\", \"second-CA\"]"));
  EXPECT_THAT(json, HasSubstr("{\"name\": \"second-CA\", \"dns_host_name\": \"\", "
                              "\"templates\": [\"Machine\"]}"));
  EXPECT_THAT(json, HasSubstr("\"skipped\": []"));
}

TEST(ServedListTest, ParseWhatGetCaPropertyReturns) {
  EXPECT_THAT(ParseServedList("User\n1.2.3\nMachine\n\n"),
              ElementsAre(std::pair<std::string, std::string>{"User", "1.2.3"},
                          std::pair<std::string, std::string>{"Machine", ""}));
  EXPECT_TRUE(ParseServedList("").empty());
}

TEST(ServedListTest, AddRemoveSet) {
  const List current = {{"User", "1.2"}, {"Machine", ""}};
  EXPECT_EQ(*EditServedList(current, ListEdit::kAdd, {"user", "SubCA"}),
            (List{{"User", "1.2"}, {"Machine", ""}, {"SubCA", ""}}));
  EXPECT_EQ(*EditServedList(current, ListEdit::kRemove, {"MACHINE"}), (List{{"User", "1.2"}}));
  EXPECT_EQ(*EditServedList(current, ListEdit::kSet, {"WebServer"}), (List{{"WebServer", ""}}));
  EXPECT_EQ(ServedListText({{"User", "1.2"}, {"SubCA", ""}}), "User\n1.2\nSubCA\n\n");
}

TEST(ServedListTest, RemovingWhatIsNotServedOrEverythingIsAUsageError) {
  const List current = {{"User", "1.2"}};
  EXPECT_EQ(EditServedList(current, ListEdit::kRemove, {"SubCA"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EditServedList(current, ListEdit::kRemove, {"User"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EditServedList(current, ListEdit::kAdd, {""}).status().code(),
            StatusCode::kInvalidArgument);
}

// The CertificateTemplate column by name: a served schema 2 template's OID
// shows as its name and its name restricts as its OID; a schema 1 template
// (no OID: its column is its name) and a template no longer served pass as
// they are.
TEST(ServedListTest, TemplateColumnByName) {
  const List served = {{"OfficerApproval", "1.3.6.1.4.1.311.21.8.7"}, {"User", ""}};
  EXPECT_EQ(TemplateDisplayName(served, "1.3.6.1.4.1.311.21.8.7"), "OfficerApproval");
  EXPECT_EQ(TemplateDisplayName(served, "User"), "User");
  EXPECT_EQ(TemplateDisplayName(served, "1.3.6.1.4.1.311.21.8.9"), "1.3.6.1.4.1.311.21.8.9");
  EXPECT_EQ(TemplateDisplayName({}, "1.3.6.1.4.1.311.21.8.7"), "1.3.6.1.4.1.311.21.8.7");
  EXPECT_EQ(TemplateColumnValue(served, "officerapproval"), "1.3.6.1.4.1.311.21.8.7");
  EXPECT_EQ(TemplateColumnValue(served, "User"), "User");
  EXPECT_EQ(TemplateColumnValue(served, "1.3.6.1.4.1.311.21.8.7"), "1.3.6.1.4.1.311.21.8.7");
  EXPECT_EQ(TemplateColumnValue(served, "Machine"), "Machine");
}

}  // namespace
}  // namespace openadcs::cli
