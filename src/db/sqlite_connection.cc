#include "db/sqlite_connection.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <limits>

#include "db/der_fields.h"
#include "db/subjournal_vfs.h"
#include "db/wal_write_vfs.h"
#include "openadcs/db/sqlite_store.h"

namespace openadcs::db {
namespace {

bool IsKnownDisposition(std::int64_t v) {
  switch (static_cast<Disposition>(v)) {
    case Disposition::kActive:
    case Disposition::kPending:
    case Disposition::kForeign:
    case Disposition::kCaCert:
    case Disposition::kIssued:
    case Disposition::kRevoked:
    case Disposition::kError:
    case Disposition::kDenied: return true;
  }
  return false;
}

Status WrongType(sqlite3_stmt* stmt, int index, const char* wanted) {
  const char* name = sqlite3_column_name(stmt, index);
  return Status::Corruption(std::string("column ") + (name ? name : "?") + " is not " + wanted);
}

// Statement text for error messages: long generated INSERTs are cut short.
std::string Abbreviated(std::string_view sql) {
  constexpr std::size_t kMax = 60;
  return sql.size() <= kMax ? std::string(sql) : std::string(sql.substr(0, kMax)) + "...";
}

// `path` with its directories resolved to their real location, for
// SQLITE_OPEN_NOFOLLOW: SQLite refuses a symbolic link anywhere in the path
// with it, and a state directory may well be one (systemd's DynamicUser=
// makes /var/lib/openadcs a link to /var/lib/private/openadcs). Only the
// file itself must not be a link.
Result<std::filesystem::path> WithRealDirectories(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::error_code ec;
  std::filesystem::path real = std::filesystem::canonical(dir, ec);
  if (ec) return Status::IOError("directory of " + path.string() + ": " + ec.message());
  return real / path.filename();
}

}  // namespace

bool ConfigureSqlite() {
  static const bool subjournals_to_vfs = [] {
    // Debian's SQLite counts memory by default, which takes a global mutex
    // on every allocation, and is built without lookaside memory, so that
    // each statement step allocates several times.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 0) == SQLITE_OK;
  }();
  return subjournals_to_vfs;
}

// --- SqlColumn ---

bool SqlColumn::IsNull() const {
  return sqlite3_column_type(stmt_, index_) == SQLITE_NULL;
}

int SqlColumn::StorageClass() const {
  return sqlite3_column_type(stmt_, index_);
}

Status SqlColumn::Get(std::int64_t& out) const {
  switch (sqlite3_column_type(stmt_, index_)) {
    case SQLITE_NULL: out = 0; return Status::Ok();
    case SQLITE_INTEGER: out = sqlite3_column_int64(stmt_, index_); return Status::Ok();
    default: return WrongType(stmt_, index_, "an integer");
  }
}

Status SqlColumn::Get(std::uint32_t& out) const {
  std::int64_t v = 0;
  OPENADCS_RETURN_IF_ERROR(Get(v));
  if (v < 0 || v > std::numeric_limits<std::uint32_t>::max()) {
    return WrongType(stmt_, index_, "a 32-bit unsigned integer");
  }
  out = static_cast<std::uint32_t>(v);
  return Status::Ok();
}

Status SqlColumn::Get(Disposition& out) const {
  std::int64_t v = 0;
  OPENADCS_RETURN_IF_ERROR(Get(v));
  if (!IsKnownDisposition(v)) return WrongType(stmt_, index_, "a DB_DISP value");
  out = static_cast<Disposition>(v);
  return Status::Ok();
}

Status SqlColumn::Get(std::string& out) const {
  switch (sqlite3_column_type(stmt_, index_)) {
    case SQLITE_NULL: out.clear(); return Status::Ok();
    case SQLITE_TEXT: {
      const unsigned char* p = sqlite3_column_text(stmt_, index_);
      int n = sqlite3_column_bytes(stmt_, index_);
      out.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
      return Status::Ok();
    }
    default: return WrongType(stmt_, index_, "text");
  }
}

Status SqlColumn::Get(Bytes& out) const {
  switch (sqlite3_column_type(stmt_, index_)) {
    case SQLITE_NULL: out.clear(); return Status::Ok();
    case SQLITE_BLOB: {
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index_));
      int n = sqlite3_column_bytes(stmt_, index_);
      if (n == 0) {
        out.clear();
      } else {
        out.assign(p, p + n);
      }
      return Status::Ok();
    }
    default: return WrongType(stmt_, index_, "a blob");
  }
}

// --- Statement ---

Statement::Statement(sqlite3_stmt* stmt, Connection* conn, bool* in_use)
    : stmt_(stmt), conn_(conn), in_use_(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : stmt_(other.stmt_),
      conn_(other.conn_),
      in_use_(other.in_use_),
      bind_error_(other.bind_error_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

void Statement::Bind(int index, const SqlValue& value) {
  int rc = SQLITE_OK;
  if (std::holds_alternative<std::monostate>(value)) {
    rc = sqlite3_bind_null(stmt_, index);
  } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
    rc = sqlite3_bind_int64(stmt_, index, *i);
  } else if (const auto* s = std::get_if<std::string_view>(&value)) {
    // A null data pointer would bind NULL; an empty value stays empty.
    rc = sqlite3_bind_text64(stmt_, index, s->empty() ? "" : s->data(), s->size(), SQLITE_STATIC,
                             SQLITE_UTF8);
  } else {
    const auto& b = std::get<std::span<const std::uint8_t>>(value);
    rc = b.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                   : sqlite3_bind_blob64(stmt_, index, b.data(), b.size(), SQLITE_STATIC);
  }
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

Result<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return conn_->Error(bind_error_, "binding " + Abbreviated(sqlite3_sql(stmt_)));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->Error(rc, Abbreviated(sqlite3_sql(stmt_)));
}

Status Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::Open(const std::filesystem::path& path,
                                                     std::chrono::milliseconds busy_timeout,
                                                     const std::string& vfs) {
  Result<std::string> with_subjournals = SubjournalVfs(vfs);
  if (!with_subjournals.ok()) return with_subjournals.status();
  Result<std::string> layered = WalWriteVfs(*with_subjournals);
  if (!layered.ok()) return layered.status();
  // We create the file so that it is 0600 whatever the umask; SQLite gives
  // the -wal and -shm files the mode of the database file.
  int fd =
      ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd >= 0) {
    int rc = ::fchmod(fd, S_IRUSR | S_IWUSR);
    int err = errno;
    ::close(fd);
    if (rc != 0) return Status::IOError("chmod " + path.string() + ": " + std::strerror(err));
    spdlog::info("created CA database {}", path.string());
  } else if (errno != EEXIST) {
    return Status::IOError("create " + path.string() + ": " + std::strerror(errno));
  }

  Result<std::filesystem::path> real = WithRealDirectories(path);
  if (!real.ok()) return real.status();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      real->c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE,
      layered->c_str());
  std::unique_ptr<Connection> conn(new Connection(db));
  if (rc != SQLITE_OK) return conn->Error(rc, "open " + path.string());

  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    spdlog::warn("CA database {} is accessible to group or others (mode {:o})", path.string(),
                 st.st_mode & 0777);
  }
  auto ms = std::clamp<std::chrono::milliseconds::rep>(busy_timeout.count(), 0, INT_MAX);
  sqlite3_busy_timeout(db, static_cast<int>(ms));
  // Reads of the request table compute its derived columns with these.
  OPENADCS_RETURN_IF_ERROR(der_fields::Register(db));
  return conn;
}

Result<std::unique_ptr<Connection>> Connection::OpenReadOnly(
    const std::filesystem::path& path, std::chrono::milliseconds busy_timeout) {
  ConfigureSqlite();
  Result<std::filesystem::path> real = WithRealDirectories(path);
  if (!real.ok()) return real.status();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      real->c_str(), &db,
      SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE,
      nullptr);
  std::unique_ptr<Connection> conn(new Connection(db));
  if (rc != SQLITE_OK) return conn->Error(rc, "open " + path.string() + " read-only");
  auto ms = std::clamp<std::chrono::milliseconds::rep>(busy_timeout.count(), 0, INT_MAX);
  sqlite3_busy_timeout(db, static_cast<int>(ms));
  // Reads of the request table compute its derived columns with these.
  OPENADCS_RETURN_IF_ERROR(der_fields::Register(db));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  if (int rc = sqlite3_close(db_); rc != SQLITE_OK) {
    spdlog::warn("closing the CA database: {}", sqlite3_errstr(rc));
  }
}

Status Connection::Exec(std::string_view sql, std::string_view what) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : Error(rc, what);
}

Status Connection::Run(std::string_view sql) {
  Result<Statement> st = Prepare(sql);
  if (!st.ok()) return st.status();
  return st->Run();
}

Result<sqlite3_stmt*> Connection::PrepareStatement(std::string_view sql, unsigned flags) {
  if (sql.size() > static_cast<std::size_t>(INT_MAX)) return Status::Internal("SQL too long");
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), flags, &stmt, &tail);
  if (rc != SQLITE_OK) return Error(rc, "prepare " + Abbreviated(sql));
  if (stmt == nullptr || tail != sql.data() + sql.size()) {
    sqlite3_finalize(stmt);
    return Status::Internal("not exactly one statement: " + Abbreviated(sql));
  }
  return stmt;
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    Result<sqlite3_stmt*> stmt = PrepareStatement(sql, SQLITE_PREPARE_PERSISTENT);
    if (!stmt.ok()) return stmt.status();
    it = cache_.emplace(std::string(sql), Cached{*stmt, false}).first;
  }
  if (it->second.in_use) return Status::Internal("statement already in use: " + Abbreviated(sql));
  it->second.in_use = true;
  return Statement(it->second.stmt, this, &it->second.in_use);
}

Result<Statement> Connection::PrepareOnce(std::string_view sql) {
  Result<sqlite3_stmt*> stmt = PrepareStatement(sql, 0);
  if (!stmt.ok()) return stmt.status();
  return Statement(*stmt, this, nullptr);
}

Status Connection::Error(int rc, std::string_view what) const {
  std::string message(what);
  message += ": ";
  // sqlite3_errmsg describes the last failed call on this connection, which
  // is the one that returned rc; errstr is the generic text otherwise.
  message += (db_ != nullptr && sqlite3_extended_errcode(db_) == rc) ? sqlite3_errmsg(db_)
                                                                     : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status::Unavailable(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status::Corruption(std::move(message));
    case SQLITE_IOERR:
    case SQLITE_FULL: {
      const int err = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
      if (err != 0) message += std::string(" (") + std::strerror(err) + ")";
      Status failure = DiskFailure(std::move(message), (rc & 0xff) == SQLITE_FULL);
      if (storage_failure_.ok()) storage_failure_ = failure;
      return failure;
    }
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::AlreadyExists(std::move(message));
      }
      return Status::IOError(std::move(message));
    default: return Status::IOError(std::move(message));
  }
}

Status DiskFailure(std::string message, bool full) {
  return Status::Error(StatusCode::kIOError, std::move(message),
                       full ? kDiskFullHresult : kIoDeviceHresult);
}

// --- Transaction ---

Transaction::~Transaction() {
  if (!open_ || sqlite3_get_autocommit(conn_.handle()) != 0) return;
  if (Status s = conn_.Exec("ROLLBACK", "rollback"); !s.ok()) {
    spdlog::error("CA database: {}", s.ToString());
  }
}

Status Transaction::Begin(Mode mode) {
  OPENADCS_RETURN_IF_ERROR(conn_.Run(mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  OPENADCS_RETURN_IF_ERROR(conn_.Run("COMMIT"));
  open_ = false;
  return Status::Ok();
}

}  // namespace openadcs::db
