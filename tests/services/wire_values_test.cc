// ReplyWhenDurable: the call's log line says what the client is answered,
// once that is known, in the call's log context: at once when nothing waits
// for durability; once the request is durable; and, when it fails to be,
// the failure the client gets instead of the disposition it would have had.
#include "services/wire_values.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/util/gate.h"
#include "openadcs/util/log_context.h"

namespace openadcs::services {
namespace {

// An issued request `id`, its row not yet durable when `durable` is set.
ca::SubmitResult Issued(std::uint32_t id, std::shared_ptr<Gate> durable) {
  ca::SubmitResult r;
  r.request_id = id;
  r.disposition = ca::WireDisposition::kIssued;
  r.durable = std::move(durable);
  return r;
}

// What the reply encodes: "request/disposition" in the stub.
rpc::CallResult Encode(ca::SubmitResult r) {
  const std::string text =
      std::to_string(r.request_id) + "/" + std::to_string(WireDispositionOf(r));
  return rpc::CallResult::Response(Bytes(text.begin(), text.end()));
}

class ReplyWhenDurableTest : public ::testing::Test {
 protected:
  // Records each line: "request/disposition by caller".
  LogReply Log() {
    return [this](std::uint32_t id, std::uint32_t disposition) {
      const LogContext* c = CurrentLogContext();
      lines_.push_back(std::to_string(id) + "/" + std::to_string(disposition) + " by " +
                       (c == nullptr ? "nobody" : c->caller));
    };
  }

  std::vector<std::string> lines_;
  const LogContext call_{"EXAMPLE\\alice", "192.0.2.7", 12};
};

TEST_F(ReplyWhenDurableTest, WithNothingToWaitForTheLineComesAtOnce) {
  const ScopedLogContext scope(call_);
  const rpc::CallResult reply = ReplyWhenDurable(Issued(7, nullptr), Encode, Log());
  EXPECT_EQ(reply.send_when, nullptr);
  EXPECT_EQ(lines_, std::vector<std::string>{"7/3 by EXAMPLE\\alice"});
}

TEST_F(ReplyWhenDurableTest, TheLineWaitsForTheRequestToBeDurable) {
  auto durable = std::make_shared<Gate>();
  rpc::CallResult reply;
  {
    const ScopedLogContext scope(call_);
    reply = ReplyWhenDurable(Issued(7, durable), Encode, Log());
  }
  EXPECT_EQ(reply.send_when, durable);
  EXPECT_TRUE(lines_.empty());
  std::thread syncer([&] { durable->Open(Status::Ok()); });
  syncer.join();
  EXPECT_EQ(lines_, std::vector<std::string>{"7/3 by EXAMPLE\\alice"});
  EXPECT_EQ(reply.stub, Encode(Issued(7, nullptr)).stub);
}

// The client is told the request failed, so the line says so, once, and
// never that it was issued.
TEST_F(ReplyWhenDurableTest, ARequestThatIsNeverDurableIsLoggedAsTheFailureTheClientGets) {
  auto durable = std::make_shared<Gate>();
  rpc::CallResult reply;
  {
    const ScopedLogContext scope(call_);
    reply = ReplyWhenDurable(Issued(7, durable), Encode, Log());
  }
  const Status disk = Status::IOError("fdatasync failed");
  std::thread syncer([&] { durable->Open(disk); });
  syncer.join();
  const ca::SubmitResult failed = ca::Engine::NotDurable(disk);
  const std::string answer =
      std::to_string(failed.request_id) + "/" + std::to_string(WireDispositionOf(failed));
  EXPECT_EQ(lines_, std::vector<std::string>{answer + " by EXAMPLE\\alice"});
  ASSERT_TRUE(reply.if_failed);
  const rpc::CallResult sent = reply.if_failed(disk);
  EXPECT_EQ(std::string(sent.stub.begin(), sent.stub.end()), answer);
  EXPECT_EQ(lines_.size(), 1u);
}

}  // namespace
}  // namespace openadcs::services
