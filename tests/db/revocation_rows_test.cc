// What the CRLs' queries (db/revocation_rows.h) read: SQLite's plan for each,
// on a store's own file, searches the disposition index for revoked rows and
// the partial index of revocations for releases from hold, and never walks
// the request table, so a CRL costs what was revoked, not what was issued.
// Their results are SqliteStoreTest's (ListRevoked, RevocationChanges).
#include "db/revocation_rows.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/store_fixture.h"

namespace openadcs::db {
namespace {

class RevocationRowsTest : public testing::StoreTestBase {
 protected:
  std::string Plan(const std::string& sql) { return RawQuery("EXPLAIN QUERY PLAN " + sql); }
};

TEST_F(RevocationRowsTest, ACrlReadsTheRevokedRowsAlone) {
  const std::string plan = Plan(revocation_rows::RevokedSql());
  EXPECT_NE(plan.find("SEARCH request USING INDEX request_disposition (disposition=?)"),
            std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

TEST_F(RevocationRowsTest, ADeltaCrlReadsTheRowsEverRevokedAlone) {
  const std::string plan = Plan(revocation_rows::ChangesSql());
  EXPECT_NE(plan.find("SEARCH request USING INDEX request_disposition (disposition=?)"),
            std::string::npos)
      << plan;
  EXPECT_NE(plan.find("SEARCH request USING INDEX request_revoked_effective_when"),
            std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

}  // namespace
}  // namespace openadcs::db
