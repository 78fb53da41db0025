// The endpoint mapper's towers per address family: the address of the
// connection the lookup came in on decides what a wildcard listener's tower
// says (docs/protocols.md, "IPv6").
#include "openadcs/services/endpoint_mapper_service.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "openadcs/idl/epm.h"
#include "openadcs/idl/icert_passage.h"
#include "openadcs/ndr/epm.h"

namespace openadcs::services {
namespace {

namespace wire = ndr::epm;

constexpr wire::InterfaceId kNdr20{
    Uuid{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}}, 2, 0};
constexpr rpc::SyntaxId kIcpr{idl::icert_passage::kUuid, idl::icert_passage::kVersionMajor,
                              idl::icert_passage::kVersionMinor};
constexpr std::uint16_t kIcprPort = 49712;

// The towers ept_map and ept_lookup answer for ICertPassage, registered on
// `listen_address`, to a client whose connection's local address is
// `local_address`.
std::vector<wire::TcpTower> Towers(const std::string& listen_address,
                                   const std::string& local_address) {
  EndpointMapperService epm;
  epm.Register({kIcpr, listen_address, kIcprPort});
  rpc::CallContext ctx;
  ctx.local_address = local_address;
  ctx.peer_address = local_address;

  wire::TcpTower wanted;  // as impacket's hept_map asks: port 0, 0.0.0.0
  wanted.interface = {kIcpr.uuid, kIcpr.major, kIcpr.minor};
  wanted.transfer_syntax = kNdr20;
  wire::EptMapRequest map;
  map.object = Uuid{};
  map.tower = wire::EncodeTcpTower(wanted);
  map.max_towers = 4;
  rpc::CallResult r = epm.Call(ctx, static_cast<std::uint16_t>(idl::epm::Opnum::kEptMap),
                               wire::EncodeEptMapRequest(map));
  EXPECT_EQ(r.fault_status, 0u);
  Result<wire::EptMapResponse> mapped = wire::DecodeEptMapResponse(r.stub);
  EXPECT_TRUE(mapped.ok()) << mapped.status().ToString();
  std::vector<wire::TcpTower> out;
  if (!mapped.ok()) return out;
  EXPECT_EQ(mapped->status, wire::kStatusOk);
  for (const Bytes& t : mapped->towers) {
    Result<wire::TcpTower> tower = wire::DecodeTcpTower(t);
    EXPECT_TRUE(tower.ok()) << tower.status().ToString();
    if (tower.ok()) out.push_back(*tower);
  }

  wire::EptLookupRequest lookup;
  lookup.inquiry_type = 0;  // RPC_C_EP_ALL_ELTS
  lookup.max_ents = 10;
  r = epm.Call(ctx, static_cast<std::uint16_t>(idl::epm::Opnum::kEptLookup),
               wire::EncodeEptLookupRequest(lookup));
  EXPECT_EQ(r.fault_status, 0u);
  Result<wire::EptLookupResponse> listed = wire::DecodeEptLookupResponse(r.stub);
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();
  if (!listed.ok()) return out;
  EXPECT_EQ(listed->status, wire::kStatusOk);
  EXPECT_EQ(listed->entries.size(), out.size());
  for (std::size_t i = 0; i < listed->entries.size() && i < out.size(); ++i) {
    EXPECT_TRUE(listed->entries[i].tower.has_value());
    if (!listed->entries[i].tower) continue;
    Result<wire::TcpTower> tower = wire::DecodeTcpTower(*listed->entries[i].tower);
    EXPECT_TRUE(tower.ok()) << tower.status().ToString();
    if (tower.ok()) {
      EXPECT_EQ(*tower, out[i]) << "ept_lookup and ept_map disagree";
    }
  }
  return out;
}

using Ipv4 = std::array<std::uint8_t, 4>;

TEST(EndpointMapperServiceTest, WildcardListenerAdvertisesTheConnectionsIpv4Address) {
  for (const char* wildcard : {"0.0.0.0", "::"}) {
    std::vector<wire::TcpTower> towers = Towers(wildcard, "192.0.2.7");
    ASSERT_EQ(towers.size(), 1u) << wildcard;
    EXPECT_EQ(towers[0].ipv4, (Ipv4{192, 0, 2, 7})) << wildcard;
    EXPECT_EQ(towers[0].port, kIcprPort);
    EXPECT_EQ(towers[0].interface, (wire::InterfaceId{kIcpr.uuid, kIcpr.major, kIcpr.minor}));
  }
}

TEST(EndpointMapperServiceTest, BoundAddressIsAdvertisedAsIs) {
  std::vector<wire::TcpTower> towers = Towers("10.1.2.3", "10.1.2.3");
  ASSERT_EQ(towers.size(), 1u);
  EXPECT_EQ(towers[0].ipv4, (Ipv4{10, 1, 2, 3}));
}

// The floor has four bytes: an IPv6 client still gets the port, with the
// "any address" its own request carried.
TEST(EndpointMapperServiceTest, Ipv6ClientsGetTheTowerWithTheAnyAddress) {
  for (const auto& [listen, local] :
       {std::pair{"::", "::1"}, std::pair{"::1", "::1"}, std::pair{"2001:db8::5", "2001:db8::5"},
        std::pair{"::", "fe80::1%lo"}}) {
    std::vector<wire::TcpTower> towers = Towers(listen, local);
    ASSERT_EQ(towers.size(), 1u) << listen << " " << local;
    EXPECT_EQ(towers[0].ipv4, (Ipv4{0, 0, 0, 0})) << listen << " " << local;
    EXPECT_EQ(towers[0].port, kIcprPort);
  }
}

}  // namespace
}  // namespace openadcs::services
