// The CA's security descriptor while the CA runs (MS-CSRA 3.1.1.7,
// Config_Permissions_CA_Security): read from the database at start, made
// from the configured roles at the first start, asked on every call, and
// replaced by SetCASecurity. The database keeps it with a version, so two
// concurrent replacements cannot lose one another silently.
//
// Thread-safe: RightsOf and Require may run on every worker at once; a
// replacement is seen by the calls that start after it.
#ifndef OPENADCS_CA_CA_SECURITY_H_
#define OPENADCS_CA_CA_SECURITY_H_

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string_view>

#include "openadcs/ca/access.h"
#include "openadcs/ca/caller.h"
#include "openadcs/db/ca_store.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ca {

struct CaSecurityOptions {
  // The descriptor of the first start (DefaultCaSecurity). Later starts use
  // the stored one and ignore these.
  CaSecurityRoles initial;
  // MS-CSRA role separation; see EffectiveRights.
  bool role_separation = false;
};

class CaSecurity {
 public:
  // Loads the stored descriptor, or stores DefaultCaSecurity(initial) when
  // there is none. `store` must outlive the object. Errors: the store's;
  // Corruption for a stored descriptor that does not decode or that
  // ValidateCaSecurity refuses; InvalidArgument for initial roles with a SID
  // that does not parse.
  static Result<std::unique_ptr<CaSecurity>> Open(db::CaStore& store, CaSecurityOptions options);

  // What the caller may do (EffectiveRights of GrantedRights): bits of
  // rights::kAll. Unauthenticated callers (no SIDs) get 0.
  std::uint32_t RightsOf(const Caller& caller) const;

  // Ok when the caller holds at least one right of `any_of`; otherwise
  // PermissionDenied carrying E_ACCESSDENIED, logged with the caller and
  // `operation`.
  Status Require(const Caller& caller, std::uint32_t any_of, std::string_view operation) const;

  // The descriptor as stored (self-relative): what GetCASecurity returns.
  Bytes Descriptor() const;

  // SetCASecurity: decodes and validates `descriptor`, stores it as the
  // next version and makes it current. The caller must hold rights::kAdmin
  // (checked here). Errors: PermissionDenied (E_ACCESSDENIED);
  // InvalidArgument (E_INVALIDARG) for bytes that do not decode, that
  // ValidateCaSecurity refuses, or whose DACL has no allow ACE with the
  // Admin right (no one could change it again); FailedPrecondition when the stored version
  // changed under us (another process); the store's otherwise. On error
  // nothing changes.
  Status Replace(const Caller& caller, std::span<const std::uint8_t> descriptor);

  bool role_separation() const { return role_separation_; }

 private:
  CaSecurity(db::CaStore& store, bool role_separation)
      : store_(store), role_separation_(role_separation) {}

  db::CaStore& store_;
  const bool role_separation_;
  mutable std::shared_mutex mu_;
  security::SecurityDescriptor sd_;  // guarded by mu_
  Bytes encoded_;                    // guarded by mu_
  std::uint64_t version_ = 0;        // guarded by mu_
};

}  // namespace openadcs::ca

#endif  // OPENADCS_CA_CA_SECURITY_H_
