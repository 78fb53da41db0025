#include "cli/view_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/admin_args.h"
#include "cli/connection.h"
#include "cli/template_commands.h"
#include "openadcs/client/cert_admin_client.h"
#include "openadcs/ndr/cert_view.h"
#include "openadcs/util/utf16.h"

namespace openadcs::cli {
namespace {

namespace cv = ndr::cert_view;

// Rows asked per OpenView/EnumView call.
constexpr std::uint32_t kViewPageRows = 100;
// Stop paging after this many rows even without --limit, in case a CA never
// sends the end marker.
constexpr std::size_t kMaxViewRows = 1'000'000;

// The columns `view` shows on the Request table, and `pending`, when
// --columns is not given; those the CA does not list are left out.
constexpr std::string_view kRequestColumns[] = {
    "Request.RequestID",  "Request.Disposition", "Request.SubmittedWhen", "Request.RequesterName",
    "Request.CommonName", "CertificateTemplate", "SerialNumber",          "NotAfter"};
constexpr std::string_view kPendingColumns[] = {
    "Request.RequestID",  "Request.SubmittedWhen", "Request.RequesterName",
    "Request.CommonName", "CertificateTemplate",   "Request.DispositionMessage"};

bool IsDisposition(const cv::ColumnInfo& c) {
  return ToLowerAscii(client::ColumnName(c)) == "request.disposition";
}

bool IsTemplate(const cv::ColumnInfo& c) {
  return ToLowerAscii(client::ColumnName(c)) == "certificatetemplate";
}

// The CA's served templates, read at most once: text output and
// restrictions name templates where the column holds OIDs. A CA that does
// not answer leaves the column as stored, with a line saying so.
class ServedTemplates {
 public:
  explicit ServedTemplates(client::CertAdminClient& c) : client_(c) {}
  const ServedList& Get() {
    if (!list_) {
      Result<ServedList> read = ReadServedList(client_);
      if (!read.ok()) {
        std::cerr << "openadcs: the CA's template names are unavailable ("
                  << read.status().ToString() << "); CertificateTemplate shows what it holds\n";
      }
      list_ = read.ok() ? std::move(*read) : ServedList{};
    }
    return *list_;
  }

 private:
  client::CertAdminClient& client_;
  std::optional<ServedList> list_;
};

std::vector<cv::ColumnInfo> NamedColumns(const std::vector<cv::ColumnInfo>& catalogue,
                                         std::span<const std::string_view> names) {
  std::vector<cv::ColumnInfo> out;
  for (const std::string_view name : names) {
    Result<cv::ColumnInfo> c = client::FindColumn(catalogue, name);
    if (c.ok()) out.push_back(std::move(*c));
  }
  return out;
}

// Every column that is not binary: what the other tables and `show` print.
std::vector<cv::ColumnInfo> TextColumns(const std::vector<cv::ColumnInfo>& catalogue) {
  std::vector<cv::ColumnInfo> out;
  for (const cv::ColumnInfo& c : catalogue) {
    if ((c.type & 0xff) != cv::kTypeBinary) out.push_back(c);
  }
  return out;
}

// Rows of the view the restrictions select, `columns` of each, at most
// `limit` (0: all), paging by ielt (1-based, cert_admin_client.h) until the
// end marker. The view is closed before returning.
Result<std::vector<cv::ResultRow>> FetchRows(client::CertAdminClient& c,
                                             std::span<const client::ViewRestriction> restrictions,
                                             const std::vector<cv::ColumnInfo>& columns,
                                             std::size_t limit) {
  std::vector<std::uint32_t> ids;
  ids.reserve(columns.size());
  for (const cv::ColumnInfo& col : columns) ids.push_back(col.index);
  const std::size_t cap = limit == 0 ? kMaxViewRows : std::min(limit, kMaxViewRows);
  auto celt = [&](std::size_t have) {
    return static_cast<std::uint32_t>(std::min<std::size_t>(kViewPageRows, cap - have));
  };
  std::vector<cv::ResultRow> rows;
  Result<client::ViewPage> page = c.OpenView(restrictions, ids, client::kFirstViewRow, celt(0));
  if (!page.ok()) return page.status();
  Status status = Status::Ok();
  for (;;) {
    const bool empty = page->rows.empty();
    const bool end = page->end;
    for (cv::ResultRow& r : page->rows) rows.push_back(std::move(r));
    if (end || empty || rows.size() >= cap) break;
    page = c.EnumView(client::kFirstViewRow + static_cast<std::uint32_t>(rows.size()),
                      celt(rows.size()));
    if (!page.ok()) {
      status = page.status();
      break;
    }
  }
  const Status closed = c.CloseView();
  if (!status.ok()) return status;
  if (!closed.ok()) return closed;
  if (rows.size() > cap) rows.resize(cap);
  return rows;
}

// The value of column `col` in `row`; nullopt for no value. A value that
// does not decode shows as an error in its place rather than failing the
// listing.
std::optional<client::TypedValue> ValueOf(const cv::ResultRow& row, const cv::ColumnInfo& col) {
  for (const cv::ResultColumn& rc : row.columns) {
    if (rc.index != col.index) continue;
    Result<std::optional<client::TypedValue>> v = client::DecodeTypedValue(rc.type, rc.value);
    if (!v.ok()) return client::TypedValue(std::string("<undecodable>"));
    return *v;
  }
  return std::nullopt;
}

// `served`: for the CertificateTemplate column's names.
std::string CellText(const cv::ColumnInfo& col, const std::optional<client::TypedValue>& v,
                     const ServedList& served) {
  std::string text = TypedValueText(v);
  if (v && IsTemplate(col)) text = TemplateDisplayName(served, text);
  if (v && IsDisposition(col)) {
    if (const auto* d = std::get_if<std::int32_t>(&*v)) {
      const std::string_view name = DispositionName(*d);
      if (!name.empty()) text += fmt::format(" ({})", name);
    }
  }
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text.empty() ? "-" : text;
}

std::string JsonValue(const std::optional<client::TypedValue>& v) {
  if (!v) return "null";
  if (const auto* l = std::get_if<std::int32_t>(&*v)) return std::to_string(*l);
  return JsonString(TypedValueText(v));
}

void PrintRows(const std::vector<cv::ColumnInfo>& columns, const std::vector<cv::ResultRow>& rows,
               bool json, const ServedList& served) {
  if (json) {
    std::cout << '[';
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::cout << (r ? ",\n " : "") << '{';
      for (std::size_t i = 0; i < columns.size(); ++i) {
        std::cout << (i ? ", " : "") << JsonString(client::ColumnName(columns[i])) << ": "
                  << JsonValue(ValueOf(rows[r], columns[i]));
      }
      std::cout << '}';
    }
    std::cout << "]\n";
    return;
  }
  std::vector<std::vector<std::string>> cells(rows.size() + 1);
  std::vector<std::size_t> widths(columns.size(), 0);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    cells[0].push_back(client::ColumnName(columns[i]));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      cells[r + 1].push_back(CellText(columns[i], ValueOf(rows[r], columns[i]), served));
    }
    for (const std::vector<std::string>& line : cells)
      widths[i] = std::max(widths[i], line[i].size());
  }
  for (const std::vector<std::string>& line : cells) {
    std::string out;
    for (std::size_t i = 0; i < line.size(); ++i) {
      out += line[i];
      if (i + 1 < line.size()) out += std::string(widths[i] - line[i].size() + 2, ' ');
    }
    std::cout << out << '\n';
  }
}

struct ViewFlags {
  ConnectionFlags connection;
  std::string table = "request";
  std::vector<std::string> restrictions;
  std::vector<std::string> columns;
  std::size_t limit = 0;
  bool json = false;
};

// `view` and `pending`; `pending` restricts to pending requests. Returns
// the exit code.
int RunView(const ViewFlags& f, bool pending) {
  Result<std::uint32_t> table = ParseTable(f.table);
  if (!table.ok()) {
    std::cerr << "openadcs: " << table.status().message() << '\n';
    return kExitUsage;
  }
  std::vector<RestrictionText> parsed;
  for (const std::string& r : f.restrictions) {
    Result<RestrictionText> p = ParseRestriction(r);
    if (!p.ok()) {
      std::cerr << "openadcs: " << p.status().message() << '\n';
      return kExitUsage;
    }
    parsed.push_back(std::move(*p));
  }
  if (pending) parsed.push_back({"Request.Disposition", client::SeekOperator::kEq, "pending"});

  Result<std::unique_ptr<client::CertAdminClient>> c = ConnectAdmin(f.connection);
  if (!c.ok()) return FailCall("connecting to the CA", c.status());
  Result<std::vector<cv::ColumnInfo>> catalogue = (*c)->ColumnCatalogue(*table);
  if (!catalogue.ok()) return FailCall("listing the columns", catalogue.status());

  ServedTemplates served(**c);
  std::vector<client::ViewRestriction> restrictions;
  for (const RestrictionText& r : parsed) {
    Result<cv::ColumnInfo> col = client::FindColumn(*catalogue, r.column);
    const std::string text =
        col.ok() && IsTemplate(*col) ? TemplateColumnValue(served.Get(), r.value) : r.value;
    Result<client::TypedValue> value = col.ok()
                                           ? ParseTypedValue(col->type, text, IsDisposition(*col))
                                           : Result<client::TypedValue>(col.status());
    if (!value.ok()) {
      std::cerr << "openadcs: " << value.status().message() << '\n';
      return kExitUsage;
    }
    restrictions.push_back({col->index, r.seek, client::SortOrder::kNone, std::move(*value)});
  }
  std::vector<cv::ColumnInfo> columns;
  for (const std::string& name : f.columns) {
    Result<cv::ColumnInfo> col = client::FindColumn(*catalogue, name);
    if (!col.ok()) {
      std::cerr << "openadcs: " << col.status().message() << '\n';
      return kExitUsage;
    }
    columns.push_back(std::move(*col));
  }
  if (columns.empty() && pending) columns = NamedColumns(*catalogue, kPendingColumns);
  if (columns.empty() && *table == client::kTableRequest) {
    columns = NamedColumns(*catalogue, kRequestColumns);
  }
  if (columns.empty()) columns = TextColumns(*catalogue);
  // Read before the view opens: JSON keeps the stored values.
  const ServedList no_names;
  const ServedList& names =
      !f.json && std::ranges::any_of(columns, IsTemplate) ? served.Get() : no_names;

  Result<std::vector<cv::ResultRow>> rows = FetchRows(**c, restrictions, columns, f.limit);
  (void)(*c)->Release();
  if (!rows.ok()) return FailCall("reading the view", rows.status());
  PrintRows(columns, *rows, f.json, names);
  return kExitOk;
}

std::string ExtensionFlagsText(std::int32_t flags) {
  std::string out = fmt::format("flags 0x{:08x}", static_cast<std::uint32_t>(flags));
  if ((flags & client::kExtensionCritical) != 0) out += " critical";
  if ((flags & client::kExtensionDisabled) != 0) out += " disabled";
  return out;
}

int RunShow(const ConnectionFlags& connection, std::uint32_t request_id) {
  Result<std::unique_ptr<client::CertAdminClient>> c = ConnectAdmin(connection);
  if (!c.ok()) return FailCall("connecting to the CA", c.status());
  Result<std::vector<cv::ColumnInfo>> catalogue = (*c)->ColumnCatalogue(client::kTableRequest);
  if (!catalogue.ok()) return FailCall("listing the columns", catalogue.status());
  Result<cv::ColumnInfo> id = client::FindColumn(*catalogue, "Request.RequestID");
  if (!id.ok()) return FailCall("listing the columns", id.status());
  const std::vector<cv::ColumnInfo> columns = TextColumns(*catalogue);
  const client::ViewRestriction by_id{id->index, client::SeekOperator::kEq,
                                      client::SortOrder::kNone,
                                      client::TypedValue(static_cast<std::int32_t>(request_id))};
  Result<std::vector<cv::ResultRow>> rows = FetchRows(**c, {&by_id, 1}, columns, 1);
  if (!rows.ok()) return FailCall("reading request " + std::to_string(request_id), rows.status());
  if (rows->empty()) {
    return Fail("reading request " + std::to_string(request_id),
                Status::NotFound("no such request"));
  }
  Result<std::vector<cv::Attribute>> attributes = (*c)->AllAttributes(request_id);
  if (!attributes.ok()) return FailCall("reading the attributes", attributes.status());
  Result<std::vector<cv::Extension>> extensions = (*c)->AllExtensions(request_id);
  if (!extensions.ok()) return FailCall("reading the extensions", extensions.status());
  ServedTemplates served(**c);
  const ServedList& names = served.Get();
  (void)(*c)->Release();

  for (const cv::ColumnInfo& col : columns) {
    const std::optional<client::TypedValue> v = ValueOf(rows->front(), col);
    if (v) std::cout << client::ColumnName(col) << ": " << CellText(col, v, names) << '\n';
  }
  std::cout << "Attributes:\n";
  for (const cv::Attribute& a : *attributes) {
    Result<std::string> name = Utf16ToUtf8(a.name);
    Result<std::string> value = Utf16ToUtf8(a.value);
    std::cout << "  " << (name.ok() ? *name : "?") << ": " << (value.ok() ? *value : "?") << '\n';
  }
  std::cout << "Extensions:\n";
  for (const cv::Extension& e : *extensions) {
    Result<std::string> name = Utf16ToUtf8(e.name);
    std::cout << "  " << (name.ok() ? *name : "?") << " (" << ExtensionFlagsText(e.flags)
              << "): " << HexLower(e.value) << '\n';
  }
  return kExitOk;
}

void AddViewOutputFlags(CLI::App* cmd, ViewFlags* f) {
  cmd->add_option("--limit", f->limit, "at most this many rows (default: all)");
  cmd->add_flag("--json", f->json, "one JSON array of objects instead of text");
}

}  // namespace

void RegisterViewCommands(CLI::App& app, int* exit_code) {
  auto vf = std::make_shared<ViewFlags>();
  CLI::App* view = app.add_subcommand(
      "view", "list rows of the CA database (requests, certificates, CRLs), over DCOM");
  AddConnectionFlags(view, &vf->connection, false);
  view->add_option("--table", vf->table, "request, extension, attribute or crl")
      ->capture_default_str();
  view->add_option("-r,--restrict", vf->restrictions,
                   "Column<op>Value with op = < <= > >= (repeatable); Disposition takes "
                   "pending, issued, revoked, failed, denied");
  view->add_option("-c,--columns", vf->columns, "columns to show, by name")->delimiter(',');
  AddViewOutputFlags(view, vf.get());
  view->callback([vf, exit_code] { *exit_code = RunView(*vf, false); });

  auto pf = std::make_shared<ViewFlags>();
  CLI::App* pending =
      app.add_subcommand("pending", "list the requests waiting for an officer, over DCOM");
  AddConnectionFlags(pending, &pf->connection, false);
  AddViewOutputFlags(pending, pf.get());
  pending->callback([pf, exit_code] { *exit_code = RunView(*pf, true); });

  struct ShowFlags {
    ConnectionFlags connection;
    std::uint32_t request_id = 0;
  };
  auto sf = std::make_shared<ShowFlags>();
  CLI::App* show =
      app.add_subcommand("show", "show a request's columns, attributes and extensions, over DCOM");
  AddConnectionFlags(show, &sf->connection, false);
  show->add_option("id", sf->request_id, "request id")->required()->check(CLI::PositiveNumber);
  show->callback([sf, exit_code] { *exit_code = RunShow(sf->connection, sf->request_id); });
}

}  // namespace openadcs::cli
