#include "openadcs/ca/directory_caller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/security/sid.h"

namespace openadcs::ca {
namespace {

constexpr const char* kEnterpriseDomainControllers = "S-1-5-9";

}  // namespace

Caller WithDirectorySids(Caller authenticated, directory::IdentityLookup* lookup,
                         LogLimiter& outage_log) {
  if (lookup == nullptr || authenticated.name.empty() || authenticated.sids_from_pac) {
    return authenticated;
  }
  auto entry = std::make_shared<const Result<directory::DirectoryIdentity>>(
      lookup->Lookup(authenticated.name));
  if (!entry->ok()) {
    if (entry->status().code() == StatusCode::kNotFound) {
      authenticated.directory_entry = std::move(entry);
      return authenticated;
    }
    if (std::uint64_t suppressed = 0; outage_log.Allow(&suppressed)) {
      spdlog::warn("{}: no rights while the directory cannot tell its groups: {}{}",
                   authenticated.name, entry->status().message(), HeldBackNote(suppressed));
    }
    return Caller{std::move(authenticated.name), {}, {}, std::move(entry)};
  }
  const directory::DirectoryIdentity& id = **entry;
  Caller caller{std::move(authenticated.name), id.object_sid, {}, entry};
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
  for (const std::string& sid : id.group_sids) {
    const bool dc = sid == domain_controllers;
    add(sid);
    if (dc) add(kEnterpriseDomainControllers);
  }
  return caller;
}

Requester WithDirectoryGroups(Requester requester,
                              const Result<directory::DirectoryIdentity>& answer) {
  if (!answer.ok()) {
    requester.groups_unavailable = answer.status().code() != StatusCode::kNotFound;
    return requester;
  }
  if (requester.sid.empty() || answer->object_sid == requester.sid) {
    requester.group_sids = answer->group_sids;
  }
  return requester;
}

}  // namespace openadcs::ca
