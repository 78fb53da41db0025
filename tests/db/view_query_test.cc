// CaStore::QueryView on SQLite files: every seek operator and column type on
// each of the four tables, sorting, paging by offset, the OpenView rules and
// limits, index use, and paging through 100,000 rows.
#include "openadcs/db/view_query.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "db/der_fields.h"
#include "db/view_sql.h"
#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"

namespace openadcs::db {

void PrintTo(const ColumnValue& v, std::ostream* os) {
  if (const std::uint32_t* l = v.AsLong()) *os << "Long(" << *l << ")";
  if (const std::int64_t* d = v.AsDate()) *os << "Date(" << *d << ")";
  if (const std::string* s = v.AsString()) *os << "String(\"" << *s << "\")";
  if (const Bytes* b = v.AsBinary()) *os << "Binary(" << b->size() << " bytes)";
  if (v.empty()) *os << "empty";
}

namespace {

using Ids = std::vector<std::uint32_t>;

constexpr std::uint32_t kEInvalidArg = 0x80070057;

// Catalogue ids used below.
constexpr std::uint32_t kRequestId = 0x1000;
constexpr std::uint32_t kRawRequest = 0x1001;
constexpr std::uint32_t kStatusCode = 0x1008;
constexpr std::uint32_t kDisposition = 0x1009;
constexpr std::uint32_t kSubmittedWhen = 0x100b;
constexpr std::uint32_t kRequesterName = 0x1010;
constexpr std::uint32_t kRawCertificate = 0x2001;
constexpr std::uint32_t kSerialNumber = 0x2007;
constexpr std::uint32_t kNotAfter = 0x200a;
constexpr std::uint32_t kAttributeRequestId = 0x3000;
constexpr std::uint32_t kAttributeName = 0x3001;
constexpr std::uint32_t kAttributeValue = 0x3002;
constexpr std::uint32_t kExtensionRequestId = 0x4000;
constexpr std::uint32_t kExtensionName = 0x4001;
constexpr std::uint32_t kExtensionFlags = 0x4002;
constexpr std::uint32_t kExtensionRawValue = 0x4003;
constexpr std::uint32_t kCrlRowId = 0x5000;
constexpr std::uint32_t kCrlNumber = 0x5001;
constexpr std::uint32_t kCrlThisUpdate = 0x5005;
constexpr std::uint32_t kCrlPublishError = 0x500f;
constexpr std::uint32_t kCrlRawCrl = 0x5010;

ViewRestriction Where(std::uint32_t column, SeekOperator op, ColumnValue value,
                      SortOrder sort = SortOrder::kNone) {
  return ViewRestriction{column, op, sort, std::move(value)};
}

// Runs sqlite3_exec on the file through a connection of its own.
void RawExec(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

// EXPLAIN QUERY PLAN of `sql`, the details joined by "; ".
std::string QueryPlan(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  EXPECT_TRUE(der_fields::Register(db).ok());  // the request rows' derived columns
  sqlite3_stmt* st = nullptr;
  std::string plan_sql = "EXPLAIN QUERY PLAN " + sql;
  EXPECT_EQ(sqlite3_prepare_v2(db, plan_sql.c_str(), -1, &st, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  std::string out;
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    out += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    out += "; ";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

class ViewQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions options;
    options.path = path_;
    options.synchronous_full = false;  // nothing here tests durability
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  // Five requests, submitted at 1000 .. 5000 by CORP\u1 .. CORP\u5:
  //   1 pending, 2 issued (not after 7000), 3 denied, 4 issued (not after
  //   6000), 5 pending.
  // Extensions (request, name, flags, value): (1, 1.2.3, 0x10000, 04 01),
  //   (1, 2.5.29.17, 0x1, 04 02), (2, 1.2.3, 0x20000, 04 03), (5, 2.5.29.15, 0, 04 04).
  // Attributes (request, name, value): (1, rmd, host1), (1, ccm, pc1), (3, ccm, pc3), (4, a, b).
  // CRLs (row id = number): 1..3, this update 100 .. 300, raw 30 0n, publish error "e1" .. "e3".
  void Populate() {
    for (std::uint32_t i = 1; i <= 5; ++i) {
      RequestRecord r;
      r.disposition = Disposition::kPending;
      r.raw_request = {0x30, static_cast<std::uint8_t>(i)};
      r.submitted_when = 1000 * i;
      r.requester_name = "CORP\\u" + std::to_string(i);
      r.status_code = i == 3 ? 0x80094014 : 0;
      std::vector<AttributeRow> attributes;
      std::vector<ExtensionRow> extensions;
      if (i == 1) {
        attributes = {{0, "rmd", "host1"}, {0, "ccm", "pc1"}};
        extensions = {{0, "1.2.3", 0x10000, {0x04, 0x01}}, {0, "2.5.29.17", 0x1, {0x04, 0x02}}};
      }
      if (i == 2) extensions = {{0, "1.2.3", 0x20000, {0x04, 0x03}}};
      if (i == 3) attributes = {{0, "ccm", "pc3"}};
      if (i == 4) attributes = {{0, "a", "b"}};
      if (i == 5) extensions = {{0, "2.5.29.15", 0, {0x04, 0x04}}};
      auto id = store_->InsertRequest(r, attributes, extensions, {});
      ASSERT_TRUE(id.ok()) << id.status().ToString();
      ASSERT_EQ(*id, i);
      r.request_id = i;
      if (i == 2 || i == 4 || i == 3) {
        r.disposition = i == 3 ? Disposition::kDenied : Disposition::kIssued;
        if (i != 3) {
          r.certificate.emplace();
          r.certificate->raw_certificate = {0x30, 0x82, static_cast<std::uint8_t>(i)};
          r.certificate->serial_number = "0" + std::to_string(i);
          r.certificate->not_after = i == 2 ? 7000 : 6000;
        }
        ASSERT_TRUE(store_->UpdateRequest(r, Disposition::kPending, {}, {}).ok());
      }
    }
    for (std::uint32_t n = 1; n <= 3; ++n) {
      CrlRow c;
      c.number = n;
      c.this_update = 100 * n;
      c.raw_crl = {0x30, static_cast<std::uint8_t>(n)};
      auto id = store_->InsertCrl(c, {});
      ASSERT_TRUE(id.ok()) << id.status().ToString();
    }
    // InsertCrl does not write the publish columns.
    RawExec(path_, "UPDATE crl SET publish_error = 'e' || number");
  }

  ViewPage Page(const ViewQuery& q) {
    auto page = store_->QueryView(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? std::move(page).value() : ViewPage{};
  }

  // The row ids of the whole result, fetched `page_size` rows at a time;
  // checks the end flag on the way.
  Ids AllRowIds(ViewQuery q, std::uint32_t page_size = 2) {
    Ids ids;
    q.max_rows = page_size;
    for (q.first_row = 0;; q.first_row += page_size) {
      ViewPage page = Page(q);
      for (const ViewRow& r : page.rows) ids.push_back(r.row_id);
      if (page.end) break;
      EXPECT_EQ(page.rows.size(), page_size);
      if (page.rows.size() != page_size) break;
    }
    return ids;
  }

  // The same, each page continuing after the cursor of the one before.
  Ids AllRowIdsByCursor(ViewQuery q, std::uint32_t page_size) {
    Ids ids;
    q.max_rows = page_size;
    while (true) {
      ViewPage page = Page(q);
      for (const ViewRow& r : page.rows) ids.push_back(r.row_id);
      if (page.end || !page.next) break;
      q.after = page.next;
    }
    return ids;
  }

  Ids RowIds(Table table, std::vector<ViewRestriction> restrictions) {
    ViewQuery q;
    q.table = table;
    q.restrictions = std::move(restrictions);
    return AllRowIds(q);
  }

  Status Error(ViewQuery q) {
    auto page = store_->QueryView(q);
    if (page.ok()) return Status::Ok();
    EXPECT_EQ(page.status().hresult(), kEInvalidArg) << page.status().ToString();
    return page.status();
  }

  testing::TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "ca.db";
  std::unique_ptr<CaStore> store_;
};

struct OperatorCase {
  Table table;
  std::uint32_t column;
  SeekOperator op;
  ColumnValue value;
  Ids want;
};

TEST_F(ViewQueryTest, EverySeekOperatorOnEveryColumnTypeOfEachTable) {
  Populate();
  using enum SeekOperator;
  const Table kReq = Table::kRequestCertificate;
  const Table kExt = Table::kExtension;
  const Table kAttr = Table::kAttribute;
  const Table kCrl = Table::kCrl;
  const std::vector<OperatorCase> cases = {
      // Request: LONG (DB_DISP values as stored), DATE, STRING, BINARY.
      {kReq, kDisposition, kEq, ColumnValue::Long(9), {1, 5}},
      {kReq, kDisposition, kLt, ColumnValue::Long(20), {1, 5}},
      {kReq, kDisposition, kLe, ColumnValue::Long(20), {1, 2, 4, 5}},
      {kReq, kDisposition, kGe, ColumnValue::Long(21), {3}},
      {kReq, kDisposition, kGt, ColumnValue::Long(20), {3}},
      {kReq, kStatusCode, kGe, ColumnValue::Long(0x80000000), {3}},  // unsigned
      {kReq, kSubmittedWhen, kEq, ColumnValue::Date(3000), {3}},
      {kReq, kSubmittedWhen, kLt, ColumnValue::Date(3000), {1, 2}},
      {kReq, kSubmittedWhen, kLe, ColumnValue::Date(3000), {1, 2, 3}},
      {kReq, kSubmittedWhen, kGe, ColumnValue::Date(4000), {4, 5}},
      {kReq, kSubmittedWhen, kGt, ColumnValue::Date(4000), {5}},
      {kReq, kRequesterName, kEq, ColumnValue::String("CORP\\u3"), {3}},
      {kReq, kRequesterName, kLt, ColumnValue::String("CORP\\u3"), {1, 2}},
      {kReq, kRequesterName, kLe, ColumnValue::String("CORP\\u3"), {1, 2, 3}},
      {kReq, kRequesterName, kGe, ColumnValue::String("CORP\\u4"), {4, 5}},
      {kReq, kRequesterName, kGt, ColumnValue::String("CORP\\u4"), {5}},
      {kReq, kRequesterName, kEq, ColumnValue::String("corp\\u3"), {}},  // case-sensitive
      {kReq, kRawRequest, kEq, ColumnValue::Binary({0x30, 0x04}), {4}},
      // Certificate columns: NULL until issued, so only issued rows compare.
      {kReq, kNotAfter, kLt, ColumnValue::Date(6500), {4}},
      {kReq, kNotAfter, kGe, ColumnValue::Date(0), {2, 4}},
      {kReq, kSerialNumber, kEq, ColumnValue::String("02"), {2}},
      {kReq, kRawCertificate, kEq, ColumnValue(), {1, 3, 5}},  // empty: no certificate
      // Extension: LONG, STRING, BINARY (it has no DATE column).
      {kExt, kExtensionFlags, kEq, ColumnValue::Long(0x10000), {1}},
      {kExt, kExtensionFlags, kLt, ColumnValue::Long(0x10000), {1, 5}},
      {kExt, kExtensionFlags, kLe, ColumnValue::Long(0x10000), {1, 1, 5}},
      {kExt, kExtensionFlags, kGe, ColumnValue::Long(0x10000), {1, 2}},
      {kExt, kExtensionFlags, kGt, ColumnValue::Long(0x10000), {2}},
      {kExt, kExtensionRequestId, kLe, ColumnValue::Long(2), {1, 1, 2}},
      {kExt, kExtensionName, kEq, ColumnValue::String("1.2.3"), {1, 2}},
      {kExt, kExtensionName, kLt, ColumnValue::String("2.5.29.15"), {1, 2}},
      {kExt, kExtensionName, kLe, ColumnValue::String("2.5.29.15"), {1, 2, 5}},
      {kExt, kExtensionName, kGe, ColumnValue::String("2.5.29.15"), {1, 5}},
      {kExt, kExtensionName, kGt, ColumnValue::String("2.5.29.15"), {1}},
      {kExt, kExtensionRawValue, kEq, ColumnValue::Binary({0x04, 0x03}), {2}},
      // Attribute: LONG and STRING only.
      {kAttr, kAttributeRequestId, kEq, ColumnValue::Long(1), {1, 1}},
      {kAttr, kAttributeRequestId, kLt, ColumnValue::Long(3), {1, 1}},
      {kAttr, kAttributeRequestId, kLe, ColumnValue::Long(3), {1, 1, 3}},
      {kAttr, kAttributeRequestId, kGe, ColumnValue::Long(3), {3, 4}},
      {kAttr, kAttributeRequestId, kGt, ColumnValue::Long(3), {4}},
      {kAttr, kAttributeName, kEq, ColumnValue::String("ccm"), {1, 3}},
      {kAttr, kAttributeName, kLt, ColumnValue::String("ccm"), {4}},
      {kAttr, kAttributeName, kLe, ColumnValue::String("ccm"), {1, 3, 4}},
      {kAttr, kAttributeName, kGe, ColumnValue::String("ccm"), {1, 1, 3}},
      {kAttr, kAttributeName, kGt, ColumnValue::String("ccm"), {1}},
      {kAttr, kAttributeValue, kEq, ColumnValue::String("pc3"), {3}},
      // CRL: all four types.
      {kCrl, kCrlNumber, kEq, ColumnValue::Long(2), {2}},
      {kCrl, kCrlNumber, kLt, ColumnValue::Long(2), {1}},
      {kCrl, kCrlNumber, kLe, ColumnValue::Long(2), {1, 2}},
      {kCrl, kCrlNumber, kGe, ColumnValue::Long(2), {2, 3}},
      {kCrl, kCrlNumber, kGt, ColumnValue::Long(2), {3}},
      {kCrl, kCrlThisUpdate, kEq, ColumnValue::Date(300), {3}},
      {kCrl, kCrlThisUpdate, kLt, ColumnValue::Date(200), {1}},
      {kCrl, kCrlThisUpdate, kLe, ColumnValue::Date(200), {1, 2}},
      {kCrl, kCrlThisUpdate, kGe, ColumnValue::Date(200), {2, 3}},
      {kCrl, kCrlThisUpdate, kGt, ColumnValue::Date(200), {3}},
      {kCrl, kCrlPublishError, kEq, ColumnValue::String("e2"), {2}},
      {kCrl, kCrlPublishError, kLt, ColumnValue::String("e2"), {1}},
      {kCrl, kCrlPublishError, kLe, ColumnValue::String("e2"), {1, 2}},
      {kCrl, kCrlPublishError, kGe, ColumnValue::String("e2"), {2, 3}},
      {kCrl, kCrlPublishError, kGt, ColumnValue::String("e2"), {3}},
      {kCrl, kCrlRawCrl, kEq, ColumnValue::Binary({0x30, 0x03}), {3}},
  };
  for (const OperatorCase& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << "table " << std::hex << static_cast<int>(c.table) << " column " << c.column
                 << " op " << static_cast<int>(c.op));
    EXPECT_EQ(RowIds(c.table, {Where(c.column, c.op, c.value)}), c.want);
  }
}

TEST_F(ViewQueryTest, RestrictionsCombine) {
  Populate();
  EXPECT_EQ(RowIds(Table::kRequestCertificate,
                   {Where(kDisposition, SeekOperator::kEq, ColumnValue::Long(9)),
                    Where(kSubmittedWhen, SeekOperator::kGt, ColumnValue::Date(1000))}),
            (Ids{5}));
  EXPECT_EQ(RowIds(Table::kRequestCertificate, {}), (Ids{1, 2, 3, 4, 5}));
}

TEST_F(ViewQueryTest, ValuesComeBackTypedInTheAskedOrder) {
  Populate();
  ViewQuery q;
  q.columns = {kNotAfter,   kRequesterName, kRequestId, kRawCertificate,
               kRawRequest, kDisposition,   kRequestId};
  q.restrictions = {Where(kRequestId, SeekOperator::kLe, ColumnValue::Long(2))};
  q.max_rows = 10;
  ViewPage page = Page(q);
  EXPECT_TRUE(page.end);
  ASSERT_EQ(page.rows.size(), 2u);
  EXPECT_EQ(page.rows[0].row_id, 1u);
  EXPECT_EQ(page.rows[0].values,
            (std::vector<ColumnValue>{
                ColumnValue(), ColumnValue::String("CORP\\u1"), ColumnValue::Long(1), ColumnValue(),
                ColumnValue::Binary({0x30, 0x01}), ColumnValue::Long(9), ColumnValue::Long(1)}));
  EXPECT_EQ(page.rows[1].row_id, 2u);
  EXPECT_EQ(page.rows[1].values,
            (std::vector<ColumnValue>{ColumnValue::Date(7000), ColumnValue::String("CORP\\u2"),
                                      ColumnValue::Long(2), ColumnValue::Binary({0x30, 0x82, 0x02}),
                                      ColumnValue::Binary({0x30, 0x02}), ColumnValue::Long(20),
                                      ColumnValue::Long(2)}));

  // Extension rows carry their request id as row id, in (request, name) order.
  ViewQuery ext;
  ext.table = Table::kExtension;
  ext.columns = {kExtensionName, kExtensionFlags, kExtensionRawValue, kExtensionRequestId};
  ext.max_rows = 10;
  page = Page(ext);
  ASSERT_EQ(page.rows.size(), 4u);
  EXPECT_EQ(page.rows[1].row_id, 1u);
  EXPECT_EQ(page.rows[1].values,
            (std::vector<ColumnValue>{ColumnValue::String("2.5.29.17"), ColumnValue::Long(1),
                                      ColumnValue::Binary({0x04, 0x02}), ColumnValue::Long(1)}));
  EXPECT_EQ(page.rows[3].values[1], ColumnValue::Long(0));

  // Attribute rows in insertion order within a request.
  ViewQuery attr;
  attr.table = Table::kAttribute;
  attr.columns = {kAttributeName, kAttributeValue};
  attr.max_rows = 10;
  page = Page(attr);
  ASSERT_EQ(page.rows.size(), 4u);
  EXPECT_EQ(page.rows[0].values[0], ColumnValue::String("rmd"));
  EXPECT_EQ(page.rows[1].values[1], ColumnValue::String("pc1"));

  // CRL rows carry CRLRowId.
  ViewQuery crl;
  crl.table = Table::kCrl;
  crl.columns = {kCrlRowId, kCrlThisUpdate, kCrlRawCrl, kCrlPublishError};
  crl.restrictions = {Where(kCrlNumber, SeekOperator::kEq, ColumnValue::Long(3))};
  crl.max_rows = 10;
  page = Page(crl);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].row_id, 3u);
  EXPECT_EQ(
      page.rows[0].values,
      (std::vector<ColumnValue>{ColumnValue::Long(3), ColumnValue::Date(300),
                                ColumnValue::Binary({0x30, 0x03}), ColumnValue::String("e3")}));
}

TEST_F(ViewQueryTest, SortsAscendingAndDescendingWithTiesInKeyOrder) {
  Populate();
  using enum SeekOperator;
  constexpr SortOrder kAscending = SortOrder::kAscending;
  constexpr SortOrder kDescending = SortOrder::kDescending;
  const Table kReq = Table::kRequestCertificate;
  EXPECT_EQ(RowIds(kReq, {Where(kSubmittedWhen, kGe, ColumnValue::Date(0), kDescending)}),
            (Ids{5, 4, 3, 2, 1}));
  EXPECT_EQ(RowIds(kReq, {Where(kSubmittedWhen, kGe, ColumnValue::Date(0), kAscending)}),
            (Ids{1, 2, 3, 4, 5}));
  // Ties (two pending, two issued) in request id order, reversed when descending.
  EXPECT_EQ(RowIds(kReq, {Where(kDisposition, kGe, ColumnValue::Long(0), kAscending)}),
            (Ids{1, 5, 2, 4, 3}));
  EXPECT_EQ(RowIds(kReq, {Where(kDisposition, kGe, ColumnValue::Long(0), kDescending)}),
            (Ids{3, 4, 2, 5, 1}));
  // A restriction that only sorts (CVR_SEEK_NONE), next to one that filters.
  EXPECT_EQ(RowIds(kReq, {Where(kDisposition, kEq, ColumnValue::Long(20)),
                          Where(kNotAfter, kNone, ColumnValue(), kAscending)}),
            (Ids{4, 2}));
  EXPECT_EQ(
      RowIds(Table::kExtension, {Where(kExtensionRequestId, kNone, ColumnValue(), kDescending)}),
      (Ids{5, 2, 1, 1}));
  EXPECT_EQ(RowIds(Table::kCrl, {Where(kCrlNumber, kNone, ColumnValue(), kDescending)}),
            (Ids{3, 2, 1}));
  // Only indexed columns sort, as on Windows.
  ViewQuery unindexed;
  unindexed.restrictions = {Where(kStatusCode, kGe, ColumnValue::Long(0), kAscending)};
  EXPECT_EQ(Error(unindexed).code(), StatusCode::kInvalidArgument);
}

TEST_F(ViewQueryTest, PagingByOffsetLosesAndRepeatsNothing) {
  Populate();
  for (std::uint32_t page_size : {1u, 2u, 3u, 5u, 6u}) {
    ViewQuery q;
    q.columns = {kRequestId};
    EXPECT_EQ(AllRowIds(q, page_size), (Ids{1, 2, 3, 4, 5})) << page_size;
    q.restrictions = {
        Where(kSubmittedWhen, SeekOperator::kGe, ColumnValue::Date(0), SortOrder::kDescending)};
    EXPECT_EQ(AllRowIds(q, page_size), (Ids{5, 4, 3, 2, 1})) << page_size;
  }
  ViewQuery q;
  q.first_row = 5;
  q.max_rows = 10;
  ViewPage past_end = Page(q);
  EXPECT_TRUE(past_end.rows.empty());
  EXPECT_TRUE(past_end.end);
  q.first_row = 0;
  q.max_rows = 5;  // exactly the rest: the end is known without another call
  EXPECT_TRUE(Page(q).end);
  q.max_rows = 0;
  ViewPage none = Page(q);
  EXPECT_TRUE(none.rows.empty());
  EXPECT_FALSE(none.end);
}

TEST_F(ViewQueryTest, PagingByCursorMatchesPagingByOffset) {
  Populate();
  using enum SeekOperator;
  constexpr SortOrder kAscending = SortOrder::kAscending;
  constexpr SortOrder kDescending = SortOrder::kDescending;
  std::vector<ViewQuery> queries(9);
  queries[1].restrictions = {Where(kSubmittedWhen, kGe, ColumnValue::Date(0), kDescending)};
  queries[2].restrictions = {Where(kDisposition, kGe, ColumnValue::Long(0), kAscending)};
  queries[3].restrictions = {Where(kDisposition, kGe, ColumnValue::Long(0), kDescending)};
  // NotAfter is NULL for three of the five: NULL first ascending, last descending.
  queries[4].restrictions = {Where(kNotAfter, kNone, ColumnValue(), kAscending)};
  queries[5].restrictions = {Where(kNotAfter, kNone, ColumnValue(), kDescending)};
  queries[6].table = Table::kExtension;  // keys (request id, name): two rows of request 1
  queries[7].table = Table::kAttribute;
  queries[7].restrictions = {Where(kAttributeRequestId, kNone, ColumnValue(), kDescending)};
  queries[8].table = Table::kCrl;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const Ids whole = AllRowIds(queries[i], 100);
    ASSERT_FALSE(whole.empty()) << i;
    for (std::uint32_t page_size : {1u, 2u, 3u}) {
      EXPECT_EQ(AllRowIdsByCursor(queries[i], page_size), whole)
          << "query " << i << ", pages of " << page_size;
    }
  }
}

// What an officer does: read a page of the pending queue, approve what it
// showed, read on. By offset the second page would skip the rows that moved
// up; after the cursor it starts at the first row not yet seen.
TEST_F(ViewQueryTest, PagingByCursorSkipsNothingWhenEarlierRowsLeaveTheView) {
  for (std::uint32_t i = 1; i <= 8; ++i) {
    RequestRecord r;
    r.disposition = Disposition::kPending;
    r.raw_request = {0x30, static_cast<std::uint8_t>(i)};
    r.submitted_when = 1000 * i;
    r.requester_name = "CORP\\u" + std::to_string(i);
    ASSERT_TRUE(store_->InsertRequest(r, {}, {}, {}).ok());
  }
  ViewQuery q;
  q.restrictions = {Where(kDisposition, SeekOperator::kEq, ColumnValue::Long(9))};
  q.columns = {kRequestId};
  q.max_rows = 3;
  ViewPage first = Page(q);
  ASSERT_EQ(first.rows.size(), 3u);
  ASSERT_TRUE(first.next.has_value());
  RawExec(path_, "UPDATE request SET disposition = 31 WHERE request_id <= 3");

  q.after = first.next;
  ViewPage second = Page(q);
  Ids ids;
  for (const ViewRow& r : second.rows) ids.push_back(r.row_id);
  EXPECT_EQ(ids, (Ids{4, 5, 6}));
}

TEST_F(ViewQueryTest, ACursorOfAnotherTableIsInvalid) {
  Populate();
  ViewQuery q;
  q.max_rows = 1;
  ViewPage page = Page(q);
  ASSERT_TRUE(page.next.has_value());
  q.table = Table::kExtension;  // two keys, the cursor has one
  q.after = page.next;
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
}

TEST_F(ViewQueryTest, UnknownColumnsAreInvalid) {
  ViewQuery q;
  q.columns = {kRequestId, 0x1FFF};
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
  q.columns = {0x6000};
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
  q.columns = {};
  q.restrictions = {Where(0x2FFF, SeekOperator::kEq, ColumnValue::Long(1))};
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
  q.restrictions = {};
  q.table = static_cast<Table>(0x2000);
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
}

TEST_F(ViewQueryTest, ColumnsOfAnotherTableAreInvalid) {
  ViewQuery q;
  q.columns = {kRequestId, kCrlNumber};
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
  // The Request table takes Request and Certificate columns both.
  q.columns = {kRequestId, kSerialNumber};
  EXPECT_TRUE(Error(q).ok());
  // Extension columns are 0x4000+ although the Extension selector is 0x3000.
  q.table = Table::kExtension;
  q.columns = {kAttributeName};
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
  q.columns = {kExtensionName};
  EXPECT_TRUE(Error(q).ok());
  q.restrictions = {Where(kAttributeRequestId, SeekOperator::kEq, ColumnValue::Long(1))};
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
  q.table = Table::kAttribute;
  q.columns = {kAttributeName};
  EXPECT_TRUE(Error(q).ok());
  q.restrictions = {Where(kDisposition, SeekOperator::kEq, ColumnValue::Long(9))};
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
}

TEST_F(ViewQueryTest, AtMostOneRestrictionSorts) {
  ViewQuery q;
  q.restrictions = {
      Where(kDisposition, SeekOperator::kEq, ColumnValue::Long(9), SortOrder::kAscending),
      Where(kSubmittedWhen, SeekOperator::kGe, ColumnValue::Date(0), SortOrder::kDescending)};
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
  q.restrictions[1].sort = SortOrder::kNone;
  EXPECT_TRUE(Error(q).ok());
  q.restrictions[1].sort = static_cast<SortOrder>(3);
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
}

TEST_F(ViewQueryTest, BinaryColumnsTakeOnlyEq) {
  for (SeekOperator op : {SeekOperator::kLt, SeekOperator::kLe, SeekOperator::kGe,
                          SeekOperator::kGt, SeekOperator::kNone}) {
    ViewQuery q;
    q.restrictions = {Where(kRawRequest, op, ColumnValue::Binary({0x30}), SortOrder::kAscending)};
    EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument) << static_cast<int>(op);
  }
  ViewQuery q;
  q.table = Table::kExtension;
  q.restrictions = {Where(kExtensionRawValue, SeekOperator::kEq, ColumnValue::Binary({0x04}))};
  EXPECT_TRUE(Error(q).ok());
}

TEST_F(ViewQueryTest, ValueOfTheWrongTypeIsInvalid) {
  const std::vector<ViewRestriction> bad = {
      Where(kSubmittedWhen, SeekOperator::kEq, ColumnValue::Long(1000)),
      Where(kDisposition, SeekOperator::kEq, ColumnValue::String("9")),
      Where(kRequesterName, SeekOperator::kEq, ColumnValue::Binary({0x41})),
      Where(kRawRequest, SeekOperator::kEq, ColumnValue::String("0")),
      Where(kDisposition, SeekOperator::kEq, ColumnValue::Date(9)),
      // An empty value only tests for emptiness.
      Where(kDisposition, SeekOperator::kLt, ColumnValue()),
      // No seek operator: only sorts, so no value.
      Where(kDisposition, SeekOperator::kNone, ColumnValue::Long(9), SortOrder::kAscending),
      Where(kDisposition, SeekOperator::kNone, ColumnValue()),
      Where(kDisposition, static_cast<SeekOperator>(3), ColumnValue::Long(9)),
  };
  for (const ViewRestriction& r : bad) {
    ViewQuery q;
    q.restrictions = {r};
    EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument) << std::hex << r.column;
  }
}

TEST_F(ViewQueryTest, ListLimitsAreEnforced) {
  ViewQuery q;
  q.restrictions.assign(kMaxViewRestrictions,
                        Where(kDisposition, SeekOperator::kGe, ColumnValue::Long(0)));
  q.columns.assign(kMaxViewColumns, kRequestId);
  EXPECT_TRUE(Error(q).ok());
  q.restrictions.push_back(q.restrictions.back());
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
  q.restrictions.pop_back();
  q.columns.push_back(kRequestId);
  EXPECT_EQ(Error(q).code(), StatusCode::kInvalidArgument);
}

TEST_F(ViewQueryTest, ValuesAreBoundNotPasted) {
  Populate();
  ViewQuery q;
  q.restrictions = {Where(kRequesterName, SeekOperator::kEq,
                          ColumnValue::String("x' OR 1 = 1 OR requester_name = '"))};
  q.max_rows = 10;
  ViewPage page = Page(q);
  EXPECT_TRUE(page.rows.empty());
  view_sql::Plan plan = view_sql::Build(q, 10);
  EXPECT_EQ(plan.sql.find("OR 1 = 1"), std::string::npos) << plan.sql;
}

TEST_F(ViewQueryTest, DefaultOrdersAndPendingQueueUseIndexes) {
  auto plan_of = [&](ViewQuery q) { return QueryPlan(path_, view_sql::Build(q, 100).sql); };
  ViewQuery pending;
  pending.columns = {kRequestId, kRequesterName, kSubmittedWhen};
  pending.restrictions = {Where(kDisposition, SeekOperator::kEq, ColumnValue::Long(9))};
  std::string plan = plan_of(pending);
  EXPECT_NE(plan.find("USING INDEX request_disposition (disposition=?)"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  // The next page seeks past the cursor in the same index.
  pending.after = ViewCursor{{}, {std::int64_t{100}}};
  plan = plan_of(pending);
  EXPECT_NE(plan.find("USING INDEX request_disposition (disposition=? AND rowid>?)"),
            std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;

  // The partial indexes (IS NOT NULL) serve a comparison on their column.
  for (const char* column : {"UPN", "Request.RevokedEffectiveWhen"}) {
    const ColumnInfo& c = *FindColumn(column);
    ViewQuery q;
    q.restrictions = {
        Where(c.id, SeekOperator::kGt,
              c.type == ColumnType::kDate ? ColumnValue::Date(0) : ColumnValue::String("a"),
              SortOrder::kAscending)};
    plan = plan_of(q);
    EXPECT_NE(plan.find("INDEX request_" + std::string(c.sql)), std::string::npos) << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  }

  ViewQuery recent;
  recent.restrictions = {
      Where(kSubmittedWhen, SeekOperator::kGe, ColumnValue::Date(0), SortOrder::kDescending)};
  plan = plan_of(recent);
  EXPECT_NE(plan.find("request_submitted_when"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;

  for (Table t : {Table::kRequestCertificate, Table::kExtension, Table::kAttribute, Table::kCrl}) {
    ViewQuery all;
    all.table = t;
    plan = plan_of(all);
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  }
}

// Adds `count` requests in one transaction: disposition PENDING for every
// tenth id, ISSUED otherwise; submitted_when = id.
void BulkInsertRequests(const std::filesystem::path& path, int count) {
  RawExec(path, "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                    std::to_string(count) +
                    ") INSERT INTO request (disposition, submitted_when, requester_name) "
                    "SELECT CASE WHEN i % 10 = 0 THEN 9 ELSE 20 END, i, 'CORP\\u' || i FROM n; "
                    "INSERT INTO request_blob (request_id, raw_request) SELECT request_id, x'3000' "
                    "FROM request; COMMIT");
}

std::chrono::microseconds TimeFirstPendingPage(CaStore& store, std::size_t* rows) {
  ViewQuery q;
  q.columns = {kRequestId, kRequesterName, kSubmittedWhen, kDisposition};
  q.restrictions = {Where(kDisposition, SeekOperator::kEq, ColumnValue::Long(9))};
  q.max_rows = 100;
  auto start = std::chrono::steady_clock::now();
  auto page = store.QueryView(q);
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  *rows = page.ok() ? page->rows.size() : 0;
  return took;
}

TEST_F(ViewQueryTest, PagingWalksAHundredThousandRows) {
  constexpr int kRows = 100000;
  BulkInsertRequests(path_, kRows);

  std::size_t first_page = 0;
  auto took = TimeFirstPendingPage(*store_, &first_page);
  EXPECT_EQ(first_page, 100u);
  std::cout << "first pending page of " << kRows << " requests: " << took.count() << " us\n";

  ViewQuery q;
  q.columns = {kRequestId, kDisposition};
  Ids all = AllRowIds(q, 1000);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kRows));
  for (int i = 0; i < kRows; ++i) ASSERT_EQ(all[i], static_cast<std::uint32_t>(i + 1));

  q.restrictions = {
      Where(kDisposition, SeekOperator::kEq, ColumnValue::Long(9), SortOrder::kDescending)};
  Ids pending = AllRowIds(q, 777);
  ASSERT_EQ(pending.size(), static_cast<std::size_t>(kRows / 10));
  for (std::size_t i = 0; i < pending.size(); ++i) {
    ASSERT_EQ(pending[i], static_cast<std::uint32_t>(kRows - 10 * i));
  }

  // A page larger than kMaxViewRows is cut to it.
  q.restrictions = {};
  q.first_row = 0;
  q.max_rows = kMaxViewRows * 2;
  ViewPage page = Page(q);
  EXPECT_EQ(page.rows.size(), kMaxViewRows);
  EXPECT_FALSE(page.end);
}

// A measurement, not run by default (its insert takes a while): run with
// --gtest_also_run_disabled_tests --gtest_filter=*Million*.
TEST_F(ViewQueryTest, DISABLED_PendingQueueFirstPageAmongAMillion) {
  constexpr int kRows = 1000000;
  auto start = std::chrono::steady_clock::now();
  BulkInsertRequests(path_, kRows);
  std::cout << "inserted " << kRows << " requests in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count()
            << " ms\n";
  for (int run = 0; run < 3; ++run) {
    std::size_t rows = 0;
    auto took = TimeFirstPendingPage(*store_, &rows);
    EXPECT_EQ(rows, 100u);
    EXPECT_LT(took, std::chrono::milliseconds(50));
    std::cout << "first pending page: " << took.count() << " us\n";
  }
}

}  // namespace
}  // namespace openadcs::db
