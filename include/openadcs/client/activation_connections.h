// Connections an activation uses, kept open between activations: the one to
// a CA's activation port (IRemoteSCMActivator), as Windows' RPCSS keeps its
// connection to a remote SCM, and the one to its object exporter, as the RPC
// runtime of a long-running Windows process lingers an association after
// its last binding handle is freed (unless RPC_C_OPT_DONT_LINGER) and reuses
// it. With both, an activation and one call cost three round trips
// (RemoteCreateInstance, the call, RemRelease) instead of two TCP
// connections, binds and security handshakes as well.
//
// Share one through ConnectOptions::activation_connections between the
// activations of a process (or of a benchmark's client). A connection is
// kept for the host, port, protection level and identity (DOMAIN\user, or the
// Kerberos cache and service name) it was opened with, an object connection
// also for the interface bound on it, and only activations asking for the
// same take it; it authenticated with the credentials of the activation that
// opened it.
//
// At most `max_idle` connections wait, each for at most `max_idle_time`
// (the server closes idle connections after its own idle timeout, 15 min by
// default). A kept activation connection found closed is replaced and the
// activation tried once more (an object a lost reply leaves behind is
// collected by the server's object timeout); a kept object connection is
// used only when a peek finds it open and quiet
// (rpc::ClientChannel::ReadyForCall), since a Request must not be sent
// twice. Thread-safe; a connection serves one activation at a time.
#ifndef OPENADCS_CLIENT_ACTIVATION_CONNECTIONS_H_
#define OPENADCS_CLIENT_ACTIVATION_CONNECTIONS_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace openadcs::client {

class DcomObjectClient;

struct ActivationConnectionsOptions {
  // Both kinds together: N activations running at once leave up to 2N idle.
  std::size_t max_idle = 8;
  std::chrono::milliseconds max_idle_time{60'000};
  // False: only activation connections are kept, and every activation opens
  // its object connection (what a certreq process costs).
  bool keep_object_connections = true;
};

class ActivationConnections {
 public:
  explicit ActivationConnections(ActivationConnectionsOptions options = {});
  ~ActivationConnections();
  ActivationConnections(const ActivationConnections&) = delete;
  ActivationConnections& operator=(const ActivationConnections&) = delete;

  // Connections waiting for an activation now, of both kinds.
  std::size_t idle_count() const;

  bool keeps_object_connections() const { return options_.keep_object_connections; }

 private:
  friend class DcomObjectClient;
  struct Idle;

  // An idle connection opened under `key` (expired ones are closed on the
  // way), or null.
  std::unique_ptr<Idle> Take(const std::string& key);
  // Keeps `idle` for the next activation (closing the longest idle one when
  // max_idle are waiting).
  void Put(std::unique_ptr<Idle> idle);

  const ActivationConnectionsOptions options_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Idle>> idle_;  // GUARDED_BY(mu_); oldest first
};

}  // namespace openadcs::client

#endif  // OPENADCS_CLIENT_ACTIVATION_CONNECTIONS_H_
