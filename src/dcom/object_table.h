// The object exporter's state (MS-DCOM 3.1.1.1, 3.1.2.1): its OXID, the
// exported objects (one OID each) and their interfaces (one IPID per
// interface per object), the public reference counts, the ping sets and the
// keep-alive times, with the limits of DcomOptions.
//
// Reference counts live on IPIDs: Release of an IPID's last reference
// retires that IPID, and an object whose IPIDs hold no reference any more is
// freed at once (its IPIDs then resolve to nothing). An object also dies
// when nothing kept it alive (a call, a ping of a set holding its OID, its
// creation) for `timeout`; ping sets expire the same way.
//
// Every operation on an IPID names the caller: IPIDs of another client's
// objects behave as unknown (kNotFound) or, for calls, as foreign
// (kPermissionDenied). Pings carry no identity: they only refresh objects
// whose 64-bit random OIDs the pinger already knows.
//
// Thread-safe (one mutex). Objects leaving the table are handed back to the
// caller, which drops them after the lock is released: a ComObject's
// destructor never runs under the table's lock.
#ifndef OPENADCS_SRC_DCOM_OBJECT_TABLE_H_
#define OPENADCS_SRC_DCOM_OBJECT_TABLE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "openadcs/dcom/com_object.h"
#include "openadcs/rpc/interface.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::dcom {

using Clock = std::function<std::chrono::steady_clock::time_point()>;
using FreedObjects = std::vector<std::shared_ptr<ComObject>>;

struct ObjectTableOptions {
  std::chrono::milliseconds timeout{360'000};
  std::size_t max_objects = 16384;
  std::size_t max_objects_per_client = 1024;
  std::size_t max_ping_sets = 16384;
  // Per authenticated account, and per address for unauthenticated callers,
  // who together hold at most half of max_ping_sets (rounded up), so that
  // anonymous pingers cannot use up what authenticated clients need.
  std::size_t max_ping_sets_per_client = 1024;
  Clock clock;  // null: steady_clock
};

// Who asks for a new ping set: an authenticated account ("DOMAIN\user"),
// or the peer's address for an unauthenticated call.
struct Pinger {
  std::string name;
  bool authenticated = false;
};

// What a call on an IPID reaches.
struct ExportedInterface {
  std::shared_ptr<ComObject> object;
  rpc::SyntaxId iface;
  std::uint64_t oid = 0;
};

// A new export: the object's OID and one IPID per interface asked for.
struct Export {
  std::uint64_t oid = 0;
  std::vector<Uuid> ipids;
};

class ObjectTable {
 public:
  explicit ObjectTable(ObjectTableOptions options);
  ObjectTable(const ObjectTable&) = delete;
  ObjectTable& operator=(const ObjectTable&) = delete;

  std::uint64_t oxid() const { return oxid_; }

  // Exports `object` for `owner`: a fresh OID and one IPID per entry of
  // `ifaces` (IUnknown included when asked), each holding `public_refs`.
  // Errors: kUnavailable with E_OUTOFMEMORY when max_objects or the
  // owner's max_objects_per_client is reached; kInvalidArgument when
  // `ifaces` is empty or `public_refs` is 0.
  Result<Export> Add(std::shared_ptr<ComObject> object, const std::string& owner,
                     std::span<const rpc::SyntaxId> ifaces, std::uint32_t public_refs);

  // The interface behind `ipid` for a call by `owner`, refreshing the
  // object's keep-alive. Errors: kNotFound (unknown or freed IPID),
  // kPermissionDenied (another client's object).
  Result<ExportedInterface> Lookup(const Uuid& ipid, const std::string& owner);

  // RemQueryInterface: the IPID of `iface` on the object behind `ipid`
  // (created on first use, one per interface per object) with `refs` more
  // public references. REQUIRES: the object implements `iface`. Errors:
  // kNotFound (unknown IPID or another client's), kInvalidArgument (the
  // reference count would overflow).
  Result<Uuid> QueryInterface(const Uuid& ipid, const std::string& owner,
                              const rpc::SyntaxId& iface, std::uint32_t refs);

  // RemAddRef: `refs` more public references on `ipid`. Errors: kNotFound,
  // kInvalidArgument (overflow).
  Status AddRef(const Uuid& ipid, const std::string& owner, std::uint32_t refs);

  // RemRelease: `refs` fewer (a release of more than held releases all).
  // Objects this frees are appended to `freed`. Errors: kNotFound.
  Status Release(const Uuid& ipid, const std::string& owner, std::uint32_t refs,
                 FreedObjects* freed);

  // SimplePing. Errors: kNotFound (unknown or expired set).
  Status SimplePing(std::uint64_t set_id);
  // ComplexPing (MS-DCOM 3.1.2.5.1.3): set_id 0 creates a set for `pinger`
  // (its id is returned); OIDs to add that name no live object are ignored;
  // a sequence number older than the set's is a successful no-op. Errors:
  // kNotFound (unknown set), kUnavailable with E_OUTOFMEMORY (max_ping_sets,
  // the unauthenticated share of it or the pinger's
  // max_ping_sets_per_client reached).
  Result<std::uint64_t> ComplexPing(std::uint64_t set_id, std::uint16_t sequence,
                                    std::span<const std::uint64_t> add,
                                    std::span<const std::uint64_t> remove, const Pinger& pinger);

  // Frees every object and ping set not kept alive within the timeout;
  // the objects freed are appended to `freed`. Returns their count.
  std::size_t CollectExpired(FreedObjects* freed);

  std::size_t object_count() const;
  std::size_t ping_set_count() const;

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Ipid {
    std::uint64_t oid = 0;
    rpc::SyntaxId iface;
    std::uint32_t public_refs = 0;
  };
  struct Object {
    std::shared_ptr<ComObject> object;
    std::string owner;
    std::map<Uuid, Ipid> ipids;  // the IPIDs still holding references
    std::uint64_t total_refs = 0;
    TimePoint last_alive;
  };
  struct PingSet {
    std::set<std::uint64_t> oids;
    std::uint16_t sequence = 0;
    TimePoint last_ping;
    std::string creator;  // its key in sets_per_pinger_
    bool authenticated = false;
  };

  TimePoint Now() const;
  std::uint64_t NewId();  // REQUIRES: mu_ held
  // The object behind `ipid` when `owner` owns it. REQUIRES: mu_ held.
  Object* Owned(const Uuid& ipid, const std::string& owner, Ipid** entry);
  // Drops the object and its IPIDs. REQUIRES: mu_ held.
  void Free(std::uint64_t oid, FreedObjects* freed);
  void TouchSet(PingSet& set, TimePoint now);  // REQUIRES: mu_ held

  const ObjectTableOptions options_;
  const std::uint64_t oxid_;
  mutable std::mutex mu_;
  std::map<std::uint64_t, Object> objects_;   // by OID
  std::map<Uuid, std::uint64_t> ipid_index_;  // IPID -> OID
  std::map<std::string, std::size_t> per_owner_;
  std::map<std::uint64_t, PingSet> ping_sets_;
  // Live sets by creator: accounts and addresses in separate name spaces.
  std::map<std::string, std::size_t> sets_per_pinger_;
  std::size_t unauthenticated_sets_ = 0;
};

// A cryptographically random, non-zero 64-bit id (OXID, OID, SETID).
std::uint64_t RandomId64();

}  // namespace openadcs::dcom

#endif  // OPENADCS_SRC_DCOM_OBJECT_TABLE_H_
