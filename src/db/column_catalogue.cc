#include "openadcs/db/column_catalogue.h"

#include <algorithm>
#include <array>
#include <cstddef>

#include "openadcs/util/bytes.h"

namespace openadcs::db {
namespace {

using enum ColumnType;

constexpr Table kReq = Table::kRequestCertificate;
constexpr Table kExt = Table::kExtension;
constexpr Table kAttr = Table::kAttribute;
constexpr Table kCrl = Table::kCrl;

// Ids, types, cbMax and indexed flags are those of Windows Server 2012 and
// later (MS-CSRA note <4>). Columns the engine does not fill yet exist
// anyway, so that ids match what Windows clients expect.
constexpr auto kColumns = std::to_array<ColumnInfo>({
    {kReq, 0x1000, "Request.RequestID", "request_id", kLong, 4, true},
    {kReq, 0x1001, "Request.RawRequest", "raw_request", kBinary, 65536, false},
    {kReq, 0x1002, "Request.RawArchivedKey", "raw_archived_key", kBinary, 65536, false},
    {kReq, 0x1003, "Request.KeyRecoveryHashes", "key_recovery_hashes", kString, 8192, false},
    {kReq, 0x1004, "Request.RawOldCertificate", "raw_old_certificate", kBinary, 16384, false},
    {kReq, 0x1005, "Request.RequestAttributes", "request_attributes", kString, 32768, false},
    {kReq, 0x1006, "Request.RequestType", "request_type", kLong, 4, false},
    {kReq, 0x1007, "Request.RequestFlags", "request_flags", kLong, 4, false},
    {kReq, 0x1008, "Request.StatusCode", "status_code", kLong, 4, false},
    {kReq, 0x1009, "Request.Disposition", "disposition", kLong, 4, true},
    {kReq, 0x100a, "Request.DispositionMessage", "disposition_message", kString, 8192, false},
    {kReq, 0x100b, "Request.SubmittedWhen", "submitted_when", kDate, 8, true},
    {kReq, 0x100c, "Request.ResolvedWhen", "resolved_when", kDate, 8, true},
    {kReq, 0x100d, "Request.RevokedWhen", "revoked_when", kDate, 8, false},
    {kReq, 0x100e, "Request.RevokedEffectiveWhen", "revoked_effective_when", kDate, 8, true},
    {kReq, 0x100f, "Request.RevokedReason", "revoked_reason", kLong, 4, false},
    {kReq, 0x1010, "Request.RequesterName", "requester_name", kString, 2048, true},
    {kReq, 0x1011, "Request.CallerName", "caller_name", kString, 2048, true},
    {kReq, 0x1012, "Request.SignerPolicies", "signer_policies", kString, 8192, false},
    {kReq, 0x1013, "Request.SignerApplicationPolicies", "signer_application_policies", kString,
     8192, false},
    {kReq, 0x1014, "Request.Officer", "officer", kLong, 4, false},
    {kReq, 0x1015, "Request.DistinguishedName", "req_distinguished_name", kString, 8192, false},
    {kReq, 0x1016, "Request.RawName", "req_raw_name", kBinary, 4096, false},
    {kReq, 0x1017, "Request.Country", "req_country", kString, 8192, false},
    {kReq, 0x1018, "Request.Organization", "req_organization", kString, 8192, false},
    {kReq, 0x1019, "Request.OrgUnit", "req_org_unit", kString, 8192, false},
    {kReq, 0x101a, "Request.CommonName", "req_common_name", kString, 8192, false},
    {kReq, 0x101b, "Request.Locality", "req_locality", kString, 8192, false},
    {kReq, 0x101c, "Request.State", "req_state", kString, 8192, false},
    {kReq, 0x101d, "Request.Title", "req_title", kString, 8192, false},
    {kReq, 0x101e, "Request.GivenName", "req_given_name", kString, 8192, false},
    {kReq, 0x101f, "Request.Initials", "req_initials", kString, 8192, false},
    {kReq, 0x1020, "Request.SurName", "req_surname", kString, 8192, false},
    {kReq, 0x1021, "Request.DomainComponent", "req_domain_component", kString, 8192, false},
    {kReq, 0x1022, "Request.EMail", "req_email", kString, 8192, false},
    {kReq, 0x1023, "Request.StreetAddress", "req_street_address", kString, 8192, false},
    {kReq, 0x1024, "Request.UnstructuredName", "req_unstructured_name", kString, 8192, false},
    {kReq, 0x1025, "Request.UnstructuredAddress", "req_unstructured_address", kString, 8192, false},
    {kReq, 0x1026, "Request.DeviceSerialNumber", "req_device_serial_number", kString, 8192, false},
    // Certificate columns live in the same row; RequestID is the same column.
    {kReq, 0x2000, "RequestID", "request_id", kLong, 4, true},
    {kReq, 0x2001, "RawCertificate", "raw_certificate", kBinary, 16384, false},
    {kReq, 0x2002, "CertificateHash", "certificate_hash", kString, 128, true},
    {kReq, 0x2003, "CertificateTemplate", "certificate_template", kString, 254, true},
    {kReq, 0x2004, "EnrollmentFlags", "enrollment_flags", kLong, 4, false},
    {kReq, 0x2005, "GeneralFlags", "general_flags", kLong, 4, false},
    {kReq, 0x2006, "PrivateKeyFlags", "private_key_flags", kLong, 4, false},
    {kReq, 0x2007, "SerialNumber", "serial_number", kString, 128, true},
    {kReq, 0x2008, "IssuerNameId", "issuer_name_id", kLong, 4, false},
    {kReq, 0x2009, "NotBefore", "not_before", kDate, 8, false},
    {kReq, 0x200a, "NotAfter", "not_after", kDate, 8, true},
    {kReq, 0x200b, "SubjectKeyIdentifier", "subject_key_identifier", kString, 128, false},
    {kReq, 0x200c, "RawPublicKey", "raw_public_key", kBinary, 4096, false},
    {kReq, 0x200d, "PublicKeyLength", "public_key_length", kLong, 4, false},
    {kReq, 0x200e, "PublicKeyAlgorithm", "public_key_algorithm", kString, 254, false},
    {kReq, 0x200f, "RawPublicKeyAlgorithmParameters", "raw_public_key_algorithm_parameters",
     kBinary, 4096, false},
    {kReq, 0x2010, "PublishExpiredCertInCRL", "publish_expired_cert_in_crl", kLong, 4, false},
    {kReq, 0x2011, "UPN", "upn", kString, 2048, true},
    {kReq, 0x2012, "DistinguishedName", "distinguished_name", kString, 8192, false},
    {kReq, 0x2013, "RawName", "raw_name", kBinary, 4096, false},
    {kReq, 0x2014, "Country", "country", kString, 8192, false},
    {kReq, 0x2015, "Organization", "organization", kString, 8192, false},
    {kReq, 0x2016, "OrgUnit", "org_unit", kString, 8192, false},
    {kReq, 0x2017, "CommonName", "common_name", kString, 8192, true},
    {kReq, 0x2018, "Locality", "locality", kString, 8192, false},
    {kReq, 0x2019, "State", "state", kString, 8192, false},
    {kReq, 0x201a, "Title", "title", kString, 8192, false},
    {kReq, 0x201b, "GivenName", "given_name", kString, 8192, false},
    {kReq, 0x201c, "Initials", "initials", kString, 8192, false},
    {kReq, 0x201d, "SurName", "surname", kString, 8192, false},
    {kReq, 0x201e, "DomainComponent", "domain_component", kString, 8192, false},
    {kReq, 0x201f, "EMail", "email", kString, 8192, false},
    {kReq, 0x2020, "StreetAddress", "street_address", kString, 8192, false},
    {kReq, 0x2021, "UnstructuredName", "unstructured_name", kString, 8192, false},
    {kReq, 0x2022, "UnstructuredAddress", "unstructured_address", kString, 8192, false},
    {kReq, 0x2023, "DeviceSerialNumber", "device_serial_number", kString, 8192, false},

    // Attribute columns are 0x3000+ and Extension columns 0x4000+, although
    // the table selectors are the other way round (docs/database.md).
    {kAttr, 0x3000, "AttributeRequestId", "request_id", kLong, 4, true},
    {kAttr, 0x3001, "AttributeName", "name", kString, 254, false},
    {kAttr, 0x3002, "AttributeValue", "value", kString, 8192, false},

    {kExt, 0x4000, "ExtensionRequestId", "request_id", kLong, 4, true},
    {kExt, 0x4001, "ExtensionName", "name", kString, 254, false},
    {kExt, 0x4002, "ExtensionFlags", "flags", kLong, 4, false},
    {kExt, 0x4003, "ExtensionRawValue", "raw_value", kBinary, 4096, false},

    {kCrl, 0x5000, "CRLRowId", "row_id", kLong, 4, true},
    {kCrl, 0x5001, "CRLNumber", "number", kLong, 4, true},
    {kCrl, 0x5002, "CRLMinBase", "min_base", kLong, 4, false},
    {kCrl, 0x5003, "CRLNameId", "name_id", kLong, 4, false},
    {kCrl, 0x5004, "CRLCount", "entry_count", kLong, 4, false},
    {kCrl, 0x5005, "CRLThisUpdate", "this_update", kDate, 8, false},
    {kCrl, 0x5006, "CRLNextUpdate", "next_update", kDate, 8, true},
    {kCrl, 0x5007, "CRLThisPublish", "this_publish", kDate, 8, false},
    {kCrl, 0x5008, "CRLNextPublish", "next_publish", kDate, 8, true},
    {kCrl, 0x5009, "CRLEffective", "effective", kDate, 8, false},
    {kCrl, 0x500a, "CRLPropagationComplete", "propagation_complete", kDate, 8, true},
    {kCrl, 0x500b, "CRLLastPublish", "last_publish", kDate, 8, true},
    {kCrl, 0x500c, "CRLPublishAttempts", "publish_attempts", kLong, 4, true},
    {kCrl, 0x500d, "CRLPublishFlags", "publish_flags", kLong, 4, false},
    {kCrl, 0x500e, "CRLPublishStatusCode", "publish_status_code", kLong, 4, true},
    {kCrl, 0x500f, "CRLPublishError", "publish_error", kString, 8192, false},
    {kCrl, 0x5010, "CRLRawCRL", "raw_crl", kBinary, 536870912, false},
});

constexpr bool IdsAscending() {
  for (std::size_t i = 1; i < kColumns.size(); ++i) {
    if (kColumns[i - 1].id >= kColumns[i].id) return false;
  }
  return true;
}
static_assert(IdsAscending(), "FindColumn(id) binary-searches the catalogue");

}  // namespace

std::span<const ColumnInfo> Columns() {
  return kColumns;
}

const ColumnInfo* FindColumn(std::string_view name) {
  auto it = std::find_if(kColumns.begin(), kColumns.end(),
                         [&](const ColumnInfo& c) { return EqualsIgnoreCaseAscii(c.name, name); });
  return it == kColumns.end() ? nullptr : &*it;
}

const ColumnInfo* FindColumn(std::uint32_t id) {
  auto it = std::lower_bound(kColumns.begin(), kColumns.end(), id,
                             [](const ColumnInfo& c, std::uint32_t v) { return c.id < v; });
  return (it == kColumns.end() || it->id != id) ? nullptr : &*it;
}

}  // namespace openadcs::db
