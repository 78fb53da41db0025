// The fixture of the store tests: a SQLite store in the file ca.db of a
// temporary directory, opened afresh by Reopen(). Header-only for the
// reason test_ca.h gives.
//
// Contract: SetUp opens the store (a new file); Reopen() closes it and opens
// the same file again (the schema migrations run on each open), failing the
// test fatally if it cannot. RawExec writes the file behind the store's back,
// RawQuery reads it so.
#ifndef OPENADCS_TESTS_TESTING_STORE_FIXTURE_H_
#define OPENADCS_TESTS_TESTING_STORE_FIXTURE_H_

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"

namespace openadcs::testing {

class StoreTestBase : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    db::SqliteStoreOptions options;
    options.path = path_;
    auto store = db::OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  // Runs `sql` on a connection of its own, as someone with the file would.
  void RawExec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << sql << ": " << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  // The rows of `sql` on a connection of its own, each row's columns joined by '|'.
  std::string RawQuery(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    std::string out;
    char* error = nullptr;
    const int rc = sqlite3_exec(
        db, sql.c_str(),
        [](void* text, int n, char** values, char**) {
          auto* s = static_cast<std::string*>(text);
          for (int i = 0; i < n; ++i) *s += std::string(values[i] ? values[i] : "") + "|";
          *s += "\n";
          return 0;
        },
        &out, &error);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
    return out;
  }

  TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "ca.db";
  std::unique_ptr<db::CaStore> store_;
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_STORE_FIXTURE_H_
