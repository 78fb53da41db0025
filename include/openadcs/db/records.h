// Rows of the CA database, modelled on MS-CSRA 3.1.1 (Request, Extension,
// Attribute and CRL tables). Times are seconds since the Unix epoch, UTC;
// protocol adapters convert to FILETIME. Byte fields hold DER.
#ifndef OPENADCS_DB_RECORDS_H_
#define OPENADCS_DB_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace openadcs::db {

using Bytes = std::vector<std::uint8_t>;

// Request.Disposition as stored. We store the DB_DISP_* values of certsrv.h,
// which MS-CSRA 3.1.4.1.3 and 3.1.4.1.26 use; CR_DISP_* values exist only on
// the wire of the enrollment protocols (see docs/database.md).
enum class Disposition : std::int32_t {
  kActive = 8,  // being processed; never left behind by a committed transaction
  kPending = 9,
  kForeign = 12,
  kCaCert = 15,
  kIssued = 20,
  kRevoked = 21,
  kError = 30,
  kDenied = 31,
};

// Subject parts, as the Request and Certificate tables keep them.
struct SubjectParts {
  std::string common_name;
  std::string country;
  std::string organization;
  std::string org_unit;
  std::string locality;
  std::string state;
  std::string email;
  std::string domain_component;
  std::string street_address;
  std::string title;
  std::string given_name;
  std::string surname;
};

// Certificate-table columns (MS-CSRA 3.1.1.1.2); present once issued.
struct CertificateColumns {
  Bytes raw_certificate;
  std::string certificate_hash;  // SHA-1 thumbprint, lower-case hex
  std::uint32_t enrollment_flags = 0;
  std::uint32_t general_flags = 0;
  std::uint32_t private_key_flags = 0;
  std::string serial_number;  // lower-case hex of the INTEGER's content bytes
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
  std::string subject_key_identifier;   // lower-case hex
  Bytes raw_public_key;                 // SubjectPublicKeyInfo DER
  std::uint32_t public_key_length = 0;  // bits
  std::string public_key_algorithm;     // OID
  std::string upn;
  std::string distinguished_name;
  SubjectParts subject;
};

struct Revocation {
  std::int64_t revoked_when = 0;            // when the officer acted
  std::int64_t revoked_effective_when = 0;  // what the CRL states
  std::uint32_t reason = 0;                 // CRLReason; 6 = certificateHold
};

// Request.RevokedReason of a certificate released from hold (MS-CSRA 2.2.1
// table of reasons): its row is back to kIssued and keeps this revocation,
// stamped with the release time, so that delta CRLs can list it as
// removeFromCRL.
inline constexpr std::uint32_t kReleasedFromHold = 0xFFFFFFFF;

// A certificate's revocation as a CRL lists it: the few columns CRLs read,
// without the rest of its row.
struct RevokedCertificate {
  std::uint32_t request_id = 0;
  std::string serial_number;  // hex, as stored
  Revocation revocation;      // reason kReleasedFromHold: released, back to kIssued
};

// Request-table row (MS-CSRA 3.1.1.1.1) with its certificate columns.
struct RequestRecord {
  std::uint32_t request_id = 0;  // assigned by the store
  Bytes raw_request;
  std::string request_attributes;  // the attributes string as submitted (UTF-8)
  std::uint32_t request_type = 0;  // dwFlags request type bits
  std::uint32_t request_flags = 0;
  std::uint32_t status_code = 0;  // HRESULT of the last processing step
  Disposition disposition = Disposition::kActive;
  std::string disposition_message;
  std::int64_t submitted_when = 0;
  std::int64_t resolved_when = 0;  // 0 while pending
  std::optional<Revocation> revocation;
  std::string requester_name;      // DOMAIN\user that the CA enrolls for
  std::string caller_name;         // DOMAIN\user that made the call
  std::string requester_sid;       // S-1-..., empty when unknown
  std::string officer;             // who resolved it, when an officer did
  std::string distinguished_name;  // the requested subject, RFC 4514
  Bytes raw_name;                  // the requested subject, DER
  SubjectParts subject;
  std::string template_name;  // the template the request resolved to; empty if none
  // The CertificateTemplate column: that template's OID (schema 2 and later)
  // or name (schema 1). Set with template_name, so before any certificate
  // although MS-CSRA lists it with the certificate's columns: the pending
  // queue's view asks for it (MS-CSRA <49>), and officers pick by template.
  std::string certificate_template;
  std::optional<CertificateColumns> certificate;
};

// Extension-table row (MS-CSRA 3.1.1.1.3). flags: CRITICAL 0x1, DISABLE 0x2,
// origin in bits 16-19 (REQUEST 0x10000, POLICY 0x20000, ADMIN 0x30000,
// SERVER 0x40000).
struct ExtensionRow {
  std::uint32_t request_id = 0;
  std::string name;  // dotted OID
  std::uint32_t flags = 0;
  Bytes value;  // the extnValue contents (DER of the extension value)
};

namespace extension_flag {
inline constexpr std::uint32_t kCritical = 0x1;
inline constexpr std::uint32_t kDisable = 0x2;
inline constexpr std::uint32_t kOriginMask = 0x000F0000;
inline constexpr std::uint32_t kOriginRequest = 0x00010000;
inline constexpr std::uint32_t kOriginPolicy = 0x00020000;
inline constexpr std::uint32_t kOriginAdmin = 0x00030000;
inline constexpr std::uint32_t kOriginServer = 0x00040000;
}  // namespace extension_flag

// Attribute-table row (MS-CSRA 3.1.1.1.4).
struct AttributeRow {
  std::uint32_t request_id = 0;
  std::string name;
  std::string value;
};

// CRL-table row (MS-CSRA 3.1.1.1.5).
struct CrlRow {
  std::uint32_t row_id = 0;    // assigned by the store
  std::uint32_t number = 0;    // CRLNumber
  std::uint32_t min_base = 0;  // CRLMinBase (base CRL: its own number)
  std::uint32_t name_id = 0;   // CRLNameId (CA key index)
  std::uint32_t count = 0;     // entries
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;
  std::int64_t effective = 0;
  std::int64_t propagation_complete = 0;
  std::uint32_t publish_status_code = 0;
  Bytes raw_crl;
  std::uint32_t publish_flags = 0;  // CRLPublishFlags: crl_publish_flag bits
  std::int64_t this_publish = 0;    // CRLThisPublish: when it was made and published
  std::int64_t next_publish = 0;    // CRLNextPublish: its CRL Next Publish extension
};

// CRLPublishFlags bits (MS-CSRA 3.1.1.4.1) this CA writes. A row without
// kDelta is a base CRL (rows written before delta CRLs existed have none).
namespace crl_publish_flag {
inline constexpr std::uint32_t kBase = 0x1;
inline constexpr std::uint32_t kDelta = 0x2;
inline constexpr std::uint32_t kManual = 0x40;  // an administrator asked (PublishCRL(s))
}  // namespace crl_publish_flag

enum class CrlKind { kBase, kDelta };

// The CA's security descriptor (MS-CSRA 3.1.1.7, GetCASecurity and
// SetCASecurity), kept with a version for compare-and-set updates.
struct CaSecurityRow {
  Bytes descriptor;           // self-relative SECURITY_DESCRIPTOR; opaque to db
  std::uint64_t version = 0;  // 1 after the first put, +1 per put
};

}  // namespace openadcs::db

#endif  // OPENADCS_DB_RECORDS_H_
