#include "openadcs/rpc/server.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "openadcs/util/log_limiter.h"
#include "openadcs/util/thread_name.h"
#include "openadcs/util/thread_policy.h"
#include "openadcs/util/worker_pool.h"
#include "rpc/connection_core.h"
#include "rpc/server_state.h"

namespace openadcs::rpc {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

constexpr std::size_t kMaxConnectionsLimit = 100000;
constexpr std::size_t kMaxRequestStubLimit = std::size_t{256} << 20;
constexpr std::size_t kMaxPresentationContextsLimit = 4000;  // MS-RPCE 3.3.1.5.6
constexpr std::size_t kMaxSecurityContextsLimit = 2000;      // MS-RPCE 3.3.1.5.4
constexpr std::size_t kMaxOutstandingCallsLimit = 1024;
constexpr std::size_t kMaxWorkerThreads = 256;
constexpr std::chrono::milliseconds kMaxReadTimeout{10 * 60'000};
constexpr std::chrono::milliseconds kMaxIdleTimeout{24 * 3600'000};
constexpr std::size_t kMaxQueuedReplyBytesLimit = std::size_t{256} << 20;
// A connection's first read buffer: an enrollment request's PDU fits.
constexpr std::size_t kReadBufferSize = 4096;
// PDUs written in one sendmsg at most (each is one iovec).
constexpr std::size_t kMaxGather = 64;

class Connection;

// As a worker starts (a logon thread: on its first job): its name, and
// SCHED_BATCH, so that a worker woken for a call does not preempt the io
// thread that woke it (which reads, seals and sends for every connection)
// nor the store's writer and syncer (docs/performance.md, "The workers in
// SCHED_BATCH"). Where the policy is refused the threads run as before;
// that is said once.
void PrepareThreadOnce(const char* name) {
  thread_local bool prepared = false;
  if (prepared) return;
  prepared = true;
  util::NameThisThread(name);
  if (Status batch = util::MakeThisThreadBatch(); !batch.ok()) {
    static std::once_flag said;
    std::call_once(said, [&] {
      spdlog::info("rpc: workers keep the default scheduling policy: {}", batch.ToString());
    });
  }
}

// A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d; they are IPv4
// hosts, and every address handed on (DCOM bindings, the endpoint mapper's
// towers, per-peer accounting, logs) names them as such.
std::string AddressText(const asio::ip::address& address) {
  boost::system::error_code ignored;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string(ignored);
  }
  return address.to_string(ignored);
}

// openadcs_rpc_call_duration_seconds per interface handler and opnum: made
// on a call's first use, then found without the registry's lock or any
// label formatting. Handlers are added before the first Listen, so lookups
// need no lock.
class CallDurations {
 public:
  void Add(const InterfaceHandler* handler) {
    slots_[handler] = std::make_unique<std::atomic<metrics::Histogram*>[]>(handler->opnum_count());
  }

  // The call's duration, with `start` when the handler began.
  void Observe(metrics::Registry* registry, const InterfaceHandler& handler, std::uint16_t opnum,
               std::chrono::steady_clock::time_point start) {
    if (registry == nullptr) return;
    const auto slots = slots_.find(&handler);
    if (slots == slots_.end()) return;
    std::atomic<metrics::Histogram*>& slot = slots->second[opnum];
    metrics::Histogram* histogram = slot.load(std::memory_order_acquire);
    if (histogram == nullptr) {
      // Racing first calls get the same child from the registry.
      histogram = &registry->GetHistogram(
          "openadcs_rpc_call_duration_seconds",
          "Duration of RPC calls from dispatch to result, by interface and opnum.",
          metrics::LatencyBuckets(),
          {{"interface", handler.syntax().uuid.ToString()}, {"opnum", std::to_string(opnum)}});
      slot.store(histogram, std::memory_order_release);
    }
    histogram->ObserveSince(start);
  }

 private:
  std::map<const InterfaceHandler*, std::unique_ptr<std::atomic<metrics::Histogram*>[]>> slots_;
};

// Everything connections share with the server; outlives the Server object
// while connections remain on the io_context.
struct Shared {
  Shared(std::size_t workers, std::size_t logon_threads)
      : pool(workers, [] { PrepareThreadOnce("rpc-worker"); }), logon_pool(logon_threads) {}
  ServerState state;
  // Authentication legs that ask another host (auth::StepWait::kRemote,
  // Connection::Authenticate) run on logon_pool, one per thread and the
  // others waiting in its queue: a domain controller that stops answering,
  // or is slow to check logons, holds those threads for as long as the
  // acceptor's step waits for it (the daemon's NTLM verifier gives up at the
  // authentication timeout), and none of the workers, which go on with calls
  // and with the legs that need no other host (Kerberos).
  std::mutex legs_mu;
  std::size_t legs_running = 0;  // GUARDED_BY(legs_mu)
  std::size_t legs_waiting = 0;  // GUARDED_BY(legs_mu)
  // With options.metrics: the two above, set under legs_mu.
  metrics::Gauge* remote_legs_running = nullptr;
  metrics::Gauge* remote_legs_waiting = nullptr;
  util::WorkerPool pool;
  asio::thread_pool logon_pool;
  std::mutex mu;
  bool stopping = false;                                     // GUARDED_BY(mu)
  std::map<std::uint64_t, std::weak_ptr<Connection>> conns;  // GUARDED_BY(mu)
  std::map<std::string, std::size_t> per_peer;               // GUARDED_BY(mu)
  std::uint64_t next_connection_id = 1;                      // GUARDED_BY(mu)
  metrics::Gauge* connections = nullptr;                     // with options.metrics
  CallDurations call_durations;
  // With options.metrics: openadcs_rpc_call_wait_seconds, how long a call
  // waited for a worker to take it and its result for the connection's
  // thread to send it: time lost to busy workers, a busy io thread or short
  // cores, which the call's duration alone does not tell from its own work.
  metrics::Histogram* worker_wait = nullptr;
  metrics::Histogram* reply_wait = nullptr;
};

// Where a leg that asks another host has got to: counted, and the gauges
// set.
enum class LegStep { kQueued, kStarted, kEnded };
void CountRemoteLeg(Shared& shared, LegStep step) {
  std::lock_guard lock(shared.legs_mu);
  switch (step) {
    case LegStep::kQueued: ++shared.legs_waiting; break;
    case LegStep::kStarted:
      --shared.legs_waiting;
      ++shared.legs_running;
      break;
    case LegStep::kEnded: --shared.legs_running; break;
  }
  if (shared.remote_legs_running == nullptr) return;
  shared.remote_legs_running->Set(static_cast<double>(shared.legs_running));
  shared.remote_legs_waiting->Set(static_cast<double>(shared.legs_waiting));
}

// Runs `leg` on a logon thread once one is free.
void StartRemoteLeg(const std::shared_ptr<Shared>& shared, std::function<void()> leg) {
  CountRemoteLeg(*shared, LegStep::kQueued);
  asio::post(shared->logon_pool, [shared, leg = std::move(leg)] {
    PrepareThreadOnce("rpc-logon");
    CountRemoteLeg(*shared, LegStep::kStarted);
    leg();
    CountRemoteLeg(*shared, LegStep::kEnded);
  });
}

// Raises `peak` to `value` when above it.
void RaisePeak(std::atomic<std::uint64_t>& peak, std::uint64_t value) {
  std::uint64_t seen = peak.load();
  while (value > seen && !peak.compare_exchange_weak(seen, value)) {
  }
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Shared> shared, asio::io_context& io, tcp::socket socket,
             const ConnectionInfo& info)
      : shared_(std::move(shared)),
        strand_(asio::make_strand(io)),
        socket_(std::move(socket)),
        timer_(strand_),
        write_timer_(strand_),
        core_(shared_->state, info),
        id_(info.id),
        peer_(info.peer_address) {
    // Writes are tried straight from the strand and must never block it.
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
  }

  void Start() {
    asio::post(strand_, [self = shared_from_this()] { self->Read(); });
  }

  // Stops reading; closes once the calls in flight have been answered.
  void Stop() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopping_ = true;
      self->MaybeClose();
    });
  }

 private:
  // Reads whatever the socket holds: usually a whole PDU in one recv, or
  // several when the client sends fragments or calls back to back. Until a
  // PDU begins the idle (or authentication) timeout runs, then the read
  // timeout until the PDU is whole.
  void Read() {
    if (closed_ || stopping_ || closing_ || read_paused_) return;
    if (in_begin_ == in_end_) {
      in_begin_ = in_end_ = 0;
      reading_header_ = true;
      ArmIdle();
    } else if (in_begin_ != 0) {
      std::copy(in_.begin() + static_cast<std::ptrdiff_t>(in_begin_),
                in_.begin() + static_cast<std::ptrdiff_t>(in_end_), in_.begin());
      in_end_ -= in_begin_;
      in_begin_ = 0;
    }
    // The buffer holds the largest PDU seen; a bigger one (at most the
    // negotiated fragment size, which CheckHeader enforced) grows it.
    if (in_.size() < std::max(pdu_length_, kReadBufferSize)) {
      in_.resize(std::max(pdu_length_, kReadBufferSize));
    }
    socket_.async_read_some(
        asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
        asio::bind_executor(
            strand_, [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
              self->OnRead(ec, n);
            }));
  }

  void OnRead(boost::system::error_code ec, std::size_t n) {
    reading_header_ = false;
    if (ec) return Close();
    in_end_ += n;
    Frame();
  }

  // Hands every whole PDU in the buffer to the core, then reads on.
  void Frame() {
    if (authenticating_) return;
    while (!closed_ && !closing_) {
      const std::span<std::uint8_t> held(in_.data() + in_begin_, in_end_ - in_begin_);
      if (pdu_length_ == 0 && held.size() >= kHeaderSize) {
        CoreOutput out;
        pdu_length_ = core_.CheckHeader(held.first(kHeaderSize), &out);
        if (pdu_length_ == 0) {
          out.close = true;
          return Apply(std::move(out));
        }
      }
      if (pdu_length_ == 0 || held.size() < pdu_length_) {
        if (!held.empty() && !read_timer_armed_) {
          read_timer_armed_ = true;
          ArmTimer(shared_->state.options.read_timeout);
        }
        if (std::exchange(unanswered_, false) || !held.empty()) AcknowledgeNow();
        break;
      }
      if (read_timer_armed_) {
        read_timer_armed_ = false;
        timer_.cancel();
      }
      if (stopping_) return MaybeClose();
      const std::span<std::uint8_t> pdu = held.first(pdu_length_);
      if (const auth::StepWait wait = core_.StepWaitOf(pdu); wait != auth::StepWait::kNone) {
        return Authenticate(pdu, wait);
      }
      CoreOutput out;
      core_.OnPdu(pdu, &out);
      if (!Processed(std::move(out))) return;
    }
    Read();
  }

  // The core took the PDU at in_begin_ and produced `out`: writes it, and
  // says whether to go on framing (false: reading paused).
  bool Processed(CoreOutput out) {
    in_begin_ += pdu_length_;
    pdu_length_ = 0;
    unanswered_ = out.pdus.empty() && out.calls.empty() && !out.close;
    Apply(std::move(out));
    if (queued_bytes_ <= shared_->state.options.max_queued_reply_bytes) return true;
    // The peer sends faster than it reads: it waits for the queue to drain
    // (or the write timeout), and its requests wait in the socket and in the
    // buffer.
    read_paused_ = true;
    ++shared_->state.counters.reads_paused;
    ++shared_->state.counters.connections_reading_paused;
    ++shared_->state.counters.limits_tripped;
    if (std::uint64_t held_back = 0; shared_->state.logs.paused.Allow(&held_back)) {
      spdlog::warn("rpc connection {} from {}: {} reply bytes queued; reading paused{}", id_, peer_,
                   queued_bytes_, HeldBackNote(held_back));
    }
    return false;
  }

  // What the peer sent so far gets no answer now (an auth3, a fragment
  // before the last, a PDU still arriving): its TCP is told at once that
  // the bytes arrived. A connection that has been answering calls is one
  // where Linux holds back an ACK for 40 ms or more, to send it with the
  // reply; a client with Nagle's algorithm on (impacket leaves it on) holds
  // its next bytes until then, and the call waits that long.
  void AcknowledgeNow() {
    const int on = 1;
    // Best effort: failing, the ACK goes out when the kernel's timer says.
    static_cast<void>(
        ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on)));
  }

  // `pdu` is an authentication leg that may wait on `wait`: the core takes
  // it off the strand, so that the strand's thread goes on serving every
  // other connection. A leg that waits on this host's files (MIT's) runs on
  // a worker; one that asks another host (a domain controller, through
  // winbindd) takes its turn on the logon threads (StartRemoteLeg). Until
  // it is done nothing on the strand touches the core or the read buffer:
  // no read is started and the results of calls in flight are held. A
  // connection closed while its leg waited for its turn costs the domain
  // controller nothing.
  void Authenticate(std::span<std::uint8_t> pdu, auth::StepWait wait) {
    authenticating_ = true;
    // The connection travels on to its strand, so its last reference never
    // drops on a pool's thread (Answer).
    std::function<void()> leg = [self = shared_from_this(), pdu]() mutable {
      CoreOutput out;
      if (!self->closed_) self->core_.OnPdu(pdu, &out);
      Strand strand = self->strand_;
      asio::post(strand, [self = std::move(self), out = std::move(out)]() mutable {
        self->Authenticated(std::move(out));
      });
    };
    if (wait == auth::StepWait::kRemote) return StartRemoteLeg(shared_, std::move(leg));
    shared_->pool.Post(std::move(leg));
  }

  void Authenticated(CoreOutput out) {
    authenticating_ = false;
    const bool go_on = Processed(std::move(out));
    for (auto& [id, result] : std::exchange(held_results_, {})) OnCallDone(id, std::move(result));
    if (go_on) Frame();
  }

  void OnCallDone(std::uint32_t call_id, CallResult result) {
    if (authenticating_) {
      held_results_.emplace_back(call_id, std::move(result));
      return;
    }
    CoreOutput out;
    core_.OnCallDone(call_id, std::move(result), &out);
    Apply(std::move(out));
    if (reading_header_) ArmIdle();
    MaybeClose();
  }

  void Apply(CoreOutput out) {
    for (Bytes& pdu : out.pdus) {
      queued_bytes_ += pdu.size();
      writes_.push_back(std::move(pdu));
    }
    RaisePeak(shared_->state.counters.peak_queued_reply_bytes, queued_bytes_);
    for (DispatchedCall& call : out.calls) {
      if (call.handler->RunsInline(call.opnum)) {
        Run(shared_from_this(), std::move(call), true);
        continue;
      }
      shared_->pool.Post([self = shared_from_this(), call = std::move(call),
                          posted = std::chrono::steady_clock::now()]() mutable {
        if (self->shared_->worker_wait != nullptr) self->shared_->worker_wait->ObserveSince(posted);
        Run(std::move(self), std::move(call), false);
      });
    }
    if (out.close) closing_ = true;
    WriteNext();
    MaybeClose();
  }

  // Runs a call on a worker, or `on_strand` on the connection's strand,
  // where its result is applied at once (re-entering Apply, which by then
  // has queued the PDUs before it).
  static void Run(std::shared_ptr<Connection> self, DispatchedCall call, bool on_strand) {
    const auto start = std::chrono::steady_clock::now();
    CallResult result = call.Run();
    std::shared_ptr<Gate> gate = std::move(result.send_when);
    if (gate == nullptr) {
      self->shared_->call_durations.Observe(self->shared_->state.options.metrics, *call.handler,
                                            call.opnum, start);
      if (on_strand) return self->OnCallDone(call.call_id, std::move(result));
      return Answer(std::move(self), call.call_id, std::move(result));
    }
    // The worker goes back to the pool; whoever opens the gate (the
    // database's syncing thread) hands the result to the strand.
    gate->WhenOpen([self = std::move(self), handler = std::move(call.handler), opnum = call.opnum,
                    id = call.call_id, start,
                    result = std::move(result)](const Status& opened) mutable {
      self->shared_->call_durations.Observe(self->shared_->state.options.metrics, *handler, opnum,
                                            start);
      if (!opened.ok()) {
        result = result.if_failed ? result.if_failed(opened)
                                  : CallResult::Fault(fault::kFaultUnspecified);
      }
      Answer(std::move(self), id, std::move(result));
    });
  }

  // Hands a call's result to the connection's strand. The connection
  // travels there, so its last reference never drops on a worker (which
  // could not join its own pool).
  static void Answer(std::shared_ptr<Connection> self, std::uint32_t id, CallResult result) {
    Strand strand = self->strand_;
    asio::post(strand, [self = std::move(self), id, result = std::move(result),
                        ready = std::chrono::steady_clock::now()]() mutable {
      if (self->shared_->reply_wait != nullptr) self->shared_->reply_wait->ObserveSince(ready);
      self->OnCallDone(id, std::move(result));
    });
  }

  // Writes the queued PDUs, all of them in one sendmsg where the socket
  // takes them (a reply of several fragments included), straight from the
  // strand; what the socket does not take yet goes out asynchronously under
  // the write timeout.
  void WriteNext() {
    if (writing_ || writes_.empty() || closed_) return;
    GatherWrites();
    boost::system::error_code ec;
    const std::size_t n = socket_.write_some(gather_, ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return Close();
    Written(n);
    if (writes_.empty()) return;
    GatherWrites();
    writing_ = true;
    write_timer_.expires_after(shared_->state.options.write_timeout);
    write_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec2) {
      if (ec2 || self->closed_ || !self->writing_) return;
      if (self->write_timer_.expiry() > std::chrono::steady_clock::now()) return;  // re-armed
      self->TimedOut("write");
    });
    asio::async_write(
        socket_, gather_,
        asio::bind_executor(strand_, [self = shared_from_this()](boost::system::error_code ec2,
                                                                 std::size_t written) {
          self->OnWritten(ec2, written);
        }));
  }

  // gather_ = the unwritten part of the queue, up to kMaxGather PDUs.
  void GatherWrites() {
    gather_.clear();
    for (const Bytes& pdu : writes_) {
      if (gather_.size() == kMaxGather) break;
      gather_.push_back(gather_.empty() ? asio::buffer(pdu) + written_of_front_
                                        : asio::buffer(pdu));
    }
  }

  // Drops the first `n` written bytes from the queue.
  void Written(std::size_t n) {
    queued_bytes_ -= n;
    n += written_of_front_;
    while (!writes_.empty() && n >= writes_.front().size()) {
      n -= writes_.front().size();
      writes_.pop_front();
    }
    written_of_front_ = n;
  }

  void OnWritten(boost::system::error_code ec, std::size_t n) {
    writing_ = false;
    write_timer_.cancel();
    if (ec) return Close();
    Written(n);
    WriteNext();
    if (read_paused_ && queued_bytes_ <= shared_->state.options.max_queued_reply_bytes) {
      read_paused_ = false;
      --shared_->state.counters.connections_reading_paused;
      Frame();
    }
    MaybeClose();
  }

  void MaybeClose() {
    if (closed_ || writing_ || !writes_.empty() || authenticating_) return;
    if (closing_ || (stopping_ && core_.outstanding_calls() == 0)) Close();
  }

  // Until a security context authenticates, the shorter auth_timeout is the
  // idle timeout.
  void ArmIdle() {
    if (core_.outstanding_calls() != 0) {
      timer_.cancel();
      return;
    }
    const ServerOptions& o = shared_->state.options;
    idle_is_auth_deadline_ = o.auth_timeout < o.idle_timeout && !core_.authenticated();
    ArmTimer(idle_is_auth_deadline_ ? o.auth_timeout : o.idle_timeout);
  }

  // A closed connection arms nothing: a pending wait would keep the
  // io_context, and so a stopping daemon, running until it expired.
  void ArmTimer(std::chrono::milliseconds after) {
    if (closed_) return;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      if (self->timer_.expiry() > std::chrono::steady_clock::now()) return;  // re-armed
      // A leg on a worker (Authenticate) runs on the deadline armed before
      // its PDU came: the authentication timeout, for a leg that waits too
      // long for a domain controller.
      if (self->authenticating_) return self->TimedOut("authentication");
      if (!self->reading_header_) return self->TimedOut("read");
      self->TimedOut(self->idle_is_auth_deadline_ ? "authentication" : "idle");
    });
  }

  void TimedOut(std::string_view what) {
    ++shared_->state.counters.timeouts;
    if (std::uint64_t held = 0; shared_->state.logs.timeout.Allow(&held)) {
      spdlog::info("rpc connection {} from {}: {} timeout; closing{}", id_, peer_, what,
                   HeldBackNote(held));
    }
    Close();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
    write_timer_.cancel();
    if (read_paused_) --shared_->state.counters.connections_reading_paused;
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->conns.erase(id_);
    auto peer = shared_->per_peer.find(peer_);
    if (peer != shared_->per_peer.end() && --peer->second == 0) shared_->per_peer.erase(peer);
    if (shared_->connections != nullptr)
      shared_->connections->Set(static_cast<double>(shared_->conns.size()));
  }

  std::shared_ptr<Shared> shared_;
  Strand strand_;
  tcp::socket socket_;
  asio::steady_timer timer_;  // read, idle or authentication
  asio::steady_timer write_timer_;
  ConnectionCore core_;
  const std::uint64_t id_;
  const std::string peer_;
  // Received bytes; [in_begin_, in_end_) are not yet handed to the core.
  Bytes in_;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  std::size_t pdu_length_ = 0;  // of the PDU at in_begin_, once its header is checked
  bool read_timer_armed_ = false;
  bool unanswered_ = false;  // the last PDU taken produced nothing to send or run
  std::deque<Bytes> writes_;
  std::size_t written_of_front_ = 0;  // bytes of writes_.front() already sent
  std::vector<asio::const_buffer> gather_;
  std::size_t queued_bytes_ = 0;  // in writes_, less written_of_front_
  bool writing_ = false;
  bool reading_header_ = false;
  bool read_paused_ = false;     // max_queued_reply_bytes: resumed as writes drain
  bool authenticating_ = false;  // a worker has the core (Authenticate)
  std::vector<std::pair<std::uint32_t, CallResult>> held_results_;  // meanwhile
  bool idle_is_auth_deadline_ = false;
  bool closing_ = false;             // bad input: close after the queued writes
  bool stopping_ = false;            // server stop: close once calls are answered
  std::atomic<bool> closed_{false};  // also read by a leg off the strand (Authenticate)
};

struct Listener {
  Listener(asio::io_context& io_context, std::string addr)
      : io(io_context),
        strand(asio::make_strand(io_context)),
        acceptor(strand),
        address(std::move(addr)) {}
  asio::io_context& io;
  Strand strand;
  tcp::acceptor acceptor;
  std::string address;
  std::uint16_t port = 0;
};

void Accept(const std::shared_ptr<Shared>& shared, const std::shared_ptr<Listener>& listener) {
  listener->acceptor.async_accept([shared, listener](boost::system::error_code ec,
                                                     tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !listener->acceptor.is_open()) return;
    if (!ec) {
      boost::system::error_code ignored;
      // A response of several fragments goes out in several writes: with
      // Nagle's algorithm the last one waits for the client's delayed
      // ACK (40 ms on Linux) whenever a response spans fragments.
      socket.set_option(tcp::no_delay(true), ignored);
      ConnectionInfo info;
      const tcp::endpoint local = socket.local_endpoint(ignored);
      const tcp::endpoint peer = socket.remote_endpoint(ignored);
      info.local_address = AddressText(local.address());
      info.local_port = local.port();
      info.peer_address = AddressText(peer.address());
      std::shared_ptr<Connection> conn;
      {
        std::lock_guard<std::mutex> lock(shared->mu);
        if (shared->stopping) return;
        const ServerOptions& o = shared->state.options;
        std::size_t& from_peer = shared->per_peer[info.peer_address];
        const bool too_many = shared->conns.size() >= o.max_connections;
        if (too_many || from_peer >= o.max_connections_per_peer) {
          ++(too_many ? shared->state.counters.connections_refused
                      : shared->state.counters.connections_refused_per_peer);
          ++shared->state.counters.limits_tripped;
          if (std::uint64_t held = 0; shared->state.logs.refused.Allow(&held)) {
            spdlog::warn("rpc: connection from {} refused: {} connections open, {} from it{}",
                         info.peer_address, shared->conns.size(), from_peer, HeldBackNote(held));
          }
          if (from_peer == 0) shared->per_peer.erase(info.peer_address);
          socket.close(ignored);
        } else {
          ++from_peer;
          info.id = shared->next_connection_id++;
          ++shared->state.counters.connections_accepted;
          spdlog::debug("rpc connection {} from {} to port {}", info.id, info.peer_address,
                        info.local_port);
          conn = std::make_shared<Connection>(shared, listener->io, std::move(socket), info);
          shared->conns[info.id] = conn;
          if (shared->connections != nullptr)
            shared->connections->Set(static_cast<double>(shared->conns.size()));
        }
      }
      if (conn) conn->Start();
    } else {
      spdlog::warn("rpc: accept on port {}: {}", listener->port, ec.message());
    }
    Accept(shared, listener);
  });
}

}  // namespace

Status ServerOptions::Validate() const {
  auto out_of_range = [](std::string_view name) {
    return Status::InvalidArgument(fmt::format("rpc server option {} out of range", name));
  };
  if (max_connections < 1 || max_connections > kMaxConnectionsLimit) {
    return out_of_range("max_connections");
  }
  if (max_connections_per_peer < 1 || max_connections_per_peer > kMaxConnectionsLimit) {
    return out_of_range("max_connections_per_peer");
  }
  if (max_fragment_size < kMinFragmentSize) return out_of_range("max_fragment_size");
  if (max_request_stub < 1 || max_request_stub > kMaxRequestStubLimit) {
    return out_of_range("max_request_stub");
  }
  if (max_presentation_contexts < 1 || max_presentation_contexts > kMaxPresentationContextsLimit) {
    return out_of_range("max_presentation_contexts");
  }
  if (max_security_contexts < 1 || max_security_contexts > kMaxSecurityContextsLimit) {
    return out_of_range("max_security_contexts");
  }
  if (max_outstanding_calls < 1 || max_outstanding_calls > kMaxOutstandingCallsLimit) {
    return out_of_range("max_outstanding_calls");
  }
  if (read_timeout.count() < 1 || read_timeout > kMaxReadTimeout) {
    return out_of_range("read_timeout");
  }
  if (idle_timeout.count() < 1 || idle_timeout > kMaxIdleTimeout) {
    return out_of_range("idle_timeout");
  }
  if (auth_timeout.count() < 1 || auth_timeout > kMaxIdleTimeout) {
    return out_of_range("auth_timeout");
  }
  if (max_queued_reply_bytes < 1 || max_queued_reply_bytes > kMaxQueuedReplyBytesLimit) {
    return out_of_range("max_queued_reply_bytes");
  }
  if (write_timeout.count() < 1 || write_timeout > kMaxReadTimeout) {
    return out_of_range("write_timeout");
  }
  if (worker_threads < 1 || worker_threads > kMaxWorkerThreads) {
    return out_of_range("worker_threads");
  }
  if (logon_threads < 1 || logon_threads > kMaxWorkerThreads) {
    return out_of_range("logon_threads");
  }
  return Status::Ok();
}

struct Server::Impl {
  Impl(asio::io_context& io_context, std::shared_ptr<Shared> s)
      : io(io_context), shared(std::move(s)) {}
  asio::io_context& io;
  std::shared_ptr<Shared> shared;
  mutable std::mutex mu;
  bool listening = false;                            // GUARDED_BY(mu)
  std::vector<std::shared_ptr<Listener>> listeners;  // GUARDED_BY(mu)
};

Result<std::unique_ptr<Server>> Server::Create(
    asio::io_context& io, ServerOptions options,
    std::vector<std::shared_ptr<auth::Acceptor>> acceptors) {
  OPENADCS_RETURN_IF_ERROR(options.Validate());
  for (std::size_t i = 0; i < acceptors.size(); ++i) {
    if (acceptors[i] == nullptr) return Status::InvalidArgument("null acceptor");
    for (std::size_t j = 0; j < i; ++j) {
      if (acceptors[j]->type() == acceptors[i]->type()) {
        return Status::InvalidArgument(
            fmt::format("two acceptors for auth type {}", static_cast<int>(acceptors[i]->type())));
      }
    }
  }
  auto shared = std::make_shared<Shared>(options.worker_threads, options.logon_threads);
  shared->state.options = options;
  shared->state.acceptors = std::move(acceptors);
  if (options.metrics != nullptr) {
    shared->connections =
        &options.metrics->GetGauge("openadcs_rpc_connections", "RPC connections open now.");
    shared->remote_legs_running = &options.metrics->GetGauge(
        "openadcs_rpc_remote_logon_steps_running",
        "Authentication steps waiting now for another host's answer (NTLM through winbindd).");
    shared->remote_legs_waiting = &options.metrics->GetGauge(
        "openadcs_rpc_remote_logon_steps_queued",
        "Authentication steps that ask another host, waiting for one of the logon threads.");
    constexpr std::string_view kWaitHelp =
        "Time an RPC call waited: for a worker to take it (worker), then, once its result was "
        "ready, for its connection's thread to send it (reply).";
    shared->worker_wait =
        &options.metrics->GetHistogram("openadcs_rpc_call_wait_seconds", kWaitHelp,
                                       metrics::LatencyBuckets(), {{"for", "worker"}});
    shared->reply_wait = &options.metrics->GetHistogram(
        "openadcs_rpc_call_wait_seconds", kWaitHelp, metrics::LatencyBuckets(), {{"for", "reply"}});
  }
  return std::unique_ptr<Server>(new Server(std::make_unique<Impl>(io, std::move(shared))));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// Stop() can throw only on allocation failure or a broken mutex, after
// which the process cannot go on anyway.
Server::~Server() {  // NOLINT(bugprone-exception-escape)
  Stop();
  impl_->shared->pool.Join();
  impl_->shared->logon_pool.join();
}

Status Server::Register(std::shared_ptr<InterfaceHandler> handler) {
  if (handler == nullptr) return Status::InvalidArgument("null interface handler");
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->listening) return Status::FailedPrecondition("Register after Listen");
  const SyntaxId s = handler->syntax();
  for (const auto& h : impl_->shared->state.handlers) {
    if (h->syntax().uuid == s.uuid && h->syntax().major == s.major) {
      return Status::AlreadyExists(
          fmt::format("interface {} v{} already registered", s.uuid.ToString(), s.major));
    }
  }
  impl_->shared->call_durations.Add(handler.get());
  impl_->shared->state.handlers.push_back(std::move(handler));
  return Status::Ok();
}

Result<std::uint16_t> Server::Listen(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(address, ec);
  if (ec)
    return Status::InvalidArgument(fmt::format("listen address '{}': {}", address, ec.message()));
  auto listener = std::make_shared<Listener>(impl_->io, address);
  const tcp::endpoint endpoint(addr, port);
  listener->acceptor.open(endpoint.protocol(), ec);
  // "::" serves IPv4 too, whatever net.ipv6.bindv6only says; a named IPv6
  // address is that address only.
  if (!ec && addr.is_v6() && addr.is_unspecified()) {
    listener->acceptor.set_option(asio::ip::v6_only(false), ec);
  }
  if (!ec) listener->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) listener->acceptor.bind(endpoint, ec);
  if (!ec) listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError(fmt::format("listen on {}:{}: {}", address, port, ec.message()));
  listener->port = listener->acceptor.local_endpoint(ec).port();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->listening = true;
    impl_->listeners.push_back(listener);
  }
  spdlog::info("rpc: listening on {}:{}", address, listener->port);
  asio::post(listener->strand, [shared = impl_->shared, listener] { Accept(shared, listener); });
  return listener->port;
}

std::vector<Endpoint> Server::endpoints() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<Endpoint> out;
  for (const auto& l : impl_->listeners) {
    for (const auto& h : impl_->shared->state.handlers) {
      out.push_back(Endpoint{h->syntax(), l->address, l->port});
    }
  }
  return out;
}

void Server::Stop() {
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard<std::mutex> lock(impl_->shared->mu);
    if (impl_->shared->stopping) return;
    impl_->shared->stopping = true;
    for (auto& [id, weak] : impl_->shared->conns) {
      if (auto c = weak.lock()) conns.push_back(std::move(c));
    }
  }
  spdlog::info("rpc: stopping; {} connections finish their calls", conns.size());
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (const auto& l : impl_->listeners) {
      asio::post(l->strand, [l] {
        boost::system::error_code ignored;
        l->acceptor.close(ignored);
      });
    }
  }
  for (auto& c : conns) c->Stop();
}

ServerStats Server::stats() const {
  const ServerCounters& c = impl_->shared->state.counters;
  ServerStats s;
  s.connections_accepted = c.connections_accepted;
  s.connections_refused = c.connections_refused;
  s.protocol_errors = c.protocol_errors;
  s.limits_tripped = c.limits_tripped;
  s.timeouts = c.timeouts;
  s.calls_dispatched = c.calls_dispatched;
  s.connections_refused_per_peer = c.connections_refused_per_peer;
  s.reads_paused = c.reads_paused;
  s.connections_reading_paused = c.connections_reading_paused;
  s.peak_queued_reply_bytes = c.peak_queued_reply_bytes;
  return s;
}

}  // namespace openadcs::rpc
