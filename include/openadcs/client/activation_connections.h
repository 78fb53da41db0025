// Connections to a CA's activation port (IRemoteSCMActivator) kept open
// between activations, as Windows' RPCSS keeps its connection to a remote
// SCM: with one, an activation costs one round trip (RemoteCreateInstance)
// instead of a TCP connection, a bind and a security handshake as well.
// The object connection stays per activation.
//
// Share one through ConnectOptions::activation_connections between the
// activations of a process (or of a benchmark's client). A connection is
// kept for the host, activation port, protection level and identity
// (DOMAIN\user, or the Kerberos cache and service name) it was opened with,
// and only activations asking for the same take it; it authenticated with
// the credentials of the activation that opened it.
//
// At most `max_idle` connections wait, each for at most `max_idle_time`
// (the server closes idle connections after its own idle timeout, 15 min by
// default; an activation whose kept connection turns out closed opens a new
// one and tries once more). Thread-safe; a connection serves one activation
// at a time.
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
  std::size_t max_idle = 8;
  std::chrono::milliseconds max_idle_time{60'000};
};

class ActivationConnections {
 public:
  explicit ActivationConnections(ActivationConnectionsOptions options = {});
  ~ActivationConnections();
  ActivationConnections(const ActivationConnections&) = delete;
  ActivationConnections& operator=(const ActivationConnections&) = delete;

  // Connections waiting for an activation now.
  std::size_t idle_count() const;

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
