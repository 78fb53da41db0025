// The engine on the LDAP template source, against slapd (RFC 4533) and Samba
// (AD notification): an administrator's change to a template governs the
// next Submit with no restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "directory_engine/engine_on_directory.h"
#include "openadcs/ca/engine.h"
#include "openadcs/directory/ldap_template_source.h"
#include "openadcs/util/hresult.h"
#include "testing/ldap_slapd.h"
#include "testing/ldap_template_edits.h"
#include "testing/pki.h"
#include "testing/test_ca.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

using testing::ListTemplate;
using testing::NewTemplate;
using testing::ReplaceLine;
using testing::TemplateDn;

using testing::Server;

class EngineOnLdapTest : public testing::EngineOnDirectoryTest {
 protected:
  static constexpr char kName[] = "EngineLive";
  EngineOnLdapTest() : EngineOnDirectoryTest(kName, NewTemplate(kName, "277")) {}

  SubmitResult Submit() { return EngineOnDirectoryTest::Submit(testing::TestRequester(), "alice"); }
};

TEST_P(EngineOnLdapTest, PendAllRequestsSetInTheDirectoryMakesTheNextSubmitPending) {
  SubmitResult before = Submit();
  ASSERT_EQ(before.disposition, WireDisposition::kIssued) << before.message;

  Change(ReplaceLine(TemplateDn(kName), "msPKI-Enrollment-Flag", "2"));  // PEND_ALL_REQUESTS
  SubmitResult after = Submit();
  EXPECT_EQ(after.disposition, WireDisposition::kUnderSubmission) << after.message;
  EXPECT_GT(after.request_id, before.request_id);
}

TEST_P(EngineOnLdapTest, TemplateDroppedFromTheListIsRefused) {
  ASSERT_EQ(Submit().disposition, WireDisposition::kIssued);

  Change(ListTemplate(kName, "delete"));
  SubmitResult refused = Submit();
  EXPECT_NE(refused.disposition, WireDisposition::kIssued);
  EXPECT_EQ(refused.status, hr::kUnsupportedCertType) << refused.message;
}

// SetCAProperty(CR_PROP_TEMPLATES) as the engine runs it: the directory is
// written, and the template is served once change notification brings the
// new list back.
TEST_P(EngineOnLdapTest, SetServedTemplatesServesTheTemplateAfterTheNotification) {
  Change(ListTemplate(kName, "delete"));
  ASSERT_EQ(Submit().status, hr::kUnsupportedCertType);

  std::vector<std::string> names;
  for (const auto& t : templates_->Current()->templates()) names.push_back(t.name);
  names.emplace_back(kName);
  const std::uint64_t before = templates_->State().generation;
  const Status set = engine_->SetServedTemplates(testing::TestAdmin(), names);
  ASSERT_TRUE(set.ok()) << set.ToString();
  ASSERT_TRUE(templates_->WaitForGeneration(before, kChangeTimeout));
  SubmitResult issued = Submit();
  EXPECT_EQ(issued.disposition, WireDisposition::kIssued) << issued.message;

  auto rows = store_->ListAudit(0, db::kMaxAuditListRows);
  ASSERT_TRUE(rows.ok());
  const auto set_row = std::find_if(rows->begin(), rows->end(), [](const db::AuditRow& r) {
    return r.event.action == "set-templates";
  });
  ASSERT_NE(set_row, rows->end());
  EXPECT_EQ(set_row->event.actor, testing::TestAdmin().name);
  EXPECT_NE(set_row->event.detail.find(kName), std::string::npos);
}

TEST_P(EngineOnLdapTest, SetServedTemplatesOfATemplateNotInTheDirectoryIsInvalidArg) {
  const Status set = engine_->SetServedTemplates(testing::TestAdmin(), {kName, "NoSuchTemplate"});
  EXPECT_EQ(set.hresult(), hr::kInvalidArg) << set.ToString();
  EXPECT_EQ(Submit().disposition, WireDisposition::kIssued);  // the list is as it was
}

INSTANTIATE_TEST_SUITE_P(Servers, EngineOnLdapTest,
                         ::testing::Values(Server::kSlapd, Server::kSamba), testing::ServerName);

}  // namespace
}  // namespace openadcs::ca
