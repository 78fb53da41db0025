#include "openadcs/rpc/client_channel.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "openadcs/rpc/verification_trailer.h"

namespace openadcs::rpc {
namespace {

using Clock = std::chrono::steady_clock;

// Waits for `events` on `fd` until `deadline`. False on timeout or error.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1 << 30)));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return false;
  }
}

// The receive buffer's size unless a longer PDU comes: a reply to an
// enrollment fits.
constexpr std::size_t kReceiveBufferSize = 8192;

std::string Describe(std::uint32_t status) {
  return fmt::format("0x{:08x}", status);
}

}  // namespace

Result<std::unique_ptr<ClientChannel>> ClientChannel::Connect(const std::string& host,
                                                              std::uint16_t port,
                                                              ClientOptions options) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    return Status::Unavailable(fmt::format("resolve {}: {}", host, ::gai_strerror(rc)));
  }
  const Clock::time_point deadline = Clock::now() + options.timeout;
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      if (WaitFor(fd, POLLOUT, deadline)) {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        errno = err;
      } else {
        errno = ETIMEDOUT;
      }
    }
    if (rc == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      ::freeaddrinfo(res);
      return std::unique_ptr<ClientChannel>(new ClientChannel(fd, options));
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return Status::Unavailable(fmt::format("connect {}:{}: {}", host, port, last_error));
}

ClientChannel::ClientChannel(int fd, ClientOptions options)
    : fd_(fd), options_(options), max_fragment_(options.max_fragment_size) {}

ClientChannel::~ClientChannel() {
  ::close(fd_);
}

Status ClientChannel::Broken(Status why) {
  broken_ = true;
  return why;
}

bool ClientChannel::ReadyForCall() const {
  if (broken_ || in_begin_ != in_end_) return false;
  std::uint8_t byte = 0;
  const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

Status ClientChannel::SendAll(std::span<const std::uint8_t> bytes) {
  if (broken_) return Status::Unavailable("channel unusable after an earlier error");
  const Clock::time_point deadline = Clock::now() + options_.timeout;
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes = bytes.subspan(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!WaitFor(fd_, POLLOUT, deadline)) return Broken(Status::Unavailable("send timed out"));
    } else {
      return Broken(Status::Unavailable(fmt::format("send: {}", std::strerror(errno))));
    }
  }
  return Status::Ok();
}

Status ClientChannel::Fill(std::size_t n) {
  if (broken_) return Status::Unavailable("channel unusable after an earlier error");
  if (in_begin_ == in_end_) {
    in_begin_ = in_end_ = 0;
  } else if (in_.size() - in_begin_ < n) {
    std::copy(in_.begin() + static_cast<std::ptrdiff_t>(in_begin_),
              in_.begin() + static_cast<std::ptrdiff_t>(in_end_), in_.begin());
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  if (in_.size() < std::max(n, kReceiveBufferSize)) in_.resize(std::max(n, kReceiveBufferSize));
  const Clock::time_point deadline = Clock::now() + options_.timeout;
  while (in_end_ - in_begin_ < n) {
    // An answer is seldom there the moment its request has gone out: wait
    // first rather than try a recv that fails with EAGAIN.
    if (!WaitFor(fd_, POLLIN, deadline)) return Broken(Status::Unavailable("receive timed out"));
    const ssize_t got = ::recv(fd_, in_.data() + in_end_, in_.size() - in_end_, 0);
    if (got > 0) {
      in_end_ += static_cast<std::size_t>(got);
    } else if (got == 0) {
      return Broken(Status::Unavailable("connection closed by the server"));
    } else if (errno != EAGAIN && errno != EINTR) {
      return Broken(Status::Unavailable(fmt::format("recv: {}", std::strerror(errno))));
    }
  }
  return Status::Ok();
}

Status ClientChannel::SendRaw(std::span<const std::uint8_t> bytes) {
  return SendAll(bytes);
}

Result<Bytes> ClientChannel::ReceivePdu() {
  OPENADCS_RETURN_IF_ERROR(Fill(kHeaderSize));
  Result<Header> h = ParseHeader(std::span(in_).subspan(in_begin_, kHeaderSize));
  if (!h.ok()) return Broken(h.status());
  if (!h->drep_supported) return Broken(Status::InvalidArgument("server sent a foreign drep"));
  OPENADCS_RETURN_IF_ERROR(Fill(h->frag_length));
  const auto begin = in_.begin() + static_cast<std::ptrdiff_t>(in_begin_);
  Bytes pdu(begin, begin + h->frag_length);
  in_begin_ += h->frag_length;
  return pdu;
}

Result<Binding> ClientChannel::Bind(const SyntaxId& iface, std::optional<ClientAuth> auth) {
  Result<std::vector<Binding>> bindings =
      Bind(std::span<const SyntaxId>(&iface, 1), std::move(auth));
  if (!bindings.ok()) return bindings.status();
  return bindings->front();
}

Result<std::vector<Binding>> ClientChannel::Bind(std::span<const SyntaxId> ifaces,
                                                 std::optional<ClientAuth> auth) {
  if (ifaces.empty()) return Status::InvalidArgument("a bind needs an interface");
  BindBody bind;
  bind.max_xmit_frag = options_.max_fragment_size;
  bind.max_recv_frag = options_.max_fragment_size;
  bind.assoc_group_id = options_.assoc_group_id;
  std::vector<Binding> bindings(ifaces.size());
  for (std::size_t i = 0; i < ifaces.size(); ++i) {
    bindings[i].context_id = next_context_id_++;
    bind.contexts.push_back({bindings[i].context_id, ifaces[i], {NdrTransferSyntax()}});
  }
  if (!bound_) {
    // Offer bind time feature negotiation (MS-RPCE 3.3.1.5.3) on the bind.
    bind.contexts.push_back({next_context_id_++,
                             ifaces.front(),
                             {BindTimeFeatureSyntax(feature::kSecurityContextMultiplexing |
                                                    feature::kKeepConnectionOnOrphan)}});
  }
  Security* sec = nullptr;
  std::optional<SecTrailer> trailer;
  Bytes token;
  if (auth) {
    if (auth->context == nullptr) return Status::InvalidArgument("ClientAuth without a context");
    const std::uint32_t id = next_auth_context_id_++;
    sec = &security_[id];
    sec->type = auth->type;
    sec->level = auth->level;
    sec->context = std::move(auth->context);
    for (Binding& b : bindings) b.auth_context_id = id;
    trailer = SecTrailer{auth->type, auth->level, 0, id};
    Result<Bytes> first = sec->context->Step({});
    if (!first.ok()) return first.status();
    token = std::move(*first);
  }
  bool accepted = false;
  for (;;) {
    const PduType type = bound_ ? PduType::kAlterContext : PduType::kBind;
    const Bytes body = EncodeBind(bind);
    // A new security context offers header signing (PFC_SUPPORT_HEADER_SIGN,
    // MS-RPCE 2.2.2.3); the server's echo decides it for that context.
    const std::uint8_t flags =
        pfc::kFirstFrag | pfc::kLastFrag | (sec != nullptr ? pfc::kSupportHeaderSign : 0);
    BuiltPdu out = BuildPdu(type, flags, next_call_id_++, body, {},
                            token.empty() ? std::optional<SecTrailer>() : trailer, token);
    OPENADCS_RETURN_IF_ERROR(SendAll(out.bytes));
    Result<Bytes> in = ReceivePdu();
    if (!in.ok()) return in.status();
    Result<PduView> pdu = ParsePdu(*in);
    if (!pdu.ok()) return Broken(pdu.status());
    if (pdu->header.type == PduType::kBindNak) {
      Result<BindNakBody> nak = ParseBindNak(*pdu);
      return Broken(Status::PermissionDenied(
          fmt::format("bind_nak reason {}", nak.ok() ? nak->reject_reason : 0xffff)));
    }
    if (pdu->header.type == PduType::kFault) {
      Result<FaultBody> f = ParseFault(*pdu);
      return Broken(Status::PermissionDenied(
          fmt::format("alter_context fault {}", Describe(f.ok() ? f->status : 0))));
    }
    Result<BindAckBody> ack = ParseBindAck(*pdu);
    if (!ack.ok()) return Broken(ack.status());
    if (!bound_) {
      bound_ = true;
      header_signing_ = (flags & pdu->header.flags & pfc::kSupportHeaderSign) != 0;
      max_fragment_ = std::min(ack->max_xmit_frag, ack->max_recv_frag);
      if (max_fragment_ < kMinFragmentSize) {
        return Broken(Status::InvalidArgument("server negotiated a fragment below 1432"));
      }
      assoc_group_id_ = ack->assoc_group_id;
    }
    if (!accepted) {
      for (std::size_t i = 0; i < ifaces.size(); ++i) {
        if (ack->results.size() <= i || ack->results[i].result != result::kAcceptance) {
          return Status::NotFound(fmt::format(
              "presentation context rejected (reason {})",
              ack->results.size() <= i ? reason::kNotSpecified : ack->results[i].reason));
        }
      }
      accepted = true;
      for (std::size_t i = 0; i < ifaces.size(); ++i) {
        interfaces_[bindings[i].context_id] = ifaces[i];
      }
      bind.contexts.resize(ifaces.size());  // later legs repeat only the interfaces
    }
    if (sec == nullptr || sec->context->established()) return bindings;
    sec->context->set_header_signing((pdu->header.flags & pfc::kSupportHeaderSign) != 0);
    Result<Bytes> next = sec->context->Step(pdu->auth_value);
    if (!next.ok()) return next.status();
    token = std::move(*next);
    if (sec->context->established()) {
      if (!token.empty()) {
        // The odd last leg travels in AUTH3, which the server never answers.
        const Bytes pad(4, 0);
        BuiltPdu a3 = BuildPdu(PduType::kAuth3, pfc::kFirstFrag | pfc::kLastFrag, next_call_id_++,
                               pad, {}, trailer, token);
        OPENADCS_RETURN_IF_ERROR(SendAll(a3.bytes));
      }
      return bindings;
    }
    if (token.empty()) return Status::PermissionDenied("security package stalled");
  }
}

Status ClientChannel::Verify(Security& sec, std::uint32_t auth_context_id, Bytes& pdu,
                             const PduView& view, std::size_t body_offset) {
  if (!view.trailer || view.trailer->auth_context_id != auth_context_id) {
    return Status::InvalidArgument("unprotected answer to a protected call");
  }
  const std::size_t body_end = kHeaderSize + view.body.size();
  if (body_offset > body_end) return Status::InvalidArgument("malformed protected answer");
  std::span<std::uint8_t> whole(pdu);
  return sec.context->Unprotect(sec.level, whole.first(whole.size() - view.auth_value.size()),
                                body_offset, body_end - body_offset, view.auth_value);
}

Result<CallResult> ClientChannel::Call(const Binding& binding, std::uint16_t opnum,
                                       std::span<const std::uint8_t> stub,
                                       const std::optional<Uuid>& object) {
  if (!bound_) return Status::FailedPrecondition("Call before Bind");
  Security* sec = nullptr;
  if (binding.auth_context_id) {
    auto it = security_.find(*binding.auth_context_id);
    if (it == security_.end() || !it->second.context->established()) {
      return Status::FailedPrecondition("unknown or unestablished security context");
    }
    if (it->second.level >= auth::AuthLevel::kCall) sec = &it->second;
  }
  const std::size_t signature = sec ? sec->context->signature_size(sec->level) : 0;
  const std::size_t fixed = kRequestFixedSize + (object ? 16 : 0);
  std::size_t room = max_fragment_ - kHeaderSize - fixed;
  if (sec) {
    room = room > kSecTrailerSize + signature ? room - kSecTrailerSize - signature : 0;
    room -= room % kAuthPadAlignment;
  }
  if (room == 0) return Status::InvalidArgument("no room for stub in a fragment");
  std::optional<SecTrailer> trailer;
  if (sec) trailer = SecTrailer{sec->type, sec->level, 0, *binding.auth_context_id};
  const Bytes placeholder(signature, 0);
  const std::uint32_t call_id = next_call_id_++;
  std::span<const std::uint8_t> rest = stub;
  Bytes with_trailer;
  std::size_t trailer_size = 0;
  if (sec) {
    // Inside the protected body, the trailer vouches for what the security
    // provider may not cover: the header, the presentation context and the
    // bind's header signing flag (MS-RPCE 2.2.2.13).
    auto iface = interfaces_.find(binding.context_id);
    if (iface == interfaces_.end()) return Status::FailedPrecondition("unknown context id");
    VerificationTrailer vt;
    vt.bitmask1 = header_signing_ ? kVtClientSupportsHeaderSigning : 0;
    vt.pcontext = VtPcontext{iface->second, NdrTransferSyntax()};
    vt.header2 = VtHeader2{static_cast<std::uint8_t>(PduType::kRequest), kPackedDrep, call_id,
                           binding.context_id, opnum};
    const Bytes encoded = EncodeVerificationTrailer(vt);
    with_trailer.assign(stub.begin(), stub.end());
    with_trailer.resize((stub.size() + 3) / 4 * 4, 0);
    with_trailer.insert(with_trailer.end(), encoded.begin(), encoded.end());
    trailer_size = encoded.size();
    rest = with_trailer;
  }
  bool first = true;
  do {
    std::size_t n = std::min(room, rest.size());
    if (n < rest.size() && rest.size() - n < trailer_size) {
      // The trailer travels whole in the last fragment; fragments keep
      // the 16-byte multiple, so it stays 4-byte aligned there.
      n = (rest.size() - trailer_size) / kAuthPadAlignment * kAuthPadAlignment;
    }
    std::uint8_t flags = (first ? pfc::kFirstFrag : 0) | (object ? pfc::kObjectUuid : 0);
    if (n == rest.size()) flags |= pfc::kLastFrag;
    BuiltPdu pdu = BuildPdu(PduType::kRequest, flags, call_id,
                            EncodeRequestFixed(static_cast<std::uint32_t>(rest.size()),
                                               binding.context_id, opnum, object),
                            rest.first(n), trailer, placeholder);
    if (sec) {
      std::span<std::uint8_t> whole(pdu.bytes);
      OPENADCS_RETURN_IF_ERROR(sec->context->Protect(sec->level, whole.first(pdu.auth_offset),
                                                     pdu.body_offset, pdu.body_length,
                                                     whole.subspan(pdu.auth_offset)));
    }
    OPENADCS_RETURN_IF_ERROR(SendAll(pdu.bytes));
    rest = rest.subspan(n);
    first = false;
  } while (!rest.empty());

  Bytes response;
  for (;;) {
    Result<Bytes> in = ReceivePdu();
    if (!in.ok()) return in.status();
    Result<PduView> pdu = ParsePdu(*in);
    if (!pdu.ok()) return Broken(pdu.status());
    if (pdu->header.call_id != call_id) {
      return Broken(Status::InvalidArgument(
          fmt::format("answer for call {} while waiting for {}", pdu->header.call_id, call_id)));
    }
    if (pdu->header.type == PduType::kFault) {
      Result<FaultBody> f = ParseFault(*pdu);
      if (!f.ok()) return Broken(f.status());
      if (sec && pdu->trailer) {
        Status st =
            Verify(*sec, *binding.auth_context_id, *in, *pdu, kHeaderSize + kFaultFixedSize);
        if (!st.ok()) {
          return Broken(Status::InvalidArgument(
              fmt::format("fault {}: {}", Describe(f->status), st.message())));
        }
      } else if (sec) {
        // A server that cannot protect its fault (the context failed on its
        // side, or the request did not verify) closes the connection; a
        // forged one could do no more than that, so the channel ends here.
        broken_ = true;
      }
      return CallResult::Fault(f->status);
    }
    Result<ResponseBody> body = ParseResponse(*pdu);
    if (!body.ok()) return Broken(body.status());
    if (sec) {
      Status st = Verify(*sec, *binding.auth_context_id, *in, *pdu,
                         static_cast<std::size_t>(body->stub.data() - in->data()));
      if (!st.ok()) return Broken(st);
    }
    if (response.size() + body->stub.size() > options_.max_response_stub) {
      return Broken(Status::InvalidArgument("response stub above the limit"));
    }
    response.insert(response.end(), body->stub.begin(), body->stub.end());
    if ((pdu->header.flags & pfc::kLastFrag) != 0) return CallResult::Response(std::move(response));
  }
}

}  // namespace openadcs::rpc
