#include "openadcs/services/endpoint_mapper_service.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "openadcs/idl/epm.h"
#include "openadcs/ndr/epm.h"
#include "openadcs/ndr/ndr_writer.h"

namespace openadcs::services {
namespace {

namespace wire = ndr::epm;
using idl::epm::Opnum;

// NDR 2.0, the only transfer syntax the runtime speaks.
constexpr wire::InterfaceId kNdr20{
    Uuid{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}}, 2, 0};

// The tower's address floor for `endpoint`: its own address, or, for a
// wildcard listener, the local address of the connection the client came in
// on (the one address it is known to reach). The floor (C706 Appendix I,
// protocol 0x09) holds four bytes and no protocol id exists for IPv6, so an
// IPv6 address is written as 0.0.0.0, the "any address" clients put in their
// own ept_map towers: MS-RPCE 3.1.3.5.3 has clients ignore the tower's
// address and dial the host they asked, on the tower's port.
std::array<std::uint8_t, 4> TowerIpv4(const rpc::Endpoint& endpoint, const rpc::CallContext& ctx) {
  std::string address = endpoint.address;
  if (address.empty() || address == "0.0.0.0" || address == "::") address = ctx.local_address;
  std::array<std::uint8_t, 4> out{};
  in_addr a{};
  if (inet_pton(AF_INET, address.c_str(), &a) == 1) std::memcpy(out.data(), &a.s_addr, 4);
  return out;
}

Bytes TowerFor(const rpc::Endpoint& endpoint, const rpc::CallContext& ctx) {
  wire::TcpTower tower;
  tower.interface = {endpoint.syntax.uuid, endpoint.syntax.major, endpoint.syntax.minor};
  tower.transfer_syntax = kNdr20;
  tower.port = endpoint.port;
  tower.ipv4 = TowerIpv4(endpoint, ctx);
  return wire::EncodeTcpTower(tower);
}

// C706 2.3.4: a server interface is compatible when the major versions are
// equal and its minor version is at least the client's.
bool Matches(const rpc::SyntaxId& served, const wire::InterfaceId& wanted) {
  return served.uuid == wanted.uuid && served.major == wanted.major && served.minor >= wanted.minor;
}

}  // namespace

EndpointMapperService::EndpointMapperService(ndr::NdrLimits limits) : limits_(limits) {}

void EndpointMapperService::Register(const rpc::Endpoint& endpoint) {
  std::lock_guard lock(mu_);
  endpoints_.push_back(endpoint);
}

std::vector<rpc::Endpoint> EndpointMapperService::Snapshot() const {
  std::lock_guard lock(mu_);
  return endpoints_;
}

rpc::SyntaxId EndpointMapperService::syntax() const {
  return {idl::epm::kUuid, idl::epm::kVersionMajor, idl::epm::kVersionMinor};
}

std::uint16_t EndpointMapperService::opnum_count() const {
  return idl::epm::kOpnumCount;
}

rpc::CallResult EndpointMapperService::Call(const rpc::CallContext& ctx, std::uint16_t opnum,
                                            std::span<const std::uint8_t> stub) {
  switch (static_cast<Opnum>(opnum)) {
    case Opnum::kEptMap: return Map(ctx, stub);
    case Opnum::kEptLookup: return Lookup(ctx, stub);
    case Opnum::kEptLookupHandleFree: {
      // Lookups never leave a continuation behind (every handle returned is
      // null), so there is nothing to free: echo a null handle, status 0.
      ndr::NdrWriter w;
      w.WriteBytes(std::array<std::uint8_t, 20>{});
      w.WriteU32(wire::kStatusOk);
      return rpc::CallResult::Response(std::move(w).Take());
    }
    default:
      spdlog::warn("epm: {} from {}: {} refused (the map is not remotely writable)",
                   ctx.client != nullptr ? ctx.client->Qualified() : "anonymous", ctx.peer_address,
                   opnum < idl::epm::kOpnumCount ? idl::epm::kMethodNames[opnum] : "?");
      return rpc::CallResult::Fault(rpc::fault::kAccessDenied);
  }
}

rpc::CallResult EndpointMapperService::Map(const rpc::CallContext& ctx,
                                           std::span<const std::uint8_t> stub) {
  Result<wire::EptMapRequest> in = wire::DecodeEptMapRequest(stub, limits_);
  if (!in.ok()) {
    spdlog::warn("epm: undecodable ept_map from {}: {}", ctx.peer_address, in.status().message());
    return rpc::CallResult::Fault(rpc::fault::kBadStubData);
  }
  wire::EptMapResponse out;
  out.max_towers = in->max_towers;
  out.status = wire::kStatusNotRegistered;
  std::optional<wire::TcpTower> wanted;
  if (in->tower) {
    Result<wire::TcpTower> t = wire::DecodeTcpTower(*in->tower);
    if (t.ok()) wanted = *t;
  }
  if (wanted && in->max_towers > 0 && wanted->transfer_syntax == kNdr20) {
    for (const rpc::Endpoint& e : Snapshot()) {
      if (!Matches(e.syntax, wanted->interface)) continue;
      out.towers.push_back(TowerFor(e, ctx));
      if (out.towers.size() >= in->max_towers) break;
    }
    if (!out.towers.empty()) out.status = wire::kStatusOk;
  }
  spdlog::debug("epm: ept_map from {}: {} tower(s)", ctx.peer_address, out.towers.size());
  return rpc::CallResult::Response(wire::EncodeEptMapResponse(out));
}

rpc::CallResult EndpointMapperService::Lookup(const rpc::CallContext& ctx,
                                              std::span<const std::uint8_t> stub) {
  Result<wire::EptLookupRequest> in = wire::DecodeEptLookupRequest(stub, limits_);
  if (!in.ok()) {
    spdlog::warn("epm: undecodable ept_lookup from {}: {}", ctx.peer_address,
                 in.status().message());
    return rpc::CallResult::Fault(rpc::fault::kBadStubData);
  }
  wire::EptLookupResponse out;
  out.max_ents = in->max_ents;
  for (const rpc::Endpoint& e : Snapshot()) {
    if (out.entries.size() >= in->max_ents) break;
    // RPC_C_EP_MATCH_BY_IF (1) and RPC_C_EP_MATCH_BY_BOTH (3) filter by
    // interface; objects are not registered, so an object filter matches
    // only the nil object every entry carries.
    if (in->interface_id && (in->inquiry_type == 1 || in->inquiry_type == 3) &&
        !Matches(e.syntax, *in->interface_id)) {
      continue;
    }
    if ((in->inquiry_type == 2 || in->inquiry_type == 3) && in->object && !in->object->IsNil()) {
      continue;
    }
    out.entries.push_back({Uuid{}, TowerFor(e, ctx), std::string()});
  }
  out.status = out.entries.empty() ? wire::kStatusNotRegistered : wire::kStatusOk;
  return rpc::CallResult::Response(wire::EncodeEptLookupResponse(out));
}

}  // namespace openadcs::services
