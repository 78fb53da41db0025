// Officer rights (MS-CSRA 2.2.1.11): a security descriptor whose DACL says
// which officers may act on the requests of which requesters, and the
// decision it makes.
//
// Each DACL ACE is an ACCESS_ALLOWED_CALLBACK (9) or ACCESS_DENIED_CALLBACK
// (0x0A) ACE with Mask 0x00010000, the officer (or a group of officers) as
// its SID, and application data after the SID, all little-endian:
//   SIDCount (32) | SIDCount SIDs (MS-DTYP 2.4.2.2, packed) |
//   TemplateName (UTF-16, NUL-terminated) | zero padding to AceSize
// The SIDs are the requesters (or their groups) the ACE is about; an empty
// TemplateName applies the ACE to requests of every template.
//
// The decision is MS-DTYP 2.5.3.2's AccessCheck with the callback asking
// "is one of the requester's SIDs in the ACE's list, and is the request of
// the ACE's template": ACEs in order, inherit-only ones skipped, the first
// that applies to one of the officer's SIDs and passes its callback decides
// (allow or deny), and none deciding denies.
//
// Decoding reads untrusted bytes (SetOfficerRights): every count is checked
// against the bytes left before anything is reserved; failures are
// kInvalidArgument naming the ACE. Thread-safe (values and pure functions).
#ifndef OPENADCS_SECURITY_OFFICER_RIGHTS_H_
#define OPENADCS_SECURITY_OFFICER_RIGHTS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openadcs/security/security_descriptor.h"
#include "openadcs/security/sid.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::security {

// The Mask every officer-rights ACE carries (MS-CSRA 2.2.1.11).
inline constexpr std::uint32_t kOfficerRightsAceMask = 0x00010000;

// One ACE of an officer-rights DACL.
struct OfficerRightsEntry {
  bool allow = true;
  Sid officer;
  std::vector<Sid> requesters;
  // UTF-16 code units without the NUL; empty: every template.
  std::u16string template_name;
  // ACE flags; an inherit-only ACE (kInheritOnlyAce) takes no part in the
  // decision, as in AccessCheck.
  std::uint8_t flags = 0;

  friend bool operator==(const OfficerRightsEntry&, const OfficerRightsEntry&) = default;
};

// The application data of one callback ACE (Ace::tail). Fails when SIDCount
// exceeds what the bytes can hold, a SID is malformed, the TemplateName has
// no NUL while bytes other than zero follow the SIDs, or bytes other than
// zero follow its NUL. `entry`'s allow, officer and flags are not touched.
Status DecodeOfficerAceData(std::span<const std::uint8_t> data, OfficerRightsEntry* entry);

// The application data of `entry`, zero-padded to a multiple of 4.
Bytes EncodeOfficerAceData(const OfficerRightsEntry& entry);

// The entries of an officer-rights descriptor, in DACL order. Fails when
// there is no DACL (absent or NULL), or a DACL ACE is not a callback ACE,
// has another Mask, or its application data does not decode.
Result<std::vector<OfficerRightsEntry>> ParseOfficerRights(const SecurityDescriptor& sd);

// A self-relative-ready descriptor with `owner` as owner and group and one
// callback ACE per entry, in order (order decides, so it is the caller's:
// deny entries first is the canonical choice). Fails with more than kMaxAces
// entries or an ACE over 65535 bytes.
Result<SecurityDescriptor> BuildOfficerRights(std::span<const OfficerRightsEntry> entries,
                                              const Sid& owner);

// Whether an officer holding `officer_sids` may act on a request by a
// requester holding `requester_sids`, of template `template_name` (UTF-8,
// as the CA stores it; empty when the request has none, which only ACEs
// without a template match). Template names compare ASCII
// case-insensitively, other characters exactly.
bool OfficerMayActFor(std::span<const OfficerRightsEntry> entries,
                      std::span<const Sid> officer_sids, std::span<const Sid> requester_sids,
                      std::string_view template_name);

// GetOfficerRights' pctbSD as a server that supports enrollment agent
// rights marshals it (MS-CSRA 2.2.1.11.1); pfEnabled says whether officer
// rights are enabled, and so whether the blob starts with their descriptor:
//   officer disabled, agent disabled: DWORD 0
//   officer enabled,  agent disabled: OfficerRights SD | DWORD 0
//   officer disabled, agent enabled:  DWORD nonzero | EnrollmentAgentRights SD
//   officer enabled,  agent enabled:  OfficerRights SD | DWORD nonzero |
//                                     EnrollmentAgentRights SD
// DWORDs little-endian, no padding.
struct MarshaledRights {
  // Self-relative descriptors as set; empty: those rights are disabled.
  Bytes officer_rights;
  Bytes agent_rights;

  friend bool operator==(const MarshaledRights&, const MarshaledRights&) = default;
};

Bytes EncodeMarshaledRights(const MarshaledRights& rights);

// Decodes pctbSD given pfEnabled (`officer_enabled`). Also takes the form of
// a server without enrollment agent rights (the officer descriptor alone, or
// nothing when disabled), which then reports agent rights disabled. Each
// descriptor must decode (DecodeSecurityDescriptorPrefix); fails
// (kInvalidArgument) on a truncated DWORD, a descriptor that does not
// decode, or bytes after the last part.
Result<MarshaledRights> DecodeMarshaledRights(bool officer_enabled,
                                              std::span<const std::uint8_t> bytes);

}  // namespace openadcs::security

#endif  // OPENADCS_SECURITY_OFFICER_RIGHTS_H_
