// What an enrollment agent does with another user's PKCS#10 before it
// submits it (MS-WCCE 3.2.2.6.2.1.2.1.1): wraps it in a CMS SignedData it
// signs, naming the user in a requestername name-value pair among its
// authenticated attributes. Used by `openadcs request --on-behalf-of`.
#ifndef OPENADCS_PKI_AGENT_REQUEST_H_
#define OPENADCS_PKI_AGENT_REQUEST_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::pki {

// DER CMS SignedData (SHA-256) with `pkcs10_der` as id-data content, the
// agent's certificate, and one SignerInfo by `agent_key` whose authenticated
// attributes carry szOID_ENROLLMENT_NAME_VALUE_PAIR ("requestername",
// `requester_name`, both BMPStrings). Errors: InvalidArgument when
// `requester_name` is empty or not UTF-8, or the key does not match the
// certificate; Internal when OpenSSL fails.
Result<Bytes> SignOnBehalfOf(std::span<const std::uint8_t> pkcs10_der, X509* agent_cert,
                             EVP_PKEY* agent_key, std::string_view requester_name);

}  // namespace openadcs::pki

#endif  // OPENADCS_PKI_AGENT_REQUEST_H_
