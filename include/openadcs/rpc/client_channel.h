// A blocking DCE/RPC client connection (ncacn_ip_tcp) for the C++ client
// library and for tests: bind, alter_context, calls with fragmentation in
// both directions and protection through client-side SecurityContexts.
//
// One call at a time; not thread-safe. Every wait (connect, send, receive)
// is bounded by ClientOptions::timeout; a timeout or a transport error
// leaves the channel unusable (later calls fail with kUnavailable).
#ifndef OPENADCS_RPC_CLIENT_CHANNEL_H_
#define OPENADCS_RPC_CLIENT_CHANNEL_H_

#include <chrono>
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
#include "openadcs/util/status.h"

namespace openadcs::rpc {

struct ClientOptions {
  std::chrono::milliseconds timeout{10'000};
  // Proposed as max_xmit_frag and max_recv_frag; the server may lower it.
  std::uint16_t max_fragment_size = 5840;
  // A response whose reassembled stub exceeds this fails the call.
  std::size_t max_response_stub = 16 << 20;
  // assoc_group_id of the bind: 0 asks for a new association group.
  std::uint32_t assoc_group_id = 0;
};

// Client side of one security context. `context` is a client-role context:
// Step({}) yields the first leg.
struct ClientAuth {
  auth::AuthType type = auth::AuthType::kNone;
  auth::AuthLevel level = auth::AuthLevel::kNone;
  std::unique_ptr<auth::SecurityContext> context;
};

// A presentation context and the security context calls on it use (none:
// unauthenticated). Any combination of a bound context id and an
// established auth_context_id of the channel may be used.
struct Binding {
  std::uint16_t context_id = 0;
  std::optional<std::uint32_t> auth_context_id;
};

class ClientChannel {
 public:
  static Result<std::unique_ptr<ClientChannel>> Connect(const std::string& host, std::uint16_t port,
                                                        ClientOptions options = {});
  ~ClientChannel();
  ClientChannel(const ClientChannel&) = delete;
  ClientChannel& operator=(const ClientChannel&) = delete;

  // Negotiates a presentation context for `iface` (BIND the first time,
  // ALTER_CONTEXT after) and, with `auth`, builds a new security context in
  // the same exchange (an AUTH3 carries an odd last leg). Errors:
  // kPermissionDenied when the server refuses (bind_nak or fault; the status
  // message names the reason or status) or the handshake fails,
  // kNotFound when the interface is rejected, kUnavailable on transport
  // failure or timeout.
  Result<Binding> Bind(const SyntaxId& iface, std::optional<ClientAuth> auth = std::nullopt);
  // The same for several interfaces in one exchange (one presentation
  // context each, all on the one new security context): the bindings in the
  // order of `ifaces`. Saves a round trip per interface a client knows it
  // will call. kNotFound when any is rejected.
  Result<std::vector<Binding>> Bind(std::span<const SyntaxId> ifaces,
                                    std::optional<ClientAuth> auth = std::nullopt);

  // Makes a call. A fault is a successful Result whose fault_status is
  // non-zero. On a signed or sealed binding the request carries a
  // verification trailer (MS-RPCE 2.2.2.13: bitmask1, pcontext and header2)
  // and the response or fault must carry a verifier that checks; a fault
  // without one (the server could not use the context) ends the channel.
  // Errors:
  // kUnavailable (transport, timeout), kInvalidArgument (malformed or
  // unverifiable response or fault; the channel is then unusable).
  Result<CallResult> Call(const Binding& binding, std::uint16_t opnum,
                          std::span<const std::uint8_t> stub,
                          const std::optional<Uuid>& object = std::nullopt);

  // True when a call may start now with nothing before it: the channel is
  // usable, no received byte is unread, and the peer has sent nothing and
  // not closed since (one non-blocking peek). A kept connection is checked
  // so before a call that must not be sent twice; the peer may still close
  // between the check and the call.
  bool ReadyForCall() const;

  // Sends raw bytes / receives one raw PDU: for tests of malformed input.
  Status SendRaw(std::span<const std::uint8_t> bytes);
  Result<Bytes> ReceivePdu();

  // The negotiated fragment size and association group (after Bind).
  std::uint16_t max_fragment() const { return max_fragment_; }
  std::uint32_t assoc_group_id() const { return assoc_group_id_; }

 private:
  struct Security {
    auth::AuthType type;
    auth::AuthLevel level;
    std::unique_ptr<auth::SecurityContext> context;
  };
  ClientChannel(int fd, ClientOptions options);
  Status SendAll(std::span<const std::uint8_t> bytes);
  // Receives until at least `n` unread bytes are buffered.
  Status Fill(std::size_t n);
  Status Broken(Status why);
  // Unprotects an answer to a call on `sec`: [body_offset, end of body) is
  // what the server protected.
  Status Verify(Security& sec, std::uint32_t auth_context_id, Bytes& pdu, const PduView& view,
                std::size_t body_offset);

  int fd_;
  ClientOptions options_;
  // Received bytes; [in_begin_, in_end_) are not yet returned as PDUs.
  Bytes in_;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  bool bound_ = false;
  bool broken_ = false;
  // The bind carried PFC_SUPPORT_HEADER_SIGN and the bind_ack echoed it.
  bool header_signing_ = false;
  std::uint16_t max_fragment_;
  std::uint32_t assoc_group_id_ = 0;
  std::uint32_t next_call_id_ = 1;
  std::uint16_t next_context_id_ = 0;
  std::uint32_t next_auth_context_id_ = 0;
  std::map<std::uint32_t, Security> security_;
  std::map<std::uint16_t, SyntaxId> interfaces_;  // by presentation context id
};

}  // namespace openadcs::rpc

#endif  // OPENADCS_RPC_CLIENT_CHANNEL_H_
