#include "dcom/object_table.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "openadcs/dcom/dcom_runtime.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/random.h"

namespace openadcs::dcom {

std::uint64_t RandomId64() {
  std::uint64_t id = 0;
  while (id == 0) {
    std::uint8_t bytes[sizeof(id)];
    // A failing CSPRNG leaves no safe way to name objects: identifiers are
    // the only thing keeping clients out of each other's pings.
    if (!RandomBytes(bytes).ok()) std::abort();
    std::memcpy(&id, bytes, sizeof(id));
  }
  return id;
}

ObjectTable::ObjectTable(ObjectTableOptions options)
    : options_(std::move(options)), oxid_(RandomId64()) {}

ObjectTable::TimePoint ObjectTable::Now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

std::uint64_t ObjectTable::NewId() {
  for (;;) {
    std::uint64_t id = RandomId64();
    if (id != oxid_ && !objects_.contains(id) && !ping_sets_.contains(id)) return id;
  }
}

Result<Export> ObjectTable::Add(std::shared_ptr<ComObject> object, const std::string& owner,
                                std::span<const rpc::SyntaxId> ifaces, std::uint32_t public_refs) {
  if (ifaces.empty() || public_refs == 0) {
    return Status::InvalidArgument("an export needs an interface and a reference");
  }
  std::lock_guard lock(mu_);
  if (objects_.size() >= options_.max_objects) {
    return Status::Error(StatusCode::kUnavailable, "the object table is full", hr::kOutOfMemory);
  }
  auto owner_count = per_owner_.find(owner);
  if (owner_count != per_owner_.end() && owner_count->second >= options_.max_objects_per_client) {
    return Status::Error(StatusCode::kUnavailable, owner + " holds the most objects allowed",
                         hr::kOutOfMemory);
  }
  Export out;
  out.oid = NewId();
  Object entry;
  entry.object = std::move(object);
  entry.owner = owner;
  entry.last_alive = Now();
  for (const rpc::SyntaxId& iface : ifaces) {
    Uuid ipid = Uuid::Random();
    while (ipid_index_.contains(ipid)) ipid = Uuid::Random();
    entry.ipids.emplace(ipid, Ipid{out.oid, iface, public_refs});
    entry.total_refs += public_refs;
    ipid_index_.emplace(ipid, out.oid);
    out.ipids.push_back(ipid);
  }
  objects_.emplace(out.oid, std::move(entry));
  ++per_owner_[owner];
  spdlog::debug("dcom: exported oid {:016x} for {} with {} ipid(s)", out.oid, owner,
                out.ipids.size());
  return out;
}

ObjectTable::Object* ObjectTable::Owned(const Uuid& ipid, const std::string& owner, Ipid** entry) {
  auto index = ipid_index_.find(ipid);
  if (index == ipid_index_.end()) return nullptr;
  auto object = objects_.find(index->second);
  if (object == objects_.end() || object->second.owner != owner) return nullptr;
  auto it = object->second.ipids.find(ipid);
  if (it == object->second.ipids.end()) return nullptr;
  *entry = &it->second;
  return &object->second;
}

Result<ExportedInterface> ObjectTable::Lookup(const Uuid& ipid, const std::string& owner) {
  std::lock_guard lock(mu_);
  auto index = ipid_index_.find(ipid);
  if (index == ipid_index_.end()) return Status::NotFound("unknown ipid " + ipid.ToString());
  auto object = objects_.find(index->second);
  if (object == objects_.end()) return Status::NotFound("unknown ipid " + ipid.ToString());
  if (object->second.owner != owner) {
    return Status::PermissionDenied("ipid " + ipid.ToString() + " belongs to another client");
  }
  auto it = object->second.ipids.find(ipid);
  if (it == object->second.ipids.end()) return Status::NotFound("released ipid");
  object->second.last_alive = Now();
  return ExportedInterface{object->second.object, it->second.iface, index->second};
}

Result<Uuid> ObjectTable::QueryInterface(const Uuid& ipid, const std::string& owner,
                                         const rpc::SyntaxId& iface, std::uint32_t refs) {
  std::lock_guard lock(mu_);
  Ipid* from = nullptr;
  Object* object = Owned(ipid, owner, &from);
  if (object == nullptr) return Status::NotFound("unknown ipid " + ipid.ToString());
  object->last_alive = Now();
  for (auto& [existing, entry] : object->ipids) {
    if (entry.iface != iface) continue;
    if (entry.public_refs > std::numeric_limits<std::uint32_t>::max() - refs) {
      return Status::InvalidArgument("reference count overflow");
    }
    entry.public_refs += refs;
    object->total_refs += refs;
    return existing;
  }
  const std::uint64_t oid = from->oid;
  Uuid granted = Uuid::Random();
  while (ipid_index_.contains(granted)) granted = Uuid::Random();
  object->ipids.emplace(granted, Ipid{oid, iface, refs});
  object->total_refs += refs;
  ipid_index_.emplace(granted, oid);
  return granted;
}

Status ObjectTable::AddRef(const Uuid& ipid, const std::string& owner, std::uint32_t refs) {
  std::lock_guard lock(mu_);
  Ipid* entry = nullptr;
  Object* object = Owned(ipid, owner, &entry);
  if (object == nullptr) return Status::NotFound("unknown ipid " + ipid.ToString());
  if (entry->public_refs > std::numeric_limits<std::uint32_t>::max() - refs) {
    return Status::InvalidArgument("reference count overflow");
  }
  entry->public_refs += refs;
  object->total_refs += refs;
  object->last_alive = Now();
  return Status::Ok();
}

Status ObjectTable::Release(const Uuid& ipid, const std::string& owner, std::uint32_t refs,
                            FreedObjects* freed) {
  std::lock_guard lock(mu_);
  Ipid* entry = nullptr;
  Object* object = Owned(ipid, owner, &entry);
  if (object == nullptr) return Status::NotFound("unknown ipid " + ipid.ToString());
  const std::uint64_t oid = entry->oid;
  const std::uint32_t released = std::min(refs, entry->public_refs);
  entry->public_refs -= released;
  object->total_refs -= released;
  object->last_alive = Now();
  if (entry->public_refs == 0) {
    ipid_index_.erase(ipid);
    object->ipids.erase(ipid);  // invalidates `entry`
  }
  if (object->total_refs == 0) {
    spdlog::debug("dcom: last reference to oid {:016x} released", oid);
    Free(oid, freed);
  }
  return Status::Ok();
}

void ObjectTable::Free(std::uint64_t oid, FreedObjects* freed) {
  auto it = objects_.find(oid);
  if (it == objects_.end()) return;
  for (const auto& [ipid, entry] : it->second.ipids) ipid_index_.erase(ipid);
  auto owner = per_owner_.find(it->second.owner);
  if (owner != per_owner_.end() && --owner->second == 0) per_owner_.erase(owner);
  freed->push_back(std::move(it->second.object));
  objects_.erase(it);
}

void ObjectTable::TouchSet(PingSet& set, TimePoint now) {
  set.last_ping = now;
  for (auto it = set.oids.begin(); it != set.oids.end();) {
    auto object = objects_.find(*it);
    if (object == objects_.end()) {
      it = set.oids.erase(it);  // freed since: the set forgets it
      continue;
    }
    object->second.last_alive = now;
    ++it;
  }
}

Status ObjectTable::SimplePing(std::uint64_t set_id) {
  std::lock_guard lock(mu_);
  auto set = ping_sets_.find(set_id);
  if (set == ping_sets_.end()) return Status::NotFound("unknown ping set");
  TouchSet(set->second, Now());
  return Status::Ok();
}

Result<std::uint64_t> ObjectTable::ComplexPing(std::uint64_t set_id, std::uint16_t sequence,
                                               std::span<const std::uint64_t> add,
                                               std::span<const std::uint64_t> remove,
                                               const Pinger& pinger) {
  std::lock_guard lock(mu_);
  PingSet* set = nullptr;
  if (set_id == 0) {
    if (ping_sets_.size() >= options_.max_ping_sets) {
      return Status::Error(StatusCode::kUnavailable, "the ping set table is full",
                           hr::kOutOfMemory);
    }
    if (!pinger.authenticated && unauthenticated_sets_ >= (options_.max_ping_sets + 1) / 2) {
      return Status::Error(StatusCode::kUnavailable,
                           "unauthenticated callers hold their share of the ping sets",
                           hr::kOutOfMemory);
    }
    std::string creator = (pinger.authenticated ? "account " : "address ") + pinger.name;
    std::size_t& held = sets_per_pinger_[creator];
    if (held >= options_.max_ping_sets_per_client) {
      return Status::Error(StatusCode::kUnavailable, creator + " holds the most ping sets allowed",
                           hr::kOutOfMemory);
    }
    ++held;
    if (!pinger.authenticated) ++unauthenticated_sets_;
    set_id = NewId();
    set = &ping_sets_[set_id];
    set->creator = std::move(creator);
    set->authenticated = pinger.authenticated;
    spdlog::debug("dcom: ping set {:016x} created for {}", set_id, set->creator);
  } else {
    auto it = ping_sets_.find(set_id);
    if (it == ping_sets_.end()) return Status::NotFound("unknown ping set");
    set = &it->second;
    // Sequence numbers wrap: "greater" is a positive 16-bit difference.
    if (static_cast<std::int16_t>(set->sequence - sequence) > 0) return set_id;
  }
  set->sequence = sequence;
  // Only live OIDs join, so a set never holds more than max_objects.
  for (std::uint64_t oid : add) {
    if (objects_.contains(oid)) set->oids.insert(oid);
  }
  for (std::uint64_t oid : remove) set->oids.erase(oid);
  TouchSet(*set, Now());
  return set_id;
}

std::size_t ObjectTable::CollectExpired(FreedObjects* freed) {
  std::lock_guard lock(mu_);
  const TimePoint now = Now();
  for (auto it = ping_sets_.begin(); it != ping_sets_.end();) {
    if (now - it->second.last_ping > options_.timeout) {
      spdlog::debug("dcom: ping set {:016x} expired", it->first);
      auto held = sets_per_pinger_.find(it->second.creator);
      if (held != sets_per_pinger_.end() && --held->second == 0) sets_per_pinger_.erase(held);
      if (!it->second.authenticated) --unauthenticated_sets_;
      it = ping_sets_.erase(it);
    } else {
      ++it;
    }
  }
  std::vector<std::uint64_t> expired;
  for (const auto& [oid, object] : objects_) {
    if (now - object.last_alive > options_.timeout) expired.push_back(oid);
  }
  for (std::uint64_t oid : expired) {
    spdlog::debug("dcom: oid {:016x} expired", oid);
    Free(oid, freed);
  }
  return expired.size();
}

std::size_t ObjectTable::object_count() const {
  std::lock_guard lock(mu_);
  return objects_.size();
}

std::size_t ObjectTable::ping_set_count() const {
  std::lock_guard lock(mu_);
  return ping_sets_.size();
}

}  // namespace openadcs::dcom
