// The connection-oriented DCE/RPC server (ncacn_ip_tcp, MS-RPCE 3.3.3) on
// Boost.Asio.
//
// Usage: construct on an io_context, Register every interface, then Listen
// on one or more ports; every registered interface is reachable on every
// listener. The io_context must be run by the caller (any number of
// threads); handlers run on the server's own worker pool, so a blocking
// handler never stalls the network. Stop() closes the listeners, lets calls
// in flight finish and then closes the connections; the destructor calls
// Stop() and joins the workers, and must run before the io_context is
// destroyed.
//
// Per connection the server keeps the presentation contexts, the security
// contexts (one per auth_context_id, built through the configured
// auth::Acceptor of the trailer's auth_type), the call being reassembled and
// the calls dispatched. Malformed input ends that connection (after a fault
// where the spec calls for one) and nothing else. Every tripped limit is
// logged with spdlog and counted in stats().
#ifndef OPENADCS_RPC_SERVER_H_
#define OPENADCS_RPC_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "openadcs/auth/security_context.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/metrics.h"
#include "openadcs/util/status.h"

namespace openadcs::rpc {

// Limits and timeouts; Validate() states each range.
struct ServerOptions {
  // Accepted connections beyond this are closed at once. [1, 100000]
  std::size_t max_connections = 1024;
  // Connections open at once from one remote address; further ones from it
  // are closed at once while other addresses are still served. A site of
  // Windows clients behind one NAT holds a few connections per enrolling
  // client, for seconds. [1, 100000]
  std::size_t max_connections_per_peer = 256;
  // The largest fragment the server sends or receives; the bind negotiates
  // min(this, client's max_xmit_frag, client's max_recv_frag), never below
  // 1432 (C706). [1432, 65535]
  std::uint16_t max_fragment_size = 5840;
  // A request whose alloc_hint or reassembled stub exceeds this faults with
  // nca_s_proto_error and the connection closes (as Samba does). [1, 256 MiB]
  std::size_t max_request_stub = 1 << 20;
  // Per connection; beyond them a bind or alter_context is refused (provider
  // rejection / bind_nak local limit / fault). [1, 4000] and [1, 2000]
  std::size_t max_presentation_contexts = 64;
  std::size_t max_security_contexts = 16;
  // Calls of one connection being reassembled or running; a request beyond
  // it faults with RPC_S_SERVER_TOO_BUSY. [1, 1024]
  std::size_t max_outstanding_calls = 16;
  // Once a PDU's first byte has arrived, the rest must arrive within this.
  // [1 ms, 10 min]
  std::chrono::milliseconds read_timeout{30'000};
  // A connection with no call in flight and no PDU arriving for this long is
  // closed. [1 ms, 24 h]
  std::chrono::milliseconds idle_timeout{15 * 60'000};
  // The idle timeout of a connection with no authenticated security context
  // (when below idle_timeout): one that sends nothing, or binds and never
  // completes authentication, is closed after it. Endpoint-mapper and OXID
  // resolver clients never authenticate: they are served while they keep
  // calling and closed once they idle this long. [1 ms, 24 h]
  std::chrono::milliseconds auth_timeout{10'000};
  // Bytes of replies queued for one connection above which the server stops
  // reading from it until the queue drains below it again; replies of calls
  // already running still join the queue. [1, 256 MiB]
  std::size_t max_queued_reply_bytes = 256 << 10;
  // A reply PDU must be taken by the peer within this, or the connection
  // closes (a peer that does not read). [1 ms, 10 min]
  std::chrono::milliseconds write_timeout{30'000};
  // Threads running InterfaceHandler::Call. [1, 256] A CA's calls spend
  // most of their time waiting for the database's fsync, which group commit
  // shares among the calls waiting: more threads than cores keep the cores
  // busy meanwhile.
  std::size_t worker_threads = 16;
  // Threads of their own for the authentication legs that wait on another
  // host (auth::StepWait::kRemote: a domain NTLM logon through winbindd),
  // that many at once and the others in turn, so that a domain controller
  // that stops answering holds none of the workers. [1, 256]
  std::size_t logon_threads = 8;
  // openadcs_rpc_connections (open now) and openadcs_rpc_call_duration_seconds
  // (per interface UUID and opnum, from dispatch to result); null: none.
  // Must outlive the server.
  metrics::Registry* metrics = nullptr;

  Status Validate() const;
};

// Where an interface can be reached (for the endpoint mapper).
struct Endpoint {
  SyntaxId syntax;
  std::string address;
  std::uint16_t port = 0;
};

// Counters of tripped limits and rejected input, for tests and monitoring.
struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;           // max_connections
  std::uint64_t connections_refused_per_peer = 0;  // max_connections_per_peer
  std::uint64_t protocol_errors = 0;               // connections closed for bad input
  std::uint64_t limits_tripped = 0;                // any other limit
  std::uint64_t timeouts = 0;                      // read, idle, authentication or write
  std::uint64_t calls_dispatched = 0;
  std::uint64_t reads_paused = 0;                // max_queued_reply_bytes reached
  std::uint64_t connections_reading_paused = 0;  // now
  // The most reply bytes one connection had queued at any time.
  std::uint64_t peak_queued_reply_bytes = 0;
};

class Server {
 public:
  // `acceptors`: at most one per auth type; none means only unauthenticated
  // binds are accepted. Errors: options out of range, duplicate auth types.
  static Result<std::unique_ptr<Server>> Create(
      boost::asio::io_context& io, ServerOptions options,
      std::vector<std::shared_ptr<auth::Acceptor>> acceptors);
  ~Server();  // NOLINT(bugprone-exception-escape): see server.cc
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // REQUIRES: before the first Listen. Errors: a handler with the same
  // interface UUID and major version is already registered.
  Status Register(std::shared_ptr<InterfaceHandler> handler);

  // Binds and starts accepting on address:port; port 0 picks a free port.
  // "::" accepts IPv6 and IPv4 (IPV6_V6ONLY off, whatever the system
  // default); "0.0.0.0" IPv4 only; any other address, that address only.
  // Returns the bound port. Thread-safe with respect to other Listen calls.
  Result<std::uint16_t> Listen(const std::string& address, std::uint16_t port);

  // Every registered interface on every listener.
  std::vector<Endpoint> endpoints() const;

  // Thread-safe and idempotent; returns without waiting.
  void Stop();

  ServerStats stats() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace openadcs::rpc

#endif  // OPENADCS_RPC_SERVER_H_
