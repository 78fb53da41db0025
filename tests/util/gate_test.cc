// Gate: callbacks left before it opens run once, in order, on the opening
// thread; those left after run at once; Wait blocks until it opens; only
// the first Open counts; Wait returns once the callbacks have run.
#include "openadcs/util/gate.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
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

// What a callback did has happened when Wait returns: the callback, on the
// opening thread, gives a waiter that has called Wait time to return, and
// finds that it has not.
TEST(GateTest, WaitReturnsOnlyOnceTheCallbacksHaveRun) {
  Gate gate;
  std::mutex mu;
  std::condition_variable cv;
  bool waiting = false;          // guarded by mu
  bool waiter_returned = false;  // guarded by mu
  std::optional<bool> returned_during_callback;
  gate.WhenOpen([&](const Status&) {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return waiting; }));
    // Bounded, and expected to run out.
    returned_during_callback =
        cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return waiter_returned; });
  });
  std::thread waiter([&] {
    {
      std::lock_guard lock(mu);
      waiting = true;
      cv.notify_all();
    }
    EXPECT_TRUE(gate.Wait().ok());
    std::lock_guard lock(mu);
    waiter_returned = true;
    cv.notify_all();
  });
  gate.Open(Status::Ok());
  waiter.join();
  EXPECT_EQ(returned_during_callback, false);
}

}  // namespace
}  // namespace openadcs
