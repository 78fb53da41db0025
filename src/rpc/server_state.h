// State shared by every connection of one Server: the options, the
// registered interfaces, the acceptors, the association groups and the
// counters. Immutable after the first Listen except where noted.
#ifndef OPENADCS_RPC_SERVER_STATE_H_
#define OPENADCS_RPC_SERVER_STATE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "openadcs/auth/security_context.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/rpc/server.h"
#include "openadcs/util/log_limiter.h"

namespace openadcs::rpc {

// Association groups (C706 12.6.4.3, MS-RPCE 3.3.1.5.7): a bind with
// assoc_group_id 0 creates one; a bind naming a live group from the same
// client address joins it. A group lives while a connection holds it.
// Thread-safe.
class AssociationGroups {
 public:
  std::uint32_t Create(const std::string& peer_address);
  // False when `id` is unknown or was created from another address.
  bool Join(std::uint32_t id, const std::string& peer_address);
  void Leave(std::uint32_t id);

 private:
  struct Group {
    std::string peer_address;
    std::size_t connections = 0;
  };
  std::mutex mu_;
  std::uint32_t next_id_ = 0x1000;         // GUARDED_BY(mu_)
  std::map<std::uint32_t, Group> groups_;  // GUARDED_BY(mu_)
};

struct ServerCounters {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> limits_tripped{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<std::uint64_t> calls_dispatched{0};
  std::atomic<std::uint64_t> connections_refused_per_peer{0};
  std::atomic<std::uint64_t> reads_paused{0};
  std::atomic<std::uint64_t> connections_reading_paused{0};
  std::atomic<std::uint64_t> peak_queued_reply_bytes{0};
};

// Lines a flood would repeat on every connection: one per kind per
// interval, with the count held back.
struct ServerLogLimits {
  static constexpr std::chrono::seconds kInterval{10};
  LogLimiter refused{kInterval};  // max_connections(_per_peer)
  LogLimiter timeout{kInterval};
  LogLimiter paused{kInterval};  // max_queued_reply_bytes
  LogLimiter limit{kInterval};   // the per-connection limits
  LogLimiter protocol_error{kInterval};
};

struct ServerState {
  ServerOptions options;
  std::vector<std::shared_ptr<InterfaceHandler>> handlers;
  std::vector<std::shared_ptr<auth::Acceptor>> acceptors;
  AssociationGroups groups;
  ServerCounters counters;
  ServerLogLimits logs;

  // The handler serving `abstract` (same UUID and major version, minor at
  // most the handler's), or null.
  std::shared_ptr<InterfaceHandler> FindHandler(const SyntaxId& abstract) const;
  auth::Acceptor* FindAcceptor(auth::AuthType type) const;
};

}  // namespace openadcs::rpc

#endif  // OPENADCS_RPC_SERVER_STATE_H_
