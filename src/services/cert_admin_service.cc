#include "openadcs/services/cert_admin_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <variant>

#include "openadcs/ca/access.h"
#include "openadcs/db/column_catalogue.h"
#include "openadcs/dcom/orpc_call.h"
#include "openadcs/idl/icert_admin_d.h"
#include "openadcs/idl/icert_admin_d2.h"
#include "openadcs/ndr/cert_view.h"
#include "openadcs/ndr/icert_admin.h"
#include "openadcs/security/officer_rights.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/filetime.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/utf16.h"
#include "services/caller_of.h"
#include "services/wire_values.h"

namespace openadcs::services {
namespace {

namespace wire = ndr::icert_admin;
namespace view = ndr::cert_view;
namespace d2 = idl::icert_admin_d2;
using Op = d2::Opnum;

// MS-CSRA 3.1.4.1.11 Flags.
constexpr std::uint32_t kEnumAttributes = 0;
constexpr std::uint32_t kEnumExtensions = 1;
// MS-CSRA 3.1.4.2.1 PublishCRLs Flags: CA_CRL_BASE and CA_CRL_DELTA are
// ca::crl_kind's values; CA_CRL_REPUBLISH asks to publish the stored CRLs
// again.
constexpr std::uint32_t kCrlRepublish = 0x10;
// GetServerState: the server is running (MS-CSRA 3.1.4.1.17).
constexpr std::uint32_t kServerRunning = 1;
// The low byte of CERTVIEWRESTRICTION.SeekOperator (certview.h CVR_SEEK_MASK).
constexpr std::int32_t kSeekMask = 0xFF;
// SetOfficerRights' fEnable: bits 0-15 enable, bits 16-31 the rights type
// (0 officer rights, else enrollment agent rights; MS-CSRA 3.1.4.2.13).
constexpr std::uint32_t kRightsEnableMask = 0xFFFF;
constexpr int kRightsTypeShift = 16;
// ServerControl's dwControlFlags (MS-CSRA 3.1.4.1.15; certadm.h
// CSCONTROL_SHUTDOWN, CSCONTROL_RESTART, CSCONTROL_SUSPEND).
constexpr std::uint32_t kControlShutdown = 1;
constexpr std::uint32_t kControlRestart = 2;
constexpr std::uint32_t kControlSuspend = 3;
// The configuration entry served from the CA's stored audit filter.
constexpr std::string_view kAuditFilterEntry = "AuditFilter";

std::uint32_t HresultOf(const Status& s) {
  return s.ok() ? hr::kOk : s.hresult().value_or(hr::kUnexpected);
}

std::string_view MethodName(std::uint16_t opnum) {
  return opnum < d2::kOpnumCount ? d2::kMethodNames[opnum] : "unknown";
}

void LogCall(const rpc::CallContext& ctx, std::uint16_t opnum, std::uint32_t hresult,
             const std::string& detail = {}) {
  spdlog::info("csra: {} from {}: {}{} -> 0x{:08x}", ctx.ClientName(), ctx.peer_address,
               MethodName(opnum), detail.empty() ? "" : " " + detail, hresult);
}

// A column's value as the wire types it (MS-CSRA 2.2.1.10.1).
view::ResultColumn WireColumn(const db::ColumnInfo& column, const db::ColumnValue& value) {
  view::ResultColumn out;
  out.type = static_cast<std::uint32_t>(column.type);
  out.index = column.id;
  if (const std::uint32_t* v = value.AsLong()) {
    out.value = view::MakeLongValue(static_cast<std::int32_t>(*v));
  } else if (const std::int64_t* t = value.AsDate()) {
    out.value = view::MakeDateValue(UnixToFiletime(*t));
  } else if (const std::string* s = value.AsString()) {
    Result<std::u16string> units = Utf8ToUtf16(*s);
    if (units.ok()) out.value = view::MakeStringValue(*units);
  } else if (const Bytes* b = value.AsBinary()) {
    out.value = *b;
  }
  return out;
}

std::uint32_t ReadLe32(std::span<const std::uint8_t> b) {
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

std::uint64_t ReadLe64(std::span<const std::uint8_t> b) {
  std::uint64_t v = 0;
  for (std::size_t i = 8; i-- > 0;) v = (v << 8) | b[i];
  return v;
}

// Who may read the CA's database and settings (MS-CSRA 3.1.1.7).
constexpr std::uint32_t kReaders = ca::rights::kAdmin | ca::rights::kOfficer | ca::rights::kRead;

// A CERTVIEWRESTRICTION value in the column's type (MS-CSRA 2.2.1.3):
// LONG 4 bytes, DATE an 8-byte FILETIME, STRING UTF-16LE (its NUL
// optional), BINARY as is; no bytes at all is the empty value.
Result<db::ColumnValue> RestrictionValue(const db::ColumnInfo& column, const Bytes& bytes,
                                         db::SeekOperator op) {
  if (bytes.empty()) return db::ColumnValue();
  switch (column.type) {
    case db::ColumnType::kLong:
      if (bytes.size() != 4) break;
      return db::ColumnValue::Long(ReadLe32(bytes));
    case db::ColumnType::kDate: {
      if (bytes.size() != 8) break;
      const std::uint64_t ft = ReadLe64(bytes);
      std::int64_t seconds = FiletimeToUnix(ft);
      // Whole seconds: "before t" and "at or after t" round a fractional t up.
      const bool fraction = ft > kUnixEpochAsFiletime && (ft % kFiletimeTicksPerSecond) != 0;
      if (fraction && (op == db::SeekOperator::kLt || op == db::SeekOperator::kGe)) ++seconds;
      return db::ColumnValue::Date(seconds);
    }
    case db::ColumnType::kString: {
      Result<std::u16string> units = Utf16LeBytesToString(bytes);
      if (!units.ok()) break;
      Result<std::string> text = Utf16ToUtf8(*units);
      if (!text.ok()) break;
      return db::ColumnValue::String(std::move(*text));
    }
    case db::ColumnType::kBinary: return db::ColumnValue::Binary(bytes);
  }
  return Status::InvalidArgument(
      "a restriction value on " + std::string(column.name) + " does not have its column's type",
      hr::kInvalidArg);
}

// The view OpenView asks for, rows from `ielt` (1-based). The table is the
// one of the first column named (OpenView has no table parameter);
// ValidateViewQuery refuses columns of another.
Result<db::ViewQuery> ViewQueryOf(const wire::OpenViewIn& in) {
  db::ViewQuery q;
  const db::ColumnInfo* first = nullptr;
  if (!in.columns.empty()) first = db::FindColumn(in.columns.front());
  if (first == nullptr && !in.restrictions.empty()) {
    first = db::FindColumn(in.restrictions.front().column_index);
  }
  if (first == nullptr) {
    return Status::InvalidArgument("the view names no known column", hr::kInvalidArg);
  }
  q.table = first->table;
  q.columns = in.columns;
  for (const wire::Restriction& r : in.restrictions) {
    const db::ColumnInfo* column = db::FindColumn(r.column_index);
    if (column == nullptr) {
      return Status::InvalidArgument("unknown column " + std::to_string(r.column_index),
                                     hr::kInvalidArg);
    }
    db::ViewRestriction out;
    out.column = r.column_index;
    out.op = static_cast<db::SeekOperator>(r.seek_operator & kSeekMask);
    out.sort = static_cast<db::SortOrder>(r.sort_order);
    if (r.sort_order < 0 || r.sort_order > 2) {
      return Status::InvalidArgument("unknown sort order", hr::kInvalidArg);
    }
    Result<db::ColumnValue> value = RestrictionValue(*column, r.value.value_or(Bytes{}), out.op);
    if (!value.ok()) return value.status();
    out.value = std::move(*value);
    q.restrictions.push_back(std::move(out));
  }
  OPENADCS_RETURN_IF_ERROR(db::ValidateViewQuery(q));
  return q;
}

// The columns of `table` in catalogue order (EnumViewColumnTable's iTable).
std::vector<const db::ColumnInfo*> TableColumns(db::Table table) {
  std::vector<const db::ColumnInfo*> out;
  for (const db::ColumnInfo& c : db::Columns()) {
    if (c.table == table) out.push_back(&c);
  }
  return out;
}

view::ColumnInfo WireColumnInfo(const db::ColumnInfo& c) {
  view::ColumnInfo out;
  out.type = static_cast<std::uint32_t>(c.type) | (c.indexed ? view::kTypeIndexed : 0u);
  out.index = c.id;
  out.max_bytes = c.max_bytes;
  Result<std::u16string> name = Utf8ToUtf16(std::string(c.name));
  if (name.ok()) out.name = *name;
  out.display_name = out.name;
  return out;
}

// GetViewDefaultColumnSet (MS-CSRA 3.1.4.1.10 and notes <49>-<55>): column
// names per set, resolved through the catalogue.
std::optional<std::vector<std::uint32_t>> DefaultColumnSet(std::uint32_t set) {
  std::vector<std::string_view> names;
  switch (set) {
    case 0xFFFFFFFF:  // pending requests
      names = {"RequestID",
               "Request.RequesterName",
               "Request.SubmittedWhen",
               "Request.DistinguishedName",
               "Request.Disposition",
               "Request.DispositionMessage"};
      break;
    case 0xFFFFFFFE:  // issued certificates
    case 0xFFFFFFF9:  // revoked certificates
      names = {"RequestID",
               "Request.RequesterName",
               "SerialNumber",
               "NotBefore",
               "NotAfter",
               "CertificateTemplate",
               "Request.Disposition",
               "Request.RevokedWhen",
               "Request.RevokedReason"};
      break;
    case 0xFFFFFFFD:  // failed requests
      names = {"RequestID", "Request.RequesterName", "Request.SubmittedWhen", "Request.StatusCode",
               "Request.DispositionMessage"};
      break;
    case 0xFFFFFFFC:  // extensions
      names = {"ExtensionRequestId", "ExtensionName", "ExtensionFlags", "ExtensionRawValue"};
      break;
    case 0xFFFFFFFB:  // attributes
      names = {"AttributeRequestId", "AttributeName", "AttributeValue"};
      break;
    case 0xFFFFFFFA:  // CRLs
      names = {"CRLRowId", "CRLNumber", "CRLThisUpdate", "CRLNextUpdate", "CRLCount"};
      break;
    default: return std::nullopt;
  }
  std::vector<std::uint32_t> ids;
  for (std::string_view name : names) {
    if (const db::ColumnInfo* c = db::FindColumn(name)) ids.push_back(c->id);
  }
  return ids;
}

bool EqualsIgnoreCase(const std::u16string& a, const std::string& b) {
  Result<std::u16string> b16 = Utf8ToUtf16(b);
  if (!b16.ok() || a.size() != b16->size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char16_t x = a[i] < 0x80 ? static_cast<char16_t>(std::tolower(a[i])) : a[i];
    const char16_t y =
        (*b16)[i] < 0x80 ? static_cast<char16_t>(std::tolower((*b16)[i])) : (*b16)[i];
    if (x != y) return false;
  }
  return true;
}

// Entries after the one named `last` (case-insensitive; MS-CSRA 3.1.4.1.11),
// at most `max`. nullopt when `last` names none of them.
template <typename Row, typename NameOf>
std::optional<std::vector<Row>> After(std::vector<Row> rows,
                                      const std::optional<std::u16string>& last, std::size_t max,
                                      NameOf name_of) {
  auto begin = rows.begin();
  if (last) {
    begin = std::find_if(rows.begin(), rows.end(),
                         [&](const Row& r) { return EqualsIgnoreCase(*last, name_of(r)); });
    if (begin == rows.end()) return std::nullopt;
    ++begin;
  }
  auto end = begin + static_cast<std::ptrdiff_t>(
                         std::min<std::size_t>(max, static_cast<std::size_t>(rows.end() - begin)));
  return std::vector<Row>(std::make_move_iterator(begin), std::make_move_iterator(end));
}

struct ViewPageOut {
  wire::DwordBlobOut out;
  std::optional<db::ViewCursor> next;  // after the last row, when more may follow
};

// One page of `query`: rows from `ielt` (1-based; 0 is read as 1), at most
// `celt`, encoded as CERTTRANSDBRESULTROWs with the end marker after the
// last row of the view (MS-CSRA 3.1.4.1.13). With `after`, the cursor
// after row ielt - 1, the page starts right after that row.
Result<ViewPageOut> Page(ca::Engine& engine, const ca::Caller& caller, db::ViewQuery query,
                         std::uint32_t ielt, std::uint32_t celt,
                         std::optional<db::ViewCursor> after) {
  const std::uint32_t first_row = std::max<std::uint32_t>(ielt, 1) - 1;
  query.first_row = after ? 0 : first_row;
  query.after = std::move(after);
  query.max_rows = celt;
  Result<db::ViewPage> page = engine.QueryView(caller, query);
  if (!page.ok()) return page.status();
  view::ResultRows rows;
  for (const db::ViewRow& row : page->rows) {
    view::ResultRow r{row.row_id, {}};
    for (std::size_t i = 0; i < row.values.size(); ++i) {
      r.columns.push_back(WireColumn(*db::FindColumn(query.columns[i]), row.values[i]));
    }
    rows.rows.push_back(std::move(r));
  }
  if (page->end) rows.end_total = first_row + static_cast<std::uint32_t>(page->rows.size());
  ViewPageOut result;
  result.out.value = static_cast<std::uint32_t>(page->rows.size());
  result.out.blob = view::EncodeResultRows(rows);
  result.next = std::move(page->next);
  return result;
}

// SetCAProperty: the property's checks (MS-CSRA 3.1.4.2.3), then the
// engine's. Only CR_PROP_TEMPLATES is served; the KRA properties need key
// archival, which this CA does not have.
Status SetServedTemplates(ca::Engine& engine, const ca::Caller& caller,
                          const wire::SetCaPropertyIn& in) {
  constexpr std::int32_t kFirstKraProperty = 0x18;  // CR_PROP_KRACERTUSEDCOUNT .. KRACERT
  constexpr std::int32_t kLastKraProperty = 0x1A;
  if (in.prop_id >= kFirstKraProperty && in.prop_id <= kLastKraProperty) {
    return Status::FailedPrecondition("key recovery agents are not supported", hr::kNotSupported);
  }
  if (in.prop_id != ca::prop::kTemplates) {
    return Status::InvalidArgument("not a property SetCAProperty sets", hr::kInvalidArg);
  }
  if (in.prop_index != 0 || in.prop_type != static_cast<std::int32_t>(ca::PropType::kString)) {
    return Status::InvalidArgument("CR_PROP_TEMPLATES takes index 0 and PROPTYPE_STRING",
                                   hr::kInvalidArg);
  }
  Result<std::string> text = Utf16LeBytesToUtf8(in.value);
  if (!text.ok()) {
    return Status::InvalidArgument("the template list is not UTF-16 text", hr::kInvalidArg);
  }
  Result<std::vector<std::string>> names = ca::ParseTemplatesText(*text);
  if (!names.ok()) return names.status();
  return engine.SetServedTemplates(caller, *names);
}

const ConfigEntry* FindConfigEntry(const std::vector<ConfigEntry>& entries, std::string_view name) {
  for (const ConfigEntry& e : entries) {
    if (EqualsIgnoreCaseAscii(e.name, name)) return &e;
  }
  return nullptr;
}

// `value` as GetConfigEntry's VARIANT: VT_I4 or VT_BSTR.
std::uint32_t VariantOf(const std::variant<std::int32_t, std::string>& value, wire::Variant* out) {
  if (const auto* n = std::get_if<std::int32_t>(&value)) {
    *out = *n;
    return hr::kOk;
  }
  Result<std::u16string> text = Utf8ToUtf16(std::get<std::string>(value));
  if (!text.ok()) return hr::kUnexpected;
  *out = std::move(*text);
  return hr::kOk;
}

// E_NOTIMPL in the out-parameters of `opnum`, one of the methods Dispatch
// does not serve; BackupReadFile's buffer has the size its request asked.
rpc::CallResult NotImplementedResponse(std::uint16_t opnum, std::int32_t read_buffer_size) {
  switch (static_cast<Op>(opnum)) {
    case Op::kGetArchivedKey:
      return rpc::CallResult::Response(wire::EncodeBlobResponse({{}, {}, hr::kNotImpl}));
    case Op::kBackupGetAttachmentInformation:
    case Op::kBackupGetBackupLogs:
    case Op::kBackupGetDynamicFiles:
    case Op::kRestoreGetDatabaseLocations:
      return rpc::CallResult::Response(wire::EncodeNameListResponse({{}, {}, hr::kNotImpl}));
    case Op::kBackupOpenFile:
      return rpc::CallResult::Response(wire::EncodeBackupOpenFileResponse({{}, 0, hr::kNotImpl}));
    case Op::kBackupReadFile:
      return rpc::CallResult::Response(wire::EncodeBackupReadFileResponse(
          {{}, Bytes(static_cast<std::size_t>(read_buffer_size)), 0, hr::kNotImpl}));
    default: return dcom::HresultResponse(hr::kNotImpl);
  }
}

}  // namespace

bool OpenViewCounter::Acquire(const std::string& client) {
  std::lock_guard lock(mu_);
  std::size_t& n = open_[client];
  if (n >= max_per_client_) return false;
  ++n;
  return true;
}

void OpenViewCounter::Release(const std::string& client) {
  std::lock_guard lock(mu_);
  auto it = open_.find(client);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

CertAdminObject::CertAdminObject(ca::Engine& engine, CertAdminOptions options,
                                 std::shared_ptr<OpenViewCounter> views)
    : engine_(engine), options_(options), views_(std::move(views)) {}

CertAdminObject::~CertAdminObject() {
  if (view_) views_->Release(view_->client);
}

std::vector<rpc::SyntaxId> CertAdminObject::interfaces() const {
  namespace d = idl::icert_admin_d;
  return {{d::kUuid, d::kVersionMajor, d::kVersionMinor},
          {d2::kUuid, d2::kVersionMajor, d2::kVersionMinor}};
}

// ICertAdminD2 inherits ICertAdminD, so opnums below ICertAdminD's count
// mean the same on both, and the runtime has held ICertAdminD to its own.
rpc::CallResult CertAdminObject::Call(const rpc::CallContext& ctx, const rpc::SyntaxId&,
                                      std::uint16_t opnum, std::span<const std::uint8_t> stub) {
  return Dispatch(ctx, opnum, stub);
}

rpc::CallResult CertAdminObject::Dispatch(const rpc::CallContext& ctx, std::uint16_t opnum,
                                          std::span<const std::uint8_t> stub) {
  switch (static_cast<Op>(opnum)) {
    case Op::kSetExtension: return SetExtension(ctx, stub);
    case Op::kSetAttributes: return SetAttributes(ctx, stub);
    case Op::kResubmitRequest: return ResubmitRequest(ctx, stub);
    case Op::kDenyRequest: return DenyRequest(ctx, stub);
    case Op::kIsValidCertificate: return IsValidCertificate(ctx, stub);
    case Op::kPublishCRL: return PublishCrl(ctx, false, stub);
    case Op::kGetCRL: return GetCrl(ctx, stub);
    case Op::kRevokeCertificate: return RevokeCertificate(ctx, stub);
    case Op::kEnumViewColumn: return EnumViewColumn(ctx, false, stub);
    case Op::kGetViewDefaultColumnSet: return GetViewDefaultColumnSet(ctx, stub);
    case Op::kEnumAttributesOrExtensions: return EnumAttributesOrExtensions(ctx, stub);
    case Op::kOpenView: return OpenViewCall(ctx, stub);
    case Op::kEnumView: return EnumViewCall(ctx, stub);
    case Op::kCloseView: return CloseViewCall(ctx, stub);
    case Op::kPing:
    case Op::kPing2: return Ping(ctx, opnum, stub);
    case Op::kGetServerState: return GetServerState(ctx, stub);
    case Op::kPublishCRLs: return PublishCrl(ctx, true, stub);
    case Op::kGetCAProperty: return GetCaProperty(ctx, stub);
    case Op::kGetCAPropertyInfo: return GetCaPropertyInfo(ctx, stub);
    case Op::kEnumViewColumnTable: return EnumViewColumn(ctx, true, stub);
    case Op::kGetCASecurity: return GetCaSecurity(ctx, stub);
    case Op::kSetCASecurity: return SetCaSecurity(ctx, stub);
    case Op::kSetCAProperty: return SetCaProperty(ctx, stub);
    case Op::kGetMyRoles: return GetMyRoles(ctx, stub);
    case Op::kGetOfficerRights: return GetOfficerRights(ctx, stub);
    case Op::kSetOfficerRights: return SetOfficerRights(ctx, stub);
    case Op::kGetAuditFilter: return GetAuditFilter(ctx, stub);
    case Op::kImportCertificate: return ImportCertificate(ctx, stub);
    case Op::kDeleteRow: return DeleteRow(ctx, stub);
    case Op::kSetAuditFilter: return SetAuditFilter(ctx, stub);
    case Op::kGetConfigEntry: return GetConfigEntry(ctx, stub);
    case Op::kSetConfigEntry: return SetConfigEntry(ctx, stub);
    case Op::kServerControl: return ServerControl(ctx, stub);
    default: return NotSupported(ctx, opnum, stub);
  }
}

std::uint32_t CertAdminObject::Precheck(const rpc::CallContext& ctx,
                                        const std::optional<std::u16string>& authority) const {
  if (ctx.auth_level < auth::AuthLevel::kPrivacy) return hr::kAccessDenied;
  Result<std::string> name = Utf8(authority);
  if (!name.ok() || !engine_.properties().NamesThisCa(*name)) return hr::kInvalidArg;
  return hr::kOk;
}

std::uint32_t CertAdminObject::Precheck(const rpc::CallContext& ctx,
                                        const std::optional<std::u16string>& authority,
                                        std::uint32_t any_of, std::string_view operation) const {
  if (std::uint32_t hresult = Precheck(ctx, authority); hresult != hr::kOk) return hresult;
  return HresultOf(engine_.security().Require(CallerOf(ctx, engine_), any_of, operation));
}

rpc::CallResult CertAdminObject::OpenViewCall(const rpc::CallContext& ctx,
                                              std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kOpenView);
  rpc::CallResult fault;
  Result<wire::OpenViewIn> in = dcom::DecodeOrpcCall(
      wire::DecodeOpenViewRequest(stub, options_.ndr_limits), ctx, "OpenView", &fault);
  if (!in.ok()) return fault;
  wire::DwordBlobOut out;
  out.hresult = Precheck(ctx, in->authority);
  const ca::Caller caller = CallerOf(ctx, engine_);
  std::string detail;
  if (out.hresult == hr::kOk) {
    std::lock_guard lock(mu_);
    Result<db::ViewQuery> query = ViewQueryOf(*in);
    if (view_) {
      out.hresult = hr::kUnexpected;
      detail = "a view is already open";
    } else if (!query.ok()) {
      out.hresult = HresultOf(query.status());
      detail = query.status().message();
    } else if (!views_->Acquire(caller.name)) {
      out.hresult = hr::kOutOfMemory;
      detail = "too many open views";
    } else {
      Result<ViewPageOut> page = Page(engine_, caller, *query, in->ielt,
                                      std::min(in->celt, options_.max_rows_per_call), {});
      if (page.ok()) {
        out = std::move(page->out);
        view_ = OpenView{caller.name, std::move(*query), ++view_generation_,
                         std::max<std::uint32_t>(in->ielt, 1) + out.value, std::move(page->next)};
        detail = std::to_string(out.value) + " rows";
      } else {
        views_->Release(caller.name);
        out.hresult = HresultOf(page.status());
        detail = page.status().message();
      }
    }
  }
  LogCall(ctx, kOpnum, out.hresult, detail);
  return rpc::CallResult::Response(wire::EncodeDwordBlobResponse(out));
}

rpc::CallResult CertAdminObject::EnumViewCall(const rpc::CallContext& ctx,
                                              std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kEnumView);
  rpc::CallResult fault;
  Result<wire::EnumViewIn> in = dcom::DecodeOrpcCall(
      wire::DecodeEnumViewRequest(stub, options_.ndr_limits), ctx, "EnumView", &fault);
  if (!in.ok()) return fault;
  wire::DwordBlobOut out;
  out.hresult = Precheck(ctx, in->authority);
  std::string detail;
  if (out.hresult == hr::kOk) {
    std::optional<OpenView> view;
    {
      std::lock_guard lock(mu_);
      view = view_;
    }
    if (!view) {
      out.hresult = hr::kHandle;
      detail = "no view is open";
    } else {
      const std::uint32_t ielt = std::max<std::uint32_t>(in->ielt, 1);
      std::optional<db::ViewCursor> after;
      if (ielt == view->next_ielt) after = std::move(view->cursor);
      Result<ViewPageOut> page =
          Page(engine_, CallerOf(ctx, engine_), std::move(view->query), ielt,
               std::min(in->celt, options_.max_rows_per_call), std::move(after));
      if (page.ok()) {
        out = std::move(page->out);
        std::lock_guard lock(mu_);
        if (view_ && view_->generation == view->generation) {
          view_->next_ielt = ielt + out.value;
          view_->cursor = std::move(page->next);
        }
        detail = "from " + std::to_string(in->ielt) + ": " + std::to_string(out.value) + " rows";
      } else {
        out.hresult = HresultOf(page.status());
        detail = page.status().message();
      }
    }
  }
  LogCall(ctx, kOpnum, out.hresult, detail);
  return rpc::CallResult::Response(wire::EncodeDwordBlobResponse(out));
}

rpc::CallResult CertAdminObject::CloseViewCall(const rpc::CallContext& ctx,
                                               std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kCloseView);
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx, "CloseView", &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = Precheck(ctx, in->authority);
  if (hresult == hr::kOk) {
    std::lock_guard lock(mu_);
    if (!view_) {
      hresult = hr::kHandle;
    } else {
      views_->Release(view_->client);
      view_.reset();
    }
  }
  LogCall(ctx, kOpnum, hresult);
  return dcom::HresultResponse(hresult);
}

rpc::CallResult CertAdminObject::EnumViewColumn(const rpc::CallContext& ctx, bool with_table,
                                                std::span<const std::uint8_t> stub) {
  const auto opnum =
      static_cast<std::uint16_t>(with_table ? Op::kEnumViewColumnTable : Op::kEnumViewColumn);
  rpc::CallResult fault;
  Result<wire::EnumViewColumnIn> in = dcom::DecodeOrpcCall(
      with_table ? wire::DecodeEnumViewColumnTableRequest(stub, options_.ndr_limits)
                 : wire::DecodeEnumViewColumnRequest(stub, options_.ndr_limits),
      ctx, MethodName(opnum), &fault);
  if (!in.ok()) return fault;
  wire::DwordBlobOut out;
  out.hresult = Precheck(ctx, in->authority, kReaders, "read the column catalogue");
  const auto table = static_cast<db::Table>(in->table);
  const bool known_table = table == db::Table::kRequestCertificate ||
                           table == db::Table::kExtension || table == db::Table::kAttribute ||
                           table == db::Table::kCrl;
  if (out.hresult == hr::kOk && !known_table) out.hresult = hr::kInvalidArg;
  if (out.hresult == hr::kOk) {
    const std::vector<const db::ColumnInfo*> columns = TableColumns(table);
    if (in->first_column >= columns.size()) {
      out.hresult = hr::kInvalidArg;
    } else {
      const std::size_t n =
          std::min<std::size_t>(in->column_count, columns.size() - in->first_column);
      std::vector<view::ColumnInfo> infos;
      for (std::size_t i = 0; i < n; ++i)
        infos.push_back(WireColumnInfo(*columns[in->first_column + i]));
      out.value = static_cast<std::uint32_t>(infos.size());
      out.blob = view::EncodeColumnInfos(infos);
    }
  }
  LogCall(ctx, opnum, out.hresult);
  return rpc::CallResult::Response(wire::EncodeDwordBlobResponse(out));
}

rpc::CallResult CertAdminObject::GetViewDefaultColumnSet(const rpc::CallContext& ctx,
                                                         std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kGetViewDefaultColumnSet);
  rpc::CallResult fault;
  Result<wire::AuthorityDwordIn> in =
      dcom::DecodeOrpcCall(wire::DecodeAuthorityDwordRequest(stub, options_.ndr_limits), ctx,
                           "GetViewDefaultColumnSet", &fault);
  if (!in.ok()) return fault;
  wire::DwordBlobOut out;
  out.hresult = Precheck(ctx, in->authority, kReaders, "read the column catalogue");
  if (out.hresult == hr::kOk) {
    std::optional<std::vector<std::uint32_t>> ids = DefaultColumnSet(in->value);
    if (!ids) {
      out.hresult = hr::kInvalidArg;
    } else {
      out.value = static_cast<std::uint32_t>(ids->size());
      out.blob = view::EncodeColumnIds(*ids);
    }
  }
  LogCall(ctx, kOpnum, out.hresult);
  return rpc::CallResult::Response(wire::EncodeDwordBlobResponse(out));
}

rpc::CallResult CertAdminObject::EnumAttributesOrExtensions(const rpc::CallContext& ctx,
                                                            std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kEnumAttributesOrExtensions);
  rpc::CallResult fault;
  Result<wire::EnumAttributesOrExtensionsIn> in =
      dcom::DecodeOrpcCall(wire::DecodeEnumAttributesOrExtensionsRequest(stub, options_.ndr_limits),
                           ctx, "EnumAttributesOrExtensions", &fault);
  if (!in.ok()) return fault;
  wire::DwordBlobOut out;
  out.hresult = Precheck(ctx, in->authority);
  if (out.hresult == hr::kOk &&
      ((in->flags != kEnumAttributes && in->flags != kEnumExtensions) || in->row_id == 0)) {
    out.hresult = hr::kInvalidArg;
  }
  const ca::Caller caller = CallerOf(ctx, engine_);
  const std::size_t max = std::min(in->celt, options_.max_entries_per_call);
  if (out.hresult == hr::kOk && in->flags == kEnumExtensions) {
    Result<std::vector<db::ExtensionRow>> rows = engine_.Extensions(caller, in->row_id);
    if (!rows.ok()) {
      out.hresult = HresultOf(rows.status());
    } else if (auto page = After(std::move(*rows), in->last, max,
                                 [](const db::ExtensionRow& r) { return r.name; })) {
      std::vector<view::Extension> entries;
      for (const db::ExtensionRow& r : *page) {
        Result<std::u16string> name = Utf8ToUtf16(r.name);
        entries.push_back(
            {name.ok() ? *name : std::u16string(), static_cast<std::int32_t>(r.flags), r.value});
      }
      out.value = static_cast<std::uint32_t>(entries.size());
      out.blob = view::EncodeExtensions(entries);
    } else {
      out.hresult = hr::kInvalidArg;
    }
  } else if (out.hresult == hr::kOk) {
    Result<std::vector<db::AttributeRow>> rows = engine_.Attributes(caller, in->row_id);
    if (!rows.ok()) {
      out.hresult = HresultOf(rows.status());
    } else if (auto page = After(std::move(*rows), in->last, max,
                                 [](const db::AttributeRow& r) { return r.name; })) {
      std::vector<view::Attribute> entries;
      for (const db::AttributeRow& r : *page) {
        Result<std::u16string> name = Utf8ToUtf16(r.name);
        Result<std::u16string> value = Utf8ToUtf16(r.value);
        entries.push_back(
            {name.ok() ? *name : std::u16string(), value.ok() ? *value : std::u16string()});
      }
      out.value = static_cast<std::uint32_t>(entries.size());
      out.blob = view::EncodeAttributes(entries);
    } else {
      out.hresult = hr::kPropertyEmpty;
    }
  }
  LogCall(ctx, kOpnum, out.hresult, "request " + std::to_string(in->row_id));
  return rpc::CallResult::Response(wire::EncodeDwordBlobResponse(out));
}

rpc::CallResult CertAdminObject::SetExtension(const rpc::CallContext& ctx,
                                              std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kSetExtension);
  rpc::CallResult fault;
  Result<wire::SetExtensionIn> in = dcom::DecodeOrpcCall(
      wire::DecodeSetExtensionRequest(stub, options_.ndr_limits), ctx, "SetExtension", &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = Precheck(ctx, in->authority);
  Result<std::string> oid = Utf8(in->extension_name);
  if (hresult == hr::kOk && !oid.ok()) hresult = hr::kInvalidArg;
  if (hresult == hr::kOk) {
    const auto type = static_cast<ca::ValueType>(in->type);
    Bytes value = in->value;
    // The engine takes a STRING as UTF-8; the wire carries UTF-16LE.
    if (type == ca::ValueType::kString) {
      Result<std::u16string> units = Utf16LeBytesToString(in->value);
      Result<std::string> text = units.ok() ? Utf16ToUtf8(*units) : units.status();
      if (!text.ok()) {
        hresult = hr::kInvalidArg;
      } else {
        value.assign(text->begin(), text->end());
      }
    }
    if (hresult == hr::kOk) {
      hresult = HresultOf(engine_.SetExtension(CallerOf(ctx, engine_), in->request_id, *oid, type,
                                               in->flags, value));
    }
  }
  LogCall(ctx, kOpnum, hresult,
          "request " + std::to_string(in->request_id) + " " + (oid.ok() ? *oid : "?"));
  return dcom::HresultResponse(hresult);
}

rpc::CallResult CertAdminObject::SetAttributes(const rpc::CallContext& ctx,
                                               std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kSetAttributes);
  rpc::CallResult fault;
  Result<wire::SetAttributesIn> in = dcom::DecodeOrpcCall(
      wire::DecodeSetAttributesRequest(stub, options_.ndr_limits), ctx, "SetAttributes", &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = Precheck(ctx, in->authority);
  Result<std::string> attributes = Utf8(in->attributes);
  if (hresult == hr::kOk && (!attributes.ok() || attributes->empty())) hresult = hr::kInvalidArg;
  if (hresult == hr::kOk) {
    hresult = HresultOf(engine_.SetAttributes(CallerOf(ctx, engine_), in->request_id, *attributes));
  }
  LogCall(ctx, kOpnum, hresult, "request " + std::to_string(in->request_id));
  return dcom::HresultResponse(hresult);
}

// MS-CSRA 3.1.4.1.3: an unknown request is the HRESULT (disposition 0),
// as Windows Server 2008 and later answer; a policy denial or a request in
// the wrong state is an HRESULT in the disposition.
rpc::CallResult CertAdminObject::ResubmitRequest(const rpc::CallContext& ctx,
                                                 std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kResubmitRequest);
  rpc::CallResult fault;
  Result<wire::AuthorityDwordIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityDwordRequest(stub, options_.ndr_limits), ctx, "ResubmitRequest", &fault);
  if (!in.ok()) return fault;
  wire::DwordOut out;
  out.hresult = Precheck(ctx, in->authority);
  if (out.hresult == hr::kOk) {
    ca::SubmitResult result = engine_.Resubmit(CallerOf(ctx, engine_), in->value);
    if (result.status == hr::kPropertyEmpty || result.status == hr::kAccessDenied ||
        result.status == hr::kRestrictedOfficer) {
      out.hresult = result.status;
    } else {
      out.value = WireDispositionOf(result);
    }
  }
  LogCall(ctx, kOpnum, out.hresult,
          "request " + std::to_string(in->value) + " -> disposition " + std::to_string(out.value));
  return rpc::CallResult::Response(wire::EncodeDwordResponse(out));
}

rpc::CallResult CertAdminObject::DenyRequest(const rpc::CallContext& ctx,
                                             std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kDenyRequest);
  rpc::CallResult fault;
  Result<wire::AuthorityDwordIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityDwordRequest(stub, options_.ndr_limits), ctx, "DenyRequest", &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = Precheck(ctx, in->authority);
  if (hresult == hr::kOk) hresult = HresultOf(engine_.Deny(CallerOf(ctx, engine_), in->value));
  LogCall(ctx, kOpnum, hresult, "request " + std::to_string(in->value));
  return dcom::HresultResponse(hresult);
}

rpc::CallResult CertAdminObject::RevokeCertificate(const rpc::CallContext& ctx,
                                                   std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kRevokeCertificate);
  rpc::CallResult fault;
  Result<wire::RevokeCertificateIn> in =
      dcom::DecodeOrpcCall(wire::DecodeRevokeCertificateRequest(stub, options_.ndr_limits), ctx,
                           "RevokeCertificate", &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = Precheck(ctx, in->authority);
  Result<std::string> serial = Utf8(in->serial_number);
  if (hresult == hr::kOk && !serial.ok()) hresult = hr::kInvalidArg;
  if (hresult == hr::kOk) {
    // A zero FILETIME means now (MS-CSRA 3.1.4.1.8).
    const std::int64_t when = in->file_time == 0 ? 0 : FiletimeToUnix(in->file_time);
    hresult = HresultOf(engine_.Revoke(CallerOf(ctx, engine_), *serial, in->reason, when));
  }
  LogCall(ctx, kOpnum, hresult,
          (serial.ok() ? *serial : "?") + " reason " + std::to_string(in->reason));
  return dcom::HresultResponse(hresult);
}

rpc::CallResult CertAdminObject::IsValidCertificate(const rpc::CallContext& ctx,
                                                    std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kIsValidCertificate);
  rpc::CallResult fault;
  Result<wire::IsValidCertificateIn> in =
      dcom::DecodeOrpcCall(wire::DecodeIsValidCertificateRequest(stub, options_.ndr_limits), ctx,
                           "IsValidCertificate", &fault);
  if (!in.ok()) return fault;
  wire::IsValidCertificateOut out;
  out.hresult = Precheck(ctx, in->authority);
  Result<std::string> serial = Utf8(in->serial_number);
  if (out.hresult == hr::kOk && !serial.ok()) out.hresult = hr::kInvalidArg;
  if (out.hresult == hr::kOk) {
    Result<ca::RevocationStatus> status =
        engine_.IsValidCertificate(CallerOf(ctx, engine_), *serial);
    if (!status.ok()) {
      out.hresult = HresultOf(status.status());
    } else {
      out.disposition = static_cast<std::int32_t>(status->disposition);
      out.revocation_reason = static_cast<std::int32_t>(status->reason);
    }
  }
  LogCall(ctx, kOpnum, out.hresult, serial.ok() ? *serial : "?");
  return rpc::CallResult::Response(wire::EncodeIsValidCertificateResponse(out));
}

// PublishCRL's FILETIME is the next update (0: the CA's period); PublishCRLs
// adds flags: base and delta CRLs are served, REPUBLISH is not (the engine
// publishes only to its database; the daemon writes the files).
rpc::CallResult CertAdminObject::PublishCrl(const rpc::CallContext& ctx, bool publish_crls,
                                            std::span<const std::uint8_t> stub) {
  const auto opnum = static_cast<std::uint16_t>(publish_crls ? Op::kPublishCRLs : Op::kPublishCRL);
  rpc::CallResult fault;
  Result<wire::PublishCrlIn> in =
      dcom::DecodeOrpcCall(publish_crls ? wire::DecodePublishCrlsRequest(stub, options_.ndr_limits)
                                        : wire::DecodePublishCrlRequest(stub, options_.ndr_limits),
                           ctx, MethodName(opnum), &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = Precheck(ctx, in->authority);
  const std::uint32_t flags = publish_crls ? in->flags : ca::crl_kind::kBase;
  std::string detail;
  if (hresult == hr::kOk && (flags & kCrlRepublish) != 0) {
    hresult = hr::kNotImpl;
    detail = "republishing stored CRLs (CA_CRL_REPUBLISH) is not implemented";
  }
  if (hresult == hr::kOk) {
    const std::int64_t next = in->file_time == 0 ? 0 : FiletimeToUnix(in->file_time);
    Result<ca::PublishedCrls> crls = engine_.PublishCrls(CallerOf(ctx, engine_), flags, next);
    hresult = HresultOf(crls.status());
    if (!crls.ok()) detail = crls.status().message();
    if (crls.ok() && crls->base) detail = "CRL " + std::to_string(crls->base->number);
    if (crls.ok() && crls->delta) {
      detail += (detail.empty() ? "" : ", ") + std::string("delta CRL ") +
                std::to_string(crls->delta->number);
    }
  }
  LogCall(ctx, opnum, hresult, detail);
  return dcom::HresultResponse(hresult);
}

rpc::CallResult CertAdminObject::GetCrl(const rpc::CallContext& ctx,
                                        std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kGetCRL);
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx, "GetCRL", &fault);
  if (!in.ok()) return fault;
  wire::BlobOut out;
  out.hresult = Precheck(ctx, in->authority);
  if (out.hresult == hr::kOk) {
    Result<db::CrlRow> crl = engine_.LatestCrl(CallerOf(ctx, engine_));
    out.hresult = HresultOf(crl.status());
    if (crl.ok()) out.blob = std::move(crl->raw_crl);
  }
  LogCall(ctx, kOpnum, out.hresult);
  return rpc::CallResult::Response(wire::EncodeBlobResponse(out));
}

rpc::CallResult CertAdminObject::GetCaProperty(const rpc::CallContext& ctx,
                                               std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kGetCAProperty);
  rpc::CallResult fault;
  Result<wire::GetCaPropertyIn> in = dcom::DecodeOrpcCall(
      wire::DecodeGetCaPropertyRequest(stub, options_.ndr_limits), ctx, "GetCAProperty", &fault);
  if (!in.ok()) return fault;
  wire::BlobOut out;
  out.hresult = Precheck(ctx, in->authority, kReaders, "read the CA's properties");
  if (out.hresult == hr::kOk) {
    Result<ca::PropertyValue> value =
        engine_.properties().Get(in->prop_id, in->prop_index, in->prop_type);
    out.hresult = HresultOf(value.status());
    if (value.ok()) out.blob = value->is_text ? TextBlob(value->text) : std::move(value->bytes);
  }
  LogCall(ctx, kOpnum, out.hresult, "0x" + fmt::format("{:x}", in->prop_id));
  return rpc::CallResult::Response(wire::EncodeBlobResponse(out));
}

rpc::CallResult CertAdminObject::GetCaPropertyInfo(const rpc::CallContext& ctx,
                                                   std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kGetCAPropertyInfo);
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx, "GetCAPropertyInfo", &fault);
  if (!in.ok()) return fault;
  wire::DwordBlobOut out;
  out.hresult = Precheck(ctx, in->authority, kReaders, "read the CA's properties");
  if (out.hresult == hr::kOk) {
    out.value = static_cast<std::uint32_t>(engine_.properties().property_count());
    out.blob = engine_.properties().PropertyInfo();
  }
  LogCall(ctx, kOpnum, out.hresult);
  return rpc::CallResult::Response(wire::EncodeDwordBlobResponse(out));
}

rpc::CallResult CertAdminObject::GetCaSecurity(const rpc::CallContext& ctx,
                                               std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kGetCASecurity);
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx, "GetCASecurity", &fault);
  if (!in.ok()) return fault;
  wire::BlobOut out;
  out.hresult = Precheck(ctx, in->authority, kReaders, "read the CA security");
  if (out.hresult == hr::kOk) out.blob = engine_.security().Descriptor();
  LogCall(ctx, kOpnum, out.hresult);
  return rpc::CallResult::Response(wire::EncodeBlobResponse(out));
}

rpc::CallResult CertAdminObject::SetCaSecurity(const rpc::CallContext& ctx,
                                               std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kSetCASecurity);
  rpc::CallResult fault;
  Result<wire::AuthorityBlobIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityBlobRequest(stub, options_.ndr_limits), ctx, "SetCASecurity", &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = Precheck(ctx, in->authority);
  if (hresult == hr::kOk)
    hresult = HresultOf(engine_.security().Replace(CallerOf(ctx, engine_), in->blob));
  LogCall(ctx, kOpnum, hresult);
  return dcom::HresultResponse(hresult);
}

rpc::CallResult CertAdminObject::SetCaProperty(const rpc::CallContext& ctx,
                                               std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kSetCAProperty);
  rpc::CallResult fault;
  Result<wire::SetCaPropertyIn> in = dcom::DecodeOrpcCall(
      wire::DecodeSetCaPropertyRequest(stub, options_.ndr_limits), ctx, "SetCAProperty", &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = Precheck(ctx, in->authority, ca::rights::kAdmin, "set a CA property");
  std::string detail = fmt::format("0x{:x}", in->prop_id);
  if (hresult == hr::kOk) {
    Status set = SetServedTemplates(engine_, CallerOf(ctx, engine_), *in);
    hresult = HresultOf(set);
    if (!set.ok()) detail += ": " + set.message();
  }
  LogCall(ctx, kOpnum, hresult, detail);
  return dcom::HresultResponse(hresult);
}

rpc::CallResult CertAdminObject::GetMyRoles(const rpc::CallContext& ctx,
                                            std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kGetMyRoles);
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx, "GetMyRoles", &fault);
  if (!in.ok()) return fault;
  wire::DwordOut out;
  out.hresult = Precheck(ctx, in->authority);
  if (out.hresult == hr::kOk) out.value = engine_.security().RightsOf(CallerOf(ctx, engine_));
  LogCall(ctx, kOpnum, out.hresult, fmt::format("roles 0x{:x}", out.value));
  return rpc::CallResult::Response(wire::EncodeDwordResponse(out));
}

// MS-CSRA 3.1.1.7: Ping and Ping2 of ICertAdminD need Administrator.
rpc::CallResult CertAdminObject::Ping(const rpc::CallContext& ctx, std::uint16_t opnum,
                                      std::span<const std::uint8_t> stub) {
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx, MethodName(opnum), &fault);
  if (!in.ok()) return fault;
  const std::uint32_t hresult = Precheck(ctx, in->authority, ca::rights::kAdmin, "ping");
  LogCall(ctx, opnum, hresult);
  return dcom::HresultResponse(hresult);
}

// MS-CSRA 3.1.1.7: GetServerState needs no right.
rpc::CallResult CertAdminObject::GetServerState(const rpc::CallContext& ctx,
                                                std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kGetServerState);
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx, "GetServerState", &fault);
  if (!in.ok()) return fault;
  wire::DwordOut out;
  out.hresult = Precheck(ctx, in->authority);
  if (out.hresult == hr::kOk) out.value = kServerRunning;
  LogCall(ctx, kOpnum, out.hresult);
  return rpc::CallResult::Response(wire::EncodeDwordResponse(out));
}

// pfEnabled: officer rights enabled; pctbSD: officer and enrollment agent
// rights in the form MS-CSRA 2.2.1.11.1 gives a server that supports
// enrollment agent rights (security/officer_rights.h), which this CA does.
rpc::CallResult CertAdminObject::GetOfficerRights(const rpc::CallContext& ctx,
                                                  std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kGetOfficerRights);
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx, "GetOfficerRights", &fault);
  if (!in.ok()) return fault;
  wire::DwordBlobOut out;
  out.hresult = Precheck(ctx, in->authority, kReaders, "read the officer rights");
  std::string detail;
  if (out.hresult == hr::kOk) {
    ca::CaSecurity::OfficerRightsState officer = engine_.security().OfficerRights();
    ca::CaSecurity::OfficerRightsState agent = engine_.security().EnrollmentAgentRights();
    out.value = officer.enabled ? 1 : 0;
    detail = fmt::format("officer rights {}, enrollment agent rights {}",
                         officer.enabled ? "enabled" : "disabled",
                         agent.enabled ? "enabled" : "disabled");
    out.blob = security::EncodeMarshaledRights(
        {std::move(officer.descriptor), std::move(agent.descriptor)});
  }
  LogCall(ctx, kOpnum, out.hresult, detail);
  return rpc::CallResult::Response(wire::EncodeDwordBlobResponse(out));
}

rpc::CallResult CertAdminObject::SetOfficerRights(const rpc::CallContext& ctx,
                                                  std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kSetOfficerRights);
  rpc::CallResult fault;
  Result<wire::SetOfficerRightsIn> in =
      dcom::DecodeOrpcCall(wire::DecodeSetOfficerRightsRequest(stub, options_.ndr_limits), ctx,
                           "SetOfficerRights", &fault);
  if (!in.ok()) return fault;
  const auto flags = static_cast<std::uint32_t>(in->enable);
  const bool enable = (flags & kRightsEnableMask) != 0;
  std::uint32_t hresult = Precheck(ctx, in->authority);
  std::string detail = enable ? "enable" : "disable";
  if (hresult == hr::kOk && (flags >> kRightsTypeShift) != 0) {
    detail += " enrollment agent rights";
    hresult = HresultOf(engine_.security().ReplaceEnrollmentAgentRights(
        CallerOf(ctx, engine_), enable, in->security_descriptor));
  } else if (hresult == hr::kOk) {
    hresult = HresultOf(engine_.security().ReplaceOfficerRights(CallerOf(ctx, engine_), enable,
                                                                in->security_descriptor));
  }
  LogCall(ctx, kOpnum, hresult, detail);
  return dcom::HresultResponse(hresult);
}

// The filter is stored and reported; the CA writes no Windows Security
// event log, and its own audit (database chain and log lines) records every
// change whatever the filter says (docs/protocols.md).
rpc::CallResult CertAdminObject::GetAuditFilter(const rpc::CallContext& ctx,
                                                std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kGetAuditFilter);
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx, "GetAuditFilter", &fault);
  if (!in.ok()) return fault;
  wire::DwordOut out;
  out.hresult = Precheck(ctx, in->authority, kReaders, "read the audit filter");
  if (out.hresult == hr::kOk) out.value = engine_.security().AuditFilter();
  LogCall(ctx, kOpnum, out.hresult, fmt::format("0x{:x}", out.value));
  return rpc::CallResult::Response(wire::EncodeDwordResponse(out));
}

rpc::CallResult CertAdminObject::ImportCertificate(const rpc::CallContext& ctx,
                                                   std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kImportCertificate);
  rpc::CallResult fault;
  Result<wire::ImportCertificateIn> in =
      dcom::DecodeOrpcCall(wire::DecodeImportCertificateRequest(stub, options_.ndr_limits), ctx,
                           "ImportCertificate", &fault);
  if (!in.ok()) return fault;
  wire::DwordOut out;
  out.hresult = Precheck(ctx, in->authority);
  if (out.hresult == hr::kOk) {
    Result<std::uint32_t> id = engine_.ImportCertificate(CallerOf(ctx, engine_), in->certificate,
                                                         static_cast<std::uint32_t>(in->flags));
    out.hresult = HresultOf(id.status());
    if (id.ok()) out.value = *id;
  }
  LogCall(ctx, kOpnum, out.hresult,
          fmt::format("{} bytes, flags 0x{:x} -> request {}", in->certificate.size(),
                      static_cast<std::uint32_t>(in->flags), out.value));
  return rpc::CallResult::Response(wire::EncodeDwordResponse(out));
}

// MS-CSRA 3.1.4.2.18. A delete by date stops after db::kMaxDeleteRowsPerCall
// rows; when more match, the count comes with ERROR_OUT_OF_MEMORY, what
// Windows answers when rows remain, so that the client calls again. The
// engine checks the rights first, then the table and the other arguments.
rpc::CallResult CertAdminObject::DeleteRow(const rpc::CallContext& ctx,
                                           std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kDeleteRow);
  rpc::CallResult fault;
  Result<wire::DeleteRowIn> in = dcom::DecodeOrpcCall(
      wire::DecodeDeleteRowRequest(stub, options_.ndr_limits), ctx, "DeleteRow", &fault);
  if (!in.ok()) return fault;
  wire::DwordOut out;
  out.hresult = Precheck(ctx, in->authority);
  if (out.hresult == hr::kOk) {
    ca::DeleteRowsRequest request;
    request.table = static_cast<db::Table>(in->table);
    request.flags = in->flags;
    request.row_id = in->row_id;
    if (in->file_time != 0) {
      // Whole seconds: "before t" rounds a fractional t up; a date at or
      // before 1970 matches no row, as -1 does, and stays a date.
      const std::uint64_t ft = in->file_time;
      std::int64_t seconds = FiletimeToUnix(ft);
      if (ft > kUnixEpochAsFiletime && ft % kFiletimeTicksPerSecond != 0) ++seconds;
      request.before = seconds > 0 ? seconds : -1;
    }
    Result<db::DeleteCount> count = engine_.DeleteRows(CallerOf(ctx, engine_), request);
    out.hresult = HresultOf(count.status());
    if (count.ok()) {
      out.value = count->deleted;
      if (count->more) out.hresult = hr::kOutOfMemory;
    }
  }
  LogCall(ctx, kOpnum, out.hresult,
          fmt::format("table 0x{:x} flags 0x{:x} row {} filetime {} -> {} deleted", in->table,
                      in->flags, in->row_id, in->file_time, out.value));
  return rpc::CallResult::Response(wire::EncodeDwordResponse(out));
}

rpc::CallResult CertAdminObject::SetAuditFilter(const rpc::CallContext& ctx,
                                                std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kSetAuditFilter);
  rpc::CallResult fault;
  Result<wire::AuthorityDwordIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityDwordRequest(stub, options_.ndr_limits), ctx, "SetAuditFilter", &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = Precheck(ctx, in->authority);
  if (hresult == hr::kOk) {
    hresult = HresultOf(engine_.security().SetAuditFilter(CallerOf(ctx, engine_), in->value));
  }
  LogCall(ctx, kOpnum, hresult, fmt::format("0x{:x}", in->value));
  return dcom::HresultResponse(hresult);
}

// Entries under the CA's node only (an empty node path); a missing entry is
// HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), as Windows answers for a
// registry value that does not exist. Listing a node (an empty entry name)
// needs a VARIANT array, which the codec does not carry: E_NOTIMPL.
rpc::CallResult CertAdminObject::GetConfigEntry(const rpc::CallContext& ctx,
                                                std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kGetConfigEntry);
  rpc::CallResult fault;
  Result<wire::ConfigEntryIn> in = dcom::DecodeOrpcCall(
      wire::DecodeGetConfigEntryRequest(stub, options_.ndr_limits), ctx, "GetConfigEntry", &fault);
  if (!in.ok()) return fault;
  wire::VariantOut out;
  out.hresult = Precheck(ctx, in->authority, kReaders, "read the configuration");
  Result<std::string> name = Utf8(in->entry);
  const std::string shown = name.ok() ? *name : "?";
  if (out.hresult == hr::kOk) {
    const bool root = !in->node_path || in->node_path->empty();
    if (!name.ok()) {
      out.hresult = hr::kInvalidArg;
    } else if (root && name->empty()) {
      out.hresult = hr::kNotImpl;
    } else if (root && EqualsIgnoreCaseAscii(*name, kAuditFilterEntry)) {
      out.value = static_cast<std::int32_t>(engine_.security().AuditFilter());
    } else {
      out.hresult = hr::kFileNotFound;
      const ConfigEntry* entry = root ? FindConfigEntry(options_.config_entries, *name) : nullptr;
      if (entry != nullptr) out.hresult = VariantOf(entry->value, &out.value);
    }
  }
  LogCall(ctx, kOpnum, out.hresult, shown);
  return rpc::CallResult::Response(wire::EncodeVariantResponse(out));
}

// Only AuditFilter can be set (as SetAuditFilter sets it, after the
// Administrator check SetConfigEntry needs); every other entry comes from
// the configuration file: HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED).
rpc::CallResult CertAdminObject::SetConfigEntry(const rpc::CallContext& ctx,
                                                std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kSetConfigEntry);
  rpc::CallResult fault;
  Result<wire::ConfigEntryIn> in = dcom::DecodeOrpcCall(
      wire::DecodeSetConfigEntryRequest(stub, options_.ndr_limits), ctx, "SetConfigEntry", &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = Precheck(ctx, in->authority, ca::rights::kAdmin, "set the configuration");
  Result<std::string> name = Utf8(in->entry);
  const std::string shown = name.ok() ? *name : "?";
  if (hresult == hr::kOk) {
    const bool root = !in->node_path || in->node_path->empty();
    const auto* filter = std::get_if<std::int32_t>(&in->value);
    if (root && name.ok() && EqualsIgnoreCaseAscii(*name, kAuditFilterEntry)) {
      hresult = filter == nullptr
                    ? hr::kInvalidArg
                    : HresultOf(engine_.security().SetAuditFilter(
                          CallerOf(ctx, engine_), static_cast<std::uint32_t>(*filter)));
    } else {
      hresult = hr::kNotSupported;
      spdlog::warn(
          "csra: {} may not set configuration entry {}: it comes from the configuration file "
          "(edit it there and restart openadcsd)",
          ctx.ClientName(), shown);
    }
  }
  LogCall(ctx, kOpnum, hresult, shown);
  return dcom::HresultResponse(hresult);
}

// Shutting the daemon down from the network is not offered: the service
// manager stops it (SIGTERM). CSCONTROL_SHUTDOWN answers ERROR_NOT_SUPPORTED;
// restart and suspend are accepted without effect, as the spec says
// ("not currently used"); anything else is E_INVALIDARG. pctbOut is empty.
rpc::CallResult CertAdminObject::ServerControl(const rpc::CallContext& ctx,
                                               std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(Op::kServerControl);
  rpc::CallResult fault;
  Result<wire::AuthorityDwordIn> in = dcom::DecodeOrpcCall(
      wire::DecodeAuthorityDwordRequest(stub, options_.ndr_limits), ctx, "ServerControl", &fault);
  if (!in.ok()) return fault;
  wire::BlobOut out;
  out.hresult = Precheck(ctx, in->authority, ca::rights::kAdmin | ca::rights::kOperator,
                         "control the CA service");
  if (out.hresult == hr::kOk) {
    switch (in->value) {
      case kControlShutdown:
        out.hresult = hr::kNotSupported;
        spdlog::warn(
            "csra: {} asked to shut the CA down: not offered remotely (stop openadcsd "
            "through its service manager)",
            ctx.ClientName());
        break;
      case kControlRestart:
      case kControlSuspend: break;
      default: out.hresult = hr::kInvalidArg;
    }
  }
  LogCall(ctx, kOpnum, out.hresult, fmt::format("control {}", in->value));
  return rpc::CallResult::Response(wire::EncodeBlobResponse(out));
}

rpc::CallResult CertAdminObject::NotSupported(const rpc::CallContext& ctx, std::uint16_t opnum,
                                              std::span<const std::uint8_t> stub) {
  // The ORPC header is checked as for any call; the parameters are decoded
  // only where the answer's shape depends on them.
  rpc::CallResult fault;
  std::int32_t read_buffer_size = 0;
  if (opnum == static_cast<std::uint16_t>(Op::kBackupReadFile)) {
    Result<wire::BackupReadFileIn> in =
        dcom::DecodeOrpcCall(wire::DecodeBackupReadFileRequest(stub, options_.ndr_limits), ctx,
                             "BackupReadFile", &fault);
    if (!in.ok()) return fault;
    read_buffer_size = in->buffer_size;
  } else {
    Result<wire::EmptyIn> in = dcom::DecodeOrpcCall(
        wire::DecodeEmptyRequest(stub, options_.ndr_limits), ctx, MethodName(opnum), &fault);
    if (!in.ok()) return fault;
  }
  spdlog::warn("csra: {} from {}: {} is not supported (E_NOTIMPL)", ctx.ClientName(),
               ctx.peer_address, MethodName(opnum));
  return NotImplementedResponse(opnum, read_buffer_size);
}

Status RegisterCertAdminClass(dcom::DcomRuntime& runtime, ca::Engine& engine,
                              CertAdminOptions options) {
  namespace d = idl::icert_admin_d;
  OPENADCS_RETURN_IF_ERROR(runtime.RegisterObjectInterface(
      {d::kUuid, d::kVersionMajor, d::kVersionMinor}, d::kOpnumCount));
  OPENADCS_RETURN_IF_ERROR(runtime.RegisterObjectInterface(
      {d2::kUuid, d2::kVersionMajor, d2::kVersionMinor}, d2::kOpnumCount));
  auto views = std::make_shared<OpenViewCounter>(options.max_open_views_per_client);
  return runtime.RegisterClass(
      kClsidCertAdminD,
      [&engine, options,
       views](const rpc::CallContext&) -> Result<std::shared_ptr<dcom::ComObject>> {
        return std::shared_ptr<dcom::ComObject>(
            std::make_shared<CertAdminObject>(engine, options, views));
      });
}

}  // namespace openadcs::services
