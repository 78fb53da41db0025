// The CA's security descriptor while the CA runs (MS-CSRA 3.1.1.7,
// Config_Permissions_CA_Security): read from the database at start, made
// from the configured roles at the first start, asked on every call, and
// replaced by SetCASecurity. The database keeps it with a version, so two
// concurrent replacements cannot lose one another silently.
//
// Beside it, the two CA settings MS-CSRA keeps with the CA's permissions:
// the officer rights (Config_Permissions_Officer_Rights, 3.1.4.2.12-13:
// which officer may act on whose requests, security/officer_rights.h) and
// the audit filter (Config_CA_Audit_Filter, 3.1.4.2.10-11). Both are read
// at Open and replaced through the store's ca_setting table with an audit
// row; likewise the enrollment agent rights
// (Config_Permissions_Enrollment_Agent_Rights: which agent may enroll on
// behalf of whom, for which template; same format and decision as officer
// rights, with the agent in the officer's place).
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
#include <vector>

#include "openadcs/ca/access.h"
#include "openadcs/ca/caller.h"
#include "openadcs/db/ca_store.h"
#include "openadcs/security/officer_rights.h"
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
  // ValidateCaSecurity refuses, for stored officer rights that do not parse
  // or an audit filter that is not 4 bytes; InvalidArgument for initial
  // roles with a SID that does not parse.
  static Result<std::unique_ptr<CaSecurity>> Open(db::CaStore& store,
                                                  const CaSecurityOptions& options);

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

  // --- Officer rights ---
  // Disabled: every officer may act on every request. Enabled: `descriptor`
  // (self-relative, as set) decides.
  struct OfficerRightsState {
    bool enabled = false;
    Bytes descriptor;  // empty when disabled
  };
  OfficerRightsState OfficerRights() const;
  bool OfficerRightsEnabled() const;

  // SetOfficerRights for officer rights (RightsType 0): `enable` false
  // disables them and ignores `descriptor`; true stores `descriptor`, which
  // must decode and be an officer-rights descriptor (ParseOfficerRights).
  // The caller must hold rights::kAdmin. Errors: PermissionDenied
  // (E_ACCESSDENIED); InvalidArgument (E_INVALIDARG) for a descriptor
  // refused; the store's. On error nothing changes.
  Status ReplaceOfficerRights(const Caller& caller, bool enable,
                              std::span<const std::uint8_t> descriptor);

  // The officer-rights check of an officer operation on request
  // `request_id`: Ok when officer rights are disabled, or when they let
  // `officer` (caller.sid and caller.group_sids) act for `requester`, whose
  // SIDs are its sid and group_sids (empty or unparsable ones add nothing)
  // plus Everyone and Authenticated Users (every requester authenticated).
  // `template_name`: the request's, "" when none. Otherwise PermissionDenied
  // carrying CERTSRV_E_RESTRICTEDOFFICER (0x80094009, winerror.h: "can only
  // be performed by a certificate manager that is allowed to manage
  // certificates for the current requester"), or, when the requester's
  // groups are unavailable, Unavailable carrying ERROR_DS_SERVER_DOWN:
  // either logged.
  Status RequireOfficerFor(const Caller& officer, const Requester& requester,
                           const std::string& template_name, std::uint32_t request_id,
                           std::string_view operation) const;

  // --- Enrollment agent rights ---
  // Disabled (the default, as in AD CS): every enrollment agent may enroll
  // on behalf of everyone. Enabled: `descriptor` decides.
  OfficerRightsState EnrollmentAgentRights() const;

  // SetOfficerRights for enrollment agent rights (RightsType nonzero): as
  // ReplaceOfficerRights, for the enrollment agent rights.
  Status ReplaceEnrollmentAgentRights(const Caller& caller, bool enable,
                                      std::span<const std::uint8_t> descriptor);

  // The check of a request on behalf of another (MS-WCCE 3.2.2.6.2.1.2.1):
  // Ok when enrollment agent rights are disabled, or when they let `agent`
  // (caller.sid and caller.group_sids) enroll for `requester` (its SIDs as
  // RequireOfficerFor's) on template `template_name`. Otherwise
  // PermissionDenied carrying CERTSRV_E_RESTRICTEDOFFICER (MS-WCCE's
  // SHOULD), or Unavailable as RequireOfficerFor's: either logged.
  Status RequireEnrollmentAgentFor(const Caller& agent, const Requester& requester,
                                   const std::string& template_name) const;

  // --- Audit filter ---
  // The bits of MS-CSRA 3.1.4.2.10 (0 until set).
  static constexpr std::uint32_t kAuditFilterBits = 0x7F;
  std::uint32_t AuditFilter() const;
  // SetAuditFilter: the caller must hold rights::kAdmin or rights::kAuditor
  // (PermissionDenied, E_ACCESSDENIED); a filter with a bit outside
  // kAuditFilterBits is InvalidArgument (E_INVALIDARG). Stored with an
  // audit row; the store's errors otherwise, nothing changed.
  Status SetAuditFilter(const Caller& caller, std::uint32_t filter);

 private:
  CaSecurity(db::CaStore& store, bool role_separation)
      : store_(store), role_separation_(role_separation) {}
  // Reads the officer and enrollment agent rights and the audit filter
  // (Open only).
  Status LoadSettings();
  // A rights descriptor (officer or agent) from the store into *entries
  // and *bytes; absent: left empty.
  Status LoadRights(const char* setting, const char* what,
                    std::vector<security::OfficerRightsEntry>* entries, Bytes* bytes);
  // SetOfficerRights' body for either kind of rights.
  Status ReplaceRights(const Caller& caller, bool enable, std::span<const std::uint8_t> descriptor,
                       const char* setting, const char* what, const char* action,
                       std::vector<security::OfficerRightsEntry>* entries, Bytes* bytes);

  db::CaStore& store_;
  const bool role_separation_;
  mutable std::shared_mutex mu_;
  security::SecurityDescriptor sd_;  // guarded by mu_
  Bytes encoded_;                    // guarded by mu_
  std::uint64_t version_ = 0;        // guarded by mu_
  // Officer rights: enabled exactly when officer_rights_bytes_ is not empty.
  Bytes officer_rights_bytes_;                                // guarded by mu_
  std::vector<security::OfficerRightsEntry> officer_rights_;  // guarded by mu_
  // Enrollment agent rights: enabled exactly when agent_rights_bytes_ is not empty.
  Bytes agent_rights_bytes_;                                // guarded by mu_
  std::vector<security::OfficerRightsEntry> agent_rights_;  // guarded by mu_
  std::uint32_t audit_filter_ = 0;                          // guarded by mu_
};

}  // namespace openadcs::ca

#endif  // OPENADCS_CA_CA_SECURITY_H_
