#include "openadcs/db/sqlite_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "db/audit_table.h"
#include "db/der_fields.h"
#include "db/request_row.h"
#include "db/revocation_rows.h"
#include "db/schema.h"
#include "db/sqlite_connection.h"
#include "db/view_sql.h"
#include "db/wal_checkpointer.h"
#include "db/wal_syncer.h"
#include "openadcs/util/log_context.h"
#include "openadcs/util/metrics.h"
#include "openadcs/util/thread_name.h"

namespace openadcs::db {
namespace {

using Mode = Transaction::Mode;

// A new extension goes after the request's others; a replaced one keeps its
// place. The value is NULL when it is the certificate's (schema.h).
const std::string kUpsertExtension =
    "INSERT INTO extension (request_id, name, flags, raw_value, position) VALUES (?1, ?2, ?3, "
    "CASE WHEN ?4 <> X'' AND ?4 = " +
    schema::ExtensionValueFromCertificate("?1", "?2") +
    " THEN NULL ELSE ?4 END, "
    "(SELECT coalesce(max(position), 0) + 1 FROM extension WHERE request_id = ?1)) "
    "ON CONFLICT (request_id, name) DO UPDATE SET flags = excluded.flags, "
    "raw_value = excluded.raw_value";
// Up to this many of a new request's extensions go in one statement: a
// request usually has five or six, and each statement run costs the writer
// more than a row does.
constexpr std::size_t kExtensionsPerInsert = 8;

// An insert of `rows` (1..kExtensionsPerInsert) of a new request's
// extensions: ?1 the request id, then name, flags, value and position for
// each row. Values and places are worked out by the caller (NewExtensions),
// so the writer runs neither the certificate's decoding nor the position's
// lookup. A name given twice keeps its first place and its last value.
const std::string& InsertNewExtensionsSql(std::size_t rows) {
  static const std::vector<std::string> sql = [] {
    std::vector<std::string> out(kExtensionsPerInsert + 1);
    for (std::size_t n = 1; n <= kExtensionsPerInsert; ++n) {
      std::string& text = out[n];
      text = "INSERT INTO extension (request_id, name, flags, raw_value, position) VALUES ";
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t p = 2 + 4 * i;
        text +=
            fmt::format("{}(?1, ?{}, ?{}, ?{}, ?{})", i == 0 ? "" : ", ", p, p + 1, p + 2, p + 3);
      }
      text +=
          " ON CONFLICT (request_id, name) DO UPDATE SET flags = excluded.flags, "
          "raw_value = excluded.raw_value";
    }
    return out;
  }();
  return sql[rows];
}
constexpr std::string_view kInsertAttribute =
    "INSERT INTO attribute (request_id, name, value) VALUES (?1, ?2, ?3)";
constexpr std::string_view kSelectDisposition =
    "SELECT disposition FROM request WHERE request_id = ?1";
constexpr std::string_view kSelectCaSecurity =
    "SELECT descriptor, version FROM ca_security WHERE id = 1";
constexpr std::string_view kUpsertCaSecurity =
    "INSERT INTO ca_security (id, descriptor, version) VALUES (1, ?1, ?2) "
    "ON CONFLICT (id) DO UPDATE SET descriptor = excluded.descriptor, version = excluded.version";
constexpr std::string_view kSelectSetting = "SELECT value FROM ca_setting WHERE name = ?1";
constexpr std::string_view kUpsertSetting =
    "INSERT INTO ca_setting (name, value) VALUES (?1, ?2) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value";
constexpr std::string_view kDeleteSetting = "DELETE FROM ca_setting WHERE name = ?1";
constexpr std::string_view kCrlColumns =
    "row_id, number, min_base, name_id, entry_count, this_update, next_update, effective, "
    "propagation_complete, publish_status_code, raw_crl, publish_flags, this_publish, "
    "next_publish";
// Rows without CPF_DELTA are base CRLs; NULL flags (rows written before
// delta CRLs) too.
constexpr std::string_view kIsDelta = "(IFNULL(publish_flags, 0) & 2) != 0";
// Every row of `sql` on `conn` after `bind`, each read by `read`. REQUIRES:
// the mutex guarding `conn` held.
template <typename Row, typename BindFn>
Result<std::vector<Row>> SelectAll(Connection& conn, std::string_view sql, BindFn bind,
                                   Result<Row> (*read)(const Statement&)) {
  Result<Statement> st = conn.Prepare(sql);
  if (!st.ok()) return st.status();
  bind(*st);
  return ReadAllRows<Row>(*st, read);
}

// Whole request records: each row with its blobs.
const std::string_view kRequestRows = schema::RowSource(Table::kRequestCertificate);

// What InsertNewExtensionsSql stores for each of a new request's extensions,
// in order, as kUpsertExtension would: NULL for a value that is the
// certificate's, and the name's place among the request's extensions.
struct NewExtension {
  bool from_certificate = false;
  std::int64_t position = 0;
};

std::vector<NewExtension> NewExtensions(const RequestRecord& record,
                                        const std::vector<ExtensionRow>& extensions) {
  std::vector<NewExtension> out;
  out.reserve(extensions.size());
  std::vector<std::string_view> names;  // distinct, in order: a request has a few
  for (const ExtensionRow& x : extensions) {
    NewExtension n;
    if (record.certificate && !x.value.empty()) {
      const std::span<const std::uint8_t> in_certificate =
          der_fields::CertificateExtension(record.certificate->raw_certificate, x.name);
      n.from_certificate = std::ranges::equal(in_certificate, x.value);
    }
    const auto seen = std::ranges::find(names, x.name);
    n.position =
        (seen == names.end() ? static_cast<std::int64_t>(names.size()) : seen - names.begin()) + 1;
    if (seen == names.end()) names.emplace_back(x.name);
    out.push_back(n);
  }
  return out;
}

// Bounds of openadcs_db_commit_writes: the batch sizes up to kMaxBatch.
const std::vector<double>& CommitWriteBuckets() {
  static const std::vector<double> bounds{1, 2, 4, 8, 16, 32, 64, 128, 256};
  return bounds;
}

std::string DispositionName(Disposition d) {
  return std::to_string(static_cast<int>(d));
}

// Writes go through a group commit: writers queue their work for one writer
// thread, which runs everything queued (each write in its own savepoint)
// inside one transaction that it commits once. The commit itself does not
// fsync (synchronous=NORMAL): a WalSyncer fdatasync that covers it runs on
// its own thread while the writer runs the writes that arrive meanwhile in
// the next transaction, which it commits once that sync has ended; so N
// writes share one commit and one fsync. No write is reported done before
// its commit is on disk; a new request's caller is not held meanwhile
// (QueueInsertRequest). Reads use a second connection, so they never wait
// behind a commit (WAL lets them see every committed write); views, whose
// cost the admin's restrictions decide, and the CRLs' listings, which grow
// with the revocations, have a third, so that neither delays the enrollment
// path's reads. A WalCheckpointer copies the
// WAL into the database off the write path. The first disk failure any of
// them meets is latched: no write is attempted after it
// (SqliteStoreOptions::on_disk_failure).
class SqliteStore final : public CaStore {
 public:
  // `syncer` null: commits are acknowledged without an fsync (NORMAL).
  // `last_request_id`: the highest request id the file has ever used.
  SqliteStore(const SqliteStoreOptions& options, std::unique_ptr<Connection> writer,
              std::unique_ptr<Connection> reader, std::unique_ptr<Connection> viewer,
              std::unique_ptr<Connection> checkpointer, std::unique_ptr<WalSyncer> syncer,
              std::uint32_t last_request_id)
      : path_(options.path.string()),
        on_disk_failure_(options.on_disk_failure),
        commit_writes_(
            options.metrics == nullptr
                ? nullptr
                : &options.metrics->GetHistogram(
                      "openadcs_db_commit_writes",
                      "Writes (requests, approvals, settings) carried by each group commit.",
                      CommitWriteBuckets())),
        commit_cpu_seconds_(
            options.metrics == nullptr
                ? nullptr
                : &options.metrics->GetHistogram(
                      "openadcs_db_commit_writer_cpu_seconds",
                      "CPU time of the database's one writer thread for each group commit: its "
                      "writes and the commit.",
                      metrics::LatencyBuckets())),
        write_stage_seconds_{StageHistogram(options.metrics, "queued"),
                             StageHistogram(options.metrics, "transaction"),
                             StageHistogram(options.metrics, "sync")},
        last_request_id_(last_request_id),
        conn_(std::move(writer)),
        read_conn_(std::move(reader)),
        view_conn_(std::move(viewer)),
        syncer_(std::move(syncer)),
        checkpointer_(*conn_, std::move(checkpointer), mu_,
                      std::max<std::uint32_t>(options.wal_checkpoint_frames, 1),
                      // No writer waits on a checkpoint: the next one meets the failure.
                      [this](const Status& s) { static_cast<void>(LatchDiskFailure(s)); }),
        writer_([this] { WriteLoop(); }) {
    // Before any write: the writer waits for this while it gathers a batch.
    if (syncer_ != nullptr) {
      syncer_->SetIdleListener([this] {
        std::lock_guard lock(queue_mu_);
        queue_cv_.notify_all();
      });
    }
  }
  // Commits what is still queued first.
  ~SqliteStore() override {
    {
      std::lock_guard lock(queue_mu_);
      closing_ = true;
    }
    queue_cv_.notify_one();
    writer_.join();
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // --- CaStore ---
  Result<std::uint32_t> InsertRequest(const RequestRecord& record,
                                      const std::vector<AttributeRow>& attributes,
                                      const std::vector<ExtensionRow>& extensions,
                                      const AuditEvent& audit) override;
  Result<QueuedInsert> QueueInsertRequest(const RequestRecord& record,
                                          const std::vector<AttributeRow>& attributes,
                                          const std::vector<ExtensionRow>& extensions,
                                          const AuditEvent& audit) override;
  Status UpdateRequest(const RequestRecord& record, Disposition expected,
                       const std::vector<ExtensionRow>& extensions,
                       const AuditEvent& audit) override;
  Result<RequestRecord> GetRequest(std::uint32_t request_id) override;
  Result<RequestRecord> GetRequestBySerial(const std::string& serial) override;
  Result<std::vector<RequestRecord>> ListRequests(const RequestQuery& query) override;
  Result<std::uint64_t> CountRequestsSince(const std::string& caller_name,
                                           std::int64_t since) override;
  Result<std::uint64_t> StoredBytesOf(const std::string& caller_name) override;
  Result<std::uint64_t> CountRequests(Disposition disposition) override;
  Status PutExtension(const ExtensionRow& row, Disposition required,
                      const AuditEvent& audit) override;
  Result<std::vector<ExtensionRow>> ListExtensions(std::uint32_t request_id) override;
  Status PutAttributes(std::uint32_t request_id, const std::vector<AttributeRow>& rows,
                       Disposition required, const AuditEvent& audit) override;
  Result<std::vector<AttributeRow>> ListAttributes(std::uint32_t request_id) override;
  Result<std::vector<RevokedCertificate>> ListRevoked(std::int64_t at) override;
  Result<std::vector<RevokedCertificate>> ListRevocationChanges(std::int64_t since,
                                                                std::int64_t at) override;
  Result<std::uint32_t> InsertCrl(const CrlRow& row, const AuditEvent& audit) override;
  Result<std::optional<CrlRow>> LatestCrl() override;
  Result<std::optional<CrlRow>> LatestCrl(CrlKind kind) override;
  Result<std::optional<CrlRow>> LatestPropagatedBaseCrl(std::int64_t at) override;
  Result<ViewPage> QueryView(const ViewQuery& query) override;
  Result<std::optional<CaSecurityRow>> GetCaSecurity() override;
  Status PutCaSecurity(const Bytes& descriptor, std::uint64_t expected_version,
                       const AuditEvent& audit) override;
  Result<std::uint32_t> DeleteRow(Table table, std::uint32_t row_id,
                                  const AuditEvent& audit) override;
  Result<DeleteCount> DeleteRowsBefore(BulkDelete which, std::int64_t before, std::uint32_t limit,
                                       const AuditEvent& audit) override;
  Status AppendAudit(const AuditEvent& audit) override;
  Result<std::optional<Bytes>> GetSetting(const std::string& name) override;
  Status PutSetting(const std::string& name, const std::optional<Bytes>& value,
                    const AuditEvent& audit) override;
  Result<std::vector<AuditRow>> ListAudit(std::uint64_t after_seq, std::uint32_t limit) override;

 private:
  struct PendingWrite {
    std::function<Status()> body;
    Status status;  // the body's, then its transaction's; the writer thread's alone
    // Opens Ok once the write is durable, or with why it never will be.
    std::shared_ptr<Gate> done = std::make_shared<Gate>();
    std::chrono::steady_clock::time_point queued = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point started;  // of its body, on the writer thread
  };
  // The stages of openadcs_db_write_stage_seconds, in a write's order.
  enum Stage { kQueued, kTransaction, kSync, kStages };
  // That histogram's child for `stage`; null without metrics.
  static metrics::Histogram* StageHistogram(metrics::Registry* registry, const char* stage);
  using Batch = std::vector<std::unique_ptr<PendingWrite>>;
  // Most writes one commit carries; the rest wait for the next.
  static constexpr std::size_t kMaxBatch = 256;

  // Queues `body` for the writer thread, which runs it on the write
  // connection inside a transaction shared with the writes queued meanwhile.
  // Returns what opens once the write is durable (Ok), or with why it never
  // will be: the body's error, its transaction's, or the store's disk
  // failure. `new_request_id` not null: set, before `body` runs, to a fresh
  // request id. Ids are handed out in queue order, so rows are committed in
  // id order; the id of a write that fails is not used again.
  Result<std::shared_ptr<Gate>> QueueWrite(std::function<Status()> body,
                                           std::uint32_t* new_request_id = nullptr);
  // QueueWrite of `body`, waited for.
  Status RunWrite(const std::function<Status()>& body);
  // The write of `body` followed, in the same savepoint, by the append of
  // `event` (as `body` leaves it: an insert fills in the request id) to the
  // audit chain, which it stores in *appended. The head of the chain is
  // read in the write transaction, on the writer thread, so writes in one
  // batch (and batch members rolled back alone) keep one chain.
  std::function<Status()> AuditedBody(AuditEvent event, std::function<Status(AuditEvent&)> body,
                                      std::shared_ptr<AuditRow> appended);
  // QueueWrite of AuditedBody; the audit row is logged once it is durable.
  Result<std::shared_ptr<Gate>> QueueAudited(AuditEvent event,
                                             std::function<Status(AuditEvent&)> body,
                                             std::uint32_t* new_request_id);
  // RunWrite of AuditedBody, then the log of the audit row.
  Status RunAudited(AuditEvent event, const std::function<Status(AuditEvent&)>& body);
  // The writer thread: commits what is queued, a batch at a time, until the
  // store closes and the queue is empty.
  void WriteLoop();
  // Runs and commits a batch of what is queued and opens each write's
  // gate: at once if it failed (or without a syncer), else when the commit
  // is synced.
  void WriteBatch();
  // Moves what is queued, up to kMaxBatch writes in all, to `batch`.
  void TakeQueued(Batch& batch);
  // Runs what is queued in one transaction, taking more while the syncer is
  // busy (WalSyncer::idle), and commits it. Fills `batch` with the writes
  // taken and sets each one's status; returns whether the transaction
  // committed.
  bool CommitBatch(Batch& batch);
  // Runs batch[first..] in the open transaction, each in a savepoint unless
  // `alone`; false if the transaction has ended (the batch's statuses then
  // say why).
  bool RunWrites(Batch& batch, std::size_t first, bool alone);
  // Whether the open transaction, holding `taken` writes, takes more before
  // it commits: blocks while the syncer is busy, the queue empty and the
  // store open; then true if anything is queued (and the batch not full).
  bool GatherMore(std::size_t taken);
  // Makes `cause` (a DiskFailure) the store's failure, unless there is one
  // already, and reports it (SqliteStoreOptions::on_disk_failure). Returns
  // the store's failure.
  Status LatchDiskFailure(const Status& cause);
  // The latched failure; Ok while there is none.
  Status DiskFailureStatus();

  // The disposition of `request_id`, NotFound if there is no such request.
  static Result<Disposition> StoredDisposition(Connection& conn, std::uint32_t request_id);
  Status RequireDisposition(std::uint32_t request_id, Disposition required);
  Status UpsertExtension(std::uint32_t request_id, const ExtensionRow& row);
  Status InsertAttribute(std::uint32_t request_id, const AttributeRow& row);
  // Runs `sql` (which selects request_row::SelectColumns()) on the read
  // connection after `bind`. REQUIRES: read_mu_ held.
  template <typename BindFn>
  Result<std::vector<RequestRecord>> SelectRequests(std::string_view sql, BindFn bind);
  // The non-negative integer `sql` selects in its one row, on the read
  // connection after `bind`. REQUIRES: read_mu_ held.
  template <typename BindFn>
  Result<std::uint64_t> SelectCount(std::string_view sql, BindFn bind);
  // The first row of `sql` (which selects kCrlColumns) on the read
  // connection after `bind`, or nullopt.
  template <typename BindFn>
  Result<std::optional<CrlRow>> SelectCrl(const std::string& sql, BindFn bind);
  Result<std::uint32_t> LastInsertId(std::string_view what);
  // RunAudited of `body`, which deletes rows and returns their ids; the ids
  // go into the audit detail. No ids: the savepoint is rolled back, so an
  // empty delete writes no audit row, and 0 is returned.
  Result<std::uint32_t> RunDelete(const AuditEvent& audit,
                                  const std::function<Result<std::vector<std::int64_t>>()>& body);

  const std::string path_;
  const std::function<void(const Status&)> on_disk_failure_;
  // Observed by the writer thread for each commit; null without metrics.
  metrics::Histogram* const commit_writes_;
  metrics::Histogram* const commit_cpu_seconds_;
  // By Stage; observed for each write that commits, null without metrics.
  metrics::Histogram* const write_stage_seconds_[kStages];
  std::mutex failure_mu_;
  Status disk_failure_;  // guarded by failure_mu_; sticky
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;                 // the writer thread waits on it
  std::deque<std::unique_ptr<PendingWrite>> queue_;  // guarded by queue_mu_
  std::uint32_t last_request_id_;                    // guarded by queue_mu_
  bool closing_ = false;                             // guarded by queue_mu_
  std::mutex mu_;                                    // held by the writer thread while it writes
  std::unique_ptr<Connection> conn_;                 // guarded by mu_
  std::mutex read_mu_;
  std::unique_ptr<Connection> read_conn_;  // guarded by read_mu_
  std::mutex view_mu_;
  std::unique_ptr<Connection> view_conn_;  // guarded by view_mu_
  const std::unique_ptr<WalSyncer> syncer_;
  WalCheckpointer checkpointer_;  // after conn_ and mu_, which it uses
  std::thread writer_;            // last: started once the rest is built
};

Result<std::shared_ptr<Gate>> SqliteStore::QueueWrite(std::function<Status()> body,
                                                      std::uint32_t* new_request_id) {
  OPENADCS_RETURN_IF_ERROR(DiskFailureStatus());
  auto write = std::make_unique<PendingWrite>();
  write->body = std::move(body);
  std::shared_ptr<Gate> done = write->done;
  {
    std::lock_guard lock(queue_mu_);
    if (new_request_id != nullptr) {
      // Ids are DWORDs on the wire; AUTOINCREMENT would go on past them.
      if (last_request_id_ == std::numeric_limits<std::uint32_t>::max()) {
        return Status::FailedPrecondition("request id space exhausted");
      }
      *new_request_id = ++last_request_id_;
    }
    queue_.push_back(std::move(write));
  }
  queue_cv_.notify_one();
  return done;
}

metrics::Histogram* SqliteStore::StageHistogram(metrics::Registry* registry, const char* stage) {
  if (registry == nullptr) return nullptr;
  return &registry->GetHistogram(
      "openadcs_db_write_stage_seconds",
      "Time each committed write to the CA database spent in each stage of the group commit: "
      "waiting for the writer thread (queued), from the start of its statements to its "
      "transaction's commit, which waits for the fdatasync under way (transaction), and from "
      "the commit until an fdatasync made it durable (sync).",
      metrics::LatencyBuckets(), {{"stage", stage}});
}

Status SqliteStore::RunWrite(const std::function<Status()>& body) {
  Result<std::shared_ptr<Gate>> done = QueueWrite(body);
  if (!done.ok()) return done.status();
  return (*done)->Wait();
}

void SqliteStore::WriteLoop() {
  util::NameThisThread("db-writer");
  std::unique_lock lock(queue_mu_);
  while (true) {
    queue_cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;
    lock.unlock();
    WriteBatch();
    lock.lock();
  }
}

void SqliteStore::TakeQueued(Batch& batch) {
  std::lock_guard lock(queue_mu_);
  const std::size_t n = std::min(queue_.size(), kMaxBatch - batch.size());
  const auto end = queue_.begin() + static_cast<std::ptrdiff_t>(n);
  batch.insert(batch.end(), std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
  queue_.erase(queue_.begin(), end);
}

bool SqliteStore::GatherMore(std::size_t taken) {
  if (syncer_ == nullptr || taken >= kMaxBatch) return false;
  std::unique_lock lock(queue_mu_);
  queue_cv_.wait(lock, [&] { return closing_ || !queue_.empty() || syncer_->idle(); });
  return !queue_.empty();
}

void SqliteStore::WriteBatch() {
  const double cpu_before = commit_cpu_seconds_ == nullptr ? 0 : metrics::ThreadCpuSeconds();
  Batch batch;
  bool committed = false;
  std::uint64_t commit = 0;
  if (Status failed = DiskFailureStatus(); !failed.ok()) {
    TakeQueued(batch);
    for (auto& p : batch) p->status = failed;
  } else {
    std::lock_guard write(mu_);
    committed = CommitBatch(batch);
    if (committed && syncer_ != nullptr) commit = syncer_->NoteCommit();
    if (!conn_->storage_failure().ok()) {
      // The writes that failed failed for the disk, whatever they reported.
      const Status failure = LatchDiskFailure(conn_->storage_failure());
      for (auto& p : batch) {
        if (!p->status.ok()) p->status = failure;
      }
    }
  }
  const auto commit_time = std::chrono::steady_clock::now();
  if (committed && commit_writes_ != nullptr) {
    commit_writes_->Observe(static_cast<double>(batch.size()));
    commit_cpu_seconds_->Observe(metrics::ThreadCpuSeconds() - cpu_before);
    for (const auto& p : batch) {
      if (!p->status.ok()) continue;
      write_stage_seconds_[kQueued]->ObserveDuration(p->started - p->queued);
      write_stage_seconds_[kTransaction]->ObserveDuration(commit_time - p->started);
    }
  }
  std::vector<std::shared_ptr<Gate>> unsynced;
  for (auto& p : batch) {
    if (!p->status.ok() || commit == 0) {
      p->done->Open(p->status);
    } else {
      unsynced.push_back(std::move(p->done));
    }
  }
  if (unsynced.empty()) return;
  // One wait for the batch: the syncer's thread opens its gates, latching a
  // failed sync as the store's failure first.
  syncer_->WhenDurable(commit, [this, commit_time,
                                unsynced = std::move(unsynced)](const Status& synced) {
    const Status status = synced.ok() ? synced : LatchDiskFailure(synced);
    if (metrics::Histogram* sync = write_stage_seconds_[kSync]; sync != nullptr && synced.ok()) {
      const auto waited = std::chrono::steady_clock::now() - commit_time;
      for (std::size_t i = 0; i < unsynced.size(); ++i) sync->ObserveDuration(waited);
    }
    for (const std::shared_ptr<Gate>& gate : unsynced) gate->Open(status);
  });
}

Status SqliteStore::LatchDiskFailure(const Status& cause) {
  Status failure;
  {
    std::lock_guard lock(failure_mu_);
    if (!disk_failure_.ok()) return disk_failure_;
    disk_failure_ = Status::Error(StatusCode::kIOError,
                                  "CA database " + path_ + ": " + cause.message(), cause.hresult());
    failure = disk_failure_;
  }
  if (on_disk_failure_) on_disk_failure_(failure);
  return failure;
}

Status SqliteStore::DiskFailureStatus() {
  std::lock_guard lock(failure_mu_);
  return disk_failure_;
}

std::function<Status()> SqliteStore::AuditedBody(AuditEvent event,
                                                 std::function<Status(AuditEvent&)> body,
                                                 std::shared_ptr<AuditRow> appended) {
  return [this, event = std::move(event), body = std::move(body),
          appended = std::move(appended)]() -> Status {
    AuditEvent e = event;  // the body may amend it
    OPENADCS_RETURN_IF_ERROR(body(e));
    Result<AuditRow> row = audit_table::AppendRow(*conn_, e);
    if (!row.ok()) return row.status();
    *appended = std::move(row).value();
    return Status::Ok();
  };
}

Result<std::shared_ptr<Gate>> SqliteStore::QueueAudited(AuditEvent event,
                                                        std::function<Status(AuditEvent&)> body,
                                                        std::uint32_t* new_request_id) {
  auto appended = std::make_shared<AuditRow>();
  Result<std::shared_ptr<Gate>> done =
      QueueWrite(AuditedBody(std::move(event), std::move(body), appended), new_request_id);
  if (!done.ok()) return done;
  WhenOpenInThisLogContext(**done, [appended](const Status& synced) {
    if (synced.ok()) audit_table::Log(*appended);
  });
  return done;
}

Status SqliteStore::RunAudited(AuditEvent event, const std::function<Status(AuditEvent&)>& body) {
  auto appended = std::make_shared<AuditRow>();
  OPENADCS_RETURN_IF_ERROR(RunWrite(AuditedBody(std::move(event), body, appended)));
  audit_table::Log(*appended);
  return Status::Ok();
}

bool SqliteStore::CommitBatch(Batch& batch) {
  Transaction tx(*conn_);
  if (Status begun = tx.Begin(Mode::kWrite); !begun.ok()) {
    TakeQueued(batch);
    for (const auto& p : batch) p->status = begun;
    return false;
  }
  // The writes that reach the writer while the syncer is busy join the
  // transaction: committed now, they would wait for the next fdatasync
  // anyway (WalSyncer::idle).
  TakeQueued(batch);
  // A first write taken alone needs no savepoint: its failing rolls back
  // the transaction (~Transaction), which holds nothing else. A savepoint
  // journals every page the write changes, 8 KiB each, about a tenth of the
  // CPU of an issuance.
  if (!RunWrites(batch, 0, batch.size() == 1)) return false;
  while (GatherMore(batch.size())) {
    const std::size_t first = batch.size();
    TakeQueued(batch);
    if (!RunWrites(batch, first, false)) return false;
  }
  if (Status committed = tx.Commit(); !committed.ok()) {
    for (const auto& p : batch) {
      if (p->status.ok()) p->status = committed;
    }
    return false;
  }
  return true;
}

bool SqliteStore::RunWrites(Batch& batch, std::size_t first, bool alone) {
  for (std::size_t i = first; i < batch.size(); ++i) {
    PendingWrite* p = batch[i].get();
    p->started = std::chrono::steady_clock::now();
    p->status = alone ? Status::Ok() : conn_->Run("SAVEPOINT write");
    if (p->status.ok()) p->status = p->body();
    if (alone && !p->status.ok()) return false;
    // A failed write is undone alone; the others in the batch go on.
    Status end = alone ? Status::Ok()
                 : p->status.ok()
                     ? conn_->Run("RELEASE write")
                     : conn_->Exec("ROLLBACK TO write; RELEASE write", "roll back savepoint");
    if (!end.ok() || sqlite3_get_autocommit(conn_->handle()) != 0) {
      // SQLite ended the transaction itself (I/O error, disk full): nothing
      // in this batch is written.
      Status lost =
          end.ok()
              ? Status::IOError("the CA database ended the transaction: " + p->status.message())
              : end;
      spdlog::error("CA database: {}", lost.ToString());
      for (std::size_t j = 0; j < batch.size(); ++j) {
        if (j > i || batch[j]->status.ok()) batch[j]->status = lost;
      }
      return false;
    }
  }
  return true;
}

Result<Disposition> SqliteStore::StoredDisposition(Connection& conn, std::uint32_t request_id) {
  Result<Statement> st = conn.Prepare(kSelectDisposition);
  if (!st.ok()) return st.status();
  st->Bind(1, std::int64_t{request_id});
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no request " + std::to_string(request_id));
  Disposition d = Disposition::kActive;
  OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(d));
  return d;
}

Status SqliteStore::RequireDisposition(std::uint32_t request_id, Disposition required) {
  Result<Disposition> d = StoredDisposition(*conn_, request_id);
  if (!d.ok()) return d.status();
  if (*d != required) {
    return Status::FailedPrecondition("request " + std::to_string(request_id) +
                                      " has disposition " + DispositionName(*d) + ", not " +
                                      DispositionName(required));
  }
  return Status::Ok();
}

Status SqliteStore::UpsertExtension(std::uint32_t request_id, const ExtensionRow& row) {
  Result<Statement> st = conn_->Prepare(kUpsertExtension);
  if (!st.ok()) return st.status();
  st->Bind(1, std::int64_t{request_id});
  st->Bind(2, std::string_view(row.name));
  st->Bind(3, std::int64_t{row.flags});
  st->Bind(4, std::span<const std::uint8_t>(row.value));
  return st->Run();
}

Status SqliteStore::InsertAttribute(std::uint32_t request_id, const AttributeRow& row) {
  Result<Statement> st = conn_->Prepare(kInsertAttribute);
  if (!st.ok()) return st.status();
  st->Bind(1, std::int64_t{request_id});
  st->Bind(2, std::string_view(row.name));
  st->Bind(3, std::string_view(row.value));
  return st->Run();
}

Result<std::uint32_t> SqliteStore::LastInsertId(std::string_view what) {
  sqlite3_int64 id = sqlite3_last_insert_rowid(conn_->handle());
  // Ids are DWORDs on the wire; AUTOINCREMENT would go on past them.
  if (id <= 0 || id > std::numeric_limits<std::uint32_t>::max()) {
    return Status::FailedPrecondition(std::string(what) + " id space exhausted");
  }
  return static_cast<std::uint32_t>(id);
}

template <typename BindFn>
Result<std::vector<RequestRecord>> SqliteStore::SelectRequests(std::string_view sql, BindFn bind) {
  return SelectAll(*read_conn_, sql, bind, request_row::Read);
}

template <typename BindFn>
Result<std::uint64_t> SqliteStore::SelectCount(std::string_view sql, BindFn bind) {
  Result<Statement> st = read_conn_->Prepare(sql);
  if (!st.ok()) return st.status();
  bind(*st);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  std::int64_t n = 0;
  if (*row) OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(n));
  return static_cast<std::uint64_t>(std::max<std::int64_t>(n, 0));
}

Result<std::uint32_t> SqliteStore::InsertRequest(const RequestRecord& record,
                                                 const std::vector<AttributeRow>& attributes,
                                                 const std::vector<ExtensionRow>& extensions,
                                                 const AuditEvent& audit) {
  Result<QueuedInsert> queued = QueueInsertRequest(record, attributes, extensions, audit);
  if (!queued.ok()) return queued.status();
  OPENADCS_RETURN_IF_ERROR(queued->durable->Wait());
  return queued->request_id;
}

Result<QueuedInsert> SqliteStore::QueueInsertRequest(const RequestRecord& record,
                                                     const std::vector<AttributeRow>& attributes,
                                                     const std::vector<ExtensionRow>& extensions,
                                                     const AuditEvent& audit) {
  auto id = std::make_shared<std::uint32_t>(0);
  Result<std::shared_ptr<Gate>> durable = QueueAudited(
      audit,
      [this, id, record, attributes, extensions,
       stored = NewExtensions(record, extensions)](AuditEvent& e) -> Status {
        for (const std::string* sql : {&request_row::InsertSql(), &request_row::InsertBlobSql()}) {
          Result<Statement> st = conn_->Prepare(*sql);
          if (!st.ok()) return st.status();
          request_row::BindWithId(*st, record, *id);
          OPENADCS_RETURN_IF_ERROR(st->Run());
        }
        for (const AttributeRow& a : attributes) OPENADCS_RETURN_IF_ERROR(InsertAttribute(*id, a));
        for (std::size_t first = 0; first < extensions.size(); first += kExtensionsPerInsert) {
          const std::size_t rows = std::min(kExtensionsPerInsert, extensions.size() - first);
          Result<Statement> st = conn_->Prepare(InsertNewExtensionsSql(rows));
          if (!st.ok()) return st.status();
          st->Bind(1, std::int64_t{*id});
          for (std::size_t r = 0; r < rows; ++r) {
            const ExtensionRow& x = extensions[first + r];
            const NewExtension& n = stored[first + r];
            const int p = 2 + 4 * static_cast<int>(r);
            st->Bind(p, std::string_view(x.name));
            st->Bind(p + 1, std::int64_t{x.flags});
            st->Bind(p + 2, n.from_certificate ? SqlValue()
                                               : SqlValue(std::span<const std::uint8_t>(x.value)));
            st->Bind(p + 3, n.position);
          }
          OPENADCS_RETURN_IF_ERROR(st->Run());
        }
        if (e.request_id == 0) e.request_id = *id;
        return Status::Ok();
      },
      id.get());
  if (!durable.ok()) return durable.status();
  return QueuedInsert{*id, std::move(durable).value()};
}

Status SqliteStore::UpdateRequest(const RequestRecord& record, Disposition expected,
                                  const std::vector<ExtensionRow>& extensions,
                                  const AuditEvent& audit) {
  return RunAudited(audit, [&](AuditEvent&) -> Status {
    OPENADCS_RETURN_IF_ERROR(RequireDisposition(record.request_id, expected));
    {
      // Values read from the certificate stay when it is replaced.
      static const std::string sql =
          "UPDATE extension SET raw_value = " +
          schema::ExtensionValueFromCertificate("?1", "extension.name") +
          " WHERE request_id = ?1 AND raw_value IS NULL AND (SELECT raw_certificate FROM "
          "request_blob WHERE request_id = ?1) IS NOT ?2";
      Result<Statement> st = conn_->Prepare(sql);
      if (!st.ok()) return st.status();
      st->Bind(1, std::int64_t{record.request_id});
      if (record.certificate) {
        st->Bind(2, std::span<const std::uint8_t>(record.certificate->raw_certificate));
      }
      OPENADCS_RETURN_IF_ERROR(st->Run());
    }
    for (const std::string* sql : {&request_row::UpdateSql(), &request_row::UpdateBlobSql()}) {
      Result<Statement> st = conn_->Prepare(*sql);
      if (!st.ok()) return st.status();
      request_row::BindWithId(*st, record, record.request_id);
      OPENADCS_RETURN_IF_ERROR(st->Run());
    }
    for (const ExtensionRow& e : extensions) {
      OPENADCS_RETURN_IF_ERROR(UpsertExtension(record.request_id, e));
    }
    return Status::Ok();
  });
}

Result<RequestRecord> SqliteStore::GetRequest(std::uint32_t request_id) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = "SELECT " + request_row::SelectColumns() + " FROM " +
                                 std::string(kRequestRows) + " WHERE request_id = ?1";
  auto rows = SelectRequests(sql, [&](Statement& st) { st.Bind(1, std::int64_t{request_id}); });
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("no request " + std::to_string(request_id));
  return std::move(rows->front());
}

Result<RequestRecord> SqliteStore::GetRequestBySerial(const std::string& serial) {
  std::lock_guard lock(read_mu_);
  static const std::string sql = "SELECT " + request_row::SelectColumns() + " FROM " +
                                 std::string(kRequestRows) + " WHERE serial_number = ?1";
  auto rows = SelectRequests(sql, [&](Statement& st) { st.Bind(1, std::string_view(serial)); });
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("no certificate with serial number " + serial);
  return std::move(rows->front());
}

Result<std::vector<RequestRecord>> SqliteStore::ListRequests(const RequestQuery& query) {
  std::lock_guard lock(read_mu_);
  // ?2 IS NULL selects every disposition, so one cached statement serves both.
  static const std::string sql = "SELECT " + request_row::SelectColumns() + " FROM " +
                                 std::string(kRequestRows) +
                                 " WHERE request_id > ?1 AND "
                                 "(?2 IS NULL OR disposition = ?2) ORDER BY request_id LIMIT ?3";
  return SelectRequests(sql, [&](Statement& st) {
    st.Bind(1, std::int64_t{query.after_request_id});
    st.Bind(2, query.disposition ? SqlValue(static_cast<std::int64_t>(*query.disposition))
                                 : SqlValue());
    st.Bind(3, std::int64_t{query.limit});
  });
}

// COLLATE NOCASE as in the index request_caller_quota (schema.cc), which
// these use only because the collations match.
Result<std::uint64_t> SqliteStore::CountRequestsSince(const std::string& caller_name,
                                                      std::int64_t since) {
  std::lock_guard lock(read_mu_);
  return SelectCount(
      "SELECT count(*) FROM request WHERE caller_name = ?1 COLLATE NOCASE AND "
      "submitted_when >= ?2",
      [&](Statement& st) {
        st.Bind(1, std::string_view(caller_name));
        st.Bind(2, since);
      });
}

Result<std::uint64_t> SqliteStore::StoredBytesOf(const std::string& caller_name) {
  std::lock_guard lock(read_mu_);
  return SelectCount(
      "SELECT coalesce((SELECT bytes FROM requester_usage WHERE caller_name = ?1), 0)",
      [&](Statement& st) { st.Bind(1, std::string_view(caller_name)); });
}

Result<std::uint64_t> SqliteStore::CountRequests(Disposition disposition) {
  std::lock_guard lock(read_mu_);
  return SelectCount("SELECT count(*) FROM request WHERE disposition = ?1",
                     [&](Statement& st) { st.Bind(1, static_cast<std::int64_t>(disposition)); });
}

Status SqliteStore::PutExtension(const ExtensionRow& row, Disposition required,
                                 const AuditEvent& audit) {
  return RunAudited(audit, [&](AuditEvent&) -> Status {
    OPENADCS_RETURN_IF_ERROR(RequireDisposition(row.request_id, required));
    return UpsertExtension(row.request_id, row);
  });
}

Result<std::vector<ExtensionRow>> SqliteStore::ListExtensions(std::uint32_t request_id) {
  std::lock_guard lock(read_mu_);
  Transaction tx(*read_conn_);  // one snapshot for the existence check and the rows
  OPENADCS_RETURN_IF_ERROR(tx.Begin(Mode::kRead));
  if (Result<Disposition> d = StoredDisposition(*read_conn_, request_id); !d.ok())
    return d.status();
  Result<Statement> st = read_conn_->Prepare("SELECT name, flags, raw_value FROM " +
                                             std::string(schema::RowSource(Table::kExtension)) +
                                             " WHERE request_id = ?1 ORDER BY position");
  if (!st.ok()) return st.status();
  st->Bind(1, std::int64_t{request_id});
  std::vector<ExtensionRow> out;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    ExtensionRow e;
    e.request_id = request_id;
    OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(e.name));
    OPENADCS_RETURN_IF_ERROR(st->Column(1).Get(e.flags));
    OPENADCS_RETURN_IF_ERROR(st->Column(2).Get(e.value));
    out.push_back(std::move(e));
  }
}

Status SqliteStore::PutAttributes(std::uint32_t request_id, const std::vector<AttributeRow>& rows,
                                  Disposition required, const AuditEvent& audit) {
  return RunAudited(audit, [&](AuditEvent&) -> Status {
    OPENADCS_RETURN_IF_ERROR(RequireDisposition(request_id, required));
    for (const AttributeRow& a : rows) OPENADCS_RETURN_IF_ERROR(InsertAttribute(request_id, a));
    return Status::Ok();
  });
}

Result<std::vector<AttributeRow>> SqliteStore::ListAttributes(std::uint32_t request_id) {
  std::lock_guard lock(read_mu_);
  Transaction tx(*read_conn_);
  OPENADCS_RETURN_IF_ERROR(tx.Begin(Mode::kRead));
  if (Result<Disposition> d = StoredDisposition(*read_conn_, request_id); !d.ok())
    return d.status();
  Result<Statement> st =
      read_conn_->Prepare("SELECT name, value FROM attribute WHERE request_id = ?1 ORDER BY rowid");
  if (!st.ok()) return st.status();
  st->Bind(1, std::int64_t{request_id});
  std::vector<AttributeRow> out;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    AttributeRow a;
    a.request_id = request_id;
    OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(a.name));
    OPENADCS_RETURN_IF_ERROR(st->Column(1).Get(a.value));
    out.push_back(std::move(a));
  }
}

Result<std::vector<RevokedCertificate>> SqliteStore::ListRevoked(std::int64_t at) {
  std::lock_guard lock(view_mu_);
  return SelectAll(
      *view_conn_, revocation_rows::RevokedSql(),
      [&](Statement& st) {
        st.Bind(1, static_cast<std::int64_t>(Disposition::kRevoked));
        st.Bind(2, at);
      },
      revocation_rows::Read);
}

Result<std::vector<RevokedCertificate>> SqliteStore::ListRevocationChanges(std::int64_t since,
                                                                           std::int64_t at) {
  std::lock_guard lock(view_mu_);
  return SelectAll(
      *view_conn_, revocation_rows::ChangesSql(),
      [&](Statement& st) {
        st.Bind(1, static_cast<std::int64_t>(Disposition::kRevoked));
        st.Bind(2, static_cast<std::int64_t>(Disposition::kIssued));
        st.Bind(3, at);
        st.Bind(4, since);
        st.Bind(5, std::int64_t{kReleasedFromHold});
      },
      revocation_rows::Read);
}

Result<std::uint32_t> SqliteStore::InsertCrl(const CrlRow& row, const AuditEvent& audit) {
  std::uint32_t new_id = 0;
  Status s = RunAudited(audit, [&](AuditEvent&) -> Status {
    Result<Statement> st = conn_->Prepare(
        "INSERT INTO crl (number, min_base, name_id, entry_count, this_update, next_update, "
        "effective, propagation_complete, publish_status_code, raw_crl, publish_flags, "
        "this_publish, next_publish) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    if (!st.ok()) return st.status();
    st->Bind(1, std::int64_t{row.number});
    st->Bind(2, std::int64_t{row.min_base});
    st->Bind(3, std::int64_t{row.name_id});
    st->Bind(4, std::int64_t{row.count});
    st->Bind(5, row.this_update);
    st->Bind(6, row.next_update);
    st->Bind(7, row.effective);
    st->Bind(8, row.propagation_complete);
    st->Bind(9, std::int64_t{row.publish_status_code});
    st->Bind(10, std::span<const std::uint8_t>(row.raw_crl));
    st->Bind(11, std::int64_t{row.publish_flags});
    st->Bind(12, row.this_publish);
    st->Bind(13, row.next_publish);
    OPENADCS_RETURN_IF_ERROR(st->Run());
    Result<std::uint32_t> id = LastInsertId("CRL row");
    if (!id.ok()) return id.status();
    new_id = *id;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return new_id;
}

template <typename BindFn>
Result<std::optional<CrlRow>> SqliteStore::SelectCrl(const std::string& sql, BindFn bind) {
  std::lock_guard lock(read_mu_);
  Result<Statement> st = read_conn_->Prepare(sql);
  if (!st.ok()) return st.status();
  bind(*st);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<CrlRow>();
  CrlRow c;
  OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(c.row_id));
  OPENADCS_RETURN_IF_ERROR(st->Column(1).Get(c.number));
  OPENADCS_RETURN_IF_ERROR(st->Column(2).Get(c.min_base));
  OPENADCS_RETURN_IF_ERROR(st->Column(3).Get(c.name_id));
  OPENADCS_RETURN_IF_ERROR(st->Column(4).Get(c.count));
  OPENADCS_RETURN_IF_ERROR(st->Column(5).Get(c.this_update));
  OPENADCS_RETURN_IF_ERROR(st->Column(6).Get(c.next_update));
  OPENADCS_RETURN_IF_ERROR(st->Column(7).Get(c.effective));
  OPENADCS_RETURN_IF_ERROR(st->Column(8).Get(c.propagation_complete));
  OPENADCS_RETURN_IF_ERROR(st->Column(9).Get(c.publish_status_code));
  OPENADCS_RETURN_IF_ERROR(st->Column(10).Get(c.raw_crl));
  OPENADCS_RETURN_IF_ERROR(st->Column(11).Get(c.publish_flags));
  OPENADCS_RETURN_IF_ERROR(st->Column(12).Get(c.this_publish));
  OPENADCS_RETURN_IF_ERROR(st->Column(13).Get(c.next_publish));
  return std::optional<CrlRow>(std::move(c));
}

Result<std::optional<CrlRow>> SqliteStore::LatestCrl() {
  static const std::string sql =
      "SELECT " + std::string(kCrlColumns) + " FROM crl ORDER BY number DESC LIMIT 1";
  return SelectCrl(sql, [](Statement&) {});
}

Result<std::optional<CrlRow>> SqliteStore::LatestCrl(CrlKind kind) {
  static const std::string base_sql = "SELECT " + std::string(kCrlColumns) +
                                      " FROM crl WHERE NOT " + std::string(kIsDelta) +
                                      " ORDER BY number DESC LIMIT 1";
  static const std::string delta_sql = "SELECT " + std::string(kCrlColumns) + " FROM crl WHERE " +
                                       std::string(kIsDelta) + " ORDER BY number DESC LIMIT 1";
  return SelectCrl(kind == CrlKind::kBase ? base_sql : delta_sql, [](Statement&) {});
}

Result<std::optional<CrlRow>> SqliteStore::LatestPropagatedBaseCrl(std::int64_t at) {
  static const std::string sql = "SELECT " + std::string(kCrlColumns) + " FROM crl WHERE NOT " +
                                 std::string(kIsDelta) +
                                 " AND propagation_complete <= ?1 ORDER BY number DESC LIMIT 1";
  return SelectCrl(sql, [&](Statement& st) { st.Bind(1, at); });
}

Result<ViewPage> SqliteStore::QueryView(const ViewQuery& query) {
  OPENADCS_RETURN_IF_ERROR(ValidateViewQuery(query));
  const std::uint32_t limit = std::min(query.max_rows, kMaxViewRows);
  view_sql::Plan plan = view_sql::Build(query, limit);
  std::lock_guard lock(view_mu_);
  Result<Statement> st = view_conn_->PrepareOnce(plan.sql);
  if (!st.ok()) return st.status();
  for (std::size_t i = 0; i < plan.params.size(); ++i) {
    st->Bind(static_cast<int>(i) + 1, plan.params[i]);
  }
  ViewPage page;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) {
      page.end = true;
      return page;
    }
    if (page.rows.size() == limit) return page;  // the extra row: more follow
    Result<ViewRow> r = view_sql::Read(*st, query);
    if (!r.ok()) return r.status();
    page.rows.push_back(std::move(r).value());
    if (page.rows.size() == limit) page.next = view_sql::Cursor(*st, query);
  }
}

Result<std::optional<CaSecurityRow>> SqliteStore::GetCaSecurity() {
  std::lock_guard lock(read_mu_);
  Result<Statement> st = read_conn_->Prepare(kSelectCaSecurity);
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<CaSecurityRow>();
  CaSecurityRow sd;
  std::int64_t version = 0;
  OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(sd.descriptor));
  OPENADCS_RETURN_IF_ERROR(st->Column(1).Get(version));
  if (version <= 0) {
    return Status::Corruption("CA security descriptor version " + std::to_string(version));
  }
  sd.version = static_cast<std::uint64_t>(version);
  return std::optional<CaSecurityRow>(std::move(sd));
}

Status SqliteStore::PutCaSecurity(const Bytes& descriptor, std::uint64_t expected_version,
                                  const AuditEvent& audit) {
  if (descriptor.empty() || descriptor.size() > kMaxCaSecurityBytes) {
    return Status::InvalidArgument("CA security descriptor of " +
                                   std::to_string(descriptor.size()) + " bytes; 1 to " +
                                   std::to_string(kMaxCaSecurityBytes) + " allowed");
  }
  return RunAudited(audit, [&](AuditEvent&) -> Status {
    std::int64_t stored = 0;  // no row yet
    {
      Result<Statement> st = conn_->Prepare(kSelectCaSecurity);
      if (!st.ok()) return st.status();
      Result<bool> row = st->Step();
      if (!row.ok()) return row.status();
      if (*row) OPENADCS_RETURN_IF_ERROR(st->Column(1).Get(stored));
    }
    if (stored < 0 || static_cast<std::uint64_t>(stored) != expected_version) {
      return Status::FailedPrecondition("CA security descriptor is at version " +
                                        std::to_string(stored) + ", not " +
                                        std::to_string(expected_version));
    }
    Result<Statement> st = conn_->Prepare(kUpsertCaSecurity);
    if (!st.ok()) return st.status();
    st->Bind(1, std::span<const std::uint8_t>(descriptor));
    st->Bind(2, stored + 1);
    return st->Run();
  });
}

// The ids as "ids 1-3, 7": the audit keeps what went, in little space.
std::string IdRanges(const std::vector<std::int64_t>& ids) {
  std::string out = ids.size() == 1 ? "id " : "ids ";
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (i != 0) out += ", ";
    out += std::to_string(ids[i]);
    if (j != i) out += "-" + std::to_string(ids[j]);
    i = j + 1;
  }
  return out;
}

// Runs `st` (bound) and collects its first column: the ids a DELETE ...
// RETURNING reports.
Result<std::vector<std::int64_t>> ReturnedIds(Statement& st) {
  std::vector<std::int64_t> ids;
  while (true) {
    Result<bool> row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) return ids;
    std::int64_t id = 0;
    OPENADCS_RETURN_IF_ERROR(st.Column(0).Get(id));
    ids.push_back(id);
  }
}

Result<std::uint32_t> SqliteStore::RunDelete(
    const AuditEvent& audit, const std::function<Result<std::vector<std::int64_t>>()>& body) {
  std::uint32_t deleted = 0;
  Status s = RunAudited(audit, [&](AuditEvent& e) -> Status {
    Result<std::vector<std::int64_t>> ids = body();
    if (!ids.ok()) return ids.status();
    if (ids->empty()) return Status::NotFound("nothing to delete");
    std::sort(ids->begin(), ids->end());
    e.detail += (e.detail.empty() ? "" : ": ") + IdRanges(*ids);
    deleted = static_cast<std::uint32_t>(ids->size());
    return Status::Ok();
  });
  if (s.code() == StatusCode::kNotFound) return 0u;
  if (!s.ok()) return s;
  return deleted;
}

Result<std::uint32_t> SqliteStore::DeleteRow(Table table, std::uint32_t row_id,
                                             const AuditEvent& audit) {
  // Requests take their Extension and Attribute rows with them (ON DELETE
  // CASCADE); the audit table has no reference to any of these.
  std::string_view sql;
  switch (table) {
    case Table::kRequestCertificate:
      sql = "DELETE FROM request WHERE request_id = ?1 RETURNING request_id";
      break;
    case Table::kExtension:
      sql = "DELETE FROM extension WHERE request_id = ?1 RETURNING request_id";
      break;
    case Table::kAttribute:
      sql = "DELETE FROM attribute WHERE request_id = ?1 RETURNING request_id";
      break;
    case Table::kCrl: sql = "DELETE FROM crl WHERE row_id = ?1 RETURNING row_id"; break;
    default: return Status::InvalidArgument("no such table");
  }
  return RunDelete(audit, [&]() -> Result<std::vector<std::int64_t>> {
    Result<Statement> st = conn_->Prepare(sql);
    if (!st.ok()) return st.status();
    st->Bind(1, std::int64_t{row_id});
    return ReturnedIds(*st);
  });
}

Result<DeleteCount> SqliteStore::DeleteRowsBefore(BulkDelete which, std::int64_t before,
                                                  std::uint32_t limit, const AuditEvent& audit) {
  std::string table = "request";
  std::string key = "request_id";
  std::string where;
  std::vector<Disposition> dispositions;
  switch (which) {
    case BulkDelete::kExpiredCertificates:
      where = "disposition IN (?3, ?4) AND not_after < ?1";
      dispositions = {Disposition::kIssued, Disposition::kRevoked};
      break;
    case BulkDelete::kStaleRequests:
      // Last acted on: resolved (failed, denied) or, while pending, submitted.
      where =
          "disposition IN (?3, ?4, ?5) AND "
          "CASE WHEN resolved_when > 0 THEN resolved_when ELSE submitted_when END < ?1";
      dispositions = {Disposition::kPending, Disposition::kError, Disposition::kDenied};
      break;
    case BulkDelete::kExpiredCrls:
      table = "crl";
      key = "row_id";
      where = "next_update < ?1";
      break;
  }
  const std::uint32_t max = std::min(limit, kMaxDeleteRowsPerCall);
  if (max == 0) return Status::InvalidArgument("a delete limit of 0 rows");
  // The oldest ids first; whether more match is asked after the delete, in
  // the same transaction.
  const std::string select = "SELECT " + key + " FROM " + table + " WHERE " + where;
  const std::string del = "DELETE FROM " + table + " WHERE " + key + " IN (" + select +
                          " ORDER BY " + key + " LIMIT ?2) RETURNING " + key;
  const std::string exists = "SELECT EXISTS (" + select + ")";
  auto bind = [&](Statement& st) {
    st.Bind(1, before);
    for (std::size_t i = 0; i < dispositions.size(); ++i) {
      st.Bind(static_cast<int>(i) + 3, static_cast<std::int64_t>(dispositions[i]));
    }
  };
  bool more = false;
  Result<std::uint32_t> deleted = RunDelete(audit, [&]() -> Result<std::vector<std::int64_t>> {
    Result<Statement> st = conn_->Prepare(del);
    if (!st.ok()) return st.status();
    bind(*st);
    st->Bind(2, std::int64_t{max});
    Result<std::vector<std::int64_t>> ids = ReturnedIds(*st);
    if (!ids.ok()) return ids;
    Result<Statement> left = conn_->Prepare(exists);
    if (!left.ok()) return left.status();
    bind(*left);
    Result<bool> row = left->Step();
    if (!row.ok()) return row.status();
    std::int64_t any = 0;
    if (*row) OPENADCS_RETURN_IF_ERROR(left->Column(0).Get(any));
    more = any != 0;
    return ids;
  });
  if (!deleted.ok()) return deleted.status();
  return DeleteCount{*deleted, more};
}

Status SqliteStore::AppendAudit(const AuditEvent& audit) {
  return RunAudited(audit, [](AuditEvent&) { return Status::Ok(); });
}

Result<std::optional<Bytes>> SqliteStore::GetSetting(const std::string& name) {
  std::lock_guard lock(read_mu_);
  Result<Statement> st = read_conn_->Prepare(kSelectSetting);
  if (!st.ok()) return st.status();
  st->Bind(1, std::string_view(name));
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Bytes>();
  Bytes value;
  OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(value));
  return std::optional<Bytes>(std::move(value));
}

Status SqliteStore::PutSetting(const std::string& name, const std::optional<Bytes>& value,
                               const AuditEvent& audit) {
  if (name.empty() || name.size() > kMaxCaSettingNameBytes) {
    return Status::InvalidArgument("CA setting name of " + std::to_string(name.size()) +
                                   " bytes; 1 to " + std::to_string(kMaxCaSettingNameBytes) +
                                   " allowed");
  }
  if (value && value->size() > kMaxCaSettingBytes) {
    return Status::InvalidArgument("CA setting " + name + " of " + std::to_string(value->size()) +
                                   " bytes; at most " + std::to_string(kMaxCaSettingBytes) +
                                   " allowed");
  }
  return RunAudited(audit, [&](AuditEvent&) -> Status {
    Result<Statement> st = conn_->Prepare(value ? kUpsertSetting : kDeleteSetting);
    if (!st.ok()) return st.status();
    st->Bind(1, std::string_view(name));
    if (value) st->Bind(2, std::span<const std::uint8_t>(*value));
    return st->Run();
  });
}

Result<std::vector<AuditRow>> SqliteStore::ListAudit(std::uint64_t after_seq, std::uint32_t limit) {
  std::lock_guard lock(read_mu_);
  return audit_table::ListRows(*read_conn_, after_seq, limit);
}

// Reads one text value from a PRAGMA that sets and reports a setting.
Result<std::string> PragmaText(Connection& conn, const std::string& pragma) {
  Result<Statement> st = conn.Prepare("PRAGMA " + pragma);
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  std::string value;
  if (*row) OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(value));
  return value;
}

// The highest request id `conn`'s file has used: AUTOINCREMENT's record of
// it (ids of deleted rows are not used again), or the highest row's in a
// file whose record is missing.
Result<std::uint32_t> LastRequestId(Connection& conn) {
  Result<Statement> st = conn.Prepare(
      "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'request'), 0), "
      "coalesce((SELECT max(request_id) FROM request), 0))");
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  std::int64_t last = 0;
  if (*row) OPENADCS_RETURN_IF_ERROR(st->Column(0).Get(last));
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(last, 0, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace

Result<std::unique_ptr<CaStore>> OpenSqliteStore(const SqliteStoreOptions& options) {
  auto conn = Connection::Open(options.path, options.busy_timeout, options.vfs);
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  // Before anything writes: switching to WAL would change a file we refuse.
  OPENADCS_RETURN_IF_ERROR(schema::CheckCompatible(c));
  // Takes effect only in a file that has no page yet: an existing file keeps
  // its page size. A blob row (about 1.6 KiB with RSA-2048 keys) packs five
  // to an 8 KiB page, but only two to a 4 KiB one.
  OPENADCS_RETURN_IF_ERROR(c.Exec("PRAGMA page_size = 8192", "set page_size"));
  Result<std::string> mode = PragmaText(c, "journal_mode = WAL");
  if (!mode.ok()) return mode.status();
  if (*mode != "wal") return Status::IOError("cannot use WAL mode (journal_mode " + *mode + ")");
  // Durability comes from the WalSyncer after each commit, not from COMMIT.
  OPENADCS_RETURN_IF_ERROR(c.Exec("PRAGMA synchronous = NORMAL", "set synchronous"));
  // The undo journals of the per-write savepoints and of each statement
  // (sub-journals) go to the connection's VFS, which keeps them in a reused
  // buffer, under temp_store = FILE; under MEMORY SQLite keeps them itself,
  // in 1 KiB allocations. When SQLite was initialised before it could be
  // told to hand them over, MEMORY keeps them out of temporary files.
  OPENADCS_RETURN_IF_ERROR(
      c.Exec(ConfigureSqlite() ? "PRAGMA temp_store = FILE" : "PRAGMA temp_store = MEMORY",
             "choose where sub-journals are kept"));
  // Foreign keys after the migration: replacing a table must not cascade.
  OPENADCS_RETURN_IF_ERROR(schema::Migrate(c));
  OPENADCS_RETURN_IF_ERROR(c.Exec("PRAGMA foreign_keys = ON", "enable foreign keys"));
  std::unique_ptr<WalSyncer> syncer;
  if (options.synchronous_full) {
    auto opened = WalSyncer::Open(
        options.path.string() + "-wal",
        options.wal_sync != nullptr ? options.wal_sync : ::fdatasync,
        options.metrics == nullptr
            ? nullptr
            : &options.metrics->GetHistogram(
                  "openadcs_db_commit_fsync_seconds",
                  "Duration of each group commit's fdatasync of the CA database's WAL.",
                  metrics::LatencyBuckets()));
    if (!opened.ok()) return opened.status();
    syncer = std::move(opened).value();
  }
  auto reader = Connection::Open(options.path, options.busy_timeout, options.vfs);
  if (!reader.ok()) return reader.status();
  auto viewer = Connection::Open(options.path, options.busy_timeout, options.vfs);
  if (!viewer.ok()) return viewer.status();
  auto checkpointer = Connection::Open(options.path, options.busy_timeout, options.vfs);
  if (!checkpointer.ok()) return checkpointer.status();
  OPENADCS_RETURN_IF_ERROR((*checkpointer)->Exec("PRAGMA synchronous = NORMAL", "set synchronous"));
  Result<std::uint32_t> last_request_id = LastRequestId(c);
  if (!last_request_id.ok()) return last_request_id.status();
  return std::unique_ptr<CaStore>(std::make_unique<SqliteStore>(
      options, std::move(conn).value(), std::move(reader).value(), std::move(viewer).value(),
      std::move(checkpointer).value(), std::move(syncer), *last_request_id));
}

}  // namespace openadcs::db
