// Durability of issuance: a writer process is killed with SIGKILL in the
// middle of a submit loop; every request id it had been handed is in the
// database afterwards, with the certificate it was given, and all serial
// numbers are distinct.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>
#include <sstream>

#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

constexpr int kLinesBeforeKill = 60;
constexpr int kReadTimeoutMs = 30'000;

TEST(DurabilityTest, EveryAcknowledgedRequestSurvivesSigkill) {
  testing::TempDir dir;
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  const std::string tool = std::string(OPENADCS_BINARY_DIR) + "/tests/engine_writer";
  const std::string templates = std::string(OPENADCS_SOURCE_DIR) + "/config/templates";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(out[1], STDOUT_FILENO);
    execl(tool.c_str(), tool.c_str(), dir.path().c_str(), templates.c_str(), "100000", nullptr);
    _exit(127);
  }
  close(out[1]);

  std::map<std::uint32_t, std::string> acknowledged;  // id -> serial
  std::string buffer;
  while (acknowledged.size() < kLinesBeforeKill) {
    pollfd pfd{out[0], POLLIN, 0};
    int ready = poll(&pfd, 1, kReadTimeoutMs);
    ASSERT_EQ(ready, 1) << "the writer printed nothing for " << kReadTimeoutMs << " ms";
    char chunk[4096];
    ssize_t n = read(out[0], chunk, sizeof chunk);
    ASSERT_GT(n, 0) << "the writer exited early";
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t eol;
    while ((eol = buffer.find('\n')) != std::string::npos) {
      std::istringstream line(buffer.substr(0, eol));
      buffer.erase(0, eol + 1);
      std::uint32_t id = 0;
      std::string serial;
      line >> id >> serial;
      acknowledged[id] = serial;
    }
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  close(out[0]);

  auto store = db::OpenSqliteStore({dir.path() / "ca.db"});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (const auto& [id, serial] : acknowledged) {
    auto rec = (*store)->GetRequest(id);
    ASSERT_TRUE(rec.ok()) << "request " << id << " was acknowledged but is gone";
    EXPECT_EQ(rec->disposition, db::Disposition::kIssued);
    ASSERT_TRUE(rec->certificate.has_value());
    EXPECT_EQ(rec->certificate->serial_number, serial);
  }
  std::set<std::string> serials;
  std::size_t rows = 0;
  std::uint32_t after = 0;
  for (;;) {
    auto page = (*store)->ListRequests({std::nullopt, after, 500});
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    for (const auto& r : *page) {
      ++rows;
      if (r.certificate) serials.insert(r.certificate->serial_number);
      after = r.request_id;
    }
  }
  EXPECT_GE(rows, acknowledged.size());
  EXPECT_EQ(serials.size(), rows);
}

}  // namespace
}  // namespace openadcs
