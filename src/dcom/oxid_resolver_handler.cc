// IObjectExporter (MS-DCOM 3.1.2.5.1), served unauthenticated as Windows
// serves it: it reveals the exporter's addresses and keeps ping sets, and a
// ping can only refresh objects whose random OIDs the pinger already holds.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "dcom/runtime_state.h"
#include "openadcs/idl/iobject_exporter.h"
#include "openadcs/ndr/activation.h"
#include "openadcs/ndr/oxid_resolver.h"
#include "openadcs/util/log_limiter.h"

namespace openadcs::dcom {
namespace {

namespace wire = ndr::oxid_resolver;
namespace idl_ox = idl::iobject_exporter;

// RPC_S_PROTSEQ_NOT_SUPPORTED as an error_status_t.
constexpr std::uint32_t kRpcSProtseqNotSupported = 0x000006a7;

class OxidResolverHandler : public rpc::InterfaceHandler {
 public:
  explicit OxidResolverHandler(std::shared_ptr<RuntimeState> state) : state_(std::move(state)) {}

  rpc::SyntaxId syntax() const override {
    return {idl_ox::kUuid, idl_ox::kVersionMajor, idl_ox::kVersionMinor};
  }
  std::uint16_t opnum_count() const override { return idl_ox::kOpnumCount; }
  auth::AuthLevel minimum_auth_level() const override { return auth::AuthLevel::kNone; }
  // The object table's work only (class factories and object destructors
  // must not block: dcom/com_object.h).
  bool RunsInline(std::uint16_t) const override { return true; }

  rpc::CallResult Call(const rpc::CallContext& ctx, std::uint16_t opnum,
                       std::span<const std::uint8_t> stub) override {
    switch (static_cast<idl_ox::Opnum>(opnum)) {
      case idl_ox::Opnum::kResolveOxid: return ResolveOxid(ctx, stub, /*version2=*/false);
      case idl_ox::Opnum::kResolveOxid2: return ResolveOxid(ctx, stub, /*version2=*/true);
      case idl_ox::Opnum::kSimplePing: return SimplePing(stub);
      case idl_ox::Opnum::kComplexPing: return ComplexPing(ctx, stub);
      case idl_ox::Opnum::kServerAlive:
        return rpc::CallResult::Response(wire::EncodeStatusResponse(wire::kOk));
      case idl_ox::Opnum::kServerAlive2: {
        wire::ServerAlive2Response out;
        out.version_major = ndr::orpc::kComVersionMajor;
        out.version_minor = ndr::orpc::kComVersionMinor;
        out.bindings = state_->ResolverBindings(ctx);
        return rpc::CallResult::Response(wire::EncodeServerAlive2Response(out));
      }
    }
    return rpc::CallResult::Fault(rpc::fault::kOpRangeError);
  }

 private:
  rpc::CallResult ResolveOxid(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub,
                              bool version2) {
    Result<wire::ResolveOxidRequest> in = wire::DecodeResolveOxidRequest(stub);
    if (!in.ok()) return rpc::CallResult::Fault(rpc::fault::kBadStubData);
    wire::ResolveOxidResponse out;
    if (in->oxid != state_->table.oxid()) {
      out.status = wire::kObjectNotFound;
    } else if (std::find(in->requested_protseqs.begin(), in->requested_protseqs.end(),
                         ndr::activation::kProtseqTcp) == in->requested_protseqs.end()) {
      out.status = kRpcSProtseqNotSupported;
    } else {
      out.bindings = state_->OxidBindings(ctx);
      out.ipid_rem_unknown = state_->ipid_rem_unknown;
      // The level clients must use on the exporter, not this call's.
      out.authn_hint = static_cast<std::uint32_t>(state_->options.minimum_auth_level);
      out.version_major = ndr::orpc::kComVersionMajor;
      out.version_minor = ndr::orpc::kComVersionMinor;
    }
    return rpc::CallResult::Response(version2 ? wire::EncodeResolveOxid2Response(out)
                                              : wire::EncodeResolveOxidResponse(out));
  }

  rpc::CallResult SimplePing(std::span<const std::uint8_t> stub) {
    Result<wire::SimplePingRequest> in = wire::DecodeSimplePingRequest(stub);
    if (!in.ok()) return rpc::CallResult::Fault(rpc::fault::kBadStubData);
    Status s = state_->table.SimplePing(in->set_id);
    return rpc::CallResult::Response(
        wire::EncodeStatusResponse(s.ok() ? wire::kOk : wire::kInvalidSet));
  }

  rpc::CallResult ComplexPing(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub) {
    Result<wire::ComplexPingRequest> in = wire::DecodeComplexPingRequest(stub);
    if (!in.ok()) return rpc::CallResult::Fault(rpc::fault::kBadStubData);
    if (in->add.size() > wire::kMaxPingOids || in->remove.size() > wire::kMaxPingOids) {
      return rpc::CallResult::Fault(rpc::fault::kBadStubData);
    }
    wire::ComplexPingResponse out;
    const Pinger pinger{ctx.client != nullptr ? ctx.ClientName() : ctx.peer_address,
                        ctx.client != nullptr};
    Result<std::uint64_t> set =
        state_->table.ComplexPing(in->set_id, in->sequence, in->add, in->remove, pinger);
    if (set.ok()) {
      out.set_id = *set;
    } else if (set.status().code() == StatusCode::kNotFound) {
      out.set_id = in->set_id;
      out.status = wire::kInvalidSet;
    } else {
      if (std::uint64_t held = 0; refused_log_.Allow(&held)) {
        spdlog::warn("dcom: ComplexPing from {}: {}{}", ctx.peer_address, set.status().message(),
                     HeldBackNote(held));
      }
      out.status = wire::kOutOfResources;
    }
    return rpc::CallResult::Response(wire::EncodeComplexPingResponse(out));
  }

  std::shared_ptr<RuntimeState> state_;
  // A flood of pings from fresh sets would otherwise log one line each.
  LogLimiter refused_log_{std::chrono::seconds(10)};
};

}  // namespace

std::shared_ptr<rpc::InterfaceHandler> NewOxidResolverHandler(std::shared_ptr<RuntimeState> state) {
  return std::make_shared<OxidResolverHandler>(std::move(state));
}

}  // namespace openadcs::dcom
