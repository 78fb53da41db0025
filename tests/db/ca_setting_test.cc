// Named CA settings (schema version 4): set, replace, remove, limits, the
// audit row of each change, and the migration that adds the table to a
// version 3 file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"
#include "testing/store_fixture.h"

namespace openadcs::db {
namespace {

class CaSettingTest : public testing::StoreTestBase {
 protected:
  std::optional<Bytes> Get(const std::string& name) {
    auto got = store_->GetSetting(name);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::nullopt;
  }

  std::size_t AuditRows() {
    auto rows = store_->ListAudit(0, 1000);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->size() : 0;
  }
};

AuditEvent Event(const char* action) {
  return {1'800'000'000, "CONTOSO\\admin", action, 0, "detail"};
}

TEST_F(CaSettingTest, SetReplaceAndRemoveEachAppendAnAuditRow) {
  EXPECT_FALSE(Get("audit_filter").has_value());
  ASSERT_TRUE(store_->PutSetting("audit_filter", Bytes{1, 0, 0, 0}, Event("a")).ok());
  EXPECT_EQ(Get("audit_filter"), (Bytes{1, 0, 0, 0}));
  ASSERT_TRUE(store_->PutSetting("audit_filter", Bytes{0x7f, 0, 0, 0}, Event("b")).ok());
  EXPECT_EQ(Get("audit_filter"), (Bytes{0x7f, 0, 0, 0}));
  ASSERT_TRUE(store_->PutSetting("audit_filter", std::nullopt, Event("c")).ok());
  EXPECT_FALSE(Get("audit_filter").has_value());
  ASSERT_TRUE(store_->PutSetting("audit_filter", std::nullopt, Event("d")).ok());
  EXPECT_EQ(AuditRows(), 4u);
  // An empty value is a value, not a removal.
  ASSERT_TRUE(store_->PutSetting("x", Bytes{}, Event("e")).ok());
  EXPECT_EQ(Get("x"), Bytes{});
}

TEST_F(CaSettingTest, BadNameOrOversizedValueIsRefusedAndNotAudited) {
  EXPECT_EQ(store_->PutSetting("", Bytes{1}, Event("a")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->PutSetting(std::string(kMaxCaSettingNameBytes + 1, 'n'), Bytes{1}, Event("a")).code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutSetting("big", Bytes(kMaxCaSettingBytes + 1, 0), Event("a")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(AuditRows(), 0u);
  EXPECT_TRUE(store_->PutSetting("big", Bytes(kMaxCaSettingBytes, 0), Event("a")).ok());
}

TEST_F(CaSettingTest, SurvivesReopen) {
  ASSERT_TRUE(store_->PutSetting("officer_rights", Bytes{1, 2, 3}, Event("a")).ok());
  Reopen();
  EXPECT_EQ(Get("officer_rights"), (Bytes{1, 2, 3}));
}

// What this build wrote as version 3 is the version 4 schema without
// ca_setting (4 adds nothing else); the upgrade keeps requests, the CA
// security and the audit chain, and the chain goes on from its head.
TEST_F(CaSettingTest, VersionThreeFileGainsTheTableOnOpen) {
  ASSERT_TRUE(store_->InsertRequest(RequestRecord{}, {}, {}, Event("insert")).ok());
  ASSERT_TRUE(store_->PutCaSecurity(Bytes{1, 0, 4, 0x80}, 0, Event("sd")).ok());
  store_.reset();
  RawExec("DROP TABLE ca_setting; PRAGMA user_version = 3");
  Reopen();
  EXPECT_TRUE(store_->GetRequest(1).ok());
  EXPECT_EQ(store_->GetCaSecurity().value()->version, 1u);
  EXPECT_FALSE(Get("audit_filter").has_value());
  ASSERT_TRUE(store_->PutSetting("audit_filter", Bytes{4, 0, 0, 0}, Event("set")).ok());
  EXPECT_EQ(Get("audit_filter"), (Bytes{4, 0, 0, 0}));
  auto rows = store_->ListAudit(0, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[2].event.action, "set");
  EXPECT_EQ((*rows)[2].prev_hash, (*rows)[1].hash);
}

}  // namespace
}  // namespace openadcs::db
