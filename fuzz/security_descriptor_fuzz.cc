// libFuzzer target: the self-relative security descriptor decoder (MS-DTYP
// 2.4.6) over untrusted bytes, as SetCASecurity and SetOfficerRights
// receive them, and as templates' nTSecurityDescriptor arrives from the
// directory (with object ACEs). Whatever decodes must encode, and decode
// again to the same value; the extended-right check must not fault on it;
// a descriptor that parses as officer rights (MS-CSRA 2.2.1.11) must
// rebuild to the same entries. The same bytes as GetOfficerRights' pctbSD
// (MS-CSRA 2.2.1.11.1, either pfEnabled): whatever decodes re-encodes to
// bytes that decode to the same rights, and a descriptor found at the front
// of the bytes decodes alone.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "openadcs/security/object_access.h"
#include "openadcs/security/officer_rights.h"
#include "openadcs/security/security_descriptor.h"

using namespace openadcs::security;  // NOLINT(google-build-using-namespace)

namespace {

void CheckMarshaledRights(std::span<const std::uint8_t> input) {
  for (bool officer_enabled : {false, true}) {
    auto rights = DecodeMarshaledRights(officer_enabled, input);
    if (!rights.ok()) continue;
    auto back =
        DecodeMarshaledRights(!rights->officer_rights.empty(), EncodeMarshaledRights(*rights));
    if (!back.ok() || !(*back == *rights)) std::abort();
  }
  std::size_t prefix = 0;
  auto front = DecodeSecurityDescriptorPrefix(input, &prefix);
  if (!front.ok()) return;
  auto alone = DecodeSecurityDescriptor(input.first(prefix));
  if (!alone.ok() || !(*alone == *front)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  CheckMarshaledRights(std::span<const std::uint8_t>(data, size));
  auto first = DecodeSecurityDescriptor(std::span<const std::uint8_t>(data, size));
  if (!first.ok()) return 0;
  auto bytes = EncodeSecurityDescriptor(*first);
  if (!bytes.ok()) std::abort();
  auto second = DecodeSecurityDescriptor(*bytes);
  if (!second.ok() || !(*second == *first)) std::abort();
  // The canonical layout is a fixed point.
  auto again = EncodeSecurityDescriptor(*second);
  if (!again.ok() || *again != *bytes) std::abort();
  const Sid sids[] = {well_known::kAuthenticatedUsers, well_known::kEveryone};
  (void)HasExtendedRight(*first, sids, extended_right::kEnroll);
  auto entries = ParseOfficerRights(*first);
  if (!entries.ok()) return 0;
  auto rebuilt = BuildOfficerRights(*entries, well_known::kEveryone);
  if (!rebuilt.ok()) return 0;  // a re-padded ACE may outgrow 65535 bytes
  auto reparsed = ParseOfficerRights(*rebuilt);
  if (!reparsed.ok() || *reparsed != *entries) std::abort();
  return 0;
}
