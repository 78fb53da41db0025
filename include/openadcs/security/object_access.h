// Extended rights on a directory object (MS-ADTS 5.1.3.2.1 "control access
// rights"), decided from its nTSecurityDescriptor: what AD CS asks of a
// certificate template's descriptor to decide Enroll and AutoEnroll
// (MS-CRTD 2.5.1, 2.5.2).
//
// The decision is MS-DTYP 2.5.3.2's AccessCheck asked for
// ADS_RIGHT_DS_CONTROL_ACCESS on the object type list {object, right}: the
// DACL's ACEs are taken in order, inherit-only ones skipped, and the first
// ACE that matches one of the principal's SIDs and covers the right decides
// it (canonical order puts deny ACEs first, so a deny for a group the
// principal is in wins over an allow for another). An ACE covers the right
// when its mask holds CONTROL_ACCESS or GENERIC_ALL (the mapped full
// control of a DS object, 0x000F01FF, holds CONTROL_ACCESS) and it is
//  - an ACCESS_ALLOWED / ACCESS_DENIED ACE (every extended right), or
//  - an ACCESS_ALLOWED_OBJECT / ACCESS_DENIED_OBJECT ACE without an
//    ObjectType (every extended right) or whose ObjectType is the right.
// InheritedObjectType only governs inheritance and is not looked at. An
// object ACE naming another GUID (a property set, a class) does not cover
// an extended right.
//
// ACE types whose condition cannot be evaluated here fail closed: a
// callback deny ACE (0x0A) for one of the principal's SIDs, or any callback
// object deny ACE (0x0C, whose trustee the codec does not decode), decides
// "not granted" when not inherit-only; callback allow ACEs are skipped.
//
// No DACL (absent or NULL) grants everything; an empty DACL grants nothing
// (MS-DTYP 2.5.3.2). Pure functions; thread-safe.
#ifndef OPENADCS_SECURITY_OBJECT_ACCESS_H_
#define OPENADCS_SECURITY_OBJECT_ACCESS_H_

#include <cstdint>
#include <span>

#include "openadcs/security/security_descriptor.h"
#include "openadcs/security/sid.h"
#include "openadcs/util/uuid.h"

namespace openadcs::security {

// DS access mask bits (MS-ADTS 5.1.3.2) the decision looks at.
namespace ds_right {
inline constexpr std::uint32_t kControlAccess = 0x00000100;  // ADS_RIGHT_DS_CONTROL_ACCESS
inline constexpr std::uint32_t kGenericAll = 0x10000000;     // GENERIC_ALL, unmapped
// GENERIC_ALL as AD maps it for a directory object ("Full Control").
inline constexpr std::uint32_t kFullControl = 0x000F01FF;
// What Windows grants Authenticated Users on a default template ("Read":
// READ_CONTROL | LIST_OBJECT | READ_PROPERTY | LIST_CHILDREN).
inline constexpr std::uint32_t kGenericRead = 0x00020094;
}  // namespace ds_right

// rightsGuid of the extended rights of certificate templates (MS-CRTD 2.5.1,
// MS-ADTS 7.1.1.2.7.1).
namespace extended_right {
// Certificate-Enrollment: 0e10c968-78fb-11d2-90d4-00c04f79dc55
inline constexpr Uuid kEnroll{
    0x0e10c968, 0x78fb, 0x11d2, {0x90, 0xd4, 0x00, 0xc0, 0x4f, 0x79, 0xdc, 0x55}};
// Certificate-AutoEnrollment: a05b8cc2-17bc-4802-a710-e7c15ab866a2
inline constexpr Uuid kAutoEnroll{
    0xa05b8cc2, 0x17bc, 0x4802, {0xa7, 0x10, 0xe7, 0xc1, 0x5a, 0xb8, 0x66, 0xa2}};
}  // namespace extended_right

// True when the DACL of `sd` grants the principal whose SIDs (its own and
// its groups') are `sids` the extended right `right`, as described above.
// Cost: O(ACEs x SIDs) comparisons, no allocation.
bool HasExtendedRight(const SecurityDescriptor& sd, std::span<const Sid> sids, const Uuid& right);

}  // namespace openadcs::security

#endif  // OPENADCS_SECURITY_OBJECT_ACCESS_H_
