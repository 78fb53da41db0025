// libFuzzer target: requested extension values (untrusted bytes from a
// request) through every ext_decode:: decoder the policy uses.
#include <cstddef>
#include <cstdint>
#include <span>

#include "openadcs/pki/x509_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace d = openadcs::pki::ext_decode;
  std::span<const std::uint8_t> bytes(data, size);
  (void)d::ExtendedKeyUsage(bytes);
  (void)d::ApplicationPolicies(bytes);
  (void)d::TemplateOid(bytes);
  (void)d::TemplateName(bytes);
  (void)d::SidSecurity(bytes);
  return 0;
}
