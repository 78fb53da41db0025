// Administering a CA over DCOM as certutil and the Certification Authority
// snap-in do (MS-CSRA ICertAdminD/ICertAdminD2): activation of CCertAdminD
// asking ICertAdminD2, then typed calls on its IPID, and RemRelease when the
// client closes. The DCOM plumbing (activation, choice of the exporter's
// binding, lifetime) is CertRequestClient's; see cert_request_client.h.
// The `openadcs` officer and administrator commands stand on this; it speaks
// only the protocol, so it works against a Windows CA too.
//
// Authority: every ICertAdminD method names the CA (pwszAuthority, its CN or
// sanitized name, MS-CSRA 3.1.4.1.1); the client sends the one given to
// Connect with every call.
//
// Errors, for every call: transport failures; faults (kPermissionDenied for
// access denied, kNotFound for RPC_E_DISCONNECTED, kInvalidArgument
// otherwise, the fault status as hresult(), as CertRequestClient reports
// them); responses that do not decode (kInvalidArgument); a failing method
// HRESULT as MethodStatus() maps it.
//
// Views (OpenView 3.1.4.1.12, EnumView 3.1.4.1.13): ielt is 1-BASED. The
// spec calls ielt "the identifier of the first row to return" and says the
// server "MUST use the value of ielt as an index to this resultant set";
// it does not name the base. Row identifiers in a view are 1-based
// (IEnumCERTVIEWROW::Next, which sits on these methods, hands out index 1
// for the first row after Reset), and the end marker's rowid (3.1.4.1.13:
// the total row count) is then the identifier of the last row. So the first
// page is OpenView(ielt = 1) and the next EnumView(ielt = 1 + rows so far).
// One view at a time per object (3.1.4.1.12: a second OpenView fails).
//
// Blocking; one call at a time per client (not thread-safe). Every network
// wait is bounded by ConnectOptions::timeout.
#ifndef OPENADCS_CLIENT_CERT_ADMIN_CLIENT_H_
#define OPENADCS_CLIENT_CERT_ADMIN_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "openadcs/client/cert_passage_client.h"
#include "openadcs/client/object_endpoint.h"
#include "openadcs/ndr/cert_view.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"
#include "openadcs/util/uuid.h"

namespace openadcs::client {

class DcomObjectClient;

// CLSID_CCertAdminD (MS-CSRA 1.9).
inline constexpr Uuid kClsidCertAdminD{
    0xd99e6e73, 0xfc88, 0x11d0, {0xb4, 0x98, 0x00, 0xa0, 0xc9, 0x03, 0x12, 0xf3}};

// The first row of a view (see the file comment).
inline constexpr std::uint32_t kFirstViewRow = 1;

// EnumViewColumnTable's iTable (MS-CSRA 3.1.4.2.5).
inline constexpr std::uint32_t kTableRequest = 0;
inline constexpr std::uint32_t kTableExtension = 0x3000;
inline constexpr std::uint32_t kTableAttribute = 0x4000;
inline constexpr std::uint32_t kTableCrl = 0x5000;

// GetViewDefaultColumnSet's iColumnSetDefault (MS-CSRA 3.1.4.1.10).
inline constexpr std::int32_t kColumnSetPending = -1;
inline constexpr std::int32_t kColumnSetIssued = -2;
inline constexpr std::int32_t kColumnSetFailed = -3;
inline constexpr std::int32_t kColumnSetExtension = -4;
inline constexpr std::int32_t kColumnSetAttribute = -5;
inline constexpr std::int32_t kColumnSetCrl = -6;
inline constexpr std::int32_t kColumnSetRevoked = -7;

// Request.Disposition values in views (certsrv.h DB_DISP_*, the encoding of
// MS-CSRA 3.1.4.1.3 and 3.1.4.1.26).
inline constexpr std::int32_t kDbDispPending = 9;
inline constexpr std::int32_t kDbDispIssued = 20;
inline constexpr std::int32_t kDbDispRevoked = 21;
inline constexpr std::int32_t kDbDispError = 30;
inline constexpr std::int32_t kDbDispDenied = 31;

// SetExtension's dwFlags (MS-CSRA 3.1.4.1.1).
inline constexpr std::uint32_t kExtensionCritical = 0x1;
inline constexpr std::uint32_t kExtensionDisabled = 0x2;

// PublishCRLs' Flags (MS-CSRA 3.1.4.2.1).
inline constexpr std::uint32_t kCrlBase = 0x1;
inline constexpr std::uint32_t kCrlDelta = 0x2;
inline constexpr std::uint32_t kCrlRepublish = 0x10;

// RevokeCertificate's Reason that releases a certificate from hold.
inline constexpr std::uint32_t kReasonReleaseFromHold = 0xffffffff;

// CA_ACCESS_* role bits (GetMyRoles, the CA security descriptor's masks).
inline constexpr std::uint32_t kRoleAdmin = 0x1;
inline constexpr std::uint32_t kRoleOfficer = 0x2;
inline constexpr std::uint32_t kRoleAuditor = 0x4;
inline constexpr std::uint32_t kRoleOperator = 0x8;
inline constexpr std::uint32_t kRoleRead = 0x100;
inline constexpr std::uint32_t kRoleEnroll = 0x200;

// Paging sizes of the helpers that fetch a whole list.
inline constexpr std::uint32_t kColumnPageSize = 256;
inline constexpr std::uint32_t kAttributePageSize = 64;
// Bounds on what those helpers accumulate from a peer that never ends.
inline constexpr std::size_t kMaxCatalogueColumns = 4096;
inline constexpr std::size_t kMaxRowEntries = 4096;

// CERTVIEWRESTRICTION SeekOperator and SortOrder (MS-CSRA 2.2.1.3).
enum class SeekOperator : std::int32_t { kEq = 1, kLt = 2, kLe = 4, kGe = 8, kGt = 0x10 };
enum class SortOrder : std::int32_t { kNone = 0, kAscending = 1, kDescending = 2 };

// A DATE value: 100-ns intervals since 1601-01-01 UTC.
struct FileTime {
  std::uint64_t ticks = 0;
  friend bool operator==(const FileTime&, const FileTime&) = default;
};

// A typed column or extension value: LONG, DATE, STRING (UTF-8 here,
// UTF-16LE with a NUL on the wire) or BINARY.
using TypedValue = std::variant<std::int32_t, FileTime, std::string, Bytes>;

// Its PROPTYPE_* (ndr::cert_view::kType*).
std::uint32_t PropType(const TypedValue& value);
// The wire form MS-CSRA gives both a restriction's pbValue and SetExtension's
// pctbValue (3.1.4.1.1): LONG 4 bytes and DATE 8 bytes little-endian,
// STRING UTF-16LE with a NUL, BINARY as is. Errors: kInvalidArgument for a
// string that is not UTF-8.
Result<Bytes> EncodeTypedValue(const TypedValue& value);
// A result column's value by its Type's low byte. An empty value (no data)
// is nullopt. Errors: kInvalidArgument for a LONG not 4 bytes, a DATE not 8,
// a STRING that is not UTF-16LE, an unknown type.
Result<std::optional<TypedValue>> DecodeTypedValue(std::uint32_t type, const Bytes& value);

// The symbolic name of an HRESULT the CA protocols carry ("E_ACCESSDENIED",
// "CERTSRV_E_PROPERTY_EMPTY"), "" when unknown.
std::string_view HresultName(std::uint32_t hresult);

// A failing method HRESULT as a Status carrying it as hresult(), the message
// "<what> returned 0x%08x (NAME)": kPermissionDenied for E_ACCESSDENIED
// and CERTSRV_E_RESTRICTEDOFFICER (officer rights refuse the requester),
// kNotFound for CERTSRV_E_PROPERTY_EMPTY (no such request or serial),
// kFailedPrecondition for CERTSRV_E_BAD_REQUESTSTATUS (wrong state),
// kInvalidArgument otherwise.
Status MethodStatus(std::uint32_t hresult, std::string_view what);

// The column named `name` (ASCII case-insensitive): an exact match, else the
// one column whose name after its last '.' matches ("Disposition" finds
// "Request.Disposition"). Errors: kNotFound for no match, kInvalidArgument
// when the short name is ambiguous.
Result<ndr::cert_view::ColumnInfo> FindColumn(std::span<const ndr::cert_view::ColumnInfo> columns,
                                              std::string_view name);

// A column's name as UTF-8 (names are ASCII in practice; a name that is
// not valid UTF-16 shows as "?").
std::string ColumnName(const ndr::cert_view::ColumnInfo& column);

// A CERTVIEWRESTRICTION: `value` nullopt sends a NULL pbValue.
struct ViewRestriction {
  std::uint32_t column = 0;
  SeekOperator seek = SeekOperator::kEq;
  SortOrder sort = SortOrder::kNone;
  std::optional<TypedValue> value;
};

// One page of a view.
struct ViewPage {
  std::vector<ndr::cert_view::ResultRow> rows;
  // The end marker came: no rows past these. `total` is its row count.
  bool end = false;
  std::uint32_t total = 0;
};

struct CertificateValidity {
  std::int32_t disposition = 0;        // pDisposition (MS-CSRA 3.1.4.1.5)
  std::int32_t revocation_reason = 0;  // pRevocationReason
};

// DeleteRow's dwFlags (MS-CSRA 3.1.4.2.18): by date, expired certificates
// or requests last changed before it.
inline constexpr std::uint32_t kDeleteExpired = 0x1;
inline constexpr std::uint32_t kDeleteLastChanged = 0x2;

// ImportCertificate's dwFlags (MS-CSRA 3.1.4.1.26).
inline constexpr std::uint32_t kImportAllowForeign = 0x00010000;

struct DeletedRows {
  std::uint32_t count = 0;  // pcDeleted
  // The server stopped early and more rows match (it answered
  // ERROR_OUT_OF_MEMORY with the count, as Windows does): call again.
  bool more = false;
};

// GetOfficerRights: each kind of rights enabled exactly when its
// self-relative descriptor is not empty (MS-CSRA 2.2.1.11.1).
struct OfficerRights {
  bool enabled = false;
  Bytes security_descriptor;
  // Always disabled from a server without enrollment agent rights.
  bool agent_rights_enabled = false;
  Bytes agent_rights_descriptor;
};

// A GetConfigEntry value: VT_EMPTY, VT_I4, VT_BSTR (as UTF-8).
using ConfigValue = std::variant<std::monostate, std::int32_t, std::string>;

class CertAdminClient {
 public:
  // Activates CCertAdminD at options.host:options.epm_port asking
  // ICertAdminD2 (and ICertAdminD), then connects and binds ICertAdminD2 at
  // options.level. `authority` is the CA name every call sends ("" sends
  // NULL). Errors:
  // kPermissionDenied when the server refuses the credentials or the
  // activation, kNotFound when the class or ICertAdminD2 is not there,
  // kUnavailable on transport failure, kInvalidArgument on replies that do
  // not decode, or an authority that is not UTF-8.
  static Result<std::unique_ptr<CertAdminClient>> Connect(const ConnectOptions& options,
                                                          std::string authority);
  // Releases the object (best effort) when Release() was not called.
  ~CertAdminClient();
  CertAdminClient(const CertAdminClient&) = delete;
  CertAdminClient& operator=(const CertAdminClient&) = delete;

  // --- Views ---------------------------------------------------------------
  // OpenView: opens the view and returns its rows from `ielt` (1-based), at
  // most `celt`. `columns` are the column ids of each row. Errors also when
  // pceltFetched disagrees with the rows in the blob.
  Result<ViewPage> OpenView(std::span<const ViewRestriction> restrictions,
                            std::span<const std::uint32_t> columns, std::uint32_t ielt,
                            std::uint32_t celt);
  // EnumView: the open view's rows from `ielt`.
  Result<ViewPage> EnumView(std::uint32_t ielt, std::uint32_t celt);
  Status CloseView();

  // EnumViewColumn (the Request table) and EnumViewColumnTable: `count`
  // column infos from `first`.
  Result<std::vector<ndr::cert_view::ColumnInfo>> EnumViewColumn(std::uint32_t first,
                                                                 std::uint32_t count);
  Result<std::vector<ndr::cert_view::ColumnInfo>> EnumViewColumnTable(std::uint32_t table,
                                                                      std::uint32_t first,
                                                                      std::uint32_t count);
  // Every column of `table`, in pages of kColumnPageSize. A page shorter
  // than asked ends the catalogue, and so does a method error on a page
  // after the first (the spec's answer to a start past the last column).
  // Errors: kInvalidArgument past kMaxCatalogueColumns.
  Result<std::vector<ndr::cert_view::ColumnInfo>> ColumnCatalogue(std::uint32_t table);
  // GetViewDefaultColumnSet: column ids of one of the kColumnSet* sets.
  Result<std::vector<std::uint32_t>> GetViewDefaultColumnSet(std::int32_t column_set);

  // EnumAttributesOrExtensions for request `request_id`: at most `celt`
  // entries after the one named `last` ("" from the first).
  Result<std::vector<ndr::cert_view::Attribute>> EnumAttributes(std::uint32_t request_id,
                                                                const std::string& last,
                                                                std::uint32_t celt);
  Result<std::vector<ndr::cert_view::Extension>> EnumExtensions(std::uint32_t request_id,
                                                                const std::string& last,
                                                                std::uint32_t celt);
  // All of them, in pages of kAttributePageSize. Errors: kInvalidArgument
  // past kMaxRowEntries.
  Result<std::vector<ndr::cert_view::Attribute>> AllAttributes(std::uint32_t request_id);
  Result<std::vector<ndr::cert_view::Extension>> AllExtensions(std::uint32_t request_id);

  // --- Officer -------------------------------------------------------------
  // SetExtension on a pending request; the type is PropType(value), `flags`
  // kExtension*. Errors: also kInvalidArgument for an OID over 31
  // characters (3.1.4.1.1), without a call.
  Status SetExtension(std::uint32_t request_id, const std::string& oid, const TypedValue& value,
                      std::uint32_t flags);
  // SetAttributes: "Name:Value" lines separated by '\n'.
  Status SetAttributes(std::uint32_t request_id, const std::string& attributes);
  // ResubmitRequest: pdwDisposition, a CR_DISP_* value (3 issued, 5 pending)
  // or an HRESULT (0x80094004 no such request, 0x80094003 wrong state, a
  // policy's error).
  Result<std::uint32_t> ResubmitRequest(std::uint32_t request_id);
  Status DenyRequest(std::uint32_t request_id);
  // RevokeCertificate: `serial` plain hex (no 0x); `when` the revocation
  // date, zero for now (the client sends the current time).
  Status RevokeCertificate(const std::string& serial, std::uint32_t reason, FileTime when);
  Result<CertificateValidity> IsValidCertificate(const std::string& serial);
  // ImportCertificate of a DER certificate: the new request id.
  Result<std::uint32_t> ImportCertificate(const Bytes& certificate, std::uint32_t flags);

  // --- Administrator and officer -------------------------------------------
  // DeleteRow in `table` (kTable*): the row `row_id`, or (row_id 0) the rows
  // `flags` (kDelete*, 0 for CRLs) selects before `before`.
  Result<DeletedRows> DeleteRow(std::uint32_t table, std::uint32_t flags, FileTime before,
                                std::uint32_t row_id);

  // --- CRLs ----------------------------------------------------------------
  // PublishCRL: a new base CRL; `next_update` zero lets the CA compute it.
  Status PublishCrl(FileTime next_update);
  // PublishCRLs with kCrl* flags.
  Status PublishCrls(FileTime next_update, std::uint32_t flags);
  // GetCRL: the current base CRL, DER.
  Result<Bytes> GetCrl();
  // The current delta CRL, DER: GetCAProperty CR_PROP_DELTACRL (MS-WCCE
  // 3.2.1.4.3.2.18) for signing certificate 0; GetCRL has no delta form.
  Result<Bytes> GetDeltaCrl();

  // --- Security and state ----------------------------------------------------
  // The CA's self-relative security descriptor (MS-DTYP 2.4.6), as bytes.
  Result<Bytes> GetCaSecurity();
  Status SetCaSecurity(const Bytes& security_descriptor);
  // GetMyRoles: kRole* bits of the caller.
  Result<std::uint32_t> GetMyRoles();
  // GetOfficerRights, in either form of 2.2.1.11.1 (a server with or without
  // enrollment agent rights). Errors: also kInvalidArgument for a blob that
  // does not decode (security::DecodeMarshaledRights).
  Result<OfficerRights> GetOfficerRights();
  // SetOfficerRights of officer rights (RightsType 0): `enable` false
  // disables them (the descriptor is not looked at).
  Status SetOfficerRights(bool enable, const Bytes& security_descriptor);
  // SetOfficerRights of enrollment agent rights (RightsType 1), likewise.
  Status SetEnrollmentAgentRights(bool enable, const Bytes& security_descriptor);
  Result<std::uint32_t> GetAuditFilter();
  Status SetAuditFilter(std::uint32_t filter);
  // GetConfigEntry of `entry` under `node_path` ("" for the CA's node):
  // a REG_DWORD as an int32, a REG_SZ as UTF-8 text; VT_EMPTY as
  // monostate. A missing entry is kInvalidArgument with
  // ERROR_FILE_NOT_FOUND (0x80070002) as hresult().
  Result<ConfigValue> GetConfigEntry(const std::string& node_path, const std::string& entry);
  Result<std::uint32_t> GetServerState();
  Status Ping();
  Status Ping2();
  Result<Bytes> GetCaProperty(std::int32_t prop_id, std::int32_t prop_index,
                              std::int32_t prop_type);
  // SetCAProperty (MS-CSRA 3.1.4.2.3); `value` as the CERTTRANSBLOB carries it.
  Status SetCaProperty(std::int32_t prop_id, std::int32_t prop_index, std::int32_t prop_type,
                       const Bytes& value);
  // GetCAPropertyInfo: the property count and the CATRANSPROP blob.
  Result<std::pair<std::int32_t, Bytes>> GetCaPropertyInfo();

  // RemRelease of the object's references. Later calls fault. Idempotent.
  Status Release();

  const ObjectEndpoint& endpoint() const;
  const std::string& authority() const { return authority_; }

 private:
  CertAdminClient(std::unique_ptr<DcomObjectClient> object, std::string authority,
                  std::optional<std::u16string> authority16);
  Result<Bytes> Call(std::uint16_t opnum, const Bytes& stub, std::string_view what);
  // The HRESULT-only answer of `opnum` to `stub`.
  Status CallHresult(std::uint16_t opnum, const Bytes& stub, std::string_view what);
  Result<ViewPage> DecodeViewPage(const Bytes& stub, std::string_view what);
  Result<std::pair<std::uint32_t, Bytes>> EnumAttributesOrExtensions(std::uint32_t request_id,
                                                                     std::uint32_t flags,
                                                                     const std::string& last,
                                                                     std::uint32_t celt);
  Result<std::uint32_t> AuthorityDword(std::uint16_t opnum, std::string_view what);
  Result<Bytes> AuthorityBlob(std::uint16_t opnum, std::string_view what);

  std::unique_ptr<DcomObjectClient> object_;
  std::string authority_;
  std::optional<std::u16string> authority16_;  // as sent: absent when empty
};

}  // namespace openadcs::client

#endif  // OPENADCS_CLIENT_CERT_ADMIN_CLIENT_H_
