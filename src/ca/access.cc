#include "openadcs/ca/access.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <string_view>
#include <utility>

#include "openadcs/util/hresult.h"

namespace openadcs::ca {
namespace {

using security::Ace;
using security::Sid;

bool IsDenyLike(std::uint8_t type) {
  return type == security::kAccessDeniedObjectAceType ||
         type == security::kAccessDeniedCallbackAceType ||
         type == security::kAccessDeniedCallbackObjectAceType;
}

void AddParsed(std::string_view text, std::vector<Sid>* out) {
  if (Result<Sid> sid = Sid::Parse(text); sid.ok()) out->push_back(*sid);
}

Status Refuse(std::string message) {
  return Status::InvalidArgument("CA security: " + std::move(message), hr::kInvalidArg);
}

}  // namespace

std::uint32_t GrantedRights(const security::SecurityDescriptor& sd, const Caller& caller) {
  if (!sd.HasDacl()) return rights::kAll;
  const std::vector<Sid> sids = CallerSids(caller);

  std::uint32_t granted = 0;
  std::uint32_t denied = 0;
  for (const Ace& ace : sd.dacl->aces) {
    if ((ace.flags & security::kInheritOnlyAce) != 0) continue;
    if (IsDenyLike(ace.type)) return 0;
    if (!ace.IsAllowOrDeny()) continue;
    if (std::find(sids.begin(), sids.end(), ace.sid) == sids.end()) continue;
    if (ace.type == security::kAccessAllowedAceType) {
      granted |= ace.mask & ~denied;
    } else {
      denied |= ace.mask & ~granted;
    }
  }
  return granted & rights::kAll;
}

std::vector<Sid> CallerSids(const Caller& caller) {
  std::vector<Sid> sids;
  sids.reserve(caller.group_sids.size() + 1);
  AddParsed(caller.sid, &sids);
  for (const std::string& g : caller.group_sids) AddParsed(g, &sids);
  return sids;
}

std::uint32_t EffectiveRights(std::uint32_t granted, bool role_separation) {
  std::uint32_t effective = granted & rights::kAll;
  if (role_separation && std::popcount(effective & rights::kRoles) > 1) return 0;
  if ((effective & (rights::kAdmin | rights::kOfficer | rights::kEnroll)) != 0) {
    effective |= rights::kRead;
  }
  return effective;
}

Status ValidateCaSecurity(const security::SecurityDescriptor& sd) {
  if (!sd.HasDacl()) return Refuse("no DACL (a NULL DACL would grant everyone every right)");
  const std::vector<Ace>& aces = sd.dacl->aces;
  for (std::size_t i = 0; i < aces.size(); ++i) {
    const Ace& ace = aces[i];
    if (!ace.IsAllowOrDeny()) {
      return Refuse("DACL ACE " + std::to_string(i) + " has type " + std::to_string(ace.type) +
                    " (only allow and deny ACEs apply to the CA)");
    }
    if ((ace.mask & ~rights::kAll) != 0) {
      char bits[16];
      std::snprintf(bits, sizeof bits, "0x%08X", ace.mask & ~rights::kAll);
      return Refuse("DACL ACE " + std::to_string(i) + " holds bits " + bits +
                    " that are no CA right");
    }
  }
  return Status::Ok();
}

Result<security::SecurityDescriptor> DefaultCaSecurity(const CaSecurityRoles& roles) {
  auto parse_or = [](const std::string& text, const Sid& fallback,
                     const char* what) -> Result<Sid> {
    if (text.empty()) return fallback;
    Result<Sid> sid = Sid::Parse(text);
    if (!sid.ok())
      return Status::InvalidArgument(std::string("CA ") + what + ": " + sid.status().message());
    return sid;
  };
  security::SecurityDescriptor sd;
  Result<Sid> owner = parse_or(roles.owner, security::well_known::kBuiltinAdministrators, "owner");
  if (!owner.ok()) return owner.status();
  Result<Sid> group = parse_or(roles.group, security::well_known::kBuiltinAdministrators, "group");
  if (!group.ok()) return group.status();
  sd.owner = *owner;
  sd.group = *group;

  struct Role {
    const char* name;
    const std::vector<std::string>& sids;
    std::uint32_t right;
  };
  const Role per_role[] = {
      {"administrators", roles.administrators, rights::kAdmin},
      {"officers", roles.officers, rights::kOfficer},
      {"auditors", roles.auditors, rights::kAuditor},
      {"operators", roles.operators, rights::kOperator},
      {"readers", roles.readers, rights::kRead},
      {"enrollees", roles.enrollees, rights::kEnroll},
  };
  std::vector<security::AceEntry> entries;
  for (const Role& role : per_role) {
    for (const std::string& text : role.sids) {
      Result<Sid> sid = Sid::Parse(text);
      if (!sid.ok()) {
        return Status::InvalidArgument(std::string("CA ") + role.name + ": " +
                                       sid.status().message());
      }
      auto same = [&](const security::AceEntry& e) { return e.sid == *sid; };
      if (auto it = std::find_if(entries.begin(), entries.end(), same); it != entries.end()) {
        it->mask |= role.right;
      } else {
        entries.push_back({*sid, role.right, security::AceKind::kAllow});
      }
    }
  }
  Result<security::Acl> dacl = security::BuildDacl(entries);
  if (!dacl.ok()) return dacl.status();
  sd.dacl = std::move(*dacl);
  sd.control = security::kSeSelfRelative | security::kSeDaclPresent;
  return sd;
}

}  // namespace openadcs::ca
