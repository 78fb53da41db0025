#include "openadcs/client/activation_connections.h"

#include <utility>

#include "client/dcom_object_client.h"

namespace openadcs::client {

ActivationConnections::ActivationConnections(ActivationConnectionsOptions options)
    : options_(options) {}

ActivationConnections::~ActivationConnections() = default;

std::size_t ActivationConnections::idle_count() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

std::unique_ptr<ActivationConnections::Idle> ActivationConnections::Take(const std::string& key) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Idle>> expired;  // closed after the lock is released
  std::unique_ptr<Idle> found;
  {
    std::lock_guard lock(mu_);
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (now - (*it)->since > options_.max_idle_time) {
        expired.push_back(std::move(*it));
        it = idle_.erase(it);
        continue;
      }
      ++it;
    }
    // The most recently used: the least likely to have been closed.
    for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
      if ((*it)->key != key) continue;
      found = std::move(*it);
      idle_.erase(std::next(it).base());
      break;
    }
  }
  return found;
}

void ActivationConnections::Put(std::unique_ptr<Idle> idle) {
  if (options_.max_idle == 0) return;
  idle->since = std::chrono::steady_clock::now();
  std::unique_ptr<Idle> dropped;
  std::lock_guard lock(mu_);
  if (idle_.size() >= options_.max_idle) {
    dropped = std::move(idle_.front());
    idle_.erase(idle_.begin());
  }
  idle_.push_back(std::move(idle));
}

}  // namespace openadcs::client
