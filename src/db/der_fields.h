// The request table's derived BINARY columns: values the database does not
// store when they are byte for byte a field of another stored column, and
// computes on read instead (docs/database.md, "Derived columns"). A DER walk
// over definite lengths only, without OpenSSL: the db layer sits below pki.
#ifndef OPENADCS_DB_DER_FIELDS_H_
#define OPENADCS_DB_DER_FIELDS_H_

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "openadcs/util/status.h"

namespace openadcs::db::der_fields {

// The DER of the subjectPublicKeyInfo of an X.509 Certificate (RFC 5280
// 4.1), as a view into `certificate`; empty when `certificate` is not a
// certificate as far as the walk reads it.
std::span<const std::uint8_t> CertificatePublicKeyInfo(std::span<const std::uint8_t> certificate);
// The key identifier in the SubjectKeyIdentifier extension (RFC 5280
// 4.2.1.2) of an X.509 v3 Certificate, as a view into `certificate`; empty
// when it has none.
std::span<const std::uint8_t> CertificateSubjectKeyId(std::span<const std::uint8_t> certificate);
// The extnValue content of the extension with the dotted OID `oid` in an
// X.509 v3 Certificate, as a view into `certificate`; empty when it has
// none (or `oid` is not a dotted OID).
std::span<const std::uint8_t> CertificateExtension(std::span<const std::uint8_t> certificate,
                                                   std::string_view oid);
// The DER of the subject Name of a PKCS#10 CertificationRequest (RFC 2986
// 4), as a view into `request`; empty for anything else (CMC, PKCS#7).
std::span<const std::uint8_t> RequestSubject(std::span<const std::uint8_t> request);

// SQL names of the three, taking a BLOB and returning a BLOB (the key
// identifier: lowercase hex TEXT) or NULL; registered on every connection to
// a CA database (Connection::Open).
inline constexpr const char* kCertificatePublicKeyInfoSql = "openadcs_certificate_spki";
inline constexpr const char* kCertificateSubjectKeyIdSql = "openadcs_certificate_ski";
inline constexpr const char* kRequestSubjectSql = "openadcs_request_subject";
// (certificate BLOB, name TEXT) -> BLOB or NULL: CertificateExtension.
inline constexpr const char* kCertificateExtensionSql = "openadcs_certificate_extension";
Status Register(sqlite3* db);

}  // namespace openadcs::db::der_fields

#endif  // OPENADCS_DB_DER_FIELDS_H_
