#include "openadcs/ndr/pac_logon_info.h"

#include <string>
#include <utility>

#include "openadcs/ndr/ndr_reader.h"

namespace openadcs::ndr {
namespace {

// MS-DTYP 2.4.2.2.
constexpr std::uint32_t kMaxSubAuthorities = 15;
constexpr std::size_t kSidHeaderBytes = 8;

// RPC_UNICODE_STRING {Length, MaximumLength, [size_is, length_is] WCHAR*}:
// the value is not needed, only its bytes skipped (its pointee is queued).
Status SkipUnicodeString(NdrReader& r) {
  std::uint16_t length = 0;
  std::uint16_t maximum_length = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&length));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&maximum_length));
  bool present = false;
  return r.ReadUniquePointer(&present, [](NdrReader& pr) -> Status {
    std::uint32_t max_count = 0;
    std::uint32_t offset = 0;
    std::uint32_t actual_count = 0;
    OPENADCS_RETURN_IF_ERROR(pr.ReadConformance(&max_count, 0));
    OPENADCS_RETURN_IF_ERROR(pr.ReadVariance(max_count, &offset, &actual_count, 2));
    return pr.Skip(std::size_t{actual_count} * 2);
  });
}

// The pointee of a PISID: RPC_SID, a conformant structure (max_count
// first), as its binary form.
Status ReadRpcSid(NdrReader& r, Bytes* out) {
  std::uint32_t max_count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadConformance(&max_count, 4));
  if (max_count > kMaxSubAuthorities) {
    return Status::InvalidArgument("PAC SID with more than 15 sub-authorities");
  }
  Bytes sid;
  OPENADCS_RETURN_IF_ERROR(r.ReadBytes(kSidHeaderBytes, &sid));
  if (sid[1] != max_count) {
    return Status::InvalidArgument("PAC SID's SubAuthorityCount differs from its conformance");
  }
  Bytes sub_authorities;
  OPENADCS_RETURN_IF_ERROR(r.ReadBytes(std::size_t{max_count} * 4, &sub_authorities));
  sid.insert(sid.end(), sub_authorities.begin(), sub_authorities.end());
  *out = std::move(sid);
  return Status::Ok();
}

Status ReadSidPointer(NdrReader& r, Bytes* out) {
  bool present = false;
  return r.ReadUniquePointer(&present, [out](NdrReader& pr) { return ReadRpcSid(pr, out); });
}

Status CheckCount(std::uint32_t count, const char* what) {
  if (count > kMaxPacGroups) {
    return Status::InvalidArgument(std::string("PAC ") + what + " has more than " +
                                   std::to_string(kMaxPacGroups) + " entries");
  }
  return Status::Ok();
}

// [size_is(count)] PGROUP_MEMBERSHIP.
Status ReadGroups(NdrReader& r, std::uint32_t count, const char* what,
                  std::vector<GroupMembership>* out) {
  OPENADCS_RETURN_IF_ERROR(CheckCount(count, what));
  auto read = [count, what, out](NdrReader& pr) -> Status {
    std::uint32_t max_count = 0;
    OPENADCS_RETURN_IF_ERROR(pr.ReadConformance(&max_count, 8));
    if (max_count != count) {
      return Status::InvalidArgument(std::string("PAC ") + what +
                                     " count differs from its array's");
    }
    out->resize(max_count);
    for (GroupMembership& g : *out) {
      OPENADCS_RETURN_IF_ERROR(pr.ReadU32(&g.relative_id));
      OPENADCS_RETURN_IF_ERROR(pr.ReadU32(&g.attributes));
    }
    return Status::Ok();
  };
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(&present, read));
  if (!present && count != 0) {
    return Status::InvalidArgument(std::string("PAC ") + what + " is NULL with a count");
  }
  return Status::Ok();
}

// [size_is(count)] PKERB_SID_AND_ATTRIBUTES: the array, then each SID.
Status ReadExtraSids(NdrReader& r, std::uint32_t count, std::vector<PacExtraSid>* out) {
  OPENADCS_RETURN_IF_ERROR(CheckCount(count, "ExtraSids"));
  auto read = [count, out](NdrReader& pr) -> Status {
    std::uint32_t max_count = 0;
    OPENADCS_RETURN_IF_ERROR(pr.ReadConformance(&max_count, 8));
    if (max_count != count) {
      return Status::InvalidArgument("PAC ExtraSids count differs from its array's");
    }
    // Sized once: the queued readers keep pointers into it.
    out->resize(max_count);
    for (PacExtraSid& extra : *out) {
      auto read_sid = [&extra](NdrReader& sr) { return ReadRpcSid(sr, &extra.sid); };
      OPENADCS_RETURN_IF_ERROR(pr.ReadEmbeddedRefPointer(read_sid));
      OPENADCS_RETURN_IF_ERROR(pr.ReadU32(&extra.attributes));
    }
    return Status::Ok();
  };
  bool present = false;
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(&present, read));
  if (!present && count != 0) {
    return Status::InvalidArgument("PAC ExtraSids is NULL with a count");
  }
  return Status::Ok();
}

Status ReadValidationInfo(NdrReader& r, KerbValidationInfo* info) {
  // Six FILETIMEs: LogonTime through PasswordMustChange.
  OPENADCS_RETURN_IF_ERROR(r.Align(4));
  OPENADCS_RETURN_IF_ERROR(r.Skip(6 * 8));
  // EffectiveName, FullName, LogonScript, ProfilePath, HomeDirectory,
  // HomeDirectoryDrive.
  for (int i = 0; i < 6; ++i) OPENADCS_RETURN_IF_ERROR(SkipUnicodeString(r));
  std::uint16_t logon_count = 0;
  std::uint16_t bad_password_count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&logon_count));
  OPENADCS_RETURN_IF_ERROR(r.ReadU16(&bad_password_count));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&info->user_id));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&info->primary_group_id));
  std::uint32_t group_count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&group_count));
  OPENADCS_RETURN_IF_ERROR(ReadGroups(r, group_count, "GroupIds", &info->group_ids));
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&info->user_flags));
  OPENADCS_RETURN_IF_ERROR(r.Skip(16));            // UserSessionKey
  OPENADCS_RETURN_IF_ERROR(SkipUnicodeString(r));  // LogonServer
  OPENADCS_RETURN_IF_ERROR(SkipUnicodeString(r));  // LogonDomainName
  OPENADCS_RETURN_IF_ERROR(ReadSidPointer(r, &info->logon_domain_id));
  // Reserved1[2], UserAccountControl, SubAuthStatus, LastSuccessfulILogon,
  // LastFailedILogon, FailedILogonCount, Reserved3.
  OPENADCS_RETURN_IF_ERROR(r.Align(4));
  OPENADCS_RETURN_IF_ERROR(r.Skip(4 * 4 + 2 * 8 + 2 * 4));
  std::uint32_t sid_count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&sid_count));
  OPENADCS_RETURN_IF_ERROR(ReadExtraSids(r, sid_count, &info->extra_sids));
  OPENADCS_RETURN_IF_ERROR(ReadSidPointer(r, &info->resource_group_domain_sid));
  std::uint32_t resource_group_count = 0;
  OPENADCS_RETURN_IF_ERROR(r.ReadU32(&resource_group_count));
  return ReadGroups(r, resource_group_count, "ResourceGroupIds", &info->resource_group_ids);
}

}  // namespace

Result<KerbValidationInfo> DecodePacLogonInfo(std::span<const std::uint8_t> buffer) {
  if (buffer.size() > kMaxPacLogonInfoBytes) {
    return Status::InvalidArgument("PAC logon information of " + std::to_string(buffer.size()) +
                                   " bytes exceeds the limit");
  }
  std::span<const std::uint8_t> body;
  OPENADCS_RETURN_IF_ERROR(OpenTypeSerialization1(buffer, &body));
  NdrReader r(body);
  KerbValidationInfo info;
  bool present = false;
  auto read = [&info](NdrReader& pr) { return ReadValidationInfo(pr, &info); };
  OPENADCS_RETURN_IF_ERROR(r.ReadUniquePointer(&present, read));
  if (!present)
    return Status::InvalidArgument("PAC logon information without KERB_VALIDATION_INFO");
  OPENADCS_RETURN_IF_ERROR(r.FlushDeferred());
  return info;
}

}  // namespace openadcs::ndr
