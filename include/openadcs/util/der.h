// DER framing for the encoders that write ASN.1 by hand (pki's certificate
// parts and CMC responses, auth's SPNEGO tokens): one TLV with a definite
// length in its shortest form (X.690 8.1.3, 10.1). The tag is one octet, so
// tag numbers up to 30; every tag these encoders write is below that.
#ifndef OPENADCS_UTIL_DER_H_
#define OPENADCS_UTIL_DER_H_

#include <cstdint>
#include <span>

#include "openadcs/util/bytes.h"

namespace openadcs::der {

// Appends tag, length and `content` to `out`.
void AppendTlv(Bytes& out, std::uint8_t tag, std::span<const std::uint8_t> content);
// The same TLV alone.
Bytes Tlv(std::uint8_t tag, std::span<const std::uint8_t> content);

}  // namespace openadcs::der

#endif  // OPENADCS_UTIL_DER_H_
