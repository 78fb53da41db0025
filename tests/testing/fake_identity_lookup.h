// An IdentityLookup over a map, for engine and policy tests that need a
// directory without a server.
#ifndef OPENADCS_TESTS_TESTING_FAKE_IDENTITY_LOOKUP_H_
#define OPENADCS_TESTS_TESTING_FAKE_IDENTITY_LOOKUP_H_

#include <map>
#include <string>
#include <vector>

#include "openadcs/directory/identity_lookup.h"

namespace openadcs::testing {

class FakeIdentityLookup : public directory::IdentityLookup {
 public:
  Result<directory::DirectoryIdentity> Lookup(const std::string& account) override {
    ++calls;
    looked_up.push_back(account);
    auto it = accounts.find(account);
    if (it == accounts.end()) return failure;
    return it->second;
  }

  // A user CN=`cn`,CN=Users,DC=example,DC=com known as `account`, with UPN
  // `cn`@example.com and `sid`.
  void AddUser(const std::string& account, const std::string& cn, const std::string& sid) {
    directory::DirectoryIdentity id;
    id.distinguished_name = "CN=" + cn + ",CN=Users,DC=example,DC=com";
    id.common_name = cn;
    id.user_principal_name = cn + "@example.com";
    id.object_sid = sid;
    accounts[account] = id;
  }

  std::map<std::string, directory::DirectoryIdentity> accounts;
  // What an account not in `accounts` gets.
  Status failure = Status::NotFound("no such account");
  int calls = 0;
  std::vector<std::string> looked_up;  // every account asked about, in order
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_FAKE_IDENTITY_LOOKUP_H_
