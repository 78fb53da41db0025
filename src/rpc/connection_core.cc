#include "rpc/connection_core.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "openadcs/rpc/verification_trailer.h"
#include "openadcs/util/log_context.h"

namespace openadcs::rpc {
namespace {

// What this server offers in bind time feature negotiation: it keeps
// several security contexts per connection and keeps the connection open
// after an orphaned PDU.
constexpr std::uint8_t kSupportedFeatures =
    feature::kSecurityContextMultiplexing | feature::kKeepConnectionOnOrphan;

bool IsProtectedLevel(auth::AuthLevel level) {
  return level >= auth::AuthLevel::kCall;
}

}  // namespace

CallResult DispatchedCall::Run() {
  context.client = identity ? &*identity : nullptr;
  // Every line logged during the call can then name whom it was for.
  const LogContext who{context.ClientName(), context.peer_address, context.connection_id};
  const ScopedLogContext scoped(who);
  return handler->Call(context, opnum, stub);
}

ConnectionCore::ConnectionCore(ServerState& state, ConnectionInfo info)
    : state_(state), info_(std::move(info)), max_fragment_(state.options.max_fragment_size) {}

ConnectionCore::~ConnectionCore() {
  if (assoc_group_id_ != 0) state_.groups.Leave(assoc_group_id_);
}

void ConnectionCore::ProtocolError(std::string_view what, CoreOutput* out) {
  ++state_.counters.protocol_errors;
  if (std::uint64_t held = 0; state_.logs.protocol_error.Allow(&held)) {
    spdlog::warn("rpc connection {} from {}: {}; closing{}", info_.id, info_.peer_address, what,
                 HeldBackNote(held));
  }
  out->close = true;
}

void ConnectionCore::LimitTripped(std::string_view what) {
  ++state_.counters.limits_tripped;
  if (std::uint64_t held = 0; state_.logs.limit.Allow(&held)) {
    spdlog::warn("rpc connection {} from {}: limit: {}{}", info_.id, info_.peer_address, what,
                 HeldBackNote(held));
  }
}

ConnectionCore::SecContext* ConnectionCore::Protecting(const CallSecurity& security) {
  if (!security.auth_context_id || !IsProtectedLevel(security.level)) return nullptr;
  auto it = security_.find(*security.auth_context_id);
  if (it == security_.end() || it->second.failed || !it->second.context->established()) {
    return nullptr;
  }
  return &it->second;
}

void ConnectionCore::Fault(std::uint32_t call_id, std::uint16_t context_id, std::uint32_t status,
                           bool did_not_execute, CoreOutput* out, const CallSecurity* security) {
  FaultBody body;
  body.context_id = context_id;
  body.status = status;
  const std::uint8_t flags =
      pfc::kFirstFrag | pfc::kLastFrag | (did_not_execute ? pfc::kDidNotExecute : 0);
  SecContext* sc = security ? Protecting(*security) : nullptr;
  if (sc == nullptr || !sc->protected_faults) {
    out->pdus.push_back(
        BuildPdu(PduType::kFault, flags, call_id, EncodeFault(body), {}, std::nullopt, {}).bytes);
    return;
  }
  // The fault has no stub (MS-RPCE 2.2.2.8): the verifier covers its header
  // and fixed part, and takes this direction's next sequence number.
  const SecTrailer trailer{sc->type, security->level, 0, *security->auth_context_id};
  BuiltPdu pdu = BuildPdu(PduType::kFault, flags, call_id, EncodeFault(body), {}, trailer,
                          Bytes(sc->context->signature_size(security->level), 0));
  std::span<std::uint8_t> whole(pdu.bytes);
  Status st = sc->context->Protect(security->level, whole.first(pdu.auth_offset), pdu.body_offset,
                                   pdu.body_length, whole.subspan(pdu.auth_offset));
  if (!st.ok()) return ProtocolError(fmt::format("protect a fault: {}", st.message()), out);
  out->pdus.push_back(std::move(pdu.bytes));
}

std::size_t ConnectionCore::CheckHeader(std::span<const std::uint8_t> header, CoreOutput* out) {
  Result<Header> h = ParseHeader(header);
  if (!h.ok()) {
    ProtocolError(h.status().message(), out);
    return 0;
  }
  if (!h->drep_supported) {
    // Only little-endian / ASCII / IEEE is spoken; say so and close.
    if (h->type == PduType::kBind) {
      out->pdus.push_back(BuildPdu(PduType::kBindNak, pfc::kFirstFrag | pfc::kLastFrag, h->call_id,
                                   EncodeBindNak({reject::kProtocolVersionNotSupported}), {},
                                   std::nullopt, {})
                              .bytes);
    } else {
      Fault(h->call_id, 0, fault::kUnsupportedType, true, out);
    }
    ProtocolError("unsupported data representation", out);
    return 0;
  }
  if (h->frag_length > max_fragment_) {
    LimitTripped(
        fmt::format("fragment of {} bytes above the negotiated {}", h->frag_length, max_fragment_));
    ProtocolError("oversized fragment", out);
    return 0;
  }
  return h->frag_length;
}

void ConnectionCore::OnPdu(std::span<std::uint8_t> bytes, CoreOutput* out) {
  Result<PduView> pdu = ParsePdu(bytes);
  if (!pdu.ok()) return ProtocolError(pdu.status().message(), out);
  switch (pdu->header.type) {
    case PduType::kBind:
    case PduType::kAlterContext: return OnBind(*pdu, out);
    case PduType::kAuth3: return OnAuth3(*pdu, out);
    case PduType::kRequest: return OnRequest(bytes, *pdu, out);
    case PduType::kOrphaned:
    case PduType::kCoCancel: return OnCancel(*pdu);
    case PduType::kShutdown: return;  // a hint; the client closes when it wants
    default: break;
  }
  Fault(pdu->header.call_id, 0, fault::kProtocolError, true, out);
  ProtocolError(fmt::format("unexpected PTYPE {}", static_cast<int>(pdu->header.type)), out);
}

auth::StepWait ConnectionCore::StepWaitOf(std::span<const std::uint8_t> bytes) const {
  // Asked of every PDU: the header first, which rules out requests and
  // PDUs without a token.
  Result<Header> header = ParseHeader(bytes);
  if (!header.ok() || header->auth_length == 0) return auth::StepWait::kNone;
  switch (header->type) {
    case PduType::kBind:
    case PduType::kAlterContext:
    case PduType::kAuth3: break;
    default: return auth::StepWait::kNone;
  }
  Result<PduView> pdu = ParsePdu(bytes);
  if (!pdu.ok() || !pdu->trailer) return auth::StepWait::kNone;
  const auth::Acceptor* acceptor = state_.FindAcceptor(pdu->trailer->auth_type);
  return acceptor == nullptr ? auth::StepWait::kNone : acceptor->StepWaitFor(pdu->auth_value);
}

ConnectionCore::AuthLeg ConnectionCore::AuthStep(const PduView& pdu) {
  AuthLeg leg;
  if (!pdu.trailer) return leg;
  const SecTrailer& t = *pdu.trailer;
  auto fail = [&](std::uint16_t nak, std::uint32_t fault_status, std::string_view why) {
    spdlog::warn("rpc connection {} from {}: security context {}: {}", info_.id, info_.peer_address,
                 t.auth_context_id, why);
    leg.ok = false;
    leg.nak_reason = nak;
    leg.fault_status = fault_status;
    return leg;
  };
  if (t.auth_level < auth::AuthLevel::kConnect || t.auth_level > auth::AuthLevel::kPrivacy) {
    return fail(reject::kNotSpecified, fault::kProtocolError, "bad auth_level");
  }
  auth::Acceptor* acceptor = state_.FindAcceptor(t.auth_type);
  if (acceptor == nullptr || t.auth_type == auth::AuthType::kNone) {
    return fail(reject::kAuthTypeNotRecognized, fault::kAccessDenied,
                fmt::format("auth_type {} not configured", static_cast<int>(t.auth_type)));
  }
  auto it = security_.find(t.auth_context_id);
  if (it == security_.end()) {
    if (security_.size() >= state_.options.max_security_contexts) {
      LimitTripped("security contexts per connection");
      // MS-RPCE 3.3.1.5.4: a fault with RPC_S_PROTOCOL_ERROR.
      return fail(reject::kLocalLimitExceeded, fault::kProtocolError, "too many contexts");
    }
    Result<std::unique_ptr<auth::SecurityContext>> ctx = acceptor->NewContext();
    if (!ctx.ok()) {
      return fail(reject::kLocalLimitExceeded, fault::kAccessDenied, ctx.status().message());
    }
    SecContext sc;
    sc.type = t.auth_type;
    sc.level = t.auth_level;
    sc.context = std::move(*ctx);
    // Only binds create contexts (OnAuth3 refuses unknown ones), and there
    // the flag means PFC_SUPPORT_HEADER_SIGN, which OnBind echoes.
    sc.context->set_header_signing((pdu.header.flags & pfc::kSupportHeaderSign) != 0);
    it = security_.emplace(t.auth_context_id, std::move(sc)).first;
  } else {
    SecContext& sc = it->second;
    if (sc.type != t.auth_type || sc.level != t.auth_level) {
      return fail(reject::kNotSpecified, fault::kProtocolError, "auth type or level changed");
    }
    if (sc.failed) return fail(reject::kInvalidChecksum, fault::kAccessDenied, "failed before");
    if (sc.context->established()) {
      if (pdu.auth_value.empty()) return leg;  // a new presentation context on it
      return fail(reject::kNotSpecified, fault::kProtocolError, "handshake already complete");
    }
  }
  SecContext& sc = it->second;
  Result<Bytes> token = sc.context->Step(pdu.auth_value);
  if (!token.ok()) {
    sc.failed = true;
    return fail(reject::kInvalidChecksum, fault::kAccessDenied,
                fmt::format("handshake failed: {}", token.status().message()));
  }
  if (sc.context->established()) {
    spdlog::info("rpc connection {} from {}: security context {} authenticated {} (level {})",
                 info_.id, info_.peer_address, t.auth_context_id,
                 sc.context->identity().Qualified(), static_cast<int>(sc.level));
  }
  if (!token->empty()) {
    leg.trailer = SecTrailer{t.auth_type, t.auth_level, 0, t.auth_context_id};
    leg.token = std::move(*token);
  }
  return leg;
}

std::vector<ContextResult> ConnectionCore::NegotiateContexts(const BindBody& bind) {
  std::vector<ContextResult> results;
  const SyntaxId ndr = NdrTransferSyntax();
  for (const PresentationContext& pc : bind.contexts) {
    ContextResult r;
    r.result = result::kProviderRejection;
    if (pc.transfer_syntaxes.size() == 1) {
      if (std::optional<std::uint8_t> bits = BindTimeFeatureBits(pc.transfer_syntaxes[0])) {
        // MS-RPCE 3.3.1.5.3: the reason field carries the agreed bits and
        // the transfer syntax is zero.
        features_ = static_cast<std::uint8_t>(*bits & kSupportedFeatures);
        r.result = result::kNegotiateAck;
        r.reason = features_;
        results.push_back(r);
        continue;
      }
    }
    std::shared_ptr<InterfaceHandler> handler = state_.FindHandler(pc.abstract_syntax);
    auto existing = presentation_.find(pc.context_id);
    if (handler == nullptr) {
      r.reason = reason::kAbstractSyntaxNotSupported;
    } else if (std::find(pc.transfer_syntaxes.begin(), pc.transfer_syntaxes.end(), ndr) ==
               pc.transfer_syntaxes.end()) {
      r.reason = reason::kTransferSyntaxesNotSupported;
    } else if (existing != presentation_.end() && existing->second.handler != handler) {
      r.reason = reason::kNotSpecified;  // the id is taken by another interface
    } else if (existing == presentation_.end() &&
               presentation_.size() >= state_.options.max_presentation_contexts) {
      LimitTripped("presentation contexts per connection");
      r.reason = reason::kLocalLimitExceeded;
    } else {
      presentation_[pc.context_id] = Presentation{handler, pc.abstract_syntax};
      r.result = result::kAcceptance;
      r.transfer_syntax = ndr;
    }
    results.push_back(r);
  }
  return results;
}

void ConnectionCore::OnBind(const PduView& pdu, CoreOutput* out) {
  const bool is_bind = pdu.header.type == PduType::kBind;
  const std::uint32_t call_id = pdu.header.call_id;
  auto nak = [&](std::uint16_t why) {
    out->pdus.push_back(BuildPdu(PduType::kBindNak, pfc::kFirstFrag | pfc::kLastFrag, call_id,
                                 EncodeBindNak({why}), {}, std::nullopt, {})
                            .bytes);
    out->close = true;
  };
  if (is_bind == bound_) {
    return ProtocolError(is_bind ? "second bind" : "alter_context before bind", out);
  }
  if ((pdu.header.flags & (pfc::kFirstFrag | pfc::kLastFrag)) !=
      (pfc::kFirstFrag | pfc::kLastFrag)) {
    return ProtocolError("fragmented bind", out);
  }
  Result<BindBody> bind = ParseBind(pdu);
  if (!bind.ok()) {
    if (is_bind) nak(reject::kProtocolVersionNotSupported);
    return ProtocolError(bind.status().message(), out);
  }
  if (is_bind) {
    if (bind->assoc_group_id == 0) {
      assoc_group_id_ = state_.groups.Create(info_.peer_address);
    } else if (state_.groups.Join(bind->assoc_group_id, info_.peer_address)) {
      assoc_group_id_ = bind->assoc_group_id;
    } else {
      nak(reject::kNotSpecified);
      return ProtocolError(fmt::format("unknown association group {}", bind->assoc_group_id), out);
    }
    // Both directions use one size: what the client can send and receive,
    // capped by the option, never below what C706 makes everyone accept.
    const std::uint16_t wanted =
        std::min({bind->max_xmit_frag, bind->max_recv_frag, state_.options.max_fragment_size});
    max_fragment_ = std::max(wanted, kMinFragmentSize);
    bind_header_sign_ = (pdu.header.flags & pfc::kSupportHeaderSign) != 0;
    bound_ = true;
  }
  AuthLeg leg = AuthStep(pdu);
  if (!leg.ok) {
    if (is_bind) {
      nak(leg.nak_reason);
    } else {
      Fault(call_id, 0, leg.fault_status, true, out);
      out->close = true;
    }
    ++state_.counters.protocol_errors;
    return;
  }
  BindAckBody ack;
  ack.max_xmit_frag = max_fragment_;
  ack.max_recv_frag = max_fragment_;
  ack.assoc_group_id = assoc_group_id_;
  if (is_bind) ack.secondary_address = std::to_string(info_.local_port);
  ack.results = NegotiateContexts(*bind);
  std::uint8_t flags = pfc::kFirstFrag | pfc::kLastFrag;
  // Concurrent calls are always accepted; header signing is the security
  // context's business (it receives the whole PDU), so echo the client.
  flags |= pdu.header.flags & (pfc::kConcMpx | pfc::kSupportHeaderSign);
  const Bytes body = EncodeBindAck(ack);
  // BuildPdu pads the "stub" to 16; the bind_ack body is its fixed part,
  // which the sec_trailer follows after 4-byte alignment (already so).
  out->pdus.push_back(BuildPdu(is_bind ? PduType::kBindAck : PduType::kAlterContextResp, flags,
                               call_id, body, {}, leg.trailer, leg.token)
                          .bytes);
}

void ConnectionCore::OnAuth3(const PduView& pdu, CoreOutput* out) {
  if (!bound_ || !pdu.trailer) return ProtocolError("auth3 out of place", out);
  auto it = security_.find(pdu.trailer->auth_context_id);
  if (it == security_.end() || it->second.context->established()) {
    return ProtocolError("auth3 for no handshake in progress", out);
  }
  AuthLeg leg = AuthStep(pdu);
  // The server never answers auth3 (MS-RPCE 3.3.1.5.2.1); a failure faults
  // the first request on the context, which AuthStep marked failed.
  if (leg.ok && !leg.token.empty()) {
    spdlog::warn("rpc connection {}: security package wants a fourth leg after auth3", info_.id);
    it->second.failed = true;
  }
}

void ConnectionCore::OnCancel(const PduView& pdu) {
  const std::uint32_t call_id = pdu.header.call_id;
  if (reassembly_ && reassembly_->call_id == call_id) {
    reassembly_.reset();
  } else if (auto it = running_.find(call_id); it != running_.end()) {
    it->second.dropped = true;
  } else {
    return;
  }
  spdlog::info("rpc connection {}: call {} {}; its response is dropped", info_.id, call_id,
               pdu.header.type == PduType::kOrphaned ? "orphaned" : "cancelled");
}

bool ConnectionCore::Unprotect(std::span<std::uint8_t> bytes, const PduView& pdu,
                               const RequestBody& req, CallSecurity* security, CoreOutput* out) {
  const std::uint32_t call_id = pdu.header.call_id;
  if (!pdu.trailer) {
    // MS-RPCE 3.3.1.5.4: with a single connect-level context a client may
    // leave requests without a trailer; they count as that context's.
    if (security_.size() == 1 && security_.begin()->second.level == auth::AuthLevel::kConnect &&
        security_.begin()->second.context->established()) {
      security->auth_context_id = security_.begin()->first;
      security->level = auth::AuthLevel::kConnect;
    }
    return true;
  }
  auto it = security_.find(pdu.trailer->auth_context_id);
  if (it == security_.end() || it->second.failed || !it->second.context->established() ||
      it->second.type != pdu.trailer->auth_type || it->second.level != pdu.trailer->auth_level) {
    Fault(call_id, req.context_id, fault::kAccessDenied, true, out);
    ProtocolError("request on an unusable security context", out);
    return false;
  }
  SecContext& sc = it->second;
  security->auth_context_id = it->first;
  security->level = sc.level;
  if (!IsProtectedLevel(sc.level)) return true;
  const auto body_offset = static_cast<std::size_t>(req.stub.data() - bytes.data());
  const std::size_t body_length = req.stub.size() + pdu.trailer->auth_pad_length;
  // Like Protect, Unprotect sees the PDU without its auth_value.
  Status st = sc.context->Unprotect(sc.level, bytes.first(bytes.size() - pdu.auth_value.size()),
                                    body_offset, body_length, pdu.auth_value);
  if (!st.ok()) {
    Fault(call_id, req.context_id, fault::kAccessDenied, true, out);
    ProtocolError(fmt::format("request verification failed: {}", st.message()), out);
    return false;
  }
  return true;
}

void ConnectionCore::OnRequest(std::span<std::uint8_t> bytes, const PduView& pdu, CoreOutput* out) {
  if (!bound_) return ProtocolError("request before bind", out);
  Result<RequestBody> req = ParseRequest(pdu);
  if (!req.ok()) {
    Fault(pdu.header.call_id, 0, fault::kProtocolError, true, out);
    return ProtocolError(req.status().message(), out);
  }
  const std::uint32_t call_id = pdu.header.call_id;
  const bool first = (pdu.header.flags & pfc::kFirstFrag) != 0;
  const bool last = (pdu.header.flags & pfc::kLastFrag) != 0;
  const std::size_t limit = state_.options.max_request_stub;

  if (first) {
    if (reassembly_) return ProtocolError("a new call while another is being sent", out);
    if (running_.count(call_id) != 0) return ProtocolError("call_id already in use", out);
    Reassembly r;
    r.call_id = call_id;
    r.context_id = req->context_id;
    r.opnum = req->opnum;
    r.object = req->object;
    if (!Unprotect(bytes, pdu, *req, &r.security, out)) return;
    if (req->alloc_hint > limit) {
      LimitTripped(fmt::format("alloc_hint {} above {}", req->alloc_hint, limit));
      Fault(call_id, req->context_id, fault::kProtocolError, true, out, &r.security);
      return ProtocolError("oversized request", out);
    }
    if (outstanding_calls() >= state_.options.max_outstanding_calls) {
      LimitTripped("outstanding calls per connection");
      Fault(call_id, req->context_id, fault::kServerTooBusy, true, out, &r.security);
      r.rejected = true;
    } else {
      r.stub.reserve(std::min<std::size_t>(req->alloc_hint, limit));
    }
    reassembly_ = std::move(r);
  } else {
    if (!reassembly_ || reassembly_->call_id != call_id) {
      return ProtocolError("fragment of no call in progress", out);
    }
    CallSecurity sec;
    if (!Unprotect(bytes, pdu, *req, &sec, out)) return;
    if (sec.auth_context_id != reassembly_->security.auth_context_id ||
        req->context_id != reassembly_->context_id || req->opnum != reassembly_->opnum) {
      Fault(call_id, req->context_id, fault::kProtocolError, true, out, &reassembly_->security);
      return ProtocolError("fragments of one call differ", out);
    }
  }
  Reassembly& r = *reassembly_;
  std::copy_n(bytes.begin() + 4, r.drep.size(), r.drep.begin());  // packed_drep, for header2
  if (!r.rejected) {
    if (r.stub.size() + req->stub.size() > limit) {
      LimitTripped(fmt::format("request stub above {} bytes", limit));
      Fault(call_id, r.context_id, fault::kProtocolError, true, out, &r.security);
      return ProtocolError("oversized request", out);
    }
    r.stub.insert(r.stub.end(), req->stub.begin(), req->stub.end());
  }
  if (!last) return;
  Reassembly done = std::move(r);
  reassembly_.reset();
  if (!done.rejected) Dispatch(std::move(done), out);
}

bool ConnectionCore::CheckVerificationTrailer(Reassembly& call, const Presentation& pc) {
  Result<std::optional<FoundVerificationTrailer>> found = FindVerificationTrailer(call.stub);
  if (!found.ok() || found->has_value()) {
    if (SecContext* sc = Protecting(call.security)) sc->protected_faults = true;
  }
  std::string refusal;
  if (!found.ok()) {
    refusal = found.status().message();
  } else if (!found->has_value()) {
    return true;
  } else {
    const VerificationTrailer& t = (*found)->trailer;
    if (t.unknown_must_process) {
      refusal = fmt::format("command {} is marked SEC_VT_MUST_PROCESS_COMMAND and unknown",
                            *t.unknown_must_process);
    } else if (t.bitmask1 && (*t.bitmask1 & kVtClientSupportsHeaderSigning) != 0 &&
               !bind_header_sign_) {
      // The client asked for header signing and the bind we saw did not:
      // someone on the path removed PFC_SUPPORT_HEADER_SIGN.
      refusal = "bitmask1 claims header signing the bind did not ask for";
    } else if (t.pcontext && (t.pcontext->interface_id != pc.abstract_syntax ||
                              t.pcontext->transfer_syntax != NdrTransferSyntax())) {
      refusal = fmt::format("pcontext names another interface or transfer syntax than context {}",
                            call.context_id);
    } else if (t.header2 &&
               (t.header2->ptype != static_cast<std::uint8_t>(PduType::kRequest) ||
                t.header2->drep != call.drep || t.header2->call_id != call.call_id ||
                t.header2->context_id != call.context_id || t.header2->opnum != call.opnum)) {
      refusal = fmt::format("header2 (call {} context {} opnum {}) differs from the request",
                            t.header2->call_id, t.header2->context_id, t.header2->opnum);
    } else {
      call.stub.resize((*found)->offset);
      return true;
    }
  }
  ++state_.counters.protocol_errors;
  spdlog::warn("rpc connection {} from {}: call {} refused: verification trailer: {}", info_.id,
               info_.peer_address, call.call_id, refusal);
  return false;
}

void ConnectionCore::Dispatch(Reassembly call, CoreOutput* out) {
  auto pc = presentation_.find(call.context_id);
  if (pc == presentation_.end()) {
    return Fault(call.call_id, call.context_id, fault::kUnknownInterface, true, out,
                 &call.security);
  }
  // MS-RPCE 2.2.2.13: a trailer that does not match is treated like a
  // failed unmarshaling, with status 5; the connection is not trusted after.
  if (!CheckVerificationTrailer(call, pc->second)) {
    Fault(call.call_id, call.context_id, fault::kAccessDenied, true, out, &call.security);
    out->close = true;
    return;
  }
  const std::shared_ptr<InterfaceHandler>& handler = pc->second.handler;
  if (call.opnum >= handler->opnum_count()) {
    return Fault(call.call_id, call.context_id, fault::kOpRangeError, true, out, &call.security);
  }
  if (call.security.level < handler->minimum_auth_level()) {
    spdlog::warn(
        "rpc connection {} from {}: call {} opnum {} at auth level {} below the interface's {}; "
        "access denied",
        info_.id, info_.peer_address, call.call_id, call.opnum,
        static_cast<int>(call.security.level), static_cast<int>(handler->minimum_auth_level()));
    return Fault(call.call_id, call.context_id, fault::kAccessDenied, true, out, &call.security);
  }
  DispatchedCall d;
  d.call_id = call.call_id;
  d.handler = handler;
  d.opnum = call.opnum;
  d.stub = std::move(call.stub);
  d.context.object = call.object;
  d.context.local_address = info_.local_address;
  d.context.local_port = info_.local_port;
  d.context.peer_address = info_.peer_address;
  d.context.association_group_id = assoc_group_id_;
  d.context.connection_id = info_.id;
  d.context.auth_level = call.security.level;
  if (call.security.auth_context_id) {
    const SecContext& sc = security_.at(*call.security.auth_context_id);
    d.identity = sc.context->identity();
    d.context.auth_type = sc.type;
  }
  running_[call.call_id] = Running{call.context_id, call.security, false};
  ++state_.counters.calls_dispatched;
  out->calls.push_back(std::move(d));
}

void ConnectionCore::OnCallDone(std::uint32_t call_id, CallResult result, CoreOutput* out) {
  auto it = running_.find(call_id);
  if (it == running_.end()) return;
  const Running call = it->second;
  running_.erase(it);
  if (call.dropped) return;
  if (result.fault_status != 0) {
    return Fault(call_id, call.context_id, result.fault_status, false, out, &call.security);
  }
  SecContext* sc = Protecting(call.security);
  const std::size_t signature = sc ? sc->context->signature_size(call.security.level) : 0;
  std::size_t room = max_fragment_ - kHeaderSize - kResponseFixedSize;
  if (sc) {
    room = room > kSecTrailerSize + signature ? room - kSecTrailerSize - signature : 0;
    room -= room % kAuthPadAlignment;
  }
  if (room == 0) return ProtocolError("no room for a response stub in a fragment", out);
  std::optional<SecTrailer> trailer;
  if (sc) trailer = SecTrailer{sc->type, call.security.level, 0, *call.security.auth_context_id};
  const Bytes placeholder(signature, 0);
  std::span<const std::uint8_t> rest = result.stub;
  bool first = true;
  do {
    const std::size_t n = std::min(room, rest.size());
    std::uint8_t flags = first ? pfc::kFirstFrag : 0;
    if (n == rest.size()) flags |= pfc::kLastFrag;
    BuiltPdu pdu =
        BuildPdu(PduType::kResponse, flags, call_id,
                 EncodeResponseFixed(static_cast<std::uint32_t>(rest.size()), call.context_id),
                 rest.first(n), trailer, placeholder);
    if (sc) {
      std::span<std::uint8_t> whole(pdu.bytes);
      Status st =
          sc->context->Protect(call.security.level, whole.first(pdu.auth_offset), pdu.body_offset,
                               pdu.body_length, whole.subspan(pdu.auth_offset));
      if (!st.ok()) return ProtocolError(fmt::format("protect: {}", st.message()), out);
    }
    out->pdus.push_back(std::move(pdu.bytes));
    rest = rest.subspan(n);
    first = false;
  } while (!rest.empty());
}

}  // namespace openadcs::rpc
