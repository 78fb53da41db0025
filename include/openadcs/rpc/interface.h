// What the RPC runtime dispatches to: one InterfaceHandler per interface
// (abstract syntax). Handlers see the call's stub bytes and who made the
// call; they know nothing of PDUs, fragments or security trailers. The
// runtime knows nothing of what the stubs mean.
#ifndef OPENADCS_RPC_INTERFACE_H_
#define OPENADCS_RPC_INTERFACE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "openadcs/auth/security_context.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/gate.h"
#include "openadcs/util/uuid.h"

namespace openadcs::rpc {

// An interface or transfer syntax: UUID and major.minor version.
struct SyntaxId {
  Uuid uuid;
  std::uint16_t major = 0;
  std::uint16_t minor = 0;
  friend bool operator==(const SyntaxId&, const SyntaxId&) = default;
};

// Fault statuses (C706 appendix E, MS-RPCE 2.2.2.11, Windows error codes).
namespace fault {
inline constexpr std::uint32_t kAccessDenied = 0x00000005;      // ERROR_ACCESS_DENIED
inline constexpr std::uint32_t kOpRangeError = 0x1c010002;      // nca_s_op_rng_error
inline constexpr std::uint32_t kUnknownInterface = 0x1c010003;  // nca_s_unk_if
inline constexpr std::uint32_t kProtocolError = 0x1c01000b;     // nca_s_proto_error
inline constexpr std::uint32_t kUnsupportedType = 0x1c000011;   // nca_s_unsupported_type
inline constexpr std::uint32_t kBadStubData = 0x000006f7;       // RPC_X_BAD_STUB_DATA
inline constexpr std::uint32_t kServerTooBusy = 0x000006bb;     // RPC_S_SERVER_TOO_BUSY
inline constexpr std::uint32_t kCallCancelled = 0x0000071a;     // RPC_S_CALL_CANCELLED
inline constexpr std::uint32_t kFaultUnspecified = 0x1c000012;  // nca_s_fault_unspec
}  // namespace fault

// What a handler knows about the call in front of it. Valid only for the
// duration of InterfaceHandler::Call.
struct CallContext {
  // The authenticated client; null when the call is unauthenticated.
  const auth::Identity* client = nullptr;
  auth::AuthType auth_type = auth::AuthType::kNone;
  auth::AuthLevel auth_level = auth::AuthLevel::kNone;
  // The request PDU's object UUID (PFC_OBJECT_UUID), e.g. a DCOM IPID.
  std::optional<Uuid> object;
  // The accepted socket's addresses: DCOM advertises the local one. IPv6
  // without brackets; an IPv4 client of a dual-stack ("::") listener as
  // plain IPv4, never ::ffff:a.b.c.d.
  std::string local_address;
  std::uint16_t local_port = 0;
  std::string peer_address;
  std::uint32_t association_group_id = 0;
  std::uint64_t connection_id = 0;

  // "DOMAIN\user" of the authenticated client, "" when unauthenticated: who
  // services log and record, and whom DCOM objects belong to.
  std::string ClientName() const { return client != nullptr ? client->Qualified() : std::string(); }
};

// The outcome of a call: either response stub bytes, or a fault status the
// runtime sends in a FAULT PDU.
struct CallResult {
  std::uint32_t fault_status = 0;  // 0: `stub` is the response
  Bytes stub;
  // Not null: the result may not be sent before this gate opens (a write it
  // acknowledges is not yet durable). The handler's thread is free
  // meanwhile; the runtime sends the result when the gate opens Ok, and
  // otherwise what `if_failed` makes of the gate's error (a fault
  // nca_s_fault_unspec when it is null). Replies on one connection may then
  // leave in another order than their calls: DCE/RPC matches them by call id.
  std::shared_ptr<Gate> send_when;
  std::function<CallResult(const Status&)> if_failed;

  static CallResult Fault(std::uint32_t status) { return CallResult{status, {}, {}, {}}; }
  static CallResult Response(Bytes stub) { return CallResult{0, std::move(stub), {}, {}}; }
};

// Implementations are thread-safe: the runtime calls them from its worker
// threads, several calls at once.
class InterfaceHandler {
 public:
  virtual ~InterfaceHandler() = default;

  virtual SyntaxId syntax() const = 0;
  // Opnums [0, opnum_count()) exist; others fault with nca_s_op_rng_error
  // before Call is reached.
  virtual std::uint16_t opnum_count() const = 0;
  // Calls on a presentation context protected below this level fault with
  // access denied before Call is reached. kNone admits unauthenticated
  // calls (the endpoint mapper).
  virtual auth::AuthLevel minimum_auth_level() const = 0;

  // True when calls to `opnum` never block and finish in microseconds (no
  // signing, no database, no directory, no lock held for long): the runtime
  // then runs them on the connection's own thread, sparing the two thread
  // hand-offs (worker and back) a call otherwise costs.
  virtual bool RunsInline(std::uint16_t /*opnum*/) const { return false; }

  // Runs on a worker thread (the connection's thread when RunsInline) and
  // may block (signing, database), though a wait for durability is better
  // left to CallResult::send_when. `stub` is the
  // reassembled, unprotected request stub (NDR 2.0, little-endian). Never
  // throws: decoding errors become CallResult::Fault(fault::kBadStubData).
  virtual CallResult Call(const CallContext& ctx, std::uint16_t opnum,
                          std::span<const std::uint8_t> stub) = 0;
};

}  // namespace openadcs::rpc

#endif  // OPENADCS_RPC_INTERFACE_H_
