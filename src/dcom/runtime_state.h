// What the DCOM runtime's handlers share: the options, the object table, the
// registered classes and object interfaces, and how the exporter is reached.
// Registration happens before DcomRuntime::Handlers(); after it the maps are
// only read, so the handlers read them without a lock.
//
// IRemUnknown(2) is reached through one IPID for the whole exporter
// (ipid_rem_unknown): the IPIDs a call names identify the objects, and the
// caller's identity, not the IPID it called on, decides which it may touch.
#ifndef OPENADCS_SRC_DCOM_RUNTIME_STATE_H_
#define OPENADCS_SRC_DCOM_RUNTIME_STATE_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dcom/object_table.h"
#include "openadcs/dcom/com_object.h"
#include "openadcs/dcom/dcom_runtime.h"
#include "openadcs/ndr/objref.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/uuid.h"

namespace openadcs::dcom {

inline constexpr std::uint32_t kSOk = 0;
// Public references a STDOBJREF grants on activation, as Windows grants.
inline constexpr std::uint32_t kActivationPublicRefs = 5;

struct RuntimeState {
  explicit RuntimeState(DcomOptions opts);

  const DcomOptions options;
  ObjectTable table;
  const Uuid ipid_rem_unknown = Uuid::Random();
  std::atomic<std::uint16_t> object_port{0};
  std::map<Uuid, ClassFactory> classes;
  std::map<Uuid, rpc::SyntaxId> object_interfaces;  // by IID
  std::map<Uuid, std::uint16_t> opnum_counts;       // by IID

  // The interface `object` implements under `iid`: IUnknown always, else
  // one of interfaces() that was registered with the runtime.
  std::optional<rpc::SyntaxId> Implemented(const ComObject& object, const Uuid& iid) const;

  // The exporter's addresses as an activation or ResolveOxid advertises
  // them: the socket's local address with the object port, and NTLM.
  ndr::objref::DualStringArray OxidBindings(const rpc::CallContext& ctx) const;
  // The OXID resolver's own addresses (ServerAlive2, an OBJREF's saResAddr):
  // the local address without a port.
  ndr::objref::DualStringArray ResolverBindings(const rpc::CallContext& ctx) const;

  // A standard OBJREF (its bytes) for an IPID of an exported object.
  Bytes StandardObjRef(const rpc::CallContext& ctx, const Uuid& iid, std::uint64_t oid,
                       const Uuid& ipid, std::uint32_t public_refs) const;
};

// The handlers, each sharing `state`.
std::shared_ptr<rpc::InterfaceHandler> NewScmActivatorHandler(std::shared_ptr<RuntimeState> state);
std::shared_ptr<rpc::InterfaceHandler> NewOxidResolverHandler(std::shared_ptr<RuntimeState> state);
// IRemUnknown when `version2` is false, IRemUnknown2 when true.
std::shared_ptr<rpc::InterfaceHandler> NewRemUnknownHandler(std::shared_ptr<RuntimeState> state,
                                                            bool version2);
std::shared_ptr<rpc::InterfaceHandler> NewObjectCallHandler(std::shared_ptr<RuntimeState> state,
                                                            rpc::SyntaxId iface,
                                                            std::uint16_t opnum_count);

}  // namespace openadcs::dcom

#endif  // OPENADCS_SRC_DCOM_RUNTIME_STATE_H_
