#include "openadcs/client/cert_admin_client.h"

#include <fmt/format.h>

#include <utility>

#include "client/dcom_object_client.h"
#include "openadcs/idl/icert_admin_d.h"
#include "openadcs/idl/icert_admin_d2.h"
#include "openadcs/ndr/icert_admin.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/security/officer_rights.h"
#include "openadcs/util/filetime.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/utf16.h"

namespace openadcs::client {
namespace {

namespace ica = ndr::icert_admin;
namespace cv = ndr::cert_view;
using Opnum = idl::icert_admin_d2::Opnum;

// EnumAttributesOrExtensions' Flags (MS-CSRA 3.1.4.1.11).
constexpr std::uint32_t kEnumAttributes = 0;
constexpr std::uint32_t kEnumExtensions = 1;
// SetExtension's pwszExtensionName: "31 or fewer characters" (3.1.4.1.1).
constexpr std::size_t kMaxExtensionOidChars = 31;

constexpr std::uint16_t Op(Opnum o) {
  return static_cast<std::uint16_t>(o);
}

std::uint64_t LittleEndian(const Bytes& b) {
  std::uint64_t v = 0;
  for (std::size_t i = b.size(); i > 0; --i) v = v << 8 | b[i - 1];
  return v;
}

char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::uint32_t PropType(const TypedValue& value) {
  switch (value.index()) {
    case 0: return cv::kTypeLong;
    case 1: return cv::kTypeDate;
    case 2: return cv::kTypeString;
    default: return cv::kTypeBinary;
  }
}

Result<Bytes> EncodeTypedValue(const TypedValue& value) {
  if (const auto* l = std::get_if<std::int32_t>(&value)) return cv::MakeLongValue(*l);
  if (const auto* d = std::get_if<FileTime>(&value)) return cv::MakeDateValue(d->ticks);
  if (const auto* s = std::get_if<std::string>(&value)) {
    Result<std::u16string> units = Utf8ToUtf16(*s);
    if (!units.ok()) return units.status();
    return cv::MakeStringValue(*units);
  }
  return std::get<Bytes>(value);
}

Result<std::optional<TypedValue>> DecodeTypedValue(std::uint32_t type, const Bytes& value) {
  if (value.empty()) return std::optional<TypedValue>();
  switch (type & 0xff) {
    case cv::kTypeLong:
      if (value.size() != 4) return Status::InvalidArgument("a LONG value is not 4 bytes");
      return std::optional<TypedValue>(static_cast<std::int32_t>(LittleEndian(value)));
    case cv::kTypeDate:
      if (value.size() != 8) return Status::InvalidArgument("a DATE value is not 8 bytes");
      return std::optional<TypedValue>(FileTime{LittleEndian(value)});
    case cv::kTypeString: {
      Result<std::u16string> units = Utf16LeBytesToString(value);
      if (!units.ok()) return units.status();
      while (!units->empty() && units->back() == u'\0') units->pop_back();
      Result<std::string> text = Utf16ToUtf8(*units);
      if (!text.ok()) return text.status();
      return std::optional<TypedValue>(std::move(*text));
    }
    case cv::kTypeBinary: return std::optional<TypedValue>(value);
    default: return Status::InvalidArgument(fmt::format("unknown column type 0x{:x}", type));
  }
}

std::string_view HresultName(std::uint32_t hresult) {
  switch (hresult) {
    case hr::kOk: return "S_OK";
    case hr::kBadRequestSubject: return "CERTSRV_E_BAD_REQUESTSUBJECT";
    case hr::kNoRequest: return "CERTSRV_E_NO_REQUEST";
    case hr::kBadRequestStatus: return "CERTSRV_E_BAD_REQUESTSTATUS";
    case hr::kPropertyEmpty: return "CERTSRV_E_PROPERTY_EMPTY";
    case hr::kRestrictedOfficer: return "CERTSRV_E_RESTRICTEDOFFICER";
    case hr::kEnrollDenied: return "CERTSRV_E_ENROLL_DENIED";
    case hr::kTemplateDenied: return "CERTSRV_E_TEMPLATE_DENIED";
    case hr::kAdminDeniedRequest: return "CERTSRV_E_ADMIN_DENIED_REQUEST";
    case hr::kUnsupportedCertType: return "CERTSRV_E_UNSUPPORTED_CERT_TYPE";
    case hr::kNoCertType: return "CERTSRV_E_NO_CERT_TYPE";
    case hr::kTemplateConflict: return "CERTSRV_E_TEMPLATE_CONFLICT";
    case hr::kSubjectAltNameRequired: return "CERTSRV_E_SUBJECT_ALT_NAME_REQUIRED";
    case hr::kBadTemplateVersion: return "CERTSRV_E_BAD_TEMPLATE_VERSION";
    case hr::kSignaturePolicyRequired: return "CERTSRV_E_SIGNATURE_POLICY_REQUIRED";
    case hr::kSignatureCount: return "CERTSRV_E_SIGNATURE_COUNT";
    case hr::kSignatureRejected: return "CERTSRV_E_SIGNATURE_REJECTED";
    case hr::kKeyLength: return "CERTSRV_E_KEY_LENGTH";
    case hr::kAccessDenied: return "E_ACCESSDENIED";
    case hr::kHandle: return "E_HANDLE";
    case hr::kInvalidData: return "ERROR_INVALID_DATA";
    case hr::kInvalidArg: return "E_INVALIDARG";
    case hr::kFileNotFound: return "ERROR_FILE_NOT_FOUND";
    case hr::kUnexpected: return "E_UNEXPECTED";
    case hr::kOutOfMemory: return "E_OUTOFMEMORY";
    case hr::kInvalidMsgType: return "CRYPT_E_INVALID_MSG_TYPE";
    case hr::kNoSigner: return "CRYPT_E_NO_SIGNER";
    case hr::kBadSignature: return "NTE_BAD_SIGNATURE";
    case hr::kAsn1BadTag: return "CRYPT_E_ASN1_BADTAG";
    case hr::kDbBusy: return "ERROR_BUSY";
    case hr::kNotImpl: return "E_NOTIMPL";
    case hr::kFail: return "E_FAIL";
    case hr::kNotSupported: return "ERROR_NOT_SUPPORTED";
    case hr::kNotEnoughQuota: return "ERROR_NOT_ENOUGH_QUOTA";
    case hr::kDsServerDown: return "ERROR_DS_SERVER_DOWN";
    case hr::kDsGenericError: return "ERROR_DS_GENERIC_ERROR";
    case hr::kDsInsuffAccessRights: return "ERROR_DS_INSUFF_ACCESS_RIGHTS";
    case hr::kNoInterface: return "E_NOINTERFACE";
    case hr::kRpcDisconnected: return "RPC_E_DISCONNECTED";
    case hr::kRpcVersionMismatch: return "RPC_E_VERSION_MISMATCH";
    case hr::kClassNoAggregation: return "CLASS_E_NOAGGREGATION";
    case hr::kClassNotRegistered: return "REGDB_E_CLASSNOTREG";
    case hr::kProtseqNotSupported: return "RPC_S_PROTSEQ_NOT_SUPPORTED";
    case hr::kObjectExists: return "ERROR_OBJECT_EXISTS";
    case hr::kIssuerChaining: return "CERT_E_ISSUERCHAINING";
    default: return "";
  }
}

Status MethodStatus(std::uint32_t hresult, std::string_view what) {
  const std::string_view name = HresultName(hresult);
  std::string message = fmt::format("{} returned 0x{:08x}", what, hresult);
  if (!name.empty()) message += fmt::format(" ({})", name);
  switch (hresult) {
    case hr::kAccessDenied:
    case hr::kRestrictedOfficer: return Status::PermissionDenied(std::move(message), hresult);
    case hr::kPropertyEmpty: return Status::NotFound(std::move(message), hresult);
    case hr::kBadRequestStatus: return Status::FailedPrecondition(std::move(message), hresult);
    default: return Status::InvalidArgument(std::move(message), hresult);
  }
}

std::string ColumnName(const cv::ColumnInfo& column) {
  Result<std::string> name = Utf16ToUtf8(column.name);
  return name.ok() ? std::move(*name) : std::string("?");
}

Result<cv::ColumnInfo> FindColumn(std::span<const cv::ColumnInfo> columns, std::string_view name) {
  for (const cv::ColumnInfo& c : columns) {
    if (EqualsIgnoringCase(ColumnName(c), name)) return c;
  }
  const cv::ColumnInfo* found = nullptr;
  for (const cv::ColumnInfo& c : columns) {
    const std::string full = ColumnName(c);
    const std::size_t dot = full.rfind('.');
    if (dot == std::string::npos ||
        !EqualsIgnoringCase(std::string_view(full).substr(dot + 1), name)) {
      continue;
    }
    if (found != nullptr) {
      return Status::InvalidArgument(
          fmt::format("column name {} is ambiguous ({} and {})", name, ColumnName(*found), full));
    }
    found = &c;
  }
  if (found == nullptr) return Status::NotFound(fmt::format("no column named {}", name));
  return *found;
}

Result<std::unique_ptr<CertAdminClient>> CertAdminClient::Connect(const ConnectOptions& options,
                                                                  std::string authority) {
  DcomClass cls;
  cls.clsid = kClsidCertAdminD;
  cls.class_name = "CCertAdminD";
  cls.interface = {idl::icert_admin_d2::kUuid, idl::icert_admin_d2::kVersionMajor,
                   idl::icert_admin_d2::kVersionMinor};
  cls.interface_name = "ICertAdminD2";
  cls.iids = {idl::icert_admin_d2::kUuid, idl::icert_admin_d::kUuid};
  // Checked before dialling: every call sends it.
  Result<std::optional<std::u16string>> authority16 = OptionalUtf16(authority);
  if (!authority16.ok()) return authority16.status();
  Result<std::unique_ptr<DcomObjectClient>> object = DcomObjectClient::Activate(options, cls);
  if (!object.ok()) return object.status();
  return std::unique_ptr<CertAdminClient>(
      new CertAdminClient(std::move(*object), std::move(authority), std::move(*authority16)));
}

CertAdminClient::CertAdminClient(std::unique_ptr<DcomObjectClient> object, std::string authority,
                                 std::optional<std::u16string> authority16)
    : object_(std::move(object)),
      authority_(std::move(authority)),
      authority16_(std::move(authority16)) {}

// The object's destructor releases it (best effort) when Release() was not
// called.
CertAdminClient::~CertAdminClient() = default;

Status CertAdminClient::Release() {
  return object_->Release();
}

const ObjectEndpoint& CertAdminClient::endpoint() const {
  return object_->endpoint();
}

Result<Bytes> CertAdminClient::Call(std::uint16_t opnum, const Bytes& stub, std::string_view what) {
  return object_->CallObject(opnum, stub, what);
}

Status CertAdminClient::CallHresult(std::uint16_t opnum, const Bytes& stub, std::string_view what) {
  Result<Bytes> response = Call(opnum, stub, what);
  if (!response.ok()) return response.status();
  Result<ndr::orpc::HresultOut> out = ndr::orpc::DecodeHresultResponse(*response);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, what);
  return Status::Ok();
}

Result<std::uint32_t> CertAdminClient::AuthorityDword(std::uint16_t opnum, std::string_view what) {
  ica::AuthorityIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  Result<Bytes> response = Call(opnum, ica::EncodeAuthorityRequest(in), what);
  if (!response.ok()) return response.status();
  Result<ica::DwordOut> out = ica::DecodeDwordResponse(*response);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, what);
  return out->value;
}

Result<Bytes> CertAdminClient::AuthorityBlob(std::uint16_t opnum, std::string_view what) {
  ica::AuthorityIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  Result<Bytes> response = Call(opnum, ica::EncodeAuthorityRequest(in), what);
  if (!response.ok()) return response.status();
  Result<ica::BlobOut> out = ica::DecodeBlobResponse(*response);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, what);
  return std::move(out->blob);
}

Result<ViewPage> CertAdminClient::DecodeViewPage(const Bytes& stub, std::string_view what) {
  Result<ica::DwordBlobOut> out = ica::DecodeDwordBlobResponse(stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, what);
  Result<cv::ResultRows> rows = cv::DecodeResultRows(out->blob);
  if (!rows.ok()) return rows.status();
  if (rows->rows.size() != out->value) {
    return Status::InvalidArgument(fmt::format("{}: pceltFetched is {} but the blob holds {} rows",
                                               what, out->value, rows->rows.size()));
  }
  ViewPage page;
  page.rows = std::move(rows->rows);
  page.end = rows->end_total.has_value();
  page.total = rows->end_total.value_or(0);
  return page;
}

Result<ViewPage> CertAdminClient::OpenView(std::span<const ViewRestriction> restrictions,
                                           std::span<const std::uint32_t> columns,
                                           std::uint32_t ielt, std::uint32_t celt) {
  if (restrictions.size() > ica::kMaxRestrictions || columns.size() > ica::kMaxOutputColumns) {
    return Status::InvalidArgument(
        fmt::format("OpenView takes at most {} restrictions and {} columns", ica::kMaxRestrictions,
                    ica::kMaxOutputColumns));
  }
  ica::OpenViewIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  for (const ViewRestriction& r : restrictions) {
    ica::Restriction wire;
    wire.column_index = r.column;
    wire.seek_operator = static_cast<std::int32_t>(r.seek);
    wire.sort_order = static_cast<std::int32_t>(r.sort);
    if (r.value) {
      Result<Bytes> value = EncodeTypedValue(*r.value);
      if (!value.ok()) return value.status();
      wire.value = std::move(*value);
    }
    in.restrictions.push_back(std::move(wire));
  }
  in.columns.assign(columns.begin(), columns.end());
  in.ielt = ielt;
  in.celt = celt;
  Result<Bytes> stub = Call(Op(Opnum::kOpenView), ica::EncodeOpenViewRequest(in), "OpenView");
  if (!stub.ok()) return stub.status();
  return DecodeViewPage(*stub, "OpenView");
}

Result<ViewPage> CertAdminClient::EnumView(std::uint32_t ielt, std::uint32_t celt) {
  ica::EnumViewIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.ielt = ielt;
  in.celt = celt;
  Result<Bytes> stub = Call(Op(Opnum::kEnumView), ica::EncodeEnumViewRequest(in), "EnumView");
  if (!stub.ok()) return stub.status();
  return DecodeViewPage(*stub, "EnumView");
}

Status CertAdminClient::CloseView() {
  ica::AuthorityIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  return CallHresult(Op(Opnum::kCloseView), ica::EncodeAuthorityRequest(in), "CloseView");
}

Result<std::vector<cv::ColumnInfo>> CertAdminClient::EnumViewColumn(std::uint32_t first,
                                                                    std::uint32_t count) {
  ica::EnumViewColumnIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.first_column = first;
  in.column_count = count;
  Result<Bytes> stub =
      Call(Op(Opnum::kEnumViewColumn), ica::EncodeEnumViewColumnRequest(in), "EnumViewColumn");
  if (!stub.ok()) return stub.status();
  Result<ica::DwordBlobOut> out = ica::DecodeDwordBlobResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, "EnumViewColumn");
  return cv::DecodeColumnInfos(out->blob, out->value);
}

Result<std::vector<cv::ColumnInfo>> CertAdminClient::EnumViewColumnTable(std::uint32_t table,
                                                                         std::uint32_t first,
                                                                         std::uint32_t count) {
  ica::EnumViewColumnIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.table = table;
  in.first_column = first;
  in.column_count = count;
  Result<Bytes> stub = Call(Op(Opnum::kEnumViewColumnTable),
                            ica::EncodeEnumViewColumnTableRequest(in), "EnumViewColumnTable");
  if (!stub.ok()) return stub.status();
  Result<ica::DwordBlobOut> out = ica::DecodeDwordBlobResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, "EnumViewColumnTable");
  return cv::DecodeColumnInfos(out->blob, out->value);
}

Result<std::vector<cv::ColumnInfo>> CertAdminClient::ColumnCatalogue(std::uint32_t table) {
  std::vector<cv::ColumnInfo> all;
  for (;;) {
    Result<std::vector<cv::ColumnInfo>> page =
        EnumViewColumnTable(table, static_cast<std::uint32_t>(all.size()), kColumnPageSize);
    // MS-CSRA 3.1.4.2.5 fails a start past the last column; after a full
    // page that is how the catalogue ends.
    if (!page.ok() && !all.empty() && page.status().hresult()) break;
    if (!page.ok()) return page.status();
    const std::size_t got = page->size();
    all.insert(all.end(), std::make_move_iterator(page->begin()),
               std::make_move_iterator(page->end()));
    if (all.size() > kMaxCatalogueColumns) {
      return Status::InvalidArgument(
          fmt::format("the CA lists more than {} columns", kMaxCatalogueColumns));
    }
    if (got < kColumnPageSize) break;
  }
  return all;
}

Result<std::vector<std::uint32_t>> CertAdminClient::GetViewDefaultColumnSet(
    std::int32_t column_set) {
  ica::AuthorityDwordIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.value = static_cast<std::uint32_t>(column_set);
  Result<Bytes> stub = Call(Op(Opnum::kGetViewDefaultColumnSet),
                            ica::EncodeAuthorityDwordRequest(in), "GetViewDefaultColumnSet");
  if (!stub.ok()) return stub.status();
  Result<ica::DwordBlobOut> out = ica::DecodeDwordBlobResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, "GetViewDefaultColumnSet");
  Result<std::vector<std::uint32_t>> ids = cv::DecodeColumnIds(out->blob);
  if (!ids.ok()) return ids.status();
  if (ids->size() != out->value) {
    return Status::InvalidArgument(
        fmt::format("GetViewDefaultColumnSet: pcColumn is {} but the blob holds {} ids", out->value,
                    ids->size()));
  }
  return ids;
}

Result<std::pair<std::uint32_t, Bytes>> CertAdminClient::EnumAttributesOrExtensions(
    std::uint32_t request_id, std::uint32_t flags, const std::string& last, std::uint32_t celt) {
  ica::EnumAttributesOrExtensionsIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.row_id = request_id;
  in.flags = flags;
  Result<std::optional<std::u16string>> last_wire = OptionalUtf16(last);
  if (!last_wire.ok()) return last_wire.status();
  in.last = std::move(*last_wire);
  in.celt = celt;
  Result<Bytes> stub =
      Call(Op(Opnum::kEnumAttributesOrExtensions), ica::EncodeEnumAttributesOrExtensionsRequest(in),
           "EnumAttributesOrExtensions");
  if (!stub.ok()) return stub.status();
  Result<ica::DwordBlobOut> out = ica::DecodeDwordBlobResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, "EnumAttributesOrExtensions");
  return std::make_pair(out->value, std::move(out->blob));
}

Result<std::vector<cv::Attribute>> CertAdminClient::EnumAttributes(std::uint32_t request_id,
                                                                   const std::string& last,
                                                                   std::uint32_t celt) {
  Result<std::pair<std::uint32_t, Bytes>> out =
      EnumAttributesOrExtensions(request_id, kEnumAttributes, last, celt);
  if (!out.ok()) return out.status();
  return cv::DecodeAttributes(out->second, out->first);
}

Result<std::vector<cv::Extension>> CertAdminClient::EnumExtensions(std::uint32_t request_id,
                                                                   const std::string& last,
                                                                   std::uint32_t celt) {
  Result<std::pair<std::uint32_t, Bytes>> out =
      EnumAttributesOrExtensions(request_id, kEnumExtensions, last, celt);
  if (!out.ok()) return out.status();
  return cv::DecodeExtensions(out->second, out->first);
}

namespace {

// Pages through `fetch(last)` until a page shorter than kAttributePageSize,
// continuing after the last entry's name.
template <typename Entry, typename Fetch>
Result<std::vector<Entry>> FetchAll(Fetch fetch) {
  std::vector<Entry> all;
  std::string last;
  for (;;) {
    Result<std::vector<Entry>> page = fetch(last);
    if (!page.ok()) return page.status();
    const std::size_t got = page->size();
    if (got == 0) break;
    Result<std::string> name = Utf16ToUtf8(page->back().name);
    if (!name.ok()) return name.status();
    last = std::move(*name);
    all.insert(all.end(), std::make_move_iterator(page->begin()),
               std::make_move_iterator(page->end()));
    if (all.size() > kMaxRowEntries) {
      return Status::InvalidArgument(
          fmt::format("the CA lists more than {} entries for one request", kMaxRowEntries));
    }
    if (got < kAttributePageSize) break;
  }
  return all;
}

}  // namespace

Result<std::vector<cv::Attribute>> CertAdminClient::AllAttributes(std::uint32_t request_id) {
  return FetchAll<cv::Attribute>([&](const std::string& last) {
    return EnumAttributes(request_id, last, kAttributePageSize);
  });
}

Result<std::vector<cv::Extension>> CertAdminClient::AllExtensions(std::uint32_t request_id) {
  return FetchAll<cv::Extension>([&](const std::string& last) {
    return EnumExtensions(request_id, last, kAttributePageSize);
  });
}

Status CertAdminClient::SetExtension(std::uint32_t request_id, const std::string& oid,
                                     const TypedValue& value, std::uint32_t flags) {
  if (oid.empty() || oid.size() > kMaxExtensionOidChars) {
    return Status::InvalidArgument(
        fmt::format("an extension OID has 1 to {} characters", kMaxExtensionOidChars));
  }
  ica::SetExtensionIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.request_id = request_id;
  Result<std::optional<std::u16string>> extension_name_wire = OptionalUtf16(oid);
  if (!extension_name_wire.ok()) return extension_name_wire.status();
  in.extension_name = std::move(*extension_name_wire);
  in.type = PropType(value);
  in.flags = flags;
  Result<Bytes> value_wire = EncodeTypedValue(value);
  if (!value_wire.ok()) return value_wire.status();
  in.value = std::move(*value_wire);
  return CallHresult(Op(Opnum::kSetExtension), ica::EncodeSetExtensionRequest(in), "SetExtension");
}

Status CertAdminClient::SetAttributes(std::uint32_t request_id, const std::string& attributes) {
  ica::SetAttributesIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.request_id = request_id;
  Result<std::optional<std::u16string>> attributes_wire = OptionalUtf16(attributes);
  if (!attributes_wire.ok()) return attributes_wire.status();
  in.attributes = std::move(*attributes_wire);
  return CallHresult(Op(Opnum::kSetAttributes), ica::EncodeSetAttributesRequest(in),
                     "SetAttributes");
}

Result<std::uint32_t> CertAdminClient::ResubmitRequest(std::uint32_t request_id) {
  ica::AuthorityDwordIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.value = request_id;
  Result<Bytes> stub =
      Call(Op(Opnum::kResubmitRequest), ica::EncodeAuthorityDwordRequest(in), "ResubmitRequest");
  if (!stub.ok()) return stub.status();
  Result<ica::DwordOut> out = ica::DecodeDwordResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, "ResubmitRequest");
  return out->value;
}

Status CertAdminClient::DenyRequest(std::uint32_t request_id) {
  ica::AuthorityDwordIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.value = request_id;
  return CallHresult(Op(Opnum::kDenyRequest), ica::EncodeAuthorityDwordRequest(in), "DenyRequest");
}

Status CertAdminClient::RevokeCertificate(const std::string& serial, std::uint32_t reason,
                                          FileTime when) {
  ica::RevokeCertificateIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  Result<std::optional<std::u16string>> serial_number_wire = OptionalUtf16(serial);
  if (!serial_number_wire.ok()) return serial_number_wire.status();
  in.serial_number = std::move(*serial_number_wire);
  in.reason = reason;
  // FileTime is the revocation date as stored (3.1.4.1.8); the spec gives
  // zero no meaning, so "now" is sent as a time.
  in.file_time = when.ticks != 0 ? when.ticks : FiletimeNow();
  return CallHresult(Op(Opnum::kRevokeCertificate), ica::EncodeRevokeCertificateRequest(in),
                     "RevokeCertificate");
}

Result<std::uint32_t> CertAdminClient::ImportCertificate(const Bytes& certificate,
                                                         std::uint32_t flags) {
  ica::ImportCertificateIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.certificate = certificate;
  in.flags = static_cast<std::int32_t>(flags);
  Result<Bytes> stub = Call(Op(Opnum::kImportCertificate), ica::EncodeImportCertificateRequest(in),
                            "ImportCertificate");
  if (!stub.ok()) return stub.status();
  Result<ica::DwordOut> out = ica::DecodeDwordResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, "ImportCertificate");
  return out->value;
}

Result<DeletedRows> CertAdminClient::DeleteRow(std::uint32_t table, std::uint32_t flags,
                                               FileTime before, std::uint32_t row_id) {
  ica::DeleteRowIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.flags = flags;
  in.file_time = before.ticks;
  in.table = table;
  in.row_id = row_id;
  Result<Bytes> stub = Call(Op(Opnum::kDeleteRow), ica::EncodeDeleteRowRequest(in), "DeleteRow");
  if (!stub.ok()) return stub.status();
  Result<ica::DwordOut> out = ica::DecodeDwordResponse(*stub);
  if (!out.ok()) return out.status();
  // MS-CSRA 3.1.4.2.18: ERROR_OUT_OF_MEMORY after a date delete means that
  // rows may remain; the count is still what was deleted.
  if (out->hresult == hr::kOutOfMemory && row_id == 0) return DeletedRows{out->value, true};
  if (out->hresult != 0) return MethodStatus(out->hresult, "DeleteRow");
  return DeletedRows{out->value, false};
}

Result<CertificateValidity> CertAdminClient::IsValidCertificate(const std::string& serial) {
  ica::IsValidCertificateIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  Result<std::optional<std::u16string>> serial_number_wire = OptionalUtf16(serial);
  if (!serial_number_wire.ok()) return serial_number_wire.status();
  in.serial_number = std::move(*serial_number_wire);
  Result<Bytes> stub = Call(Op(Opnum::kIsValidCertificate),
                            ica::EncodeIsValidCertificateRequest(in), "IsValidCertificate");
  if (!stub.ok()) return stub.status();
  Result<ica::IsValidCertificateOut> out = ica::DecodeIsValidCertificateResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, "IsValidCertificate");
  return CertificateValidity{out->disposition, out->revocation_reason};
}

Status CertAdminClient::PublishCrl(FileTime next_update) {
  ica::PublishCrlIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.file_time = next_update.ticks;
  return CallHresult(Op(Opnum::kPublishCRL), ica::EncodePublishCrlRequest(in), "PublishCRL");
}

Status CertAdminClient::PublishCrls(FileTime next_update, std::uint32_t flags) {
  ica::PublishCrlIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.file_time = next_update.ticks;
  in.flags = flags;
  return CallHresult(Op(Opnum::kPublishCRLs), ica::EncodePublishCrlsRequest(in), "PublishCRLs");
}

Result<Bytes> CertAdminClient::GetCrl() {
  return AuthorityBlob(Op(Opnum::kGetCRL), "GetCRL");
}

Result<Bytes> CertAdminClient::GetDeltaCrl() {
  constexpr std::int32_t kPropDeltaCrl = 0x12;  // CR_PROP_DELTACRL
  constexpr std::int32_t kTypeBinary = 3;       // PROPTYPE_BINARY
  return GetCaProperty(kPropDeltaCrl, 0, kTypeBinary);
}

Result<Bytes> CertAdminClient::GetCaSecurity() {
  return AuthorityBlob(Op(Opnum::kGetCASecurity), "GetCASecurity");
}

Status CertAdminClient::SetCaSecurity(const Bytes& security_descriptor) {
  ica::AuthorityBlobIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.blob = security_descriptor;
  return CallHresult(Op(Opnum::kSetCASecurity), ica::EncodeAuthorityBlobRequest(in),
                     "SetCASecurity");
}

Result<std::uint32_t> CertAdminClient::GetMyRoles() {
  return AuthorityDword(Op(Opnum::kGetMyRoles), "GetMyRoles");
}

Result<OfficerRights> CertAdminClient::GetOfficerRights() {
  ica::AuthorityIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  Result<Bytes> stub =
      Call(Op(Opnum::kGetOfficerRights), ica::EncodeAuthorityRequest(in), "GetOfficerRights");
  if (!stub.ok()) return stub.status();
  Result<ica::DwordBlobOut> out = ica::DecodeDwordBlobResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, "GetOfficerRights");
  Result<security::MarshaledRights> rights =
      security::DecodeMarshaledRights(out->value != 0, out->blob);
  if (!rights.ok()) return rights.status();
  const bool agent_enabled = !rights->agent_rights.empty();
  return OfficerRights{out->value != 0, std::move(rights->officer_rights), agent_enabled,
                       std::move(rights->agent_rights)};
}

Status CertAdminClient::SetOfficerRights(bool enable, const Bytes& security_descriptor) {
  ica::SetOfficerRightsIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.enable = enable ? 1 : 0;
  if (enable) in.security_descriptor = security_descriptor;
  return CallHresult(Op(Opnum::kSetOfficerRights), ica::EncodeSetOfficerRightsRequest(in),
                     "SetOfficerRights");
}

Status CertAdminClient::SetEnrollmentAgentRights(bool enable, const Bytes& security_descriptor) {
  // fEnable: bits 16-31 nonzero select the enrollment agent rights (MS-CSRA 3.1.4.2.13).
  constexpr std::int32_t kAgentRights = 0x10000;
  ica::SetOfficerRightsIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.enable = kAgentRights | (enable ? 1 : 0);
  if (enable) in.security_descriptor = security_descriptor;
  return CallHresult(Op(Opnum::kSetOfficerRights), ica::EncodeSetOfficerRightsRequest(in),
                     "SetOfficerRights");
}

Result<std::uint32_t> CertAdminClient::GetAuditFilter() {
  return AuthorityDword(Op(Opnum::kGetAuditFilter), "GetAuditFilter");
}

Status CertAdminClient::SetAuditFilter(std::uint32_t filter) {
  ica::AuthorityDwordIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.value = filter;
  return CallHresult(Op(Opnum::kSetAuditFilter), ica::EncodeAuthorityDwordRequest(in),
                     "SetAuditFilter");
}

Result<ConfigValue> CertAdminClient::GetConfigEntry(const std::string& node_path,
                                                    const std::string& entry) {
  Result<std::u16string> path16 = Utf8ToUtf16(node_path);
  if (!path16.ok()) return path16.status();
  Result<std::u16string> entry16 = Utf8ToUtf16(entry);
  if (!entry16.ok()) return entry16.status();
  ica::ConfigEntryIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.node_path = std::move(*path16);
  in.entry = std::move(*entry16);
  Result<Bytes> stub =
      Call(Op(Opnum::kGetConfigEntry), ica::EncodeGetConfigEntryRequest(in), "GetConfigEntry");
  if (!stub.ok()) return stub.status();
  Result<ica::VariantOut> out = ica::DecodeVariantResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, "GetConfigEntry");
  if (const auto* n = std::get_if<std::int32_t>(&out->value)) return ConfigValue(*n);
  if (const auto* text = std::get_if<std::u16string>(&out->value)) {
    Result<std::string> utf8 = Utf16ToUtf8(*text);
    if (!utf8.ok()) return utf8.status();
    return ConfigValue(std::move(*utf8));
  }
  return ConfigValue();
}

Result<std::uint32_t> CertAdminClient::GetServerState() {
  return AuthorityDword(Op(Opnum::kGetServerState), "GetServerState");
}

Status CertAdminClient::Ping() {
  ica::AuthorityIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  return CallHresult(Op(Opnum::kPing), ica::EncodeAuthorityRequest(in), "Ping");
}

Status CertAdminClient::Ping2() {
  ica::AuthorityIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  return CallHresult(Op(Opnum::kPing2), ica::EncodeAuthorityRequest(in), "Ping2");
}

Result<Bytes> CertAdminClient::GetCaProperty(std::int32_t prop_id, std::int32_t prop_index,
                                             std::int32_t prop_type) {
  ica::GetCaPropertyIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.prop_id = prop_id;
  in.prop_index = prop_index;
  in.prop_type = prop_type;
  const std::string what = fmt::format("GetCAProperty(0x{:x})", prop_id);
  Result<Bytes> stub = Call(Op(Opnum::kGetCAProperty), ica::EncodeGetCaPropertyRequest(in), what);
  if (!stub.ok()) return stub.status();
  Result<ica::BlobOut> out = ica::DecodeBlobResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, what);
  return std::move(out->blob);
}

Status CertAdminClient::SetCaProperty(std::int32_t prop_id, std::int32_t prop_index,
                                      std::int32_t prop_type, const Bytes& value) {
  ica::SetCaPropertyIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  in.prop_id = prop_id;
  in.prop_index = prop_index;
  in.prop_type = prop_type;
  in.value = value;
  return CallHresult(Op(Opnum::kSetCAProperty), ica::EncodeSetCaPropertyRequest(in),
                     fmt::format("SetCAProperty(0x{:x})", prop_id));
}

Result<std::pair<std::int32_t, Bytes>> CertAdminClient::GetCaPropertyInfo() {
  ica::AuthorityIn in;
  in.orpcthis = NewOrpcThis();
  in.authority = authority16_;
  Result<Bytes> stub =
      Call(Op(Opnum::kGetCAPropertyInfo), ica::EncodeAuthorityRequest(in), "GetCAPropertyInfo");
  if (!stub.ok()) return stub.status();
  Result<ica::DwordBlobOut> out = ica::DecodeDwordBlobResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodStatus(out->hresult, "GetCAPropertyInfo");
  return std::make_pair(static_cast<std::int32_t>(out->value), std::move(out->blob));
}

}  // namespace openadcs::client
