// The CA security descriptor row: compare-and-set by version, persistence,
// and the migration that adds its table to a version 1 file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"
#include "testing/store_fixture.h"

namespace openadcs::db {
namespace {

class CaSecurityTest : public testing::StoreTestBase {
 protected:
  // The stored row; fails the test when there is none.
  CaSecurityRow Stored() {
    auto got = store_->GetCaSecurity();
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(got.ok() && got->has_value());
    return got.ok() && got->has_value() ? **got : CaSecurityRow{};
  }

  std::string RawScalar(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (st != nullptr && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_count(st) > 0) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      out = t ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
};

const Bytes kSd1 = {0x01, 0x00, 0x04, 0x80, 0x14};
const Bytes kSd2 = {0x01, 0x00, 0x04, 0x80, 0x30, 0x00};
const Bytes kSd3 = {0x01, 0x00, 0x04, 0x9c};

TEST_F(CaSecurityTest, NoneBeforeTheFirstPut) {
  auto got = store_->GetCaSecurity();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_FALSE(got->has_value());
}

TEST_F(CaSecurityTest, FirstPutExpectsVersionZeroAndStoresVersionOne) {
  EXPECT_EQ(store_->PutCaSecurity(kSd1, 1, {}).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->PutCaSecurity(kSd1, 0, {}).ok());
  CaSecurityRow row = Stored();
  EXPECT_EQ(row.descriptor, kSd1);
  EXPECT_EQ(row.version, 1u);
}

TEST_F(CaSecurityTest, VersionedUpdateIncrementsTheVersion) {
  ASSERT_TRUE(store_->PutCaSecurity(kSd1, 0, {}).ok());
  ASSERT_TRUE(store_->PutCaSecurity(kSd2, 1, {}).ok());
  CaSecurityRow row = Stored();
  EXPECT_EQ(row.descriptor, kSd2);
  EXPECT_EQ(row.version, 2u);
}

TEST_F(CaSecurityTest, StaleVersionIsRefusedAndChangesNothing) {
  ASSERT_TRUE(store_->PutCaSecurity(kSd1, 0, {}).ok());
  ASSERT_TRUE(store_->PutCaSecurity(kSd2, 1, {}).ok());
  for (std::uint64_t stale : {0u, 1u, 3u}) {
    EXPECT_EQ(store_->PutCaSecurity(kSd3, stale, {}).code(), StatusCode::kFailedPrecondition)
        << stale;
  }
  CaSecurityRow row = Stored();
  EXPECT_EQ(row.descriptor, kSd2);
  EXPECT_EQ(row.version, 2u);
}

TEST_F(CaSecurityTest, EmptyOrOversizedDescriptorIsRefused) {
  EXPECT_EQ(store_->PutCaSecurity({}, 0, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutCaSecurity(Bytes(kMaxCaSecurityBytes + 1, 0x01), 0, {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->PutCaSecurity(Bytes(kMaxCaSecurityBytes, 0x01), 0, {}).ok());
}

TEST_F(CaSecurityTest, SurvivesReopen) {
  ASSERT_TRUE(store_->PutCaSecurity(kSd1, 0, {}).ok());
  ASSERT_TRUE(store_->PutCaSecurity(kSd2, 1, {}).ok());
  Reopen();
  CaSecurityRow row = Stored();
  EXPECT_EQ(row.descriptor, kSd2);
  EXPECT_EQ(row.version, 2u);
  EXPECT_TRUE(store_->PutCaSecurity(kSd3, 2, {}).ok());
}

TEST_F(CaSecurityTest, VersionOneFileGainsTheTableOnOpen) {
  ASSERT_TRUE(store_->InsertRequest(RequestRecord{}, {}, {}, {}).ok());
  store_.reset();
  // A version 1 file is this schema without ca_security (and audit and
  // ca_setting, which 3 and 4 added).
  RawScalar("DROP TABLE ca_security");
  RawScalar("DROP TABLE audit");
  RawScalar("DROP TABLE ca_setting");
  RawScalar("PRAGMA user_version = 1");
  ASSERT_EQ(RawScalar("PRAGMA user_version"), "1");
  Reopen();
  EXPECT_EQ(RawScalar("PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_TRUE(store_->GetRequest(1).ok());
  auto got = store_->GetCaSecurity();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_FALSE(got->has_value());
  ASSERT_TRUE(store_->PutCaSecurity(kSd1, 0, {}).ok());
  EXPECT_EQ(Stored().version, 1u);
}

}  // namespace
}  // namespace openadcs::db
