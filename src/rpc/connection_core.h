// The per-connection protocol state machine of the server (MS-RPCE 3.3.3),
// free of sockets so that the fuzzer and the tests can drive it from bytes.
//
// The caller frames PDUs (CheckHeader, then the whole PDU to OnPdu), runs the
// calls it is handed on workers, feeds their results back through
// OnCallDone, and writes every output PDU in the order produced: NTLM
// sequence numbers and the RC4 stream depend on that order. Not
// thread-safe: the Asio connection drives it from its strand.
#ifndef OPENADCS_RPC_CONNECTION_CORE_H_
#define OPENADCS_RPC_CONNECTION_CORE_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "openadcs/auth/security_context.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/rpc/pdu.h"
#include "rpc/server_state.h"

namespace openadcs::rpc {

struct ConnectionInfo {
  std::uint64_t id = 0;
  std::string local_address;
  std::uint16_t local_port = 0;
  std::string peer_address;
};

// A reassembled call ready for a worker. Owns everything the handler sees.
struct DispatchedCall {
  std::uint32_t call_id = 0;
  std::shared_ptr<InterfaceHandler> handler;
  std::uint16_t opnum = 0;
  Bytes stub;
  std::optional<auth::Identity> identity;
  CallContext context;  // context.client is set by Run() to &identity

  CallResult Run();
};

struct CoreOutput {
  std::vector<Bytes> pdus;  // to write, in this order
  std::vector<DispatchedCall> calls;
  bool close = false;  // after writing `pdus`
};

class ConnectionCore {
 public:
  ConnectionCore(ServerState& state, ConnectionInfo info);
  ~ConnectionCore();
  ConnectionCore(const ConnectionCore&) = delete;
  ConnectionCore& operator=(const ConnectionCore&) = delete;

  // Checks a PDU's first kHeaderSize bytes. Returns the PDU's total length
  // to read, or 0 when the connection must close (`out` may then hold a
  // bind_nak or fault to write first).
  std::size_t CheckHeader(std::span<const std::uint8_t> header, CoreOutput* out);

  // Processes one whole PDU (as framed after CheckHeader). The buffer is
  // modified: protected bodies are decrypted in place.
  void OnPdu(std::span<std::uint8_t> pdu, CoreOutput* out);

  // What OnPdu may wait on for `pdu`: for a bind, alter_context or auth3
  // carrying a token, what its acceptor says of the leg
  // (auth::Acceptor::StepWaitFor); kNone for anything else. For more than
  // kNone the caller runs that OnPdu away from the thread that serves every
  // connection, touching the core from nowhere else until it returns.
  auth::StepWait StepWaitOf(std::span<const std::uint8_t> pdu) const;

  // A dispatched call finished; its response (or fault) is appended to
  // `out` unless the call was orphaned or cancelled.
  void OnCallDone(std::uint32_t call_id, CallResult result, CoreOutput* out);

  std::size_t outstanding_calls() const { return running_.size() + (reassembly_ ? 1 : 0); }

  // Whether a security context of this connection completed authentication.
  bool authenticated() const {
    return std::any_of(security_.begin(), security_.end(), [](const auto& entry) {
      const SecContext& sc = entry.second;
      return !sc.failed && sc.context != nullptr && sc.context->established();
    });
  }

 private:
  struct SecContext {
    auth::AuthType type = auth::AuthType::kNone;
    auth::AuthLevel level = auth::AuthLevel::kNone;
    std::unique_ptr<auth::SecurityContext> context;
    bool failed = false;
    // The client sent a verification trailer on this context: a runtime
    // that verifies what it receives, faults included. Others (impacket)
    // read a fault's status and skip its verifier, which would leave their
    // NTLM RC4 stream behind ours; they get bare faults.
    bool protected_faults = false;
  };
  struct CallSecurity {
    std::optional<std::uint32_t> auth_context_id;
    auth::AuthLevel level = auth::AuthLevel::kNone;
  };
  struct Presentation {
    std::shared_ptr<InterfaceHandler> handler;
    SyntaxId abstract_syntax;  // as the client named it
  };
  struct Reassembly {
    std::uint32_t call_id = 0;
    std::uint16_t context_id = 0;
    std::uint16_t opnum = 0;
    std::array<std::uint8_t, 4> drep{};  // of the last fragment seen
    std::optional<Uuid> object;
    CallSecurity security;
    Bytes stub;
    bool rejected = false;  // answered already; drop the remaining fragments
  };
  struct Running {
    std::uint16_t context_id = 0;
    CallSecurity security;
    bool dropped = false;
  };
  struct AuthLeg {
    bool ok = true;
    std::uint16_t nak_reason = reject::kNotSpecified;
    std::uint32_t fault_status = fault::kAccessDenied;
    std::optional<SecTrailer> trailer;
    Bytes token;
  };

  void OnBind(const PduView& pdu, CoreOutput* out);
  void OnAuth3(const PduView& pdu, CoreOutput* out);
  void OnRequest(std::span<std::uint8_t> bytes, const PduView& pdu, CoreOutput* out);
  void OnCancel(const PduView& pdu);
  AuthLeg AuthStep(const PduView& pdu);
  std::vector<ContextResult> NegotiateContexts(const BindBody& bind);
  // Resolves the request's sec_trailer to a context and unprotects the
  // fragment. False: answered (fault) and closing.
  bool Unprotect(std::span<std::uint8_t> bytes, const PduView& pdu, const RequestBody& req,
                 CallSecurity* security, CoreOutput* out);
  void Dispatch(Reassembly call, CoreOutput* out);
  // Checks the call's verification trailer (MS-RPCE 2.2.2.13), if any,
  // against the request and the presentation context and strips it from
  // the stub. False: refused (logged).
  bool CheckVerificationTrailer(Reassembly& call, const Presentation& pc);
  // The security context a call's PDUs are protected with, or null when
  // they travel in the clear (none, connect level, or a failed context).
  SecContext* Protecting(const CallSecurity& security);
  // Sends a fault. With `security` naming a signed or sealed context whose
  // client sends verification trailers, the fault carries a verifier (an
  // empty body protected like a response), so that the client can tell it
  // from one forged on the path.
  void Fault(std::uint32_t call_id, std::uint16_t context_id, std::uint32_t status,
             bool did_not_execute, CoreOutput* out, const CallSecurity* security = nullptr);
  void ProtocolError(std::string_view what, CoreOutput* out);
  void LimitTripped(std::string_view what);

  ServerState& state_;
  const ConnectionInfo info_;
  bool bound_ = false;
  std::uint16_t max_fragment_;  // negotiated at bind; the option before
  std::uint32_t assoc_group_id_ = 0;
  std::uint8_t features_ = 0;
  // PFC_SUPPORT_HEADER_SIGN of the bind, which a verification trailer's
  // bitmask1 must agree with.
  bool bind_header_sign_ = false;
  std::map<std::uint16_t, Presentation> presentation_;
  std::map<std::uint32_t, SecContext> security_;
  std::optional<Reassembly> reassembly_;
  std::map<std::uint32_t, Running> running_;
};

}  // namespace openadcs::rpc

#endif  // OPENADCS_RPC_CONNECTION_CORE_H_
