// libFuzzer target: the self-relative security descriptor decoder (MS-DTYP
// 2.4.6) over untrusted bytes, as SetCASecurity receives them. Whatever
// decodes must encode, and decode again to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "openadcs/security/security_descriptor.h"

using namespace openadcs::security;  // NOLINT(google-build-using-namespace)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto first = DecodeSecurityDescriptor(std::span<const std::uint8_t>(data, size));
  if (!first.ok()) return 0;
  auto bytes = EncodeSecurityDescriptor(*first);
  if (!bytes.ok()) std::abort();
  auto second = DecodeSecurityDescriptor(*bytes);
  if (!second.ok() || !(*second == *first)) std::abort();
  // The canonical layout is a fixed point.
  auto again = EncodeSecurityDescriptor(*second);
  if (!again.ok() || *again != *bytes) std::abort();
  return 0;
}
