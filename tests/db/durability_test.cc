// Durability: a writer process that is killed with SIGKILL mid-stream loses
// no insert it reported. The writer (tests/tools/store_writer) prints an id
// only after InsertRequest returned; everything it printed must be in the
// database when it is reopened.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "openadcs/db/sqlite_store.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

constexpr char kWriter[] = OPENADCS_BINARY_DIR "/tests/store_writer";

// Appends the complete lines in `buffer` to `ids` as numbers, keeping any
// partial last line in `buffer`.
void TakeLines(std::string& buffer, std::vector<std::uint32_t>& ids) {
  std::size_t start = 0;
  for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::uint32_t id = 0;
    auto [end, ec] = std::from_chars(buffer.data() + start, buffer.data() + nl, id);
    if (ec != std::errc() || end != buffer.data() + nl) {
      ADD_FAILURE() << "not an id: " << buffer.substr(start, nl - start);
      continue;
    }
    ids.push_back(id);
  }
  buffer.erase(0, start);
}

TEST(DurabilityTest, EveryReportedInsertSurvivesSigkill) {
  ASSERT_EQ(::access(kWriter, X_OK), 0) << kWriter << " not built";
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "ca.db";

  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);       // the copy is not close-on-exec
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    ::execl(kWriter, kWriter, path.c_str(), "1000000", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);

  // Read ids until enough have been committed, then kill the writer
  // wherever it is, most likely inside a transaction.
  constexpr std::size_t kWanted = 40;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::string buffer;
  std::vector<std::uint32_t> ids;
  bool eof = false;
  while (ids.size() < kWanted && !eof) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    ASSERT_GE(ready, 0);
    if (ready == 0) continue;  // the deadline check ends the loop
    char chunk[4096];
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    ASSERT_GE(n, 0);
    eof = (n == 0);
    buffer.append(chunk, static_cast<std::size_t>(n));
    TakeLines(buffer, ids);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_GE(ids.size(), kWanted) << "writer stopped early or timed out; status " << status;
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

  // Whatever the writer printed before it died was committed too.
  while (true) {
    char chunk[4096];
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    ASSERT_GE(n, 0);
    if (n == 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    TakeLines(buffer, ids);
  }
  ::close(fds[0]);

  SqliteStoreOptions options;
  options.path = path;
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], i + 1);  // ids start at 1 and are handed out in order
    auto r = (*store)->GetRequest(ids[i]);
    ASSERT_TRUE(r.ok()) << "printed id " << ids[i] << ": " << r.status().ToString();
    ASSERT_TRUE(r->certificate.has_value());
    auto attrs = (*store)->ListAttributes(ids[i]);
    ASSERT_TRUE(attrs.ok());
    EXPECT_EQ(attrs->size(), 1u);  // written in the same transaction
  }
  RequestQuery all;
  all.limit = 0xFFFFFFFF;
  auto rows = (*store)->ListRequests(all);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_GE(rows->size(), ids.size());
  std::set<std::string> serials;
  for (const RequestRecord& r : *rows) {
    ASSERT_TRUE(r.certificate.has_value());
    EXPECT_TRUE(serials.insert(r.certificate->serial_number).second)
        << "duplicate serial " << r.certificate->serial_number;
  }
  // The store remains writable after recovery.
  RequestRecord next;
  next.disposition = Disposition::kPending;
  auto id = (*store)->InsertRequest(next, {}, {}, {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_GT(*id, rows->back().request_id);
}

}  // namespace
}  // namespace openadcs::db
