// The requester's identity in the directory: what templates whose subject
// and SAN the CA builds (no ENROLLEE_SUPPLIES_SUBJECT) put in certificates
// (MS-WCCE 3.2.2.6.2.1.4.5.9), and the SIDs the CA's access checks match
// (objectSid and tokenGroups, as a Windows access token holds them).
#ifndef OPENADCS_DIRECTORY_IDENTITY_LOOKUP_H_
#define OPENADCS_DIRECTORY_IDENTITY_LOOKUP_H_

#include <string>
#include <vector>

#include "openadcs/util/status.h"

namespace openadcs::directory {

// One account's entry. Empty strings and lists: the entry has no such
// attribute (e.g. a user has no dNSHostName, a computer usually no mail).
struct DirectoryIdentity {
  std::string distinguished_name;  // RFC 4514, e.g. CN=alice,CN=Users,DC=example,DC=com
  std::string sam_account_name;    // "alice", "HOST$"
  std::string common_name;         // cn
  std::string display_name;
  std::string user_principal_name;
  std::string email;          // mail
  std::string dns_host_name;  // machine accounts
  std::vector<std::string> service_principal_names;
  std::string object_sid;  // S-1-5-21-...
  // tokenGroups: every group the account is a member of, nested ones and the
  // primary group included, as string SIDs. Everyone and Authenticated Users
  // are not directory groups and are not here.
  std::vector<std::string> group_sids;
  std::string object_guid;  // textual, as printed by Windows: 8-4-4-4-12 hex digits
  // The account's domain: its DNS name (dnsRoot) and NetBIOS name (nETBIOSName).
  std::string domain_dns_name;
  std::string domain_netbios_name;

  // A computer account: sAMAccountName ends in '$'.
  bool is_computer() const { return !sam_account_name.empty() && sam_account_name.back() == '$'; }
};

class IdentityLookup {
 public:
  virtual ~IdentityLookup() = default;
  // Looks up DOMAIN\user (DOMAIN the NetBIOS or the DNS name of the
  // directory's domain), user@realm or a bare user name. NotFound when the
  // account does not exist (or names another domain); Unavailable when the
  // directory cannot be reached. Thread-safe.
  virtual Result<DirectoryIdentity> Lookup(const std::string& account) = 0;
};

}  // namespace openadcs::directory

#endif  // OPENADCS_DIRECTORY_IDENTITY_LOOKUP_H_
