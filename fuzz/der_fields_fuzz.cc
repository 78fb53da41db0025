// libFuzzer target: the DER walks that derive request columns on read
// (db/der_fields.h), over stored certificates and requests, which an
// administrator can import.
#include <cstddef>
#include <cstdint>
#include <span>

#include "db/der_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace d = openadcs::db::der_fields;
  const std::span<const std::uint8_t> bytes(data, size);
  for (std::span<const std::uint8_t> field :
       {d::CertificatePublicKeyInfo(bytes), d::CertificateSubjectKeyId(bytes),
        d::CertificateExtension(bytes, "2.5.29.15"), d::RequestSubject(bytes)}) {
    // A field is a view into the input.
    if (!field.empty() && (field.data() < data || field.data() + field.size() > data + size)) {
      __builtin_trap();
    }
  }
  return 0;
}
