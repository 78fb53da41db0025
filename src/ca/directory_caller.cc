#include "openadcs/ca/directory_caller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/security/sid.h"

namespace openadcs::ca {
namespace {

constexpr const char* kEnterpriseDomainControllers = "S-1-5-9";

}  // namespace

Caller WithDirectorySids(Caller authenticated, directory::IdentityLookup* lookup) {
  if (lookup == nullptr || authenticated.name.empty()) return authenticated;
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
  auto add = [&caller](std::string sid) {
    if (std::find(caller.group_sids.begin(), caller.group_sids.end(), sid) ==
        caller.group_sids.end()) {
      caller.group_sids.push_back(std::move(sid));
    }
  };
  // A domain controller's token holds Enterprise Domain Controllers, which
  // no directory group gives; the DC templates grant it Enroll.
  const std::size_t rid = caller.sid.rfind('-');
  const std::string domain_controllers =
      rid == std::string::npos ? "" : caller.sid.substr(0, rid) + "-516";
  for (std::string& sid : id->group_sids) {
    const bool dc = sid == domain_controllers;
    add(std::move(sid));
    if (dc) add(kEnterpriseDomainControllers);
  }
  return caller;
}

}  // namespace openadcs::ca
