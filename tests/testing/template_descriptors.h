// Template security descriptors for the template-permission tests: one that
// lets only a group enroll and denies one of its members by name.
#ifndef OPENADCS_TESTS_TESTING_TEMPLATE_DESCRIPTORS_H_
#define OPENADCS_TESTS_TESTING_TEMPLATE_DESCRIPTORS_H_

#include <cstdint>
#include <string>

#include "openadcs/ca/caller.h"
#include "openadcs/security/object_access.h"
#include "openadcs/security/security_descriptor.h"
#include "openadcs/util/bytes.h"

namespace openadcs::testing {

// The group the descriptor lets enroll, and two of its members.
inline constexpr char kEnrollees[] = "S-1-5-21-1-2-3-3001";
inline const ca::Caller kMember{
    "EXAMPLE\\carol", "S-1-5-21-1-2-3-1107", {"S-1-1-0", "S-1-5-11", kEnrollees}};
// Denied Enroll by name.
inline const ca::Caller kMallory{
    "EXAMPLE\\mallory", "S-1-5-21-1-2-3-1106", {"S-1-1-0", "S-1-5-11", kEnrollees}};

// An object ACE of `type` granting or denying `sid` the Enroll right.
inline security::Ace EnrollAce(std::uint8_t type, const std::string& sid) {
  security::Ace ace;
  ace.type = type;
  ace.mask = security::ds_right::kControlAccess;
  ace.object_type = security::extended_right::kEnroll;
  ace.sid = security::Sid::Parse(sid).value();
  return ace;
}

// O:BAG:BAD:(OD;;CR;<Enroll>;;mallory)(OA;;CR;<Enroll>;;kEnrollees)
//   (A;;LCRPLORC;;;AU)(A;;FA;;;BA), base64 as an LDIF value.
inline std::string GroupOnlyDescriptor() {
  namespace sec = security;
  sec::SecurityDescriptor sd;
  sd.owner = sec::well_known::kBuiltinAdministrators;
  sd.group = sec::well_known::kBuiltinAdministrators;
  sd.dacl = sec::Acl{sec::kAclRevisionDs, {}, {}};
  sd.dacl->aces.push_back(EnrollAce(sec::kAccessDeniedObjectAceType, kMallory.sid));
  sd.dacl->aces.push_back(EnrollAce(sec::kAccessAllowedObjectAceType, kEnrollees));
  sec::Ace read;
  read.mask = sec::ds_right::kGenericRead;
  read.sid = sec::well_known::kAuthenticatedUsers;
  sd.dacl->aces.push_back(read);
  sec::Ace admins;
  admins.mask = sec::ds_right::kFullControl;
  admins.sid = sec::well_known::kBuiltinAdministrators;
  sd.dacl->aces.push_back(admins);
  return Base64Encode(sec::EncodeSecurityDescriptor(sd).value());
}

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_TEMPLATE_DESCRIPTORS_H_
