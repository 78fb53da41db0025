// Helper process for tests/db/durability_test.cc. Usage:
//   store_writer <database path> <count>
// Inserts up to <count> issued requests, each with a fresh serial number
// (lower-case hex of its sequence number), and writes each returned id and a
// newline to stdout only after InsertRequest has returned, so every id the
// test reads was committed. Exits 1 on any error (message on stderr).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "openadcs/db/sqlite_store.h"

namespace {

bool WriteAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // stdout carries only ids.
  spdlog::set_default_logger(spdlog::stderr_color_mt("store_writer"));
  unsigned long count = 0;
  if (argc != 3 ||
      std::from_chars(argv[2], argv[2] + std::strlen(argv[2]), count).ec != std::errc()) {
    std::fprintf(stderr, "usage: store_writer <database path> <count>\n");
    return 2;
  }
  openadcs::db::SqliteStoreOptions options;
  options.path = argv[1];
  auto store = openadcs::db::OpenSqliteStore(options);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  for (unsigned long i = 1; i <= count; ++i) {
    openadcs::db::RequestRecord r;
    r.raw_request.assign(64, static_cast<std::uint8_t>(i));
    r.disposition = openadcs::db::Disposition::kIssued;
    r.requester_name = "CORP\\writer";
    r.certificate.emplace();
    char serial[32];
    std::snprintf(serial, sizeof serial, "%016lx", i);
    r.certificate->serial_number = serial;
    r.certificate->raw_certificate.assign(256, 0x30);
    auto id = (*store)->InsertRequest(r, {{0, "seq", std::to_string(i)}}, {}, {});
    if (!id.ok()) {
      std::fprintf(stderr, "insert %lu: %s\n", i, id.status().ToString().c_str());
      return 1;
    }
    if (!WriteAll(STDOUT_FILENO, std::to_string(*id) + "\n")) return 1;
  }
  return 0;
}
