// The engine on the LDAP template source, against slapd (RFC 4533) and Samba
// (AD notification): an administrator's change to a template governs the
// next Submit with no restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "directory_engine/shared_samba.h"
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

constexpr std::chrono::seconds kChangeTimeout{10};

using testing::Server;

class EngineOnLdapTest : public ::testing::TestWithParam<Server> {
 protected:
  void SetUp() override {
    directory::LdapTemplateSourceOptions options;
    options.enrollment_service = "openadcs-CA";
    std::string error;
    ASSERT_TRUE(testing::StartTestDirectory(GetParam(), dir_.path(), &options, &server_, &error))
        << error;
    modify_ = server_.modify;
    // A template of this test's own, so the shared Samba keeps its samples.
    ASSERT_EQ(modify_(NewTemplate(kName, "277")), "");
    ASSERT_EQ(modify_(ListTemplate(kName)), "");

    auto templates = directory::OpenLdapTemplateSource(options);
    ASSERT_TRUE(templates.ok()) << templates.status().ToString();
    templates_ = std::move(templates).value();
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCa(dir_.path(), &identity_, &store_));
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCaSecurity(*store_, &security_));
    engine_ = std::make_unique<Engine>(EngineOptions{}, *identity_, *store_, *templates_, nullptr,
                                       *security_);
    key_ = testing::MakeRsaKey(2048);
  }

  void TearDown() override {
    if (modify_) {
      templates_.reset();  // no reload races the clean-up
      modify_(ListTemplate(kName, "delete"));
      modify_(testing::DeleteEntry(TemplateDn(kName)));
    }
  }

  // Applies `ldif` and waits until the engine's source serves the result.
  void Change(const std::string& ldif) {
    const std::uint64_t before = templates_->State().generation;
    ASSERT_EQ(modify_(ldif), "");
    ASSERT_TRUE(templates_->WaitForGeneration(before, kChangeTimeout)) << ldif;
  }

  SubmitResult Submit() {
    testing::CsrSpec spec;
    spec.subject = {{"CN", "alice"}};
    SubmitRequest r;
    r.request = testing::MakeCsrDer(key_.get(), spec);
    r.attributes = std::string("CertificateTemplate:") + kName;
    r.caller = testing::TestRequester();
    r.authority = "openadcs-CA";
    return engine_->Submit(r);
  }

  static constexpr char kName[] = "EngineLive";
  testing::TempDir dir_;
  testing::TestDirectory server_;
  std::function<std::string(const std::string&)> modify_;
  std::unique_ptr<directory::LdapTemplateSource> templates_;
  std::unique_ptr<pki::CaIdentity> identity_;
  std::unique_ptr<db::CaStore> store_;
  std::unique_ptr<CaSecurity> security_;
  std::unique_ptr<Engine> engine_;
  ossl::PKeyPtr key_;
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
