// Filling the Request and Certificate columns of the CA database from the
// X.509 objects the engine handles.
#ifndef OPENADCS_SRC_CA_CERTIFICATE_COLUMNS_H_
#define OPENADCS_SRC_CA_CERTIFICATE_COLUMNS_H_

#include <optional>
#include <string>

#include "openadcs/db/records.h"
#include "openadcs/directory/certificate_template.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/openssl.h"

namespace openadcs::ca {

db::SubjectParts SubjectPartsOf(const X509_NAME* name);

// The certificate columns for `cert` (an imported certificate), whose key
// is `key`, from template `t`.
db::CertificateColumns CertificateColumnsOf(X509* cert, EVP_PKEY* key,
                                            const directory::CertificateTemplate& t);
// The certificate columns of one the CA just built from `spec` (as
// `built`), for `key` (the request's), from template `t`: read from what
// went into it rather than from decoding it.
db::CertificateColumns CertificateColumnsOf(pki::BuiltCertificate built,
                                            const pki::CertificateSpec& spec, EVP_PKEY* key,
                                            const directory::CertificateTemplate& t);

// Serial numbers as the database keeps them: lower-case hex of the INTEGER's
// content bytes, no leading zero bytes. Accepts what clients send (upper
// case, spaces, an odd number of digits). nullopt when not hex.
std::optional<std::string> NormalizeSerial(std::string_view text);

}  // namespace openadcs::ca

#endif  // OPENADCS_SRC_CA_CERTIFICATE_COLUMNS_H_
