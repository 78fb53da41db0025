#include "rpc/server_state.h"

namespace openadcs::rpc {

std::uint32_t AssociationGroups::Create(const std::string& peer_address) {
  std::lock_guard<std::mutex> lock(mu_);
  // Skip 0 (it means "create") and ids still in use after a wrap.
  do {
    ++next_id_;
  } while (next_id_ == 0 || groups_.count(next_id_) != 0);
  groups_[next_id_] = Group{peer_address, 1};
  return next_id_;
}

bool AssociationGroups::Join(std::uint32_t id, const std::string& peer_address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = groups_.find(id);
  if (it == groups_.end() || it->second.peer_address != peer_address) return false;
  ++it->second.connections;
  return true;
}

void AssociationGroups::Leave(std::uint32_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = groups_.find(id);
  if (it != groups_.end() && --it->second.connections == 0) groups_.erase(it);
}

std::shared_ptr<InterfaceHandler> ServerState::FindHandler(const SyntaxId& abstract) const {
  for (const auto& h : handlers) {
    const SyntaxId s = h->syntax();
    if (s.uuid == abstract.uuid && s.major == abstract.major && abstract.minor <= s.minor) return h;
  }
  return nullptr;
}

auth::Acceptor* ServerState::FindAcceptor(auth::AuthType type) const {
  for (const auto& a : acceptors) {
    if (a->type() == type) return a.get();
  }
  return nullptr;
}

}  // namespace openadcs::rpc
