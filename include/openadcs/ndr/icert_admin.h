// ICertAdminD (MS-CSRA 3.1.4.1, opnums 3-30) and ICertAdminD2 (3.1.4.2,
// opnums 31-48), proto-idl/ms-csra.idl: requests and responses in both
// directions. Stubs are whole: ORPCTHIS first in a request, ORPCTHAT first in
// a response, the HRESULT last. One struct per distinct parameter shape; the
// comment on each names the methods that use it.
//
// Pointer kinds follow MIDL: a top-level pointer parameter without a pointer
// attribute is [ref] (pointer_default(unique) applies to embedded pointers
// only). So SetCAProperty's `[in] CERTTRANSBLOB*`, OpenView's `acvr` and
// `acolOut`, and BackupPrepare's `[in] WCHAR const*` (no [string]: one
// WCHAR) carry no referent id, while CERTVIEWRESTRICTION.pbValue and the
// inner pointer of the backup methods' `WCHAR**` are unique.
//
// Decoders fail with kInvalidArgument on malformed stubs, ignore bytes after
// the last parameter, decode the zero-count string quirk (client-interop.md)
// as absent, and bound every count the peer controls: by NdrLimits, by the
// bytes present, and by the named limits below (a longer string counts its
// NUL). FILETIME is {low, high}, two 4-byte-aligned DWORDs, here one uint64.
#ifndef OPENADCS_NDR_ICERT_ADMIN_H_
#define OPENADCS_NDR_ICERT_ADMIN_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ndr::icert_admin {

// Every [string] wchar_t* in a request (authority, names, serial numbers,
// attributes, paths, config node and entry), NUL included: MS-WCCE's
// range(1, 1536) for the same strings, applied to all of them.
inline constexpr std::size_t kMaxStringUnits = 1536;
// OpenView: CERTVIEWRESTRICTIONs (one per column at most makes sense; the
// Request table has under 100 columns) and output column ids.
inline constexpr std::uint32_t kMaxRestrictions = 256;
inline constexpr std::uint32_t kMaxOutputColumns = 256;
// CERTVIEWRESTRICTION.pbValue: a column value (BINARY columns hold a
// certificate at most).
inline constexpr std::uint32_t kMaxRestrictionValueBytes = 64 * 1024;
// An [in] CERTTRANSBLOB (extension value, certificate, key, security
// descriptor, property value).
inline constexpr std::uint32_t kMaxRequestBlobBytes = 1024 * 1024;
// BackupReadFile's cbBuffer: the response carries the whole array.
inline constexpr std::int32_t kMaxBackupReadBytes = 1024 * 1024;
// A VT_BSTR's code units.
inline constexpr std::uint32_t kMaxBstrUnits = 32 * 1024;

// MS-OAUT 2.2.7 VARENUM values the VARIANT codec supports.
inline constexpr std::uint16_t kVtEmpty = 0;
inline constexpr std::uint16_t kVtI4 = 3;
inline constexpr std::uint16_t kVtBstr = 8;
inline constexpr std::uint16_t kVtArray = 0x2000;

// VARIANT (MS-OAUT 2.2.29) restricted to what GetConfigEntry/SetConfigEntry
// need for REG_DWORD and REG_SZ: VT_EMPTY (monostate), VT_I4, VT_BSTR. A
// NULL BSTR, a NULL wireVARIANT pointer and VT_EMPTY decode as the empty
// string, the empty string and monostate. VT_ARRAY (REG_MULTI_SZ, REG_BINARY)
// and every other type fail to decode with kInvalidArgument.
using Variant = std::variant<std::monostate, std::int32_t, std::u16string>;

// CERTVIEWRESTRICTION (MS-CSRA 2.2.1.3).
struct Restriction {
  std::uint32_t column_index = 0;
  std::int32_t seek_operator = 0;  // CVR_SEEK_*
  std::int32_t sort_order = 0;     // CVR_SORT_*
  // pbValue: nullopt for NULL (cbValue then ignored on decode, 0 on encode).
  std::optional<Bytes> value;
  friend bool operator==(const Restriction&, const Restriction&) = default;
};

// --- In-parameter shapes ---------------------------------------------------

// BackupEnd, BackupGetAttachmentInformation, BackupGetBackupLogs,
// BackupCloseFile, BackupTruncateLogs, BackupGetDynamicFiles,
// RestoreGetDatabaseLocations: no in-parameters.
struct EmptyIn {
  orpc::OrpcThis orpcthis;
  friend bool operator==(const EmptyIn&, const EmptyIn&) = default;
};

// GetCRL, CloseView, Ping, GetServerState, GetCAPropertyInfo, GetCASecurity,
// Ping2, GetAuditFilter, GetOfficerRights, GetMyRoles.
struct AuthorityIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  friend bool operator==(const AuthorityIn&, const AuthorityIn&) = default;
};

// pwszAuthority then one DWORD: ResubmitRequest and DenyRequest
// (dwRequestId), GetViewDefaultColumnSet (iColumnSetDefault), ServerControl
// (dwControlFlags), GetArchivedKey (dwRequestId), SetAuditFilter (dwFilter).
struct AuthorityDwordIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::uint32_t value = 0;
  friend bool operator==(const AuthorityDwordIn&, const AuthorityDwordIn&) = default;
};

// SetCASecurity.
struct AuthorityBlobIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  Bytes blob;  // pctbSD
  friend bool operator==(const AuthorityBlobIn&, const AuthorityBlobIn&) = default;
};

struct SetExtensionIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::uint32_t request_id = 0;
  std::optional<std::u16string> extension_name;
  std::uint32_t type = 0;  // PROPTYPE_*
  std::uint32_t flags = 0;
  Bytes value;  // pctbValue
  friend bool operator==(const SetExtensionIn&, const SetExtensionIn&) = default;
};

struct SetAttributesIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::uint32_t request_id = 0;
  std::optional<std::u16string> attributes;
  friend bool operator==(const SetAttributesIn&, const SetAttributesIn&) = default;
};

struct IsValidCertificateIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::optional<std::u16string> serial_number;
  friend bool operator==(const IsValidCertificateIn&, const IsValidCertificateIn&) = default;
};

// PublishCRL (flags absent on the wire, 0 here) and PublishCRLs.
struct PublishCrlIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::uint64_t file_time = 0;  // FILETIME
  std::uint32_t flags = 0;
  friend bool operator==(const PublishCrlIn&, const PublishCrlIn&) = default;
};

struct RevokeCertificateIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::optional<std::u16string> serial_number;
  std::uint32_t reason = 0;
  std::uint64_t file_time = 0;  // FILETIME
  friend bool operator==(const RevokeCertificateIn&, const RevokeCertificateIn&) = default;
};

// EnumViewColumn (table absent on the wire, 0 here) and EnumViewColumnTable.
struct EnumViewColumnIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::uint32_t table = 0;         // iTable
  std::uint32_t first_column = 0;  // iColumn
  std::uint32_t column_count = 0;  // cColumn
  friend bool operator==(const EnumViewColumnIn&, const EnumViewColumnIn&) = default;
};

struct EnumAttributesOrExtensionsIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::uint32_t row_id = 0;
  std::uint32_t flags = 0;  // 0 attributes, 1 extensions
  std::optional<std::u16string> last;
  std::uint32_t celt = 0;
  friend bool operator==(const EnumAttributesOrExtensionsIn&,
                         const EnumAttributesOrExtensionsIn&) = default;
};

struct OpenViewIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::vector<Restriction> restrictions;  // ccvr, acvr
  std::vector<std::uint32_t> columns;     // ccolOut, acolOut
  std::uint32_t ielt = 0;
  std::uint32_t celt = 0;
  friend bool operator==(const OpenViewIn&, const OpenViewIn&) = default;
};

struct EnumViewIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::uint32_t ielt = 0;
  std::uint32_t celt = 0;
  friend bool operator==(const EnumViewIn&, const EnumViewIn&) = default;
};

struct BackupPrepareIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::uint32_t grbit_jet = 0;
  std::uint32_t backup_flags = 0;
  char16_t annotation = 0;  // [in] WCHAR const*: a [ref] pointer to one WCHAR
  std::uint32_t client_identifier = 0;
  friend bool operator==(const BackupPrepareIn&, const BackupPrepareIn&) = default;
};

struct BackupOpenFileIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> path;
  friend bool operator==(const BackupOpenFileIn&, const BackupOpenFileIn&) = default;
};

struct BackupReadFileIn {
  orpc::OrpcThis orpcthis;
  std::int32_t buffer_size = 0;  // cbBuffer, in [0, kMaxBackupReadBytes]
  friend bool operator==(const BackupReadFileIn&, const BackupReadFileIn&) = default;
};

struct ImportCertificateIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  Bytes certificate;  // pctbCertificate
  std::int32_t flags = 0;
  friend bool operator==(const ImportCertificateIn&, const ImportCertificateIn&) = default;
};

struct GetCaPropertyIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::int32_t prop_id = 0;
  std::int32_t prop_index = 0;
  std::int32_t prop_type = 0;
  friend bool operator==(const GetCaPropertyIn&, const GetCaPropertyIn&) = default;
};

struct SetCaPropertyIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::int32_t prop_id = 0;
  std::int32_t prop_index = 0;
  std::int32_t prop_type = 0;
  Bytes value;  // pctbPropertyValue ([ref]: see the file comment)
  friend bool operator==(const SetCaPropertyIn&, const SetCaPropertyIn&) = default;
};

struct SetOfficerRightsIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::int32_t enable = 0;    // BOOL
  Bytes security_descriptor;  // pctbSD
  friend bool operator==(const SetOfficerRightsIn&, const SetOfficerRightsIn&) = default;
};

// GetConfigEntry (value unused) and SetConfigEntry.
struct ConfigEntryIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::optional<std::u16string> node_path;
  std::u16string entry;  // [string, ref]: never NULL
  Variant value;
  friend bool operator==(const ConfigEntryIn&, const ConfigEntryIn&) = default;
};

struct ImportKeyIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::uint32_t request_id = 0;
  std::optional<std::u16string> cert_hash;
  std::uint32_t flags = 0;
  Bytes key;  // pctbKey
  friend bool operator==(const ImportKeyIn&, const ImportKeyIn&) = default;
};

struct DeleteRowIn {
  orpc::OrpcThis orpcthis;
  std::optional<std::u16string> authority;
  std::uint32_t flags = 0;
  std::uint64_t file_time = 0;  // FILETIME
  std::uint32_t table = 0;
  std::uint32_t row_id = 0;
  friend bool operator==(const DeleteRowIn&, const DeleteRowIn&) = default;
};

// --- Out-parameter shapes --------------------------------------------------

// SetExtension, SetAttributes, DenyRequest, PublishCRL, RevokeCertificate,
// CloseView, Ping, BackupPrepare, BackupEnd, BackupCloseFile,
// BackupTruncateLogs, PublishCRLs, SetCAProperty, SetCASecurity, Ping2,
// SetAuditFilter, SetOfficerRights, SetConfigEntry and ImportKey answer with
// the HRESULT alone: orpc::HresultOut and its codecs (orpc.h).

// One DWORD or LONG out (LONGs as their bit pattern): ResubmitRequest
// (pdwDisposition), GetServerState (pdwState), ImportCertificate
// (pdwRequestId), GetAuditFilter (pdwFilter), GetMyRoles (pdwRoles),
// DeleteRow (pcDeleted).
struct DwordOut {
  orpc::OrpcThat orpcthat;
  std::uint32_t value = 0;
  std::uint32_t hresult = 0;
  friend bool operator==(const DwordOut&, const DwordOut&) = default;
};

// GetCRL, ServerControl, GetCAProperty, GetCASecurity, GetArchivedKey.
struct BlobOut {
  orpc::OrpcThat orpcthat;
  Bytes blob;
  std::uint32_t hresult = 0;
  friend bool operator==(const BlobOut&, const BlobOut&) = default;
};

// A DWORD (LONG, BOOL) then a blob: EnumViewColumn, GetViewDefaultColumnSet
// and EnumViewColumnTable (pcColumn), EnumAttributesOrExtensions, OpenView
// and EnumView (pceltFetched), GetCAPropertyInfo (pcProperty),
// GetOfficerRights (pfEnabled).
struct DwordBlobOut {
  orpc::OrpcThat orpcthat;
  std::uint32_t value = 0;
  Bytes blob;
  std::uint32_t hresult = 0;
  friend bool operator==(const DwordBlobOut&, const DwordBlobOut&) = default;
};

struct IsValidCertificateOut {
  orpc::OrpcThat orpcthat;
  std::int32_t revocation_reason = 0;
  std::int32_t disposition = 0;
  std::uint32_t hresult = 0;
  friend bool operator==(const IsValidCertificateOut&, const IsValidCertificateOut&) = default;
};

// `[out, size_is(, *pcwc)] WCHAR** ppwszz, [out] LONG* pcwc`:
// BackupGetAttachmentInformation, BackupGetBackupLogs, BackupGetDynamicFiles,
// RestoreGetDatabaseLocations. `names` is the whole multi-string, NULs
// included; empty encodes as a NULL pointer and a count of 0. Decoding
// requires the count to match the array.
struct NameListOut {
  orpc::OrpcThat orpcthat;
  std::u16string names;
  std::uint32_t hresult = 0;
  friend bool operator==(const NameListOut&, const NameListOut&) = default;
};

struct BackupOpenFileOut {
  orpc::OrpcThat orpcthat;
  std::uint64_t length = 0;  // unsigned hyper: 8-byte aligned
  std::uint32_t hresult = 0;
  friend bool operator==(const BackupOpenFileOut&, const BackupOpenFileOut&) = default;
};

// BackupReadFile: [size_is(cbBuffer)] without length_is, so `buffer` must
// hold exactly the request's cbBuffer bytes, whatever bytes_read says.
struct BackupReadFileOut {
  orpc::OrpcThat orpcthat;
  Bytes buffer;
  std::int32_t bytes_read = 0;
  std::uint32_t hresult = 0;
  friend bool operator==(const BackupReadFileOut&, const BackupReadFileOut&) = default;
};

// GetConfigEntry.
struct VariantOut {
  orpc::OrpcThat orpcthat;
  Variant value;
  std::uint32_t hresult = 0;
  friend bool operator==(const VariantOut&, const VariantOut&) = default;
};

// --- Server side: decode the request, encode the response ------------------

Result<EmptyIn> DecodeEmptyRequest(std::span<const std::uint8_t> stub,
                                   const NdrLimits& limits = {});
Result<AuthorityIn> DecodeAuthorityRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits = {});
Result<AuthorityDwordIn> DecodeAuthorityDwordRequest(std::span<const std::uint8_t> stub,
                                                     const NdrLimits& limits = {});
Result<AuthorityBlobIn> DecodeAuthorityBlobRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits = {});
Result<SetExtensionIn> DecodeSetExtensionRequest(std::span<const std::uint8_t> stub,
                                                 const NdrLimits& limits = {});
Result<SetAttributesIn> DecodeSetAttributesRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits = {});
Result<IsValidCertificateIn> DecodeIsValidCertificateRequest(std::span<const std::uint8_t> stub,
                                                             const NdrLimits& limits = {});
Result<PublishCrlIn> DecodePublishCrlRequest(std::span<const std::uint8_t> stub,
                                             const NdrLimits& limits = {});
Result<PublishCrlIn> DecodePublishCrlsRequest(std::span<const std::uint8_t> stub,
                                              const NdrLimits& limits = {});
Result<RevokeCertificateIn> DecodeRevokeCertificateRequest(std::span<const std::uint8_t> stub,
                                                           const NdrLimits& limits = {});
Result<EnumViewColumnIn> DecodeEnumViewColumnRequest(std::span<const std::uint8_t> stub,
                                                     const NdrLimits& limits = {});
Result<EnumViewColumnIn> DecodeEnumViewColumnTableRequest(std::span<const std::uint8_t> stub,
                                                          const NdrLimits& limits = {});
Result<EnumAttributesOrExtensionsIn> DecodeEnumAttributesOrExtensionsRequest(
    std::span<const std::uint8_t> stub, const NdrLimits& limits = {});
Result<OpenViewIn> DecodeOpenViewRequest(std::span<const std::uint8_t> stub,
                                         const NdrLimits& limits = {});
Result<EnumViewIn> DecodeEnumViewRequest(std::span<const std::uint8_t> stub,
                                         const NdrLimits& limits = {});
Result<BackupPrepareIn> DecodeBackupPrepareRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits = {});
Result<BackupOpenFileIn> DecodeBackupOpenFileRequest(std::span<const std::uint8_t> stub,
                                                     const NdrLimits& limits = {});
Result<BackupReadFileIn> DecodeBackupReadFileRequest(std::span<const std::uint8_t> stub,
                                                     const NdrLimits& limits = {});
Result<ImportCertificateIn> DecodeImportCertificateRequest(std::span<const std::uint8_t> stub,
                                                           const NdrLimits& limits = {});
Result<GetCaPropertyIn> DecodeGetCaPropertyRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits = {});
Result<SetCaPropertyIn> DecodeSetCaPropertyRequest(std::span<const std::uint8_t> stub,
                                                   const NdrLimits& limits = {});
Result<SetOfficerRightsIn> DecodeSetOfficerRightsRequest(std::span<const std::uint8_t> stub,
                                                         const NdrLimits& limits = {});
// GetConfigEntry: `value` is left empty.
Result<ConfigEntryIn> DecodeGetConfigEntryRequest(std::span<const std::uint8_t> stub,
                                                  const NdrLimits& limits = {});
Result<ConfigEntryIn> DecodeSetConfigEntryRequest(std::span<const std::uint8_t> stub,
                                                  const NdrLimits& limits = {});
Result<ImportKeyIn> DecodeImportKeyRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits = {});
Result<DeleteRowIn> DecodeDeleteRowRequest(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits = {});

Bytes EncodeDwordResponse(const DwordOut& out);
Bytes EncodeBlobResponse(const BlobOut& out);
Bytes EncodeDwordBlobResponse(const DwordBlobOut& out);
Bytes EncodeIsValidCertificateResponse(const IsValidCertificateOut& out);
Bytes EncodeNameListResponse(const NameListOut& out);
Bytes EncodeBackupOpenFileResponse(const BackupOpenFileOut& out);
Bytes EncodeBackupReadFileResponse(const BackupReadFileOut& out);
Bytes EncodeVariantResponse(const VariantOut& out);

// --- Client side: encode the request, decode the response ------------------

Bytes EncodeEmptyRequest(const EmptyIn& in);
Bytes EncodeAuthorityRequest(const AuthorityIn& in);
Bytes EncodeAuthorityDwordRequest(const AuthorityDwordIn& in);
Bytes EncodeAuthorityBlobRequest(const AuthorityBlobIn& in);
Bytes EncodeSetExtensionRequest(const SetExtensionIn& in);
Bytes EncodeSetAttributesRequest(const SetAttributesIn& in);
Bytes EncodeIsValidCertificateRequest(const IsValidCertificateIn& in);
Bytes EncodePublishCrlRequest(const PublishCrlIn& in);  // flags not sent
Bytes EncodePublishCrlsRequest(const PublishCrlIn& in);
Bytes EncodeRevokeCertificateRequest(const RevokeCertificateIn& in);
Bytes EncodeEnumViewColumnRequest(const EnumViewColumnIn& in);  // table not sent
Bytes EncodeEnumViewColumnTableRequest(const EnumViewColumnIn& in);
Bytes EncodeEnumAttributesOrExtensionsRequest(const EnumAttributesOrExtensionsIn& in);
Bytes EncodeOpenViewRequest(const OpenViewIn& in);
Bytes EncodeEnumViewRequest(const EnumViewIn& in);
Bytes EncodeBackupPrepareRequest(const BackupPrepareIn& in);
Bytes EncodeBackupOpenFileRequest(const BackupOpenFileIn& in);
Bytes EncodeBackupReadFileRequest(const BackupReadFileIn& in);
Bytes EncodeImportCertificateRequest(const ImportCertificateIn& in);
Bytes EncodeGetCaPropertyRequest(const GetCaPropertyIn& in);
Bytes EncodeSetCaPropertyRequest(const SetCaPropertyIn& in);
Bytes EncodeSetOfficerRightsRequest(const SetOfficerRightsIn& in);
Bytes EncodeGetConfigEntryRequest(const ConfigEntryIn& in);  // value not sent
Bytes EncodeSetConfigEntryRequest(const ConfigEntryIn& in);
Bytes EncodeImportKeyRequest(const ImportKeyIn& in);
Bytes EncodeDeleteRowRequest(const DeleteRowIn& in);

Result<DwordOut> DecodeDwordResponse(std::span<const std::uint8_t> stub,
                                     const NdrLimits& limits = {});
Result<BlobOut> DecodeBlobResponse(std::span<const std::uint8_t> stub,
                                   const NdrLimits& limits = {});
Result<DwordBlobOut> DecodeDwordBlobResponse(std::span<const std::uint8_t> stub,
                                             const NdrLimits& limits = {});
Result<IsValidCertificateOut> DecodeIsValidCertificateResponse(std::span<const std::uint8_t> stub,
                                                               const NdrLimits& limits = {});
Result<NameListOut> DecodeNameListResponse(std::span<const std::uint8_t> stub,
                                           const NdrLimits& limits = {});
Result<BackupOpenFileOut> DecodeBackupOpenFileResponse(std::span<const std::uint8_t> stub,
                                                       const NdrLimits& limits = {});
Result<BackupReadFileOut> DecodeBackupReadFileResponse(std::span<const std::uint8_t> stub,
                                                       const NdrLimits& limits = {});
Result<VariantOut> DecodeVariantResponse(std::span<const std::uint8_t> stub,
                                         const NdrLimits& limits = {});

}  // namespace openadcs::ndr::icert_admin

#endif  // OPENADCS_NDR_ICERT_ADMIN_H_
