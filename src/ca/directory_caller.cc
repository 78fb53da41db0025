#include "openadcs/ca/directory_caller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/security/sid.h"

namespace openadcs::ca {

Caller WithDirectorySids(Caller authenticated, directory::IdentityLookup* lookup) {
  if (lookup == nullptr || authenticated.name.empty() || authenticated.sids_from_pac) {
    return authenticated;
  }
  Result<directory::DirectoryIdentity> id = lookup->Lookup(authenticated.name);
  if (!id.ok()) {
    if (id.status().code() == StatusCode::kNotFound) return authenticated;
    spdlog::warn("{}: no rights while the directory cannot tell its groups: {}", authenticated.name,
                 id.status().message());
    return Caller{std::move(authenticated.name), {}, {}};
  }
  Caller caller{std::move(authenticated.name), std::move(id->object_sid), {}};
  caller.group_sids = {security::well_known::kEveryone.ToString(),
                       security::well_known::kAuthenticatedUsers.ToString()};
  for (std::string& sid : id->group_sids) {
    if (std::find(caller.group_sids.begin(), caller.group_sids.end(), sid) ==
        caller.group_sids.end()) {
      caller.group_sids.push_back(std::move(sid));
    }
  }
  return caller;
}

}  // namespace openadcs::ca
