// Fuzzes the PDU decoders and the server's connection state machine: the
// input is split into PDUs by their frag_length and fed to a ConnectionCore
// (no sockets) whose dispatched calls run inline against an echo handler.
// The NTLM acceptor is the daemon's, over a user file with no account, so
// handshake tokens in binds, alter_contexts and AUTH3 reach it as sent;
// rpc_sealed_call_fuzz.cc covers the calls of an authenticated client.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <utility>

#include "openadcs/auth/ntlm_acceptor.h"
#include "openadcs/auth/ntlm_verifier.h"
#include "openadcs/rpc/pdu.h"
#include "rpc/connection_core.h"
#include "rpc/server_state.h"

namespace {

using namespace openadcs;
using namespace openadcs::rpc;

class Echo : public InterfaceHandler {
 public:
  SyntaxId syntax() const override {
    // ICertPassage v0.0, so that seeds with real binds reach dispatch.
    return SyntaxId{
        Uuid{0x91ae6020, 0x9e3c, 0x11cf, {0x8d, 0x7c, 0x00, 0xaa, 0x00, 0xc0, 0x91, 0xbe}}, 0, 0};
  }
  std::uint16_t opnum_count() const override { return 2; }
  auth::AuthLevel minimum_auth_level() const override { return auth::AuthLevel::kNone; }
  CallResult Call(const CallContext&, std::uint16_t opnum,
                  std::span<const std::uint8_t> stub) override {
    if (opnum == 1) return CallResult::Fault(fault::kBadStubData);
    return CallResult::Response(Bytes(stub.begin(), stub.end()));
  }
};

void DecodeBodies(std::span<const std::uint8_t> data) {
  Result<PduView> pdu = ParsePdu(data);
  if (!pdu.ok()) return;
  (void)ParseBind(*pdu);
  (void)ParseBindAck(*pdu);
  (void)ParseBindNak(*pdu);
  (void)ParseRequest(*pdu);
  (void)ParseResponse(*pdu);
  (void)ParseFault(*pdu);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  DecodeBodies(input);

  static ServerState* state = [] {
    auto* s = new ServerState;
    s->options.max_request_stub = std::size_t{64} * 1024;
    s->handlers.push_back(std::make_shared<Echo>());
    auth::NtlmAcceptorOptions ntlm;
    ntlm.verifier = auth::NewUserFileVerifier({"/nonexistent/openadcs-fuzz-users", "FUZZDOM", ""});
    auto acceptor = auth::NewNtlmAcceptor(ntlm);
    if (!acceptor.ok()) std::abort();
    s->acceptors.push_back(std::move(*acceptor));
    return s;
  }();
  ConnectionCore core(*state, ConnectionInfo{1, "127.0.0.1", 135, "127.0.0.1"});
  Bytes buffer(input.begin(), input.end());
  std::span<std::uint8_t> rest(buffer);
  while (rest.size() >= kHeaderSize) {
    CoreOutput out;
    const std::size_t length = core.CheckHeader(rest.first(kHeaderSize), &out);
    if (length == 0 || length > rest.size()) break;
    DecodeBodies(rest.first(length));
    // As the server asks before every PDU (where the leg runs).
    static_cast<void>(core.StepWaitOf(rest.first(length)));
    core.OnPdu(rest.first(length), &out);
    for (DispatchedCall& call : out.calls) {
      CoreOutput answer;
      core.OnCallDone(call.call_id, call.Run(), &answer);
    }
    if (out.close) break;
    rest = rest.subspan(length);
  }
  return 0;
}
