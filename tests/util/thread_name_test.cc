#include "openadcs/util/thread_name.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "testing/thread_names.h"

namespace openadcs::util {
namespace {

// Runs `body` on a new thread, then returns the thread names seen from it.
template <typename Body>
std::multiset<std::string> NamesFromAThreadThat(Body body) {
  std::multiset<std::string> seen;
  std::thread t([&] {
    body();
    seen = testing::ThreadNames();
  });
  t.join();
  return seen;
}

TEST(ThreadNameTest, NamesTheCallingThread) {
  EXPECT_EQ(NamesFromAThreadThat([] { NameThisThread("db-writer"); }).count("db-writer"), 1U);
}

TEST(ThreadNameTest, KeepsTheFirstFifteenBytes) {
  const auto seen = NamesFromAThreadThat([] { NameThisThread("a-name-longer-than-fifteen"); });
  EXPECT_EQ(seen.count("a-name-longer-t"), 1U);
}

}  // namespace
}  // namespace openadcs::util
