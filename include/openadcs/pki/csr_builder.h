// Making a key pair and a PKCS#10 request for it: what an enrolling client
// (the `openadcs request` command, the benchmarks) does before it submits.
#ifndef OPENADCS_PKI_CSR_BUILDER_H_
#define OPENADCS_PKI_CSR_BUILDER_H_

#include <string>
#include <string_view>
#include <vector>

#include "openadcs/pki/ca_identity.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::pki {

// A fresh key of `algorithm`. Errors: Internal when OpenSSL fails.
Result<ossl::PKeyPtr> GenerateKey(KeyAlgorithm algorithm);

struct CsrSpec {
  std::string subject;                 // RFC 4514; empty: an empty subject
  std::vector<std::string> dns_names;  // subjectAltName dNSName entries (extensionRequest)
};

// DER PKCS#10 for `key`, signed with it (SHA-256, or SHA-384 for P-384).
// Errors: InvalidArgument for a subject that does not parse; Internal when
// OpenSSL fails.
Result<Bytes> BuildCsr(EVP_PKEY* key, const CsrSpec& spec);

// PEM text (PKCS#8, unencrypted) of `key`'s private half.
Result<std::string> PrivateKeyPem(EVP_PKEY* key);

}  // namespace openadcs::pki

#endif  // OPENADCS_PKI_CSR_BUILDER_H_
