#include "openadcs/util/thread_policy.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace openadcs::util {
namespace {

TEST(ThreadPolicyTest, MakesTheCallingThreadBatchAndNoOther) {
  Status made;
  int policy = -1;
  std::thread t([&] {
    made = MakeThisThreadBatch();
    policy = sched_getscheduler(0);
  });
  t.join();
  ASSERT_TRUE(made.ok()) << made.ToString();
  EXPECT_EQ(policy, SCHED_BATCH);
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
}

}  // namespace
}  // namespace openadcs::util
