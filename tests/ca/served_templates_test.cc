// Engine::SetServedTemplates on the LDIF source (which refuses to be
// written): rights, the checks on the list, and the audit rows; and the
// parser of the CR_PROP_TEMPLATES value. The write itself, on LDAP, is
// tested against slapd in tests/directory_engine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "openadcs/ca/ca_properties.h"
#include "openadcs/ca/engine.h"
#include "openadcs/db/audit.h"
#include "openadcs/util/hresult.h"
#include "testing/pki.h"
#include "testing/template_inspection.h"
#include "testing/test_ca.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

class ServedTemplatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCa(dir_.path(), &identity_, &store_, &templates_));
    ASSERT_NO_FATAL_FAILURE(testing::OpenTestCaSecurity(*store_, &security_));
    engine_ = std::make_unique<Engine>(EngineOptions{}, *identity_, *store_, *templates_, nullptr,
                                       *security_, [] { return 1'800'000'000; });
  }

  // The audit rows after the first start's init-ca-security.
  std::vector<db::AuditEvent> Events() {
    auto rows = store_->ListAudit(1, db::kMaxAuditListRows);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<db::AuditEvent> events;
    if (rows.ok()) {
      for (const db::AuditRow& r : *rows) events.push_back(r.event);
    }
    return events;
  }

  testing::TempDir dir_;
  std::unique_ptr<pki::CaIdentity> identity_;
  std::unique_ptr<db::CaStore> store_;
  std::unique_ptr<directory::TemplateSource> templates_;
  std::unique_ptr<CaSecurity> security_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(ServedTemplatesTest, OnlyAnAdministratorMayAndOthersLeaveNoRow) {
  for (const Caller& caller : {testing::TestOfficer(), testing::TestRequester()}) {
    const Status s = engine_->SetServedTemplates(caller, {"User"});
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << caller.name;
    EXPECT_EQ(s.hresult(), hr::kAccessDenied) << caller.name;
  }
  EXPECT_TRUE(Events().empty());
}

TEST_F(ServedTemplatesTest, BadListsAreInvalidArgAndLeaveNoRow) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"User", ""},
      {"Us\ner"},
      {"User\x7f"},
      {std::string(Engine::kMaxTemplateNameBytes + 1, 'a')},
      std::vector<std::string>(Engine::kMaxServedTemplates + 1, "User"),
  };
  for (const auto& names : bad) {
    const Status s = engine_->SetServedTemplates(testing::TestAdmin(), names);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << names.size();
    EXPECT_EQ(s.hresult(), hr::kInvalidArg) << names.size();
  }
  EXPECT_TRUE(Events().empty());
}

TEST_F(ServedTemplatesTest, LdifSourceRefusesWithNotSupportedAndBothRowsAreWritten) {
  testing::LogCapture log;
  const Status s = engine_->SetServedTemplates(testing::TestAdmin(), {"User", "user", "SubCA"});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.hresult(), hr::kNotSupported);
  EXPECT_THAT(s.message(), HasSubstr("config/templates"));
  EXPECT_THAT(log.Text(), HasSubstr("cannot change the served list"));

  const std::vector<db::AuditEvent> events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "set-templates");
  EXPECT_EQ(events[0].actor, testing::TestAdmin().name);
  EXPECT_EQ(events[0].request_id, 0u);
  EXPECT_EQ(events[0].detail, "User, SubCA");  // the repeat written once
  EXPECT_EQ(events[1].action, "set-templates-failed");
  EXPECT_THAT(events[1].detail, HasSubstr("LDIF files"));
  auto chain = db::VerifyAuditChain(dir_.path() / "ca.db");
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_FALSE(chain->first_fault.has_value());

  EXPECT_THAT(testing::TemplateNames(*templates_->Current()),
              UnorderedElementsAreArray(testing::kSampleTemplateNames));
}

TEST(ParseTemplatesTextTest, NamesOfTheNameOidPairs) {
  EXPECT_THAT(*ParseTemplatesText("User\n1.2.3\nMachine\n\n"), ElementsAre("User", "Machine"));
  EXPECT_THAT(*ParseTemplatesText(std::string("User\n1.2.3\n\0", 11)), ElementsAre("User"));
  EXPECT_THAT(*ParseTemplatesText("User\n\nMachine\n1.2"), ElementsAre("User", "Machine"));
  EXPECT_THAT(*ParseTemplatesText("User\n\n"), ElementsAre("User"));
}

TEST(ParseTemplatesTextTest, FewerThanTwoSeparatorsOrAnEmptyNameIsInvalidArg) {
  for (const char* text : {"", "User", "User\n", "User\n1.2", "\n\n", "User\n1\n\n2\n"}) {
    Result<std::vector<std::string>> names = ParseTemplatesText(text);
    EXPECT_EQ(names.status().hresult(), hr::kInvalidArg) << text;
  }
}

TEST(ParseTemplatesTextTest, WhatGetCaPropertyWritesParsesBack) {
  EXPECT_THAT(*ParseTemplatesText("A\n1.3.6.1\nB\n\nC\n1.3.6.2\n"), ElementsAre("A", "B", "C"));
}

}  // namespace
}  // namespace openadcs::ca
