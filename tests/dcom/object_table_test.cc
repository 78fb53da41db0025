#include "dcom/object_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

namespace openadcs::dcom {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

const rpc::SyntaxId kIfaceA{*Uuid::Parse("6d7e1b0c-1111-4a2b-9c3d-000000000001"), 0, 0};
const rpc::SyntaxId kIfaceB{*Uuid::Parse("6d7e1b0c-1111-4a2b-9c3d-000000000002"), 0, 0};
const Pinger kAlice{"DOM\\alice", true};

class CountedObject : public ComObject {
 public:
  explicit CountedObject(std::atomic<int>* alive) : alive_(alive) { ++*alive_; }
  ~CountedObject() override { --*alive_; }
  std::vector<rpc::SyntaxId> interfaces() const override { return {kIfaceA, kIfaceB}; }
  rpc::CallResult Call(const rpc::CallContext&, const rpc::SyntaxId&, std::uint16_t,
                       std::span<const std::uint8_t>) override {
    return rpc::CallResult::Response({});
  }

 private:
  std::atomic<int>* alive_;
};

class ObjectTableTest : public ::testing::Test {
 protected:
  ObjectTableTest() {
    options_.timeout = milliseconds(1000);
    options_.max_objects = 4;
    options_.max_objects_per_client = 2;
    options_.max_ping_sets = 2;
    options_.clock = [this] { return now_; };
  }
  std::shared_ptr<ComObject> NewObject() { return std::make_shared<CountedObject>(&alive_); }
  Export AddA(ObjectTable& table, const std::string& owner = "DOM\\alice") {
    std::vector<rpc::SyntaxId> ifaces{kIfaceA};
    Result<Export> e = table.Add(NewObject(), owner, ifaces, 5);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : Export{};
  }

  ObjectTableOptions options_;
  steady_clock::time_point now_ = steady_clock::time_point() + std::chrono::hours(1);
  std::atomic<int> alive_{0};
};

TEST_F(ObjectTableTest, AddGivesOneIpidPerInterfaceAndLookupFindsThem) {
  ObjectTable table(options_);
  std::vector<rpc::SyntaxId> ifaces{kIfaceA, kIfaceB};
  Result<Export> e = table.Add(NewObject(), "DOM\\alice", ifaces, 5);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->ipids.size(), 2u);
  EXPECT_NE(e->ipids[0], e->ipids[1]);
  EXPECT_NE(e->oid, 0u);
  EXPECT_NE(e->oid, table.oxid());
  Result<ExportedInterface> a = table.Lookup(e->ipids[0], "DOM\\alice");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->iface, kIfaceA);
  EXPECT_EQ(a->oid, e->oid);
  Result<ExportedInterface> b = table.Lookup(e->ipids[1], "DOM\\alice");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->iface, kIfaceB);
  EXPECT_EQ(table.object_count(), 1u);
}

TEST_F(ObjectTableTest, ForeignAndUnknownIpidsAreRefused) {
  ObjectTable table(options_);
  Export e = AddA(table);
  EXPECT_EQ(table.Lookup(e.ipids[0], "DOM\\mallory").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(table.Lookup(Uuid::Random(), "DOM\\alice").status().code(), StatusCode::kNotFound);
  FreedObjects freed;
  EXPECT_EQ(table.Release(e.ipids[0], "DOM\\mallory", 5, &freed).code(), StatusCode::kNotFound);
  EXPECT_EQ(table.AddRef(e.ipids[0], "DOM\\mallory", 1).code(), StatusCode::kNotFound);
  EXPECT_FALSE(table.QueryInterface(e.ipids[0], "DOM\\mallory", kIfaceB, 1).ok());
  EXPECT_EQ(table.object_count(), 1u);
}

TEST_F(ObjectTableTest, LastReleaseFreesTheObject) {
  ObjectTable table(options_);
  Export e = AddA(table);
  ASSERT_EQ(alive_, 1);
  FreedObjects freed;
  ASSERT_TRUE(table.AddRef(e.ipids[0], "DOM\\alice", 2).ok());
  ASSERT_TRUE(table.Release(e.ipids[0], "DOM\\alice", 5, &freed).ok());
  EXPECT_TRUE(freed.empty());
  EXPECT_TRUE(table.Lookup(e.ipids[0], "DOM\\alice").ok());
  ASSERT_TRUE(table.Release(e.ipids[0], "DOM\\alice", 2, &freed).ok());
  ASSERT_EQ(freed.size(), 1u);
  freed.clear();
  EXPECT_EQ(alive_, 0);
  EXPECT_EQ(table.object_count(), 0u);
  EXPECT_EQ(table.Lookup(e.ipids[0], "DOM\\alice").status().code(), StatusCode::kNotFound);
}

TEST_F(ObjectTableTest, QueryInterfaceReusesIpidAndCountsReferences) {
  ObjectTable table(options_);
  Export e = AddA(table);
  Result<Uuid> b = table.QueryInterface(e.ipids[0], "DOM\\alice", kIfaceB, 1);
  ASSERT_TRUE(b.ok());
  Result<Uuid> again = table.QueryInterface(e.ipids[0], "DOM\\alice", kIfaceB, 1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *b);
  Result<Uuid> a = table.QueryInterface(*b, "DOM\\alice", kIfaceA, 1);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, e.ipids[0]);
  FreedObjects freed;
  // A: 6 refs, B: 2 refs. Releasing A entirely retires A's IPID only.
  ASSERT_TRUE(table.Release(e.ipids[0], "DOM\\alice", 6, &freed).ok());
  EXPECT_TRUE(freed.empty());
  EXPECT_FALSE(table.Lookup(e.ipids[0], "DOM\\alice").ok());
  EXPECT_TRUE(table.Lookup(*b, "DOM\\alice").ok());
  ASSERT_TRUE(table.Release(*b, "DOM\\alice", 100, &freed).ok());
  EXPECT_EQ(freed.size(), 1u);
}

TEST_F(ObjectTableTest, ReferenceCountOverflowIsRefused) {
  ObjectTable table(options_);
  Export e = AddA(table);
  EXPECT_EQ(table.AddRef(e.ipids[0], "DOM\\alice", 0xffffffffu).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ObjectTableTest, UnpingedObjectsExpire) {
  ObjectTable table(options_);
  Export e = AddA(table);
  FreedObjects freed;
  now_ += milliseconds(900);
  EXPECT_EQ(table.CollectExpired(&freed), 0u);
  ASSERT_TRUE(table.Lookup(e.ipids[0], "DOM\\alice").ok());  // a call keeps it alive
  now_ += milliseconds(900);
  EXPECT_EQ(table.CollectExpired(&freed), 0u);
  now_ += milliseconds(1001);
  EXPECT_EQ(table.CollectExpired(&freed), 1u);
  freed.clear();
  EXPECT_EQ(alive_, 0);
  EXPECT_FALSE(table.Lookup(e.ipids[0], "DOM\\alice").ok());
}

TEST_F(ObjectTableTest, PingsKeepTheirSetsObjectsAlive) {
  ObjectTable table(options_);
  Export pinged = AddA(table);
  Export other = AddA(table);
  std::vector<std::uint64_t> add{pinged.oid, 0x1234};  // unknown OIDs are ignored
  Result<std::uint64_t> set = table.ComplexPing(0, 1, add, {}, kAlice);
  ASSERT_TRUE(set.ok());
  ASSERT_NE(*set, 0u);
  FreedObjects freed;
  for (int i = 0; i < 5; ++i) {
    now_ += milliseconds(600);
    ASSERT_TRUE(table.SimplePing(*set).ok());
    table.CollectExpired(&freed);
  }
  EXPECT_TRUE(table.Lookup(pinged.ipids[0], "DOM\\alice").ok());
  EXPECT_FALSE(table.Lookup(other.ipids[0], "DOM\\alice").ok());
  // Removed from the set, the object is no longer kept alive.
  std::vector<std::uint64_t> remove{pinged.oid};
  ASSERT_TRUE(table.ComplexPing(*set, 2, {}, remove, kAlice).ok());
  now_ += milliseconds(600);
  ASSERT_TRUE(table.SimplePing(*set).ok());
  now_ += milliseconds(600);
  ASSERT_TRUE(table.SimplePing(*set).ok());
  table.CollectExpired(&freed);
  EXPECT_FALSE(table.Lookup(pinged.ipids[0], "DOM\\alice").ok());
}

TEST_F(ObjectTableTest, StaleSequenceNumbersChangeNothing) {
  ObjectTable table(options_);
  Export e = AddA(table);
  Result<std::uint64_t> set = table.ComplexPing(0, 10, {}, {}, kAlice);
  ASSERT_TRUE(set.ok());
  std::vector<std::uint64_t> add{e.oid};
  ASSERT_TRUE(table.ComplexPing(*set, 9, add, {}, kAlice).ok());  // older: ignored
  now_ += milliseconds(1500);
  ASSERT_TRUE(table.SimplePing(*set).ok());
  FreedObjects freed;
  table.CollectExpired(&freed);
  EXPECT_EQ(freed.size(), 1u);  // was not in the set
  // Wrapped sequence numbers count as newer.
  Result<std::uint64_t> wrap = table.ComplexPing(0, 0xfffe, {}, {}, kAlice);
  ASSERT_TRUE(wrap.ok());
  Export f = AddA(table);
  std::vector<std::uint64_t> add_f{f.oid};
  ASSERT_TRUE(table.ComplexPing(*wrap, 1, add_f, {}, kAlice).ok());
  now_ += milliseconds(900);
  ASSERT_TRUE(table.SimplePing(*wrap).ok());
  now_ += milliseconds(900);
  table.CollectExpired(&freed);
  EXPECT_TRUE(table.Lookup(f.ipids[0], "DOM\\alice").ok());
}

TEST_F(ObjectTableTest, UnknownAndExpiredPingSetsAreRefused) {
  ObjectTable table(options_);
  EXPECT_EQ(table.SimplePing(42).code(), StatusCode::kNotFound);
  EXPECT_EQ(table.ComplexPing(42, 1, {}, {}, kAlice).status().code(), StatusCode::kNotFound);
  Result<std::uint64_t> set = table.ComplexPing(0, 1, {}, {}, kAlice);
  ASSERT_TRUE(set.ok());
  now_ += milliseconds(1001);
  FreedObjects freed;
  table.CollectExpired(&freed);
  EXPECT_EQ(table.ping_set_count(), 0u);
  EXPECT_EQ(table.SimplePing(*set).code(), StatusCode::kNotFound);
}

TEST_F(ObjectTableTest, LimitsAreEnforced) {
  ObjectTable table(options_);
  std::vector<rpc::SyntaxId> ifaces{kIfaceA};
  AddA(table, "DOM\\alice");
  Export second = AddA(table, "DOM\\alice");
  Result<Export> third = table.Add(NewObject(), "DOM\\alice", ifaces, 5);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().hresult(), std::optional<std::uint32_t>(0x8007000eu));
  AddA(table, "DOM\\bob");
  AddA(table, "DOM\\bob");
  Result<Export> fifth = table.Add(NewObject(), "DOM\\carol", ifaces, 5);
  EXPECT_FALSE(fifth.ok());  // max_objects
  // Freeing one makes room for its owner again.
  FreedObjects freed;
  ASSERT_TRUE(table.Release(second.ipids[0], "DOM\\alice", 5, &freed).ok());
  EXPECT_TRUE(table.Add(NewObject(), "DOM\\alice", ifaces, 5).ok());

  ASSERT_TRUE(table.ComplexPing(0, 1, {}, {}, kAlice).ok());
  ASSERT_TRUE(table.ComplexPing(0, 1, {}, {}, kAlice).ok());
  EXPECT_FALSE(table.ComplexPing(0, 1, {}, {}, kAlice).ok());
}

TEST_F(ObjectTableTest, PingSetsAreCappedPerPingerAndAnonymousOnesGetHalf) {
  options_.max_ping_sets = 5;
  options_.max_ping_sets_per_client = 2;
  ObjectTable table(options_);
  const Pinger a{"10.0.0.1", false};
  const Pinger b{"10.0.0.2", false};
  ASSERT_TRUE(table.ComplexPing(0, 1, {}, {}, a).ok());
  ASSERT_TRUE(table.ComplexPing(0, 1, {}, {}, a).ok());
  Result<std::uint64_t> over = table.ComplexPing(0, 1, {}, {}, a);
  EXPECT_EQ(over.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(over.status().hresult(), std::optional<std::uint32_t>(0x8007000eu));
  ASSERT_TRUE(table.ComplexPing(0, 1, {}, {}, b).ok());
  // Three of five: the unauthenticated share is used up, whoever asks.
  EXPECT_FALSE(table.ComplexPing(0, 1, {}, {}, b).ok());
  EXPECT_FALSE(table.ComplexPing(0, 1, {}, {}, Pinger{"10.0.0.3", false}).ok());
  // An account is not an address, even when named alike.
  ASSERT_TRUE(table.ComplexPing(0, 1, {}, {}, Pinger{"10.0.0.1", true}).ok());
  ASSERT_TRUE(table.ComplexPing(0, 1, {}, {}, kAlice).ok());
  EXPECT_FALSE(table.ComplexPing(0, 1, {}, {}, Pinger{"DOM\\bob", true}).ok());  // all five
  EXPECT_EQ(table.ping_set_count(), 5u);
  // Expired sets give their pingers their room back.
  now_ += options_.timeout * 2;
  FreedObjects freed;
  table.CollectExpired(&freed);
  EXPECT_EQ(table.ping_set_count(), 0u);
  EXPECT_TRUE(table.ComplexPing(0, 1, {}, {}, a).ok());
  EXPECT_TRUE(table.ComplexPing(0, 1, {}, {}, a).ok());
  EXPECT_TRUE(table.ComplexPing(0, 1, {}, {}, b).ok());
}

}  // namespace
}  // namespace openadcs::dcom
