#include "openadcs/security/object_access.h"

#include <algorithm>

namespace openadcs::security {
namespace {

constexpr std::uint8_t kAccessAllowedCallbackObjectAceType = 0x0B;

enum class Verdict { kNone, kGrant, kDeny };

// What one ACE says about `right` for a principal holding `sids`.
Verdict Judge(const Ace& ace, std::span<const Sid> sids, const Uuid& right) {
  if ((ace.flags & kInheritOnlyAce) != 0) return Verdict::kNone;
  const bool holds = std::find(sids.begin(), sids.end(), ace.sid) != sids.end();
  const bool covers = (ace.mask & (ds_right::kControlAccess | ds_right::kGenericAll)) != 0;
  switch (ace.type) {
    case kAccessAllowedAceType: return holds && covers ? Verdict::kGrant : Verdict::kNone;
    case kAccessDeniedAceType: return holds && covers ? Verdict::kDeny : Verdict::kNone;
    case kAccessAllowedObjectAceType:
    case kAccessDeniedObjectAceType: {
      if (!holds || !covers) return Verdict::kNone;
      if (ace.object_type && *ace.object_type != right) return Verdict::kNone;
      return ace.type == kAccessAllowedObjectAceType ? Verdict::kGrant : Verdict::kDeny;
    }
    case kAccessAllowedCallbackAceType:
    case kAccessAllowedCallbackObjectAceType:
      return Verdict::kNone;  // a condition we cannot evaluate grants nothing
    case kAccessDeniedCallbackAceType: return holds ? Verdict::kDeny : Verdict::kNone;
    case kAccessDeniedCallbackObjectAceType:
      return Verdict::kDeny;         // trustee not decoded: fail closed
    default: return Verdict::kNone;  // audit, alarm and label ACEs decide no access
  }
}

}  // namespace

bool HasExtendedRight(const SecurityDescriptor& sd, std::span<const Sid> sids, const Uuid& right) {
  if (!sd.HasDacl()) return true;
  for (const Ace& ace : sd.dacl->aces) {
    switch (Judge(ace, sids, right)) {
      case Verdict::kGrant: return true;
      case Verdict::kDeny: return false;
      case Verdict::kNone: break;
    }
  }
  return false;
}

}  // namespace openadcs::security
