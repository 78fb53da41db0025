#include "openadcs/auth/pac.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "openadcs/ndr/pac_logon_info.h"
#include "openadcs/security/sid.h"

namespace openadcs::auth {
namespace {

Result<security::Sid> DecodeSid(const Bytes& binary, const char* what) {
  Result<security::Sid> sid = security::Sid::Decode(binary);
  if (!sid.ok() || sid->EncodedSize() != binary.size()) {
    return Status::InvalidArgument(std::string("PAC ") + what + " is not a SID");
  }
  return sid;
}

Result<security::Sid> WithRid(const security::Sid& domain, std::uint32_t rid) {
  std::vector<std::uint32_t> sub(domain.sub_authorities().begin(), domain.sub_authorities().end());
  sub.push_back(rid);
  return security::Sid::FromParts(domain.authority(), sub);
}

class SidList {
 public:
  void Add(const security::Sid& sid) {
    std::string text = sid.ToString();
    if (std::find(sids_.begin(), sids_.end(), text) == sids_.end())
      sids_.push_back(std::move(text));
  }
  Status AddRelative(const security::Sid& domain, std::uint32_t rid) {
    Result<security::Sid> sid = WithRid(domain, rid);
    if (!sid.ok()) return Status::InvalidArgument("PAC group RID under a full domain SID");
    Add(*sid);
    return Status::Ok();
  }
  std::vector<std::string> Take() && { return std::move(sids_); }

 private:
  std::vector<std::string> sids_;
};

}  // namespace

Status SetSidsFromPac(std::span<const std::uint8_t> logon_info, Identity* identity) {
  Result<ndr::KerbValidationInfo> info = ndr::DecodePacLogonInfo(logon_info);
  if (!info.ok()) return info.status();
  if (info->logon_domain_id.empty()) {
    return Status::InvalidArgument("PAC logon information without LogonDomainId");
  }
  Result<security::Sid> domain = DecodeSid(info->logon_domain_id, "LogonDomainId");
  if (!domain.ok()) return domain.status();
  Result<security::Sid> user = WithRid(*domain, info->user_id);
  if (!user.ok()) return Status::InvalidArgument("PAC LogonDomainId has no room for the UserId");

  SidList groups;
  groups.Add(security::well_known::kEveryone);
  groups.Add(security::well_known::kAuthenticatedUsers);
  OPENADCS_RETURN_IF_ERROR(groups.AddRelative(*domain, info->primary_group_id));
  for (const ndr::GroupMembership& g : info->group_ids) {
    OPENADCS_RETURN_IF_ERROR(groups.AddRelative(*domain, g.relative_id));
  }
  for (const ndr::PacExtraSid& extra : info->extra_sids) {
    Result<security::Sid> sid = DecodeSid(extra.sid, "ExtraSids entry");
    if (!sid.ok()) return sid.status();
    groups.Add(*sid);
  }
  if (!info->resource_group_domain_sid.empty()) {
    Result<security::Sid> resource_domain =
        DecodeSid(info->resource_group_domain_sid, "ResourceGroupDomainSid");
    if (!resource_domain.ok()) return resource_domain.status();
    for (const ndr::GroupMembership& g : info->resource_group_ids) {
      OPENADCS_RETURN_IF_ERROR(groups.AddRelative(*resource_domain, g.relative_id));
    }
  } else if (!info->resource_group_ids.empty()) {
    return Status::InvalidArgument("PAC resource groups without ResourceGroupDomainSid");
  }
  identity->sid = user->ToString();
  identity->group_sids = std::move(groups).Take();
  identity->sids_from_pac = true;
  return Status::Ok();
}

}  // namespace openadcs::auth
