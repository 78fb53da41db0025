// The requester's identity in the directory, for templates whose subject and
// SAN the CA builds (no ENROLLEE_SUPPLIES_SUBJECT). MS-WCCE 3.2.2.6.2.1.4.5.
#ifndef OPENADCS_DIRECTORY_IDENTITY_LOOKUP_H_
#define OPENADCS_DIRECTORY_IDENTITY_LOOKUP_H_

#include <string>

#include "openadcs/util/status.h"

namespace openadcs::directory {

struct DirectoryIdentity {
  std::string distinguished_name;  // RFC 4514, e.g. CN=alice,CN=Users,DC=example,DC=com
  std::string common_name;
  std::string user_principal_name;
  std::string email;
  std::string dns_host_name;  // machine accounts
  std::string object_sid;     // S-1-5-21-...
  std::string object_guid;    // textual GUID
};

class IdentityLookup {
 public:
  virtual ~IdentityLookup() = default;
  // Looks up DOMAIN\user (or user@realm). NotFound when the account does not
  // exist; Unavailable when the directory cannot be reached. Thread-safe.
  virtual Result<DirectoryIdentity> Lookup(const std::string& account) = 0;
};

}  // namespace openadcs::directory

#endif  // OPENADCS_DIRECTORY_IDENTITY_LOOKUP_H_
