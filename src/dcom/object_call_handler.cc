// Calls on an object interface, dispatched by the PDU's object UUID (the
// IPID). The checks come in the order a caller could learn least from:
// unknown IPIDs fault as disconnected whoever asks, another client's IPID
// as access denied, an IPID of another interface as E_NOINTERFACE.
#include <spdlog/spdlog.h>

#include <memory>
#include <utility>

#include "dcom/runtime_state.h"
#include "openadcs/idl/iunknown.h"
#include "openadcs/util/hresult.h"

namespace openadcs::dcom {
namespace {

class ObjectCallHandler : public rpc::InterfaceHandler {
 public:
  ObjectCallHandler(std::shared_ptr<RuntimeState> state, rpc::SyntaxId iface,
                    std::uint16_t opnum_count)
      : state_(std::move(state)), iface_(iface), opnum_count_(opnum_count) {}

  rpc::SyntaxId syntax() const override { return iface_; }
  std::uint16_t opnum_count() const override { return opnum_count_; }
  auth::AuthLevel minimum_auth_level() const override { return state_->options.minimum_auth_level; }

  rpc::CallResult Call(const rpc::CallContext& ctx, std::uint16_t opnum,
                       std::span<const std::uint8_t> stub) override {
    // IUnknown's methods exist only locally; over DCOM they are IRemUnknown.
    if (opnum < idl::iunknown::kOpnumCount || opnum >= opnum_count_) {
      return rpc::CallResult::Fault(rpc::fault::kOpRangeError);
    }
    if (!ctx.object) return rpc::CallResult::Fault(hr::kRpcDisconnected);
    if (ctx.client == nullptr) return rpc::CallResult::Fault(rpc::fault::kAccessDenied);
    Result<ExportedInterface> target = state_->table.Lookup(*ctx.object, ctx.ClientName());
    if (!target.ok()) {
      if (target.status().code() == StatusCode::kPermissionDenied) {
        spdlog::warn("dcom: {} from {}: call on another client's ipid {}", ctx.ClientName(),
                     ctx.peer_address, ctx.object->ToString());
        return rpc::CallResult::Fault(rpc::fault::kAccessDenied);
      }
      return rpc::CallResult::Fault(hr::kRpcDisconnected);
    }
    if (target->iface != iface_) return rpc::CallResult::Fault(hr::kNoInterface);
    return target->object->Call(ctx, iface_, opnum, stub);
  }

 private:
  std::shared_ptr<RuntimeState> state_;
  const rpc::SyntaxId iface_;
  const std::uint16_t opnum_count_;
};

}  // namespace

std::shared_ptr<rpc::InterfaceHandler> NewObjectCallHandler(std::shared_ptr<RuntimeState> state,
                                                            rpc::SyntaxId iface,
                                                            std::uint16_t opnum_count) {
  return std::make_shared<ObjectCallHandler>(std::move(state), iface, opnum_count);
}

}  // namespace openadcs::dcom
