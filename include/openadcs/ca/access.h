// Who may do what at the CA: the rights the CA's security descriptor
// (MS-CSRA 3.1.1.7, Config_Permissions_CA_Security) grants a caller, what
// SetCASecurity accepts as that descriptor, and the one the CA starts with.
//
// A method's check is
//   EffectiveRights(GrantedRights(sd, caller), role_separation) & required
// with `required` from the table in MS-CSRA 3.1.1.7 (any one of the listed
// rights suffices, except where the table says both). The Operator and
// Auditor roles also need a Windows privilege (SeBackupPrivilege,
// SeSecurityPrivilege) that a Caller does not carry; granting them is left
// to the descriptor alone.
//
// Pure functions of their arguments; thread-safe.
#ifndef OPENADCS_CA_ACCESS_H_
#define OPENADCS_CA_ACCESS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "openadcs/ca/caller.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/util/status.h"

namespace openadcs::ca {

// The CA's access rights: the mask bits of the ACEs in its DACL.
namespace rights {
inline constexpr std::uint32_t kAdmin = 0x001;     // CA_ACCESS_ADMIN ("Administrator")
inline constexpr std::uint32_t kOfficer = 0x002;   // CA_ACCESS_OFFICER ("Officer")
inline constexpr std::uint32_t kAuditor = 0x004;   // CA_ACCESS_AUDITOR ("Auditor")
inline constexpr std::uint32_t kOperator = 0x008;  // CA_ACCESS_OPERATOR ("Operator")
inline constexpr std::uint32_t kRead = 0x100;      // CA_ACCESS_READ ("Read")
inline constexpr std::uint32_t kEnroll = 0x200;    // CA_ACCESS_ENROLL ("Enroll")
// Every right above; a mask with any other bit is refused by
// ValidateCaSecurity.
inline constexpr std::uint32_t kAll = kAdmin | kOfficer | kAuditor | kOperator | kRead | kEnroll;
// The CIMC-PP roles that role separation keeps apart.
inline constexpr std::uint32_t kRoles = kAdmin | kOfficer | kAuditor | kOperator;
}  // namespace rights

// The CA rights (bits of rights::kAll only) the DACL of `sd` grants the
// caller, whose SIDs are caller.sid and caller.group_sids. A right is
// granted exactly when MS-DTYP 2.5.3.2's AccessCheck, asked for that right,
// succeeds: ACEs are taken in order, inherit-only ACEs skipped, and the
// first allow or deny ACE that matches a caller SID and holds the right
// decides it (so a deny ACE removes only rights no earlier ACE granted).
// The owner's implied READ_CONTROL and WRITE_DAC are not CA rights and do
// not appear.
//
// No DACL (absent, or a NULL DACL) grants every right, as AccessCheck does;
// the CA never holds such a descriptor (ValidateCaSecurity). Caller SIDs
// that do not parse, and an empty caller.sid, match no ACE. ACE types other
// than allow and deny cannot be evaluated here: allow-like ones are skipped
// (which withholds rights) and a deny-like one that is not inherit-only
// makes the result 0 (which fails closed).
//
// Cost: parses the caller's SIDs once (one allocation), then
// O(ACEs x caller SIDs) comparisons.
std::uint32_t GrantedRights(const security::SecurityDescriptor& sd, const Caller& caller);

// The caller's SIDs that parse: caller.sid, then caller.group_sids. The
// others, and an empty caller.sid, are left out: they match no ACE.
std::vector<security::Sid> CallerSids(const Caller& caller);

// What the caller may do given `granted` (from GrantedRights):
//  - with role separation on, a caller holding more than one of Admin,
//    Officer, Auditor and Operator gets no right at all (MS-CSRA "role
//    separation": a user holds a single role; failing closed on every right
//    is the safe reading);
//  - Admin, Officer and Enroll imply Read (MS-CSRA 3.1.1.7).
std::uint32_t EffectiveRights(std::uint32_t granted, bool role_separation);

// What SetCASecurity refuses, as kInvalidArgument carrying E_INVALIDARG:
//  - no DACL, or a NULL DACL (it would grant everyone every right);
//  - a DACL ACE whose type is not ACCESS_ALLOWED or ACCESS_DENIED (object
//    and callback ACEs have no meaning for the CA object, and GrantedRights
//    cannot evaluate them);
//  - a DACL ACE whose mask has a bit outside rights::kAll.
// MS-CSRA gives SetCASecurity no further processing rules; owner, group and
// SACL are kept as sent.
Status ValidateCaSecurity(const security::SecurityDescriptor& sd);

// The principals of each CA right, as SID strings, for the descriptor the
// CA starts with.
struct CaSecurityRoles {
  // Owner and group; empty means BUILTIN\Administrators (S-1-5-32-544), as
  // Windows' default (MS-CSRA, the "Security" registry value).
  std::string owner;
  std::string group;
  std::vector<std::string> administrators;  // rights::kAdmin
  std::vector<std::string> officers;        // rights::kOfficer
  std::vector<std::string> auditors;        // rights::kAuditor
  std::vector<std::string> operators;       // rights::kOperator
  std::vector<std::string> readers;         // rights::kRead
  std::vector<std::string> enrollees;       // rights::kEnroll
};

// The CA's initial descriptor: owner, group, and a DACL of allow ACEs only,
// one per distinct SID with the rights of every role it appears in, in the
// order SIDs first appear (administrators, officers, auditors, operators,
// readers, enrollees). Control is SE_SELF_RELATIVE | SE_DACL_PRESENT; no
// SACL. No roles give an empty DACL, which grants nothing. Fails with
// kInvalidArgument when a SID does not parse, or with more distinct SIDs
// than security::kMaxAces.
Result<security::SecurityDescriptor> DefaultCaSecurity(const CaSecurityRoles& roles);

}  // namespace openadcs::ca

#endif  // OPENADCS_CA_ACCESS_H_
