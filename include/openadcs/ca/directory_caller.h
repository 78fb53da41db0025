// A caller's SIDs as the directory knows them: a Windows access token holds
// the account's objectSid and tokenGroups (every group, nested ones
// included), which authentication alone (a user file's derived SID, an NTLM
// exchange without a domain controller) does not give.
#ifndef OPENADCS_CA_DIRECTORY_CALLER_H_
#define OPENADCS_CA_DIRECTORY_CALLER_H_

#include "openadcs/ca/caller.h"
#include "openadcs/directory/identity_lookup.h"
#include "openadcs/util/log_limiter.h"

namespace openadcs::ca {

// `authenticated` as access checks should see it. With `lookup` null, an
// unauthenticated caller (no name), or SIDs from a verified PAC
// (sids_from_pac): unchanged. When the directory knows the
// account: its objectSid as sid, and its tokenGroups plus Everyone (S-1-1-0)
// and Authenticated Users (S-1-5-11) as group_sids, in place of what
// authentication gave; a member of its domain's Domain Controllers (RID 516)
// also gets Enterprise Domain Controllers (S-1-5-9), as Windows gives DCs.
// When it does not (NotFound): unchanged, so local accounts keep working.
// When the directory cannot be asked (any other error): the name with no
// SIDs, which no security descriptor grants anything, logged as
// `outage_log` lets (once per interval, with the count of warnings held
// back, as every call meets the same outage): a caller whose groups are
// unknown might be one that a deny entry for one of them shuts out. Costs
// one lookup (the lookup caches), whose answer the result keeps as
// directory_entry in every case.
Caller WithDirectorySids(Caller authenticated, directory::IdentityLookup* lookup,
                         LogLimiter& outage_log);

// `requester` with the groups `answer`, the directory's answer for its
// name, gives it: the entry's tokenGroups when the entry is the requester's
// (its objectSid is the recorded SID, or none is recorded); none when the
// directory does not know the name (NotFound) or the name now belongs to
// another account; groups_unavailable for any other error.
Requester WithDirectoryGroups(Requester requester,
                              const Result<directory::DirectoryIdentity>& answer);

}  // namespace openadcs::ca

#endif  // OPENADCS_CA_DIRECTORY_CALLER_H_
