// LogContext: a scope makes one current on its thread; a callback left on a
// gate runs with the context of the thread that left it, on the thread that
// opens the gate.
#include "openadcs/util/log_context.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>

#include "openadcs/util/gate.h"

namespace openadcs {
namespace {

// Who CurrentLogContext() names, or "none".
std::string Current() {
  const LogContext* c = CurrentLogContext();
  return c == nullptr ? "none" : c->caller + "@" + c->peer + "#" + std::to_string(c->connection);
}

const LogContext kAlice{"EXAMPLE\\alice", "192.0.2.7", 12};
const LogContext kBob{"EXAMPLE\\bob", "192.0.2.8", 13};

TEST(LogContextTest, ScopesNestAndEnd) {
  EXPECT_EQ(Current(), "none");
  {
    const ScopedLogContext outer(kAlice);
    EXPECT_EQ(Current(), "EXAMPLE\\alice@192.0.2.7#12");
    {
      const ScopedLogContext inner(kBob);
      EXPECT_EQ(Current(), "EXAMPLE\\bob@192.0.2.8#13");
    }
    EXPECT_EQ(Current(), "EXAMPLE\\alice@192.0.2.7#12");
  }
  EXPECT_EQ(Current(), "none");
}

TEST(LogContextTest, AGatesCallbackRunsInTheContextItWasLeftIn) {
  Gate gate;
  std::optional<std::string> seen;
  {
    const ScopedLogContext call(kAlice);
    WhenOpenInThisLogContext(
        gate, [&](const Status& s) { seen = Current() + " " + (s.ok() ? "ok" : "failed"); });
  }
  EXPECT_FALSE(seen.has_value());
  std::string after_on_opener;
  std::thread opener([&] {
    gate.Open(Status::IOError("disk"));
    after_on_opener = Current();
  });
  opener.join();
  EXPECT_EQ(seen, "EXAMPLE\\alice@192.0.2.7#12 failed");
  EXPECT_EQ(after_on_opener, "none");

  // Left outside any context, it runs in none, whatever the opener's; and
  // the opener's is current again after it.
  Gate other;
  WhenOpenInThisLogContext(other, [&](const Status&) { seen = Current(); });
  const ScopedLogContext opener_context(kBob);
  other.Open(Status::Ok());
  EXPECT_EQ(seen, "none");
  EXPECT_EQ(Current(), "EXAMPLE\\bob@192.0.2.8#13");
}

}  // namespace
}  // namespace openadcs
