// The column catalogue, and that the SQL schema built from it agrees with it:
// every column exists with its type, and the indexed flags are real indexes.
#include "openadcs/db/column_catalogue.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <set>
#include <string>

#include "db/schema.h"
#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

TEST(ColumnCatalogueTest, IdsAndNamesAreUnique) {
  std::set<std::uint32_t> ids;
  std::set<std::string> names;
  for (const ColumnInfo& c : Columns()) {
    EXPECT_TRUE(ids.insert(c.id).second) << std::hex << c.id;
    EXPECT_TRUE(names.insert(Lower(c.name)).second) << c.name;
  }
}

TEST(ColumnCatalogueTest, IdsAreDenseFromTheTableBase) {
  // EnumViewColumn pages by index, so each id range has no holes.
  std::map<std::uint32_t, std::uint32_t> next = {
      {0x1000, 0x1000}, {0x2000, 0x2000}, {0x3000, 0x3000}, {0x4000, 0x4000}, {0x5000, 0x5000}};
  for (const ColumnInfo& c : Columns()) {
    std::uint32_t base = c.id & 0xF000;
    ASSERT_TRUE(next.count(base)) << std::hex << c.id;
    EXPECT_EQ(c.id, next[base]++) << c.name;
  }
  EXPECT_EQ(next[0x1000], 0x1027u);
  EXPECT_EQ(next[0x2000], 0x2024u);
}

TEST(ColumnCatalogueTest, TableFollowsIdRange) {
  // Our resolution of MS-CSRA's contradiction: column ids as Windows numbers
  // them (note <4>: Attribute 0x3000+, Extension 0x4000+), although the
  // table selectors are Extension 0x3000 and Attribute 0x4000; see
  // docs/database.md.
  for (const ColumnInfo& c : Columns()) {
    std::uint32_t base = c.id & 0xF000;
    Table want = Table::kRequestCertificate;
    if (base == 0x3000) want = Table::kAttribute;
    if (base == 0x4000) want = Table::kExtension;
    if (base == 0x5000) want = Table::kCrl;
    EXPECT_EQ(c.table, want) << c.name;
  }
  EXPECT_EQ(static_cast<std::uint32_t>(Table::kExtension), 0x3000u);
  EXPECT_EQ(static_cast<std::uint32_t>(Table::kAttribute), 0x4000u);
  ASSERT_NE(FindColumn("ExtensionRequestId"), nullptr);
  EXPECT_EQ(FindColumn("ExtensionRequestId")->id, 0x4000u);
  EXPECT_EQ(FindColumn("ExtensionRequestId")->type, ColumnType::kLong);
  EXPECT_TRUE(FindColumn("ExtensionRequestId")->indexed);
  EXPECT_EQ(FindColumn("ExtensionRawValue")->id, 0x4003u);
  EXPECT_EQ(FindColumn("AttributeRequestId")->id, 0x3000u);
  EXPECT_EQ(FindColumn("AttributeValue")->id, 0x3002u);
  EXPECT_EQ(FindColumn("CRLRawCRL")->id, 0x5010u);
}

TEST(ColumnCatalogueTest, FindsByIdAndCaseInsensitiveName) {
  for (const ColumnInfo& c : Columns()) {
    EXPECT_EQ(FindColumn(c.id), &c);
    EXPECT_EQ(FindColumn(c.name), &c);
    EXPECT_EQ(FindColumn(Lower(c.name)), &c);
  }
  const ColumnInfo* d = FindColumn("request.disposition");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->id, 0x1009u);
  EXPECT_EQ(FindColumn("SerialNumber")->id, 0x2007u);
  EXPECT_EQ(FindColumn("NoSuchColumn"), nullptr);
  EXPECT_EQ(FindColumn(0x1FFFu), nullptr);
  EXPECT_EQ(FindColumn(0u), nullptr);
}

TEST(ColumnCatalogueTest, RequiredColumnsAreIndexed) {
  for (const char* name :
       {"Request.RequestID", "Request.Disposition", "SerialNumber", "Request.RequesterName",
        "NotAfter", "CertificateTemplate", "CommonName", "RequestID"}) {
    const ColumnInfo* c = FindColumn(name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_TRUE(c->indexed) << name;
  }
}

class SchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions options;
    options.path = dir_.path() / "ca.db";
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_EQ(sqlite3_open_v2(options.path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
  }
  void TearDown() override { sqlite3_close(db_); }

  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::vector<std::vector<std::string>> rows;
    while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    return rows;
  }

  // Column name -> (declared type, leads the primary key).
  std::map<std::string, std::pair<std::string, bool>> TableColumns(std::string_view table) {
    std::map<std::string, std::pair<std::string, bool>> out;
    for (auto& row : Query("PRAGMA table_info(" + std::string(table) + ")")) {
      out[row[1]] = {row[2], row[5] == "1"};
    }
    return out;
  }

  // Columns that lead an index, plus the INTEGER PRIMARY KEY (the rowid).
  std::set<std::string> IndexedColumns(std::string_view table) {
    std::set<std::string> out;
    for (auto& index : Query("PRAGMA index_list(" + std::string(table) + ")")) {
      for (auto& col : Query("PRAGMA index_info(" + index[1] + ")")) {
        if (col[0] == "0") out.insert(col[2]);
      }
    }
    for (auto& [name, info] : TableColumns(table)) {
      if (info.second) out.insert(name);
    }
    return out;
  }

  bool IsUnique(std::string_view table, const std::string& column) {
    for (auto& index : Query("PRAGMA index_list(" + std::string(table) + ")")) {
      auto cols = Query("PRAGMA index_info(" + index[1] + ")");
      if (index[2] == "1" && !cols.empty() && cols[0][2] == column) return true;
    }
    return false;
  }

  testing::TempDir dir_;
  sqlite3* db_ = nullptr;
};

const char* SqlType(ColumnType t) {
  switch (t) {
    case ColumnType::kLong:
    case ColumnType::kDate: return "INTEGER";
    case ColumnType::kBinary: return "BLOB";
    case ColumnType::kString: return "TEXT";
  }
  return "?";
}

TEST_F(SchemaTest, EveryCatalogueColumnExistsWithItsType) {
  for (const ColumnInfo& c : Columns()) {
    auto cols = TableColumns(schema::SqlTable(c));
    auto it = cols.find(std::string(c.sql));
    ASSERT_NE(it, cols.end()) << c.name;
    EXPECT_EQ(it->second.first, SqlType(c.type)) << c.name;
  }
}

const ColumnInfo* FindColumnBySql(const std::string& sql) {
  for (const ColumnInfo& c : Columns()) {
    if (c.table == Table::kRequestCertificate && c.sql == sql) return &c;
  }
  return nullptr;
}

TEST_F(SchemaTest, EverySqlColumnIsCataloguedOrInternal) {
  for (Table t : {Table::kRequestCertificate, Table::kExtension, Table::kAttribute, Table::kCrl}) {
    std::set<std::string> known;
    for (const ColumnInfo& c : Columns()) {
      if (c.table == t) known.insert(std::string(c.sql));
    }
    if (t == Table::kRequestCertificate) {
      for (const auto& c : schema::InternalRequestColumns()) known.insert(std::string(c.sql));
    }
    if (t == Table::kExtension) known.insert("position");  // the order extensions were added
    for (auto& [name, info] : TableColumns(schema::TableName(t))) {
      EXPECT_TRUE(known.count(name)) << schema::TableName(t) << "." << name;
    }
    if (t != Table::kRequestCertificate) continue;
    for (auto& [name, info] : TableColumns("request_blob")) {
      const ColumnInfo* c = FindColumnBySql(name);
      EXPECT_TRUE(name == "request_id" || (c != nullptr && schema::InBlobTable(*c)))
          << "request_blob." << name;
    }
  }
}

TEST_F(SchemaTest, IndexedFlagsMatchSqliteIndexes) {
  for (Table t : {Table::kRequestCertificate, Table::kExtension, Table::kAttribute, Table::kCrl}) {
    std::set<std::string> flagged;
    for (const ColumnInfo& c : Columns()) {
      if (c.table == t && c.indexed) flagged.insert(std::string(c.sql));
    }
    EXPECT_EQ(IndexedColumns(schema::TableName(t)), flagged) << schema::TableName(t);
  }
}

TEST_F(SchemaTest, UniquenessWhereTheContractNeedsIt) {
  EXPECT_TRUE(IsUnique("request", "serial_number"));
  EXPECT_TRUE(IsUnique("extension", "request_id"));  // PRIMARY KEY (request_id, name)
  EXPECT_TRUE(IsUnique("crl", "number"));
  EXPECT_FALSE(IsUnique("attribute", "request_id"));
  EXPECT_FALSE(IsUnique("request", "common_name"));
}

TEST_F(SchemaTest, VersionAndJournalMode) {
  EXPECT_EQ(Query("PRAGMA user_version")[0][0], std::to_string(kSchemaVersion));
  EXPECT_EQ(Query("PRAGMA application_id")[0][0], std::to_string(schema::kApplicationId));
  EXPECT_EQ(Query("PRAGMA journal_mode")[0][0], "wal");
  // AUTOINCREMENT keeps ids from being reused after deletes.
  auto sql = Query("SELECT sql FROM sqlite_schema WHERE name = 'request'");
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_NE(sql[0][0].find("request_id INTEGER PRIMARY KEY AUTOINCREMENT"), std::string::npos);
}

}  // namespace
}  // namespace openadcs::db
