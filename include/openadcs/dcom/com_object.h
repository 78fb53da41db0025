// What the DCOM runtime exports: objects that implement one or more DCOM
// interfaces, created per activation by a class factory. The runtime owns
// the identities (OXID, OID, IPIDs), the reference counts and the lifetime;
// an object only answers calls. Objects hold per-object state between calls
// (MS-CSRA's open view lives on its ICertAdminD object).
#ifndef OPENADCS_DCOM_COM_OBJECT_H_
#define OPENADCS_DCOM_COM_OBJECT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "openadcs/rpc/interface.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::dcom {

// Thread-safe: calls on one object may arrive at once on several
// connections (the runtime does not serialize them).
class ComObject {
 public:
  virtual ~ComObject() = default;

  // The interfaces the object implements, besides IUnknown: activation and
  // RemQueryInterface grant exactly these (each must have been registered
  // with the runtime as an object interface).
  virtual std::vector<rpc::SyntaxId> interfaces() const = 0;

  // One call on `iface` (one of interfaces()), opnum >= 3 and below the
  // interface's opnum count (the runtime checks both). `stub` is the whole
  // request stub, ORPCTHIS first; the result is the whole response stub,
  // ORPCTHAT first and the HRESULT last, or a fault (e.g. kBadStubData for
  // an undecodable stub). Runs on a worker thread and may block. The
  // runtime has already checked that the caller is the client that
  // activated the object and that the call is protected as configured.
  virtual rpc::CallResult Call(const rpc::CallContext& ctx, const rpc::SyntaxId& iface,
                               std::uint16_t opnum, std::span<const std::uint8_t> stub) = 0;
};

// Creates an instance of a class for the activating client `ctx`. An error
// Status carrying an HRESULT (Status::hresult()) is answered with that
// HRESULT (e.g. E_ACCESSDENIED); without one, with E_FAIL. Runs, like the
// objects' destructors (a RemRelease), on the connection's own thread
// (rpc::InterfaceHandler::RunsInline): it must not block.
using ClassFactory = std::function<Result<std::shared_ptr<ComObject>>(const rpc::CallContext& ctx)>;

}  // namespace openadcs::dcom

#endif  // OPENADCS_DCOM_COM_OBJECT_H_
