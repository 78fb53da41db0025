// libFuzzer target: a PAC's logon information (MS-PAC 2.5) over untrusted
// bytes, decoded and turned into SIDs as the Kerberos acceptor does; the
// bounds must hold and what decodes must give a well-formed identity. Seeds:
// a Samba ticket's PAC_LOGON_INFO.
#include <cstddef>
#include <cstdint>
#include <span>

#include "openadcs/auth/pac.h"
#include "openadcs/ndr/pac_logon_info.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  auto info = openadcs::ndr::DecodePacLogonInfo(bytes);
  if (info.ok() && (info->group_ids.size() > openadcs::ndr::kMaxPacGroups ||
                    info->extra_sids.size() > openadcs::ndr::kMaxPacGroups ||
                    info->resource_group_ids.size() > openadcs::ndr::kMaxPacGroups)) {
    __builtin_trap();
  }
  openadcs::auth::Identity identity;
  if (openadcs::auth::SetSidsFromPac(bytes, &identity).ok() &&
      (!info.ok() || identity.sid.rfind("S-1-", 0) != 0 || identity.group_sids.size() < 2)) {
    __builtin_trap();
  }
  return 0;
}
