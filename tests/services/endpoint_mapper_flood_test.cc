// The endpoint mapper on a real rpc::Server under a flood from one address
// (127.0.0.2): idle connections, and connections that send ept_map lookups
// and never read the answers. Another address (127.0.0.1) must still be
// served, and the replies queued for the flooders must stay within
// max_queued_reply_bytes (plus what the calls in flight add).
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "openadcs/idl/epm.h"
#include "openadcs/idl/icert_passage.h"
#include "openadcs/ndr/epm.h"
#include "openadcs/rpc/client_channel.h"
#include "openadcs/rpc/pdu.h"
#include "openadcs/rpc/server.h"
#include "openadcs/services/endpoint_mapper_service.h"
#include "testing/peer_socket.h"

namespace openadcs::services {
namespace {

using namespace std::chrono_literals;
using openadcs::testing::PeerSocket;

constexpr auto kWait = 10s;  // bound on every wait
constexpr std::size_t kPerPeer = 8;
constexpr std::size_t kIdle = 4;
constexpr std::size_t kReaderless = kPerPeer - kIdle;
constexpr std::uint16_t kPassagePort = 4242;
constexpr auto kFlood = 3s;

const rpc::SyntaxId kEpm{idl::epm::kUuid, idl::epm::kVersionMajor, idl::epm::kVersionMinor};
const rpc::SyntaxId kPassage{idl::icert_passage::kUuid, idl::icert_passage::kVersionMajor,
                             idl::icert_passage::kVersionMinor};
constexpr std::uint16_t kEptMap = static_cast<std::uint16_t>(idl::epm::Opnum::kEptMap);

// An ept_map stub for ICertPassage asking for the most towers the IDL
// allows: about 100 bytes in, a reply twenty times that.
Bytes EptMapStub() {
  ndr::epm::TcpTower tower;
  tower.interface = {kPassage.uuid, kPassage.major, kPassage.minor};
  const rpc::SyntaxId ndr20 = rpc::NdrTransferSyntax();
  tower.transfer_syntax = {ndr20.uuid, ndr20.major, ndr20.minor};
  ndr::epm::EptMapRequest request;
  request.object = Uuid{};
  request.tower = ndr::epm::EncodeTcpTower(tower);
  request.max_towers = 500;
  return ndr::epm::EncodeEptMapRequest(request);
}

class EndpointMapperFloodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.max_connections = 2 * kPerPeer;  // the flood alone could fill it
    options_.max_connections_per_peer = kPerPeer;
    options_.max_queued_reply_bytes = 16 << 10;
    options_.auth_timeout = kFlood + 1s;  // the idle flooders outlive the flood
    Result<std::unique_ptr<rpc::Server>> server = rpc::Server::Create(io_, options_, {});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    auto epm = std::make_shared<EndpointMapperService>();
    ASSERT_TRUE(server_->Register(epm).ok());
    Result<std::uint16_t> port = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    epm->Register(rpc::Endpoint{kPassage, "127.0.0.1", kPassagePort});
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  // A well-behaved client from 127.0.0.1: binds and looks ICertPassage up.
  void ExpectLookupServed() {
    rpc::ClientOptions options;
    options.timeout = kWait;
    const auto start = std::chrono::steady_clock::now();
    Result<std::unique_ptr<rpc::ClientChannel>> ch =
        rpc::ClientChannel::Connect("127.0.0.1", port_, options);
    ASSERT_TRUE(ch.ok()) << ch.status().ToString();
    Result<rpc::Binding> b = (*ch)->Bind(kEpm);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    Result<rpc::CallResult> r = (*ch)->Call(*b, kEptMap, EptMapStub());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->fault_status, 0u);
    Result<ndr::epm::EptMapResponse> map = ndr::epm::DecodeEptMapResponse(r->stub);
    ASSERT_TRUE(map.ok()) << map.status().ToString();
    ASSERT_EQ(map->status, ndr::epm::kStatusOk);
    ASSERT_FALSE(map->towers.empty());
    Result<ndr::epm::TcpTower> tower = ndr::epm::DecodeTcpTower(map->towers.front());
    ASSERT_TRUE(tower.ok());
    EXPECT_EQ(tower->port, kPassagePort);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  }

  rpc::ServerOptions options_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::thread thread_;
  std::unique_ptr<rpc::Server> server_;
  std::uint16_t port_ = 0;
};

TEST_F(EndpointMapperFloodTest, OneAddressCannotLockOthersOutOrGrowTheQueues) {
  std::vector<PeerSocket> flood;
  for (std::size_t i = 0; i < 2 * kPerPeer; ++i) {
    Result<PeerSocket> s = PeerSocket::Connect("127.0.0.2", "127.0.0.1", port_, 4096);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    flood.push_back(std::move(*s));
  }
  // The connections above the cap are closed at once.
  for (std::size_t i = kPerPeer; i < flood.size(); ++i) EXPECT_TRUE(flood[i].WaitClosed(kWait));
  flood.erase(flood.begin() + kPerPeer, flood.end());
  EXPECT_EQ(server_->stats().connections_refused_per_peer, kPerPeer);
  ExpectLookupServed();

  // The first kReaderless bind the mapper and send lookups, never reading.
  rpc::BindBody bind;
  bind.contexts.push_back({0, kEpm, {rpc::NdrTransferSyntax()}});
  const Bytes bind_pdu =
      rpc::BuildPdu(rpc::PduType::kBind, 3, 1, rpc::EncodeBind(bind), {}, std::nullopt, {}).bytes;
  for (std::size_t i = 0; i < kReaderless; ++i) ASSERT_TRUE(flood[i].Send(bind_pdu, kWait).ok());
  // Each sends lookups for kFlood as fast as the socket takes them. (On
  // loopback the kernel buffers megabytes per connection, more than an
  // instrumented build answers in kFlood; the pause and the write timeout
  // of a connection whose buffers are full are tested in rpc_test.)
  const Bytes stub = EptMapStub();
  auto lookup = [&stub](std::uint32_t call_id) {
    return rpc::BuildPdu(rpc::PduType::kRequest, 3, call_id,
                         rpc::EncodeRequestFixed(static_cast<std::uint32_t>(stub.size()), 0,
                                                 kEptMap, std::nullopt),
                         stub, std::nullopt, {})
        .bytes;
  };
  std::vector<Bytes> pending(kReaderless);
  std::vector<std::size_t> sent(kReaderless, 0);
  std::uint32_t call_id = 2;
  const auto end = std::chrono::steady_clock::now() + kFlood;
  while (std::chrono::steady_clock::now() < end) {
    bool any = false;
    for (std::size_t i = 0; i < kReaderless; ++i) {
      if (sent[i] == pending[i].size()) {
        pending[i] = lookup(call_id++);
        sent[i] = 0;
      }
      Result<std::size_t> n =
          flood[i].SendNow(std::span<const std::uint8_t>(pending[i]).subspan(sent[i]));
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      sent[i] += *n;
      any = any || *n > 0;
    }
    if (!any) std::this_thread::sleep_for(1ms);  // polling interval
  }
  // Served while the flood's lookups are still being answered.
  ExpectLookupServed();
  const rpc::ServerStats flooded = server_->stats();
  EXPECT_GT(flooded.calls_dispatched, kReaderless);
  // At most the bound plus the replies of the calls in flight and of the
  // one request read after the queue passed it.
  const std::uint64_t slack = (options_.max_outstanding_calls + 1) * 4096;
  EXPECT_LE(flooded.peak_queued_reply_bytes, options_.max_queued_reply_bytes + slack);

  // The idle flooders meet the authentication deadline; the readerless
  // ones are still connected and keep their slots meanwhile.
  for (std::size_t i = kReaderless; i < kPerPeer; ++i) EXPECT_TRUE(flood[i].WaitClosed(kWait));
  EXPECT_GE(server_->stats().timeouts, kIdle);
  ExpectLookupServed();
}

}  // namespace
}  // namespace openadcs::services
