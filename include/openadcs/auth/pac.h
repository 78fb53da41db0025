// A Kerberos client's SIDs from its ticket's PAC, as a Windows server builds
// the client's access token from the logon information (MS-PAC 2.5) rather
// than asking the directory: the KDC put the account's groups, nested and
// from other domains (ExtraSids, resource groups) included, in the ticket.
#ifndef OPENADCS_AUTH_PAC_H_
#define OPENADCS_AUTH_PAC_H_

#include <cstdint>
#include <span>

#include "openadcs/auth/security_context.h"
#include "openadcs/util/status.h"

namespace openadcs::auth {

// Decodes a PAC_LOGON_INFO buffer (whose signature the caller has verified)
// into identity->sid (LogonDomainId + UserId) and identity->group_sids
// (Everyone, Authenticated Users, LogonDomainId + PrimaryGroupId and each
// GroupIds RID, each ExtraSids SID, ResourceGroupDomainSid + each
// ResourceGroupIds RID; each SID once), and sets identity->sids_from_pac.
// Errors (kInvalidArgument): what ndr::DecodePacLogonInfo refuses, no
// LogonDomainId, or a malformed SID; *identity is then unchanged.
Status SetSidsFromPac(std::span<const std::uint8_t> logon_info, Identity* identity);

}  // namespace openadcs::auth

#endif  // OPENADCS_AUTH_PAC_H_
