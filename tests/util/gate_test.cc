// Gate: callbacks left before it opens run once, in order, on the opening
// thread; those left after run at once; Wait blocks until it opens; only
// the first Open counts.
#include "openadcs/util/gate.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace openadcs {
namespace {

TEST(GateTest, CallbacksRunOnceInOrderWithTheFirstStatus) {
  Gate gate;
  std::vector<std::string> seen;
  gate.WhenOpen([&](const Status& s) { seen.push_back("a:" + s.ToString()); });
  gate.WhenOpen([&](const Status& s) { seen.push_back("b:" + s.ToString()); });
  EXPECT_TRUE(seen.empty()) << "nothing runs before the gate opens";
  gate.Open(Status::IOError("disk"));
  gate.Open(Status::Ok());  // ignored
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "a:" + Status::IOError("disk").ToString());
  EXPECT_EQ(seen[1], "b:" + Status::IOError("disk").ToString());
  gate.WhenOpen([&](const Status& s) { seen.push_back("late:" + s.ToString()); });
  ASSERT_EQ(seen.size(), 3u) << "a callback left after the gate opened runs at once";
  EXPECT_EQ(seen[2], "late:" + Status::IOError("disk").ToString());
  EXPECT_EQ(gate.Wait().code(), StatusCode::kIOError);
}

TEST(GateTest, WaitBlocksUntilAnotherThreadOpensIt) {
  auto gate = std::make_shared<Gate>();
  std::thread::id ran_on;
  gate->WhenOpen([&](const Status&) { ran_on = std::this_thread::get_id(); });
  std::thread opener([gate] { gate->Open(Status::Ok()); });
  const std::thread::id opener_id = opener.get_id();
  EXPECT_TRUE(gate->Wait().ok());
  opener.join();
  EXPECT_EQ(ran_on, opener_id) << "callbacks run on the thread that opens the gate";
}

}  // namespace
}  // namespace openadcs
