// IRemUnknown and IRemUnknown2 (MS-DCOM 3.1.1.5.6-7) on the exporter's one
// ipidRemUnknown. The IPIDs a call names must be the caller's own: another
// client's IPIDs answer as unknown ones do, so they cannot be probed.
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "dcom/runtime_state.h"
#include "openadcs/dcom/orpc_call.h"
#include "openadcs/idl/irem_unknown.h"
#include "openadcs/idl/irem_unknown2.h"
#include "openadcs/ndr/rem_unknown.h"
#include "openadcs/util/hresult.h"

namespace openadcs::dcom {
namespace {

namespace wire = ndr::rem_unknown;
namespace ru = idl::irem_unknown2;  // IRemUnknown's opnums are its prefix

class RemUnknownHandler : public rpc::InterfaceHandler {
 public:
  RemUnknownHandler(std::shared_ptr<RuntimeState> state, bool version2)
      : state_(std::move(state)), version2_(version2) {}

  rpc::SyntaxId syntax() const override {
    if (version2_) return {ru::kUuid, ru::kVersionMajor, ru::kVersionMinor};
    return {idl::irem_unknown::kUuid, idl::irem_unknown::kVersionMajor,
            idl::irem_unknown::kVersionMinor};
  }
  std::uint16_t opnum_count() const override {
    return version2_ ? ru::kOpnumCount : idl::irem_unknown::kOpnumCount;
  }
  auth::AuthLevel minimum_auth_level() const override { return state_->options.minimum_auth_level; }
  // The object table's work only (class factories and object destructors
  // must not block: dcom/com_object.h).
  bool RunsInline(std::uint16_t) const override { return true; }

  rpc::CallResult Call(const rpc::CallContext& ctx, std::uint16_t opnum,
                       std::span<const std::uint8_t> stub) override {
    if (opnum < static_cast<std::uint16_t>(ru::Opnum::kRemQueryInterface) ||
        opnum >= opnum_count()) {
      return rpc::CallResult::Fault(rpc::fault::kOpRangeError);
    }
    if (!ctx.object || *ctx.object != state_->ipid_rem_unknown) {
      return rpc::CallResult::Fault(hr::kRpcDisconnected);
    }
    if (ctx.client == nullptr) return rpc::CallResult::Fault(rpc::fault::kAccessDenied);
    switch (static_cast<ru::Opnum>(opnum)) {
      case ru::Opnum::kRemQueryInterface: return QueryInterface(ctx, stub);
      case ru::Opnum::kRemAddRef: return AddRef(ctx, stub);
      case ru::Opnum::kRemRelease: return Release(ctx, stub);
      case ru::Opnum::kRemQueryInterface2: return QueryInterface2(ctx, stub);
      default: return rpc::CallResult::Fault(rpc::fault::kOpRangeError);
    }
  }

 private:
  // One IID's grant: the IPID and OID, or the HRESULT refusing it.
  struct Grant {
    std::uint32_t hresult = kSOk;
    Uuid ipid;
    std::uint64_t oid = 0;
  };

  // Grants each of `iids` on the object behind `ipid` with `refs` public
  // references; the call's HRESULT in *hresult.
  std::vector<Grant> Query(const rpc::CallContext& ctx, const Uuid& ipid,
                           const std::vector<Uuid>& iids, std::uint32_t refs,
                           std::uint32_t* hresult) {
    const std::string who = ctx.ClientName();
    std::vector<Grant> grants(iids.size());
    Result<ExportedInterface> from = state_->table.Lookup(ipid, who);
    if (!from.ok()) {
      *hresult = hr::kRpcDisconnected;
      return {};
    }
    std::size_t granted = 0;
    for (std::size_t i = 0; i < iids.size(); ++i) {
      std::optional<rpc::SyntaxId> iface = state_->Implemented(*from->object, iids[i]);
      if (!iface) {
        grants[i].hresult = hr::kNoInterface;
        continue;
      }
      Result<Uuid> got = state_->table.QueryInterface(ipid, who, *iface, refs);
      if (!got.ok()) {
        grants[i].hresult =
            got.status().code() == StatusCode::kNotFound ? hr::kRpcDisconnected : hr::kInvalidArg;
        continue;
      }
      grants[i].ipid = *got;
      grants[i].oid = from->oid;
      ++granted;
    }
    *hresult = granted == 0 ? hr::kNoInterface : kSOk;
    return grants;
  }

  rpc::CallResult QueryInterface(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub) {
    rpc::CallResult fault;
    Result<wire::QueryInterfaceRequest> in = DecodeOrpcCall(
        wire::DecodeRemQueryInterfaceRequest(stub), ctx, "RemQueryInterface", &fault);
    if (!in.ok()) return fault;
    wire::QueryInterfaceResponse out;
    std::vector<Grant> grants = Query(ctx, in->ipid, in->iids, in->refs, &out.hresult);
    for (const Grant& g : grants) {
      wire::QiResult r;
      r.hresult = g.hresult;
      if (g.hresult == kSOk) {
        r.std.public_refs = in->refs;
        r.std.oxid = state_->table.oxid();
        r.std.oid = g.oid;
        r.std.ipid = g.ipid;
      }
      out.results.push_back(r);
    }
    return rpc::CallResult::Response(wire::EncodeRemQueryInterfaceResponse(out));
  }

  rpc::CallResult QueryInterface2(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub) {
    rpc::CallResult fault;
    Result<wire::QueryInterfaceRequest> in = DecodeOrpcCall(
        wire::DecodeRemQueryInterface2Request(stub), ctx, "RemQueryInterface2", &fault);
    if (!in.ok()) return fault;
    wire::QueryInterface2Response out;
    std::vector<Grant> grants = Query(ctx, in->ipid, in->iids, kActivationPublicRefs, &out.hresult);
    for (std::size_t i = 0; i < grants.size(); ++i) {
      out.hresults.push_back(grants[i].hresult);
      out.objrefs.push_back(grants[i].hresult == kSOk
                                ? state_->StandardObjRef(ctx, in->iids[i], grants[i].oid,
                                                         grants[i].ipid, kActivationPublicRefs)
                                : Bytes());
    }
    return rpc::CallResult::Response(wire::EncodeRemQueryInterface2Response(out));
  }

  rpc::CallResult AddRef(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub) {
    rpc::CallResult fault;
    Result<wire::RefsRequest> in =
        DecodeOrpcCall(wire::DecodeRemAddRefRequest(stub), ctx, "RemAddRef", &fault);
    if (!in.ok()) return fault;
    wire::AddRefResponse out;
    const std::string who = ctx.ClientName();
    for (const wire::InterfaceRef& ref : in->refs) {
      // Private references are a client's own bookkeeping (MS-DCOM
      // 3.2.4.4.2); only public ones keep objects alive here.
      Status s = state_->table.AddRef(ref.ipid, who, ref.public_refs);
      out.results.push_back(s.ok() ? kSOk : hr::kInvalidArg);
      if (!s.ok()) out.hresult = hr::kInvalidArg;
    }
    return rpc::CallResult::Response(wire::EncodeRemAddRefResponse(out));
  }

  rpc::CallResult Release(const rpc::CallContext& ctx, std::span<const std::uint8_t> stub) {
    rpc::CallResult fault;
    Result<wire::RefsRequest> in =
        DecodeOrpcCall(wire::DecodeRemReleaseRequest(stub), ctx, "RemRelease", &fault);
    if (!in.ok()) return fault;
    std::uint32_t hresult = kSOk;
    const std::string who = ctx.ClientName();
    FreedObjects freed;
    for (const wire::InterfaceRef& ref : in->refs) {
      if (!state_->table.Release(ref.ipid, who, ref.public_refs, &freed).ok()) {
        hresult = hr::kInvalidArg;
      }
    }
    if (!freed.empty()) spdlog::debug("dcom: {} released {} object(s)", who, freed.size());
    freed.clear();  // the objects go now, outside the table's lock
    return HresultResponse(hresult);
  }

  std::shared_ptr<RuntimeState> state_;
  const bool version2_;
};

}  // namespace

std::shared_ptr<rpc::InterfaceHandler> NewRemUnknownHandler(std::shared_ptr<RuntimeState> state,
                                                            bool version2) {
  return std::make_shared<RemUnknownHandler>(std::move(state), version2);
}

}  // namespace openadcs::dcom
