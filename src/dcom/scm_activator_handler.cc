// IRemoteSCMActivator (MS-DCOM 3.1.2.5.2.3): creates objects of the
// registered classes and exports them.
//
// RemoteGetClassObject exports a class object that implements IUnknown
// only: no daemon class has an IClassFactory a client could use, and
// IClassFactory::CreateInstance over DCOM is what RemoteCreateInstance
// already does. Clients that only probe for the class this way get a live
// object they can query and release.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dcom/runtime_state.h"
#include "openadcs/dcom/orpc_call.h"
#include "openadcs/idl/iremote_scm_activator.h"
#include "openadcs/ndr/activation.h"
#include "openadcs/ndr/remote_scm_activator.h"
#include "openadcs/util/hresult.h"

namespace openadcs::dcom {
namespace {

namespace act = ndr::activation;
namespace scm = ndr::remote_scm_activator;
namespace idl_scm = idl::iremote_scm_activator;

// What RemoteGetClassObject exports: IUnknown only, so no call reaches it.
class ClassObject : public ComObject {
 public:
  std::vector<rpc::SyntaxId> interfaces() const override { return {}; }
  rpc::CallResult Call(const rpc::CallContext&, const rpc::SyntaxId&, std::uint16_t,
                       std::span<const std::uint8_t>) override {
    return rpc::CallResult::Fault(rpc::fault::kOpRangeError);
  }
};

class ScmActivatorHandler : public rpc::InterfaceHandler {
 public:
  explicit ScmActivatorHandler(std::shared_ptr<RuntimeState> state) : state_(std::move(state)) {}

  rpc::SyntaxId syntax() const override {
    return {idl_scm::kUuid, idl_scm::kVersionMajor, idl_scm::kVersionMinor};
  }
  std::uint16_t opnum_count() const override { return idl_scm::kOpnumCount; }
  auth::AuthLevel minimum_auth_level() const override { return state_->options.minimum_auth_level; }
  // The object table's work only (class factories and object destructors
  // must not block: dcom/com_object.h).
  bool RunsInline(std::uint16_t) const override { return true; }

  rpc::CallResult Call(const rpc::CallContext& ctx, std::uint16_t opnum,
                       std::span<const std::uint8_t> stub) override {
    const bool create = opnum == static_cast<std::uint16_t>(idl_scm::Opnum::kRemoteCreateInstance);
    if (!create && opnum != static_cast<std::uint16_t>(idl_scm::Opnum::kRemoteGetClassObject)) {
      return rpc::CallResult::Fault(rpc::fault::kOpRangeError);
    }
    if (ctx.client == nullptr) return rpc::CallResult::Fault(rpc::fault::kAccessDenied);
    Result<scm::ActivationRequest> request = create ? scm::DecodeRemoteCreateInstanceRequest(stub)
                                                    : scm::DecodeRemoteGetClassObjectRequest(stub);
    if (!request.ok()) {
      spdlog::warn("dcom: {} from {}: undecodable activation: {}", ctx.ClientName(),
                   ctx.peer_address, request.status().message());
      return rpc::CallResult::Fault(rpc::fault::kBadStubData);
    }
    scm::ActivationResponse response;
    response.hresult = Activate(ctx, create, *request, &response.activation_properties);
    if (response.hresult != kSOk) response.activation_properties.clear();
    return rpc::CallResult::Response(scm::EncodeActivationResponse(response));
  }

 private:
  std::uint32_t Activate(const rpc::CallContext& ctx, bool create,
                         const scm::ActivationRequest& request, Bytes* reply) {
    const std::string who = ctx.ClientName();
    if (std::uint32_t hr = OrpcThisError(request.orpcthis); hr != kSOk) return hr;
    if (request.unk_outer_present) return hr::kClassNoAggregation;
    if (request.activation_properties.empty()) return hr::kInvalidArg;
    Result<act::ActivationIn> in = act::DecodeActivationIn(request.activation_properties);
    if (!in.ok()) {
      spdlog::warn("dcom: {} from {}: undecodable activation properties: {}", who, ctx.peer_address,
                   in.status().message());
      return hr::kInvalidArg;
    }
    if (in->iids.empty() || in->iids.size() > act::kMaxInterfaces) return hr::kInvalidArg;
    if (in->instance_info_present) return hr::kNotImpl;
    if (in->scm_request_present && !in->requested_protseqs.empty() &&
        std::find(in->requested_protseqs.begin(), in->requested_protseqs.end(), act::kProtseqTcp) ==
            in->requested_protseqs.end()) {
      return hr::kProtseqNotSupported;
    }
    auto factory = state_->classes.find(in->clsid);
    if (factory == state_->classes.end()) {
      spdlog::info("dcom: {} from {}: class {} is not registered", who, ctx.peer_address,
                   in->clsid.ToString());
      return hr::kClassNotRegistered;
    }
    std::shared_ptr<ComObject> object;
    if (create) {
      Result<std::shared_ptr<ComObject>> made = factory->second(ctx);
      if (!made.ok()) {
        spdlog::info("dcom: {} from {}: class {} refused: {}", who, ctx.peer_address,
                     in->clsid.ToString(), made.status().message());
        return made.status().hresult().value_or(hr::kFail);
      }
      object = std::move(*made);
    } else {
      object = std::make_shared<ClassObject>();
    }

    // Which of the requested interfaces the object has; the IPIDs come
    // back in the same order.
    std::vector<std::optional<rpc::SyntaxId>> implemented;
    std::vector<rpc::SyntaxId> exported;
    for (const Uuid& iid : in->iids) {
      implemented.push_back(state_->Implemented(*object, iid));
      if (implemented.back()) exported.push_back(*implemented.back());
    }
    if (exported.empty()) return hr::kNoInterface;
    Result<Export> e = state_->table.Add(object, who, exported, kActivationPublicRefs);
    if (!e.ok()) {
      spdlog::warn("dcom: {} from {}: activation of {} refused: {}", who, ctx.peer_address,
                   in->clsid.ToString(), e.status().message());
      return e.status().hresult().value_or(hr::kFail);
    }

    act::ActivationOut out;
    std::size_t next_ipid = 0;
    for (std::size_t i = 0; i < in->iids.size(); ++i) {
      act::InterfaceResult r;
      r.iid = in->iids[i];
      if (implemented[i]) {
        r.objref = state_->StandardObjRef(ctx, r.iid, e->oid, e->ipids[next_ipid++],
                                          kActivationPublicRefs);
      } else {
        r.hresult = hr::kNoInterface;
      }
      out.interfaces.push_back(std::move(r));
    }
    out.oxid = state_->table.oxid();
    out.oxid_bindings = state_->OxidBindings(ctx);
    out.ipid_rem_unknown = state_->ipid_rem_unknown;
    out.authn_hint = static_cast<std::uint32_t>(ctx.auth_level);
    out.server_version_major = ndr::orpc::kComVersionMajor;
    out.server_version_minor = ndr::orpc::kComVersionMinor;
    *reply = act::EncodeActivationOut(out);
    // Debug: an activation changes nothing durable, and the Request that
    // follows it is audited.
    spdlog::debug("dcom: {} from {}: {} {} (oid {:016x}, {} of {} interfaces; {} objects)", who,
                  ctx.peer_address, create ? "created" : "class object of", in->clsid.ToString(),
                  e->oid, exported.size(), in->iids.size(), state_->table.object_count());
    return kSOk;
  }

  std::shared_ptr<RuntimeState> state_;
};

}  // namespace

std::shared_ptr<rpc::InterfaceHandler> NewScmActivatorHandler(std::shared_ptr<RuntimeState> state) {
  return std::make_shared<ScmActivatorHandler>(std::move(state));
}

}  // namespace openadcs::dcom
