#include "openadcs/daemon/crl_schedule.h"

#include <gtest/gtest.h>

namespace openadcs::daemon {
namespace {

db::CrlRow Crl(std::int64_t this_update, std::int64_t next_update) {
  db::CrlRow row;
  row.this_update = this_update;
  row.next_update = next_update;
  return row;
}

TEST(CrlScheduleTest, NoCrlNeedsOne) {
  EXPECT_TRUE(CrlNeedsRefresh(std::nullopt, 1000));
}

TEST(CrlScheduleTest, RefreshFromHalfTheLifetimeOn) {
  const db::CrlRow crl = Crl(1000, 2000);
  EXPECT_FALSE(CrlNeedsRefresh(crl, 1000));
  EXPECT_FALSE(CrlNeedsRefresh(crl, 1499));
  EXPECT_TRUE(CrlNeedsRefresh(crl, 1500));
  EXPECT_TRUE(CrlNeedsRefresh(crl, 5000));
  // A clock that went back before thisUpdate does not force a new one.
  EXPECT_FALSE(CrlNeedsRefresh(crl, 10));
}

TEST(CrlScheduleTest, NonPositiveLifetimeNeedsRefresh) {
  EXPECT_TRUE(CrlNeedsRefresh(Crl(1000, 1000), 1000));
  EXPECT_TRUE(CrlNeedsRefresh(Crl(1000, 900), 1000));
}

TEST(CrlScheduleTest, NextIsOnePeriodAfterThisUpdate) {
  const db::CrlRow crl = Crl(1000, 5000);
  EXPECT_EQ(DelayUntilNextCrl(crl, std::chrono::seconds(3600), 1000), std::chrono::seconds(3600));
  EXPECT_EQ(DelayUntilNextCrl(crl, std::chrono::seconds(3600), 1600), std::chrono::seconds(3000));
  EXPECT_EQ(DelayUntilNextCrl(crl, std::chrono::seconds(3600), 4600), std::chrono::seconds(0));
  EXPECT_EQ(DelayUntilNextCrl(crl, std::chrono::seconds(3600), 9999), std::chrono::seconds(0));
}

}  // namespace
}  // namespace openadcs::daemon
