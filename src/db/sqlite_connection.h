// A thin layer over one sqlite3 connection: cached prepared statements,
// typed binding and reading, transactions, and the mapping of SQLite result
// codes to Status. Not thread-safe: the store serialises all use.
#ifndef OPENADCS_DB_SQLITE_CONNECTION_H_
#define OPENADCS_DB_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "openadcs/db/records.h"
#include "openadcs/util/status.h"

namespace openadcs::db {

// Process-wide settings, applied once and only before SQLite initialises
// (whatever initialises it first, such as registering a VFS, should call
// this before): memory statistics off, and statement journals handed to the
// VFS from their first byte (SQLITE_CONFIG_STMTJRNL_SPILL 0), where the VFS
// of Connection::Open keeps them in memory (db/subjournal_vfs.h). Returns
// whether the journals go to the VFS; if not, SQLite keeps them in memory
// itself only under temp_store = MEMORY, and spills them to temporary files
// otherwise. Thread-safe.
bool ConfigureSqlite();

// A value to bind. Views must stay valid until the statement has stepped.
using SqlValue =
    std::variant<std::monostate, std::int64_t, std::string_view, std::span<const std::uint8_t>>;

// One column of the current result row.
class SqlColumn {
 public:
  SqlColumn(sqlite3_stmt* stmt, int index) : stmt_(stmt), index_(index) {}
  bool IsNull() const;
  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL.
  int StorageClass() const;
  // NULL reads as 0 / empty. A value of the wrong type or out of range is
  // Corruption: the schema is STRICT, so only a damaged file yields one.
  Status Get(std::int64_t& out) const;
  Status Get(std::uint32_t& out) const;
  Status Get(Disposition& out) const;
  Status Get(std::string& out) const;
  Status Get(Bytes& out) const;

 private:
  sqlite3_stmt* stmt_;
  int index_;
};

class Connection;

// A cached statement borrowed from its Connection; destruction resets it
// and clears its bindings. A statement from Connection::PrepareOnce (in_use
// null) is owned instead, and finalised on destruction. Move-only.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, Connection* conn, bool* in_use);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // 1-based like SQLite. A failed bind is reported by the next Step or Run.
  void Bind(int index, const SqlValue& value);
  // true: a row is available; false: done.
  Result<bool> Step();
  // Steps to completion, ignoring rows; for statements that return none.
  Status Run();
  SqlColumn Column(int index) const { return SqlColumn(stmt_, index); }

 private:
  sqlite3_stmt* stmt_;
  Connection* conn_;
  bool* in_use_;
  int bind_error_ = SQLITE_OK;
};

// Steps `st` to its end, making each row with `read(st)` (a Result<Row>):
// the rows in order, or the first failure, of a step or of a row.
template <typename Row, typename ReadFn>
Result<std::vector<Row>> ReadAllRows(Statement& st, ReadFn read) {
  std::vector<Row> out;
  while (true) {
    Result<bool> more = st.Step();
    if (!more.ok()) return more.status();
    if (!*more) return out;
    Result<Row> row = read(st);
    if (!row.ok()) return row.status();
    out.push_back(std::move(row).value());
  }
}

class Connection {
 public:
  // Opens (creating if missing) the database at `path` read-write.
  // `vfs` names a registered sqlite3_vfs; empty: SQLite's default. The
  // connection uses it with sub-journals in memory (SubjournalVfs) and each
  // commit's WAL frames written at once (WalWriteVfs).
  static Result<std::unique_ptr<Connection>> Open(const std::filesystem::path& path,
                                                  std::chrono::milliseconds busy_timeout,
                                                  const std::string& vfs = "");
  // Opens the existing database at `path` read-only, for offline readers
  // that must never create or change it. Errors: the open's (a missing
  // file is an IOError: check first).
  static Result<std::unique_ptr<Connection>> OpenReadOnly(const std::filesystem::path& path,
                                                          std::chrono::milliseconds busy_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }
  // Runs SQL that returns no rows (several statements allowed); not cached.
  Status Exec(std::string_view sql, std::string_view what);
  // Runs one statement that returns no rows through the cache (Prepare):
  // for those of every write (BEGIN, COMMIT, savepoints), which Exec would
  // parse again each time.
  Status Run(std::string_view sql);
  // Returns the cached statement for `sql`, preparing it on first use. A
  // statement is borrowed by one Statement at a time (Internal otherwise).
  Result<Statement> Prepare(std::string_view sql);
  // Prepares `sql` for one use, outside the cache: for SQL built per call
  // from caller input (views), whose variety would grow the cache without
  // bound.
  Result<Statement> PrepareOnce(std::string_view sql);
  // The Status for SQLite result code `rc` (extended), with `what` and
  // SQLite's message. An I/O error or a full disk is a DiskFailure, with the
  // errno SQLite saw, and is kept as storage_failure().
  Status Error(int rc, std::string_view what) const;
  // The first disk failure Error reported on this connection; Ok while none
  // has. After one, whether the file holds what was written is unknown.
  const Status& storage_failure() const { return storage_failure_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  // Exactly one statement; `flags` as sqlite3_prepare_v3 takes them.
  Result<sqlite3_stmt*> PrepareStatement(std::string_view sql, unsigned flags);

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* db_;
  std::map<std::string, Cached, std::less<>> cache_;
  mutable Status storage_failure_;
};

// An IOError for a write or sync of the database's files that failed, with
// the HRESULT a client is given: ERROR_DISK_FULL when `full`, else
// ERROR_IO_DEVICE.
Status DiskFailure(std::string message, bool full);

// BEGIN on construction via Begin(); ROLLBACK on destruction unless Commit
// succeeded.
class Transaction {
 public:
  enum class Mode { kRead, kWrite };
  explicit Transaction(Connection& conn) : conn_(conn) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // kWrite takes the write lock at once (BEGIN IMMEDIATE), so that a busy
  // database is reported here, after the busy timeout, and never midway.
  Status Begin(Mode mode);
  Status Commit();

 private:
  Connection& conn_;
  bool open_ = false;
};

}  // namespace openadcs::db

#endif  // OPENADCS_DB_SQLITE_CONNECTION_H_
