// Schema version 5 -> 6 on a file the version 5 code wrote (tests/db/data/
// schema_v5.db: the engine of commit b004ee9 issuing, pending, denying,
// failing, revoking, releasing, publishing CRLs and keeping settings): every
// row and every byte is still there after the upgrade, as plain SQL, the
// store's reads and views see them, and the audit chain still verifies.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "db/der_fields.h"
#include "db/schema.h"
#include "openadcs/db/audit.h"
#include "openadcs/db/column_catalogue.h"
#include "openadcs/db/sqlite_store.h"
#include "openadcs/util/bytes.h"
#include "testing/store_fixture.h"

namespace openadcs::db {
namespace {

// One stored value as its storage class and bytes, so that an INTEGER 5 and
// a TEXT "5", or NULL and an empty blob, differ.
using Row = std::map<std::string, std::string>;

std::string Encode(sqlite3_stmt* st, int i) {
  const int type = sqlite3_column_type(st, i);
  if (type == SQLITE_NULL) return "null";
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, i));
  const std::size_t size = static_cast<std::size_t>(sqlite3_column_bytes(st, i));
  return std::to_string(type) + ":" + HexLower({data, size});
}

// The rows of `sql` read with plain SQLite (and the functions that compute
// the derived columns), each column by name.
std::vector<Row> Rows(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  EXPECT_TRUE(der_fields::Register(db).ok());
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK)
      << sql << ": " << sqlite3_errmsg(db);
  std::vector<Row> rows;
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    Row row;
    for (int i = 0; i < sqlite3_column_count(st); ++i)
      row[sqlite3_column_name(st, i)] = Encode(st, i);
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

Bytes BlobOf(const std::string& encoded) {
  if (encoded == "null") return {};
  const std::string hex = encoded.substr(encoded.find(':') + 1);
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// How Encode shows an INTEGER: its text.
std::string Integer(std::uint64_t v) {
  const std::string text = std::to_string(v);
  return "1:" + HexLower({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

class SchemaMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy_file(
        std::filesystem::path(OPENADCS_SOURCE_DIR) / "tests/db/data/schema_v5.db", path_);
  }
  testing::TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "ca.db";
};

// Tables whose layout version 6 keeps, with what lists their rows in order
// (rowids too where a row refers to or is ordered by it).
const std::map<std::string, std::string> kKeptTables = {
    {"attribute", "rowid, * FROM attribute ORDER BY rowid"},
    {"crl", "* FROM crl ORDER BY row_id"},
    {"audit", "* FROM audit ORDER BY seq"},
    {"ca_security", "* FROM ca_security"},
    {"ca_setting", "* FROM ca_setting ORDER BY name"},
    {"requester_usage", "* FROM requester_usage ORDER BY caller_name"},
    {"sqlite_sequence", "* FROM sqlite_sequence ORDER BY name"},
};

TEST_F(SchemaMigrationTest, VersionFiveFileKeepsEveryRowAndByte) {
  ASSERT_EQ(Rows(path_, "PRAGMA user_version")[0]["user_version"], Integer(5));
  const std::vector<Row> requests = Rows(path_, "SELECT * FROM request ORDER BY request_id");
  ASSERT_GE(requests.size(), 10u);
  std::map<std::string, std::vector<Row>> kept;
  for (const auto& [table, order] : kKeptTables) {
    kept[table] = Rows(path_, "SELECT " + order);
  }
  // Version 6's extension table has no rowid: each request's rows in the
  // order they were added, now `position`.
  const std::string extension_rows = "request_id, name, flags, raw_value FROM extension ORDER BY ";
  const std::vector<Row> extensions = Rows(path_, "SELECT " + extension_rows + "request_id, rowid");
  ASSERT_FALSE(extensions.empty());
  ASSERT_FALSE(kept["attribute"].empty());
  ASSERT_FALSE(kept["crl"].empty());
  auto chain_before = VerifyAuditChain(path_);
  ASSERT_TRUE(chain_before.ok()) << chain_before.status().ToString();
  ASSERT_FALSE(chain_before->first_fault.has_value());

  auto store = OpenSqliteStore({path_});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(Rows(path_, "PRAGMA user_version")[0]["user_version"], Integer(kSchemaVersion));

  // Plain SQL: each request row with its blobs holds what version 5 held.
  const std::vector<Row> after =
      Rows(path_, "SELECT * FROM " + std::string(schema::RowSource(Table::kRequestCertificate)) +
                      " ORDER BY request_id");
  ASSERT_EQ(after.size(), requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    for (const auto& [column, value] : requests[i]) {
      ASSERT_TRUE(after[i].count(column)) << column;
      EXPECT_EQ(after[i].at(column), value) << "request " << i << " " << column;
    }
  }
  for (const auto& [table, order] : kKeptTables) {
    EXPECT_EQ(Rows(path_, "SELECT " + order), kept[table]) << table;
  }
  // The values that are the certificate's extensions are read from it.
  EXPECT_EQ(Rows(path_, "SELECT request_id, name, flags, raw_value FROM " +
                            std::string(schema::RowSource(Table::kExtension)) +
                            " ORDER BY request_id, position"),
            extensions);
  EXPECT_NE(
      Rows(path_, "SELECT count(*) - count(raw_value) AS derived FROM extension")[0]["derived"],
      Integer(0));
  // The keys and request subjects that are fields of the certificate and the
  // request are no longer stored, yet read back (above) byte for byte.
  const std::string stored_derived =
      "SELECT count(nullif(raw_public_key, X'')) AS keys, count(nullif(req_raw_name, X'')) AS "
      "names FROM request_blob";
  EXPECT_EQ(Rows(path_, stored_derived)[0]["keys"], Integer(0));
  EXPECT_EQ(Rows(path_, stored_derived)[0]["names"], Integer(0));
  const std::string stored_text =
      "SELECT count(nullif(subject_key_identifier, '')) AS key_ids, "
      "count(nullif(distinguished_name, '')) AS dns FROM request";
  EXPECT_EQ(Rows(path_, stored_text)[0]["key_ids"], Integer(0));
  EXPECT_EQ(Rows(path_, stored_text)[0]["dns"], Integer(0));
  // The store's reads.
  for (const Row& v5 : requests) {
    const Bytes id_text = BlobOf(v5.at("request_id"));
    const auto id =
        static_cast<std::uint32_t>(std::stoul(std::string(id_text.begin(), id_text.end())));
    auto rec = (*store)->GetRequest(id);
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    EXPECT_EQ(rec->raw_request, BlobOf(v5.at("raw_request"))) << id;
    EXPECT_EQ(rec->raw_name, BlobOf(v5.at("req_raw_name"))) << id;
    auto extensions_of = (*store)->ListExtensions(id);
    ASSERT_TRUE(extensions_of.ok()) << extensions_of.status().ToString();
    std::vector<std::string> names;
    for (const ExtensionRow& e : *extensions_of) names.push_back(e.name);
    std::vector<std::string> v5_names;
    for (const Row& e : extensions) {
      if (e.at("request_id") == v5.at("request_id")) {
        const Bytes name = BlobOf(e.at("name"));
        v5_names.emplace_back(name.begin(), name.end());
      }
    }
    EXPECT_EQ(names, v5_names) << id;
    EXPECT_EQ(rec->certificate.has_value(), v5.at("raw_certificate") != "null") << id;
    if (rec->certificate) {
      EXPECT_EQ(rec->certificate->raw_certificate, BlobOf(v5.at("raw_certificate"))) << id;
      EXPECT_EQ(rec->certificate->raw_public_key, BlobOf(v5.at("raw_public_key"))) << id;
      EXPECT_FALSE(rec->certificate->raw_public_key.empty()) << id;
      auto by_serial = (*store)->GetRequestBySerial(rec->certificate->serial_number);
      ASSERT_TRUE(by_serial.ok()) << by_serial.status().ToString();
      EXPECT_EQ(by_serial->request_id, id);
    }
  }

  // A view of every Request-table column, blobs included, serves the same bytes.
  ViewQuery q;
  std::vector<const ColumnInfo*> columns;
  for (const ColumnInfo& c : Columns()) {
    if (c.table != Table::kRequestCertificate) continue;
    q.columns.push_back(c.id);
    columns.push_back(&c);
  }
  q.max_rows = 1000;
  auto page = (*store)->QueryView(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->rows.size(), requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    for (std::size_t j = 0; j < columns.size(); ++j) {
      const ColumnValue& v = page->rows[i].values[j];
      if (columns[j]->type != ColumnType::kBinary) continue;
      const Bytes expected = BlobOf(requests[i].at(std::string(columns[j]->sql)));
      if (expected.empty()) {
        EXPECT_TRUE(v.empty()) << columns[j]->name;
      } else {
        ASSERT_NE(v.AsBinary(), nullptr) << columns[j]->name;
        EXPECT_EQ(*v.AsBinary(), expected) << columns[j]->name;
      }
    }
  }

  // The audit chain is the one version 5 wrote.
  store->reset();
  auto chain_after = VerifyAuditChain(path_);
  ASSERT_TRUE(chain_after.ok()) << chain_after.status().ToString();
  EXPECT_FALSE(chain_after->first_fault.has_value());
  EXPECT_EQ(chain_after->rows, chain_before->rows);
  EXPECT_EQ(chain_after->head_hash, chain_before->head_hash);
}

TEST_F(SchemaMigrationTest, UpgradedFileGoesOnWhereItStopped) {
  const std::string usage = Rows(
      path_, "SELECT bytes FROM requester_usage WHERE caller_name = 'EXAMPLE\\alice'")[0]["bytes"];
  const std::string last_id =
      Rows(path_, "SELECT seq FROM sqlite_sequence WHERE name = 'request'")[0]["seq"];
  auto store = OpenSqliteStore({path_});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto bytes = (*store)->StoredBytesOf("example\\ALICE");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(Integer(*bytes), usage);

  RequestRecord rec;
  rec.caller_name = "EXAMPLE\\alice";
  rec.requester_name = rec.caller_name;
  rec.raw_request = Bytes(100, 0x30);
  rec.request_attributes = "a:b";
  rec.disposition = Disposition::kPending;
  auto id = (*store)->InsertRequest(rec, {}, {}, {1, "EXAMPLE\\alice", "pend", 0, ""});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(Integer(*id - 1), last_id);
  auto after = (*store)->StoredBytesOf("EXAMPLE\\alice");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *bytes + 103);
  // A request deleted takes its blobs (and its usage) with it.
  ASSERT_EQ(
      *(*store)->DeleteRow(Table::kRequestCertificate, *id, {1, "admin", "delete-row", 0, ""}), 1u);
  EXPECT_EQ(*(*store)->StoredBytesOf("EXAMPLE\\alice"), *bytes);
  EXPECT_TRUE(
      Rows(path_, "SELECT * FROM request_blob WHERE request_id = " + std::to_string(*id)).empty());
}

}  // namespace
}  // namespace openadcs::db
