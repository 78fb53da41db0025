#include "cli/audit_command.h"

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <string>

#include "cli/connection.h"
#include "openadcs/db/audit.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/filetime.h"

namespace openadcs::cli {
namespace {

// Hex digits of a hash in the text listing: enough to tell rows apart.
constexpr std::size_t kShortHashHex = 16;

struct ListFlags {
  std::filesystem::path db;
  std::uint64_t after = 0;
  std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
  bool json = false;
};

void PrintRow(const db::AuditRow& r, bool json, bool first) {
  const db::AuditEvent& e = r.event;
  if (json) {
    std::cout << (first ? "\n  " : ",\n  ") << "{\"seq\": " << r.seq
              << ", \"time\": " << JsonString(UnixToIso8601(e.time))
              << ", \"actor\": " << JsonString(e.actor) << ", \"action\": " << JsonString(e.action)
              << ", \"request_id\": " << e.request_id << ", \"detail\": " << JsonString(e.detail)
              << ", \"prev_hash\": " << JsonString(HexLower(r.prev_hash))
              << ", \"hash\": " << JsonString(HexLower(r.hash)) << "}";
    return;
  }
  std::cout << r.seq << "  " << UnixToIso8601(e.time) << "  " << (e.actor.empty() ? "-" : e.actor)
            << "  " << e.action << "  " << e.request_id << "  "
            << HexLower(r.hash).substr(0, kShortHashHex) << "  " << e.detail << "\n";
}

int List(const ListFlags& f) {
  std::uint64_t after = f.after;
  std::uint64_t remaining = f.limit;
  bool first = true;
  if (f.json) std::cout << "[";
  if (!f.json) std::cout << "SEQ  TIME  ACTOR  ACTION  REQUEST  HASH  DETAIL\n";
  // Page by seq; each page is its own snapshot, which an append-only table
  // makes safe.
  while (remaining > 0) {
    const auto page =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(remaining, db::kMaxAuditListRows));
    auto rows = db::ReadAuditFile(f.db, after, page);
    if (!rows.ok()) {
      if (f.json) std::cout << "]\n";
      return Fail("audit " + f.db.string(), rows.status());
    }
    for (const db::AuditRow& r : *rows) {
      PrintRow(r, f.json, first);
      first = false;
      after = r.seq;
    }
    remaining -= rows->size();
    if (rows->size() < page) break;
  }
  if (f.json) std::cout << (first ? "]\n" : "\n]\n");
  return kExitOk;
}

int Verify(const std::filesystem::path& db) {
  auto v = db::VerifyAuditChain(db);
  if (!v.ok()) return Fail("audit verify " + db.string(), v.status());
  if (v->first_fault) {
    std::cerr << "audit row " << v->first_fault->seq << ": " << v->first_fault->why << " (of "
              << v->rows << " rows)\n";
    return kExitFailure;
  }
  std::cout << "audit chain of " << v->rows << " rows verifies; head " << HexLower(v->head_hash)
            << "\n";
  return kExitOk;
}

}  // namespace

void AddAuditCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ListFlags>();
  auto verify_db = std::make_shared<std::filesystem::path>();
  CLI::App* audit =
      app.add_subcommand("audit", "list the CA database's audit trail (offline, read-only)");
  audit->add_option("db", flags->db, "the CA database file");
  audit->add_option("--after", flags->after, "rows after this seq");
  audit->add_option("--limit", flags->limit, "at most this many rows");
  audit->add_flag("--json", flags->json, "one JSON array of objects instead of text");
  audit->require_subcommand(0, 1);
  CLI::App* verify =
      audit->add_subcommand("verify", "recompute the audit hash chain; exit 2 if broken");
  verify->add_option("db", *verify_db, "the CA database file")->required();
  verify->callback([verify_db, exit_code] { *exit_code = Verify(*verify_db); });
  audit->callback([audit, verify, flags, exit_code] {
    if (verify->parsed()) return;
    if (flags->db.empty()) {
      std::cerr << audit->help();
      *exit_code = kExitUsage;
      return;
    }
    *exit_code = List(*flags);
  });
}

}  // namespace openadcs::cli
