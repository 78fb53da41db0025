// The lines openadcsd logs at start (and after a template reload) so that an
// operator can tell from the journal which CA and which templates are live.
// Nothing here reads or prints secrets.
#ifndef OPENADCS_DAEMON_STARTUP_REPORT_H_
#define OPENADCS_DAEMON_STARTUP_REPORT_H_

#include <string>
#include <vector>

#include "openadcs/directory/certificate_template.h"
#include "openadcs/util/openssl.h"

namespace openadcs::daemon {

// "AB:CD:...": the SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it.
std::string Sha256Fingerprint(X509* cert);

// "RSA 3072 bits" or "ECDSA P-256 (256 bits)".
std::string DescribeKey(EVP_PKEY* key);

// Four lines: the subject, the key (`key` is the CA's private key; only its
// public parameters are read), the validity period in UTC and the fingerprint.
std::vector<std::string> DescribeCaCertificate(X509* cert, EVP_PKEY* key);

// "template User: OID 1.3.6.1..., schema v2[, pend-all]" (OID "none" for v1).
std::string DescribeTemplate(const directory::CertificateTemplate& tmpl);

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_STARTUP_REPORT_H_
