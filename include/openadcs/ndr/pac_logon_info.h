// The logon information buffer of a Kerberos ticket's PAC (MS-PAC 2.5,
// PAC_LOGON_INFO in proto-idl/ms-pac.idl): who the KDC says the client is
// and which groups it is in, the source of a Windows access token.
//
// Only what an access token needs is kept: the account and group RIDs, the
// domain SIDs they are relative to, the extra SIDs and the resource groups.
// The bytes are untrusted until the PAC's signature has been checked (the
// caller's business); the decoder is bounded either way.
#ifndef OPENADCS_NDR_PAC_LOGON_INFO_H_
#define OPENADCS_NDR_PAC_LOGON_INFO_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ndr {

// Most entries accepted in each of GroupIds, ExtraSids and ResourceGroupIds
// (a Windows token holds at most 1024 SIDs).
inline constexpr std::uint32_t kMaxPacGroups = 1024;
// Largest PAC_LOGON_INFO buffer accepted.
inline constexpr std::size_t kMaxPacLogonInfoBytes = std::size_t{256} * 1024;

struct GroupMembership {
  std::uint32_t relative_id = 0;
  std::uint32_t attributes = 0;
};

struct PacExtraSid {
  Bytes sid;  // binary form (MS-DTYP 2.4.2.2)
  std::uint32_t attributes = 0;
};

// KERB_VALIDATION_INFO, abridged. SIDs are in binary form (MS-DTYP 2.4.2.2:
// revision, count, 6-byte authority, little-endian sub-authorities), empty
// when their pointer is NULL.
struct KerbValidationInfo {
  std::uint32_t user_id = 0;
  std::uint32_t primary_group_id = 0;
  std::vector<GroupMembership> group_ids;  // relative to logon_domain_id
  std::uint32_t user_flags = 0;
  Bytes logon_domain_id;
  std::vector<PacExtraSid> extra_sids;
  Bytes resource_group_domain_sid;
  std::vector<GroupMembership> resource_group_ids;  // relative to resource_group_domain_sid
};

// Decodes a PAC_LOGON_INFO buffer (type serialization version 1 of a unique
// pointer to KERB_VALIDATION_INFO). Errors (kInvalidArgument): malformed or
// truncated NDR, a NULL Info pointer, a count field that disagrees with its
// array's conformance, more than kMaxPacGroups entries in a list, a SID with
// more than 15 sub-authorities, or more than kMaxPacLogonInfoBytes.
Result<KerbValidationInfo> DecodePacLogonInfo(std::span<const std::uint8_t> buffer);

}  // namespace openadcs::ndr

#endif  // OPENADCS_NDR_PAC_LOGON_INFO_H_
