#include "openadcs/db/audit.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <string_view>
#include <system_error>

#include "db/audit_table.h"
#include "db/schema.h"
#include "db/sqlite_connection.h"
#include "openadcs/util/openssl.h"

namespace openadcs::db {
namespace {

// The first schema version with the audit table.
constexpr std::int64_t kAuditSchemaVersion = 3;
// An offline reader waits this long for a checkpoint or recovery to finish.
constexpr std::chrono::milliseconds kOfflineBusyTimeout{5000};

constexpr std::string_view kSelectColumns =
    "SELECT seq, time, actor, action, request_id, detail, prev_hash, hash FROM audit ";

void PutLe(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// REQUIRES: s.size() <= UINT32_MAX (the store holds fields to kMaxAuditFieldBytes).
void PutString(Bytes& out, std::string_view s) {
  PutLe(out, s.size(), 4);
  out.insert(out.end(), s.begin(), s.end());
}

Result<AuditRow> ReadRow(Statement& st) {
  AuditRow r;
  std::int64_t seq = 0;
  OPENADCS_RETURN_IF_ERROR(st.Column(0).Get(seq));
  if (seq <= 0) return Status::Corruption("audit row with seq " + std::to_string(seq));
  r.seq = static_cast<std::uint64_t>(seq);
  OPENADCS_RETURN_IF_ERROR(st.Column(1).Get(r.event.time));
  OPENADCS_RETURN_IF_ERROR(st.Column(2).Get(r.event.actor));
  OPENADCS_RETURN_IF_ERROR(st.Column(3).Get(r.event.action));
  OPENADCS_RETURN_IF_ERROR(st.Column(4).Get(r.event.request_id));
  OPENADCS_RETURN_IF_ERROR(st.Column(5).Get(r.event.detail));
  OPENADCS_RETURN_IF_ERROR(st.Column(6).Get(r.prev_hash));
  OPENADCS_RETURN_IF_ERROR(st.Column(7).Get(r.hash));
  return r;
}

Status CheckField(std::string_view name, const std::string& value) {
  if (value.size() <= kMaxAuditFieldBytes) return Status::Ok();
  return Status::InvalidArgument("audit " + std::string(name) + " of " +
                                 std::to_string(value.size()) + " bytes; at most " +
                                 std::to_string(kMaxAuditFieldBytes));
}

// A read-only connection to an existing CA database that has the audit table.
Result<std::unique_ptr<Connection>> OpenOffline(const std::filesystem::path& db_file) {
  std::error_code ec;
  if (!std::filesystem::exists(db_file, ec)) {
    return Status::NotFound("no file " + db_file.string());
  }
  auto conn = Connection::OpenReadOnly(db_file, kOfflineBusyTimeout);
  if (!conn.ok()) return conn.status();
  OPENADCS_RETURN_IF_ERROR(schema::CheckCompatible(**conn));
  Result<std::int64_t> version = schema::Version(**conn);
  if (!version.ok()) return version.status();
  if (*version == 0) {
    return Status::FailedPrecondition(db_file.string() + " is not an openadcs CA database");
  }
  if (*version < kAuditSchemaVersion) {
    return Status::FailedPrecondition(
        db_file.string() + " is at schema version " + std::to_string(*version) +
        ", before the audit trail (version 3); the daemon upgrades it when it opens it");
  }
  return conn;
}

std::string HashPrefix(const Bytes& hash) {
  return HexLower(std::span(hash).first(std::min<std::size_t>(hash.size(), 8)));
}

}  // namespace

Bytes AuditHash(const Bytes& prev_hash, std::uint64_t seq, const AuditEvent& event) {
  Bytes in;
  in.reserve(prev_hash.size() + 8 + 8 + std::size_t{4} * 4 + event.actor.size() +
             event.action.size() + event.detail.size());
  in.insert(in.end(), prev_hash.begin(), prev_hash.end());
  PutLe(in, seq, 8);
  PutLe(in, static_cast<std::uint64_t>(event.time), 8);
  PutString(in, event.actor);
  PutString(in, event.action);
  PutLe(in, event.request_id, 4);
  PutString(in, event.detail);
  Bytes out(kAuditHashBytes);
  unsigned int n = 0;
  // SHA-256 of a memory buffer fails only when OpenSSL cannot allocate;
  // the zero hash that leaves would then fail verification, never pass it.
  if (EVP_Digest(in.data(), in.size(), out.data(), &n, ossl::FetchedDigest(NID_sha256), nullptr) !=
      1) {
    spdlog::error("SHA-256 failed for audit row {}", seq);
  }
  return out;
}

Result<AuditVerification> VerifyAuditChain(const std::filesystem::path& db_file) {
  auto conn = OpenOffline(db_file);
  if (!conn.ok()) return conn.status();
  Transaction tx(**conn);  // one snapshot, whatever the daemon commits meanwhile
  OPENADCS_RETURN_IF_ERROR(tx.Begin(Transaction::Mode::kRead));
  Result<Statement> st = (*conn)->Prepare(std::string(kSelectColumns) + "ORDER BY seq");
  if (!st.ok()) return st.status();
  AuditVerification v;
  v.head_hash.assign(kAuditHashBytes, 0);
  std::uint64_t expected_seq = 1;
  while (true) {
    Result<bool> more = st->Step();
    if (!more.ok()) return more.status();
    if (!*more) return v;
    Result<AuditRow> row = ReadRow(*st);
    if (!row.ok()) return row.status();
    ++v.rows;
    if (!v.first_fault) {
      // Order matters: a moved row hashes wrong too, but its prev_hash says
      // more (it is not where it was written), and a gap says most.
      if (row->seq != expected_seq) {
        v.first_fault =
            AuditFault{row->seq, AuditFault::Kind::kSeqGap,
                       "seq gap: row " + std::to_string(expected_seq) +
                           (row->seq - expected_seq > 1 ? " to " + std::to_string(row->seq - 1)
                                                        : std::string()) +
                           " missing (removed)"};
      } else if (row->prev_hash != v.head_hash) {
        v.first_fault = AuditFault{row->seq, AuditFault::Kind::kPrevHashMismatch,
                                   "prev_hash mismatch (removed or reordered)"};
      } else if (row->hash != AuditHash(row->prev_hash, row->seq, row->event)) {
        v.first_fault =
            AuditFault{row->seq, AuditFault::Kind::kHashMismatch, "hash mismatch (edited)"};
      }
    }
    expected_seq = row->seq + 1;
    v.head_hash = std::move(row->hash);
  }
}

Result<std::vector<AuditRow>> ReadAuditFile(const std::filesystem::path& db_file,
                                            std::uint64_t after_seq, std::uint32_t limit) {
  auto conn = OpenOffline(db_file);
  if (!conn.ok()) return conn.status();
  return audit_table::ListRows(**conn, after_seq, limit);
}

namespace audit_table {

Result<AuditRow> AppendRow(Connection& conn, const AuditEvent& event) {
  OPENADCS_RETURN_IF_ERROR(CheckField("actor", event.actor));
  OPENADCS_RETURN_IF_ERROR(CheckField("action", event.action));
  OPENADCS_RETURN_IF_ERROR(CheckField("detail", event.detail));
  AuditRow row;
  row.event = event;
  row.seq = 1;
  row.prev_hash.assign(kAuditHashBytes, 0);
  {
    // The last row by the rowid's B-tree: a few page reads, cached.
    Result<Statement> head = conn.Prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (!head.ok()) return head.status();
    Result<bool> found = head->Step();
    if (!found.ok()) return found.status();
    if (*found) {
      std::int64_t seq = 0;
      OPENADCS_RETURN_IF_ERROR(head->Column(0).Get(seq));
      OPENADCS_RETURN_IF_ERROR(head->Column(1).Get(row.prev_hash));
      if (seq <= 0 || row.prev_hash.size() != kAuditHashBytes) {
        return Status::Corruption("the audit chain's head (seq " + std::to_string(seq) +
                                  ") is damaged");
      }
      row.seq = static_cast<std::uint64_t>(seq) + 1;
    }
  }
  row.hash = AuditHash(row.prev_hash, row.seq, row.event);
  Result<Statement> st = conn.Prepare(
      "INSERT INTO audit (seq, time, actor, action, request_id, detail, prev_hash, hash) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!st.ok()) return st.status();
  st->Bind(1, static_cast<std::int64_t>(row.seq));
  st->Bind(2, row.event.time);
  st->Bind(3, std::string_view(row.event.actor));
  st->Bind(4, std::string_view(row.event.action));
  st->Bind(5, std::int64_t{row.event.request_id});
  st->Bind(6, std::string_view(row.event.detail));
  st->Bind(7, std::span<const std::uint8_t>(row.prev_hash));
  st->Bind(8, std::span<const std::uint8_t>(row.hash));
  OPENADCS_RETURN_IF_ERROR(st->Run());
  return row;
}

Result<std::vector<AuditRow>> ListRows(Connection& conn, std::uint64_t after_seq,
                                       std::uint32_t limit) {
  Result<Statement> st =
      conn.Prepare(std::string(kSelectColumns) + "WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  if (!st.ok()) return st.status();
  // Beyond INT64_MAX no row can follow.
  st->Bind(1, static_cast<std::int64_t>(
                  std::min<std::uint64_t>(after_seq, std::numeric_limits<std::int64_t>::max())));
  st->Bind(2, std::int64_t{std::min(limit, kMaxAuditListRows)});
  return ReadAllRows<AuditRow>(*st, ReadRow);
}

void Log(const AuditRow& row) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  auto printable = [](std::string s) {
    for (char& c : s) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
    }
    return s;
  };
  spdlog::info("audit: #{} {} by {} req {}: {} (head {})", row.seq, printable(row.event.action),
               row.event.actor.empty() ? "the CA" : printable(row.event.actor),
               row.event.request_id, printable(row.event.detail), HashPrefix(row.hash));
}

}  // namespace audit_table
}  // namespace openadcs::db
