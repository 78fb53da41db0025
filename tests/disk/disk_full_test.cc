// openadcsd on a disk that fills up: a tmpfs of its own (in the mount
// namespace CMake runs this binary in), filled by a file the test writes
// and then by enrollments. The enrollment in flight when the disk is full
// is answered with ERROR_DISK_FULL, the daemon logs a critical line and
// exits 1; with space freed, the restarted daemon finds every request it
// acknowledged, in a database that passes integrity_check.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "openadcs/client/cert_passage_client.h"
#include "openadcs/db/sqlite_store.h"
#include "testing/interop_daemon.h"
#include "testing/pki.h"
#include "testing/scoped_mount.h"

namespace openadcs {
namespace {

using testing::InteropDaemon;

const std::string kConfig =
    "[rpc]\naddress = \"127.0.0.1\"\nepm_port = 0\nicpr_port = 0\n"
    "netbios_domain_name = \"EXAMPLE\"\n";
// The file system the state lives on, and what the filler leaves free of it.
constexpr const char* kTmpfsOptions = "size=16m,mode=0700";
constexpr std::uintmax_t kLeftFree = std::uintmax_t{256} * 1024;
// More than fit in kLeftFree, so that the disk is full before the loop ends.
constexpr int kMaxEnrollments = 200;

// Allocates all but `left` bytes of the free space of the file system at
// `dir` to the file `path`.
bool Fill(const std::filesystem::path& dir, const std::filesystem::path& path,
          std::uintmax_t left) {
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) return false;
  const std::uintmax_t free = static_cast<std::uintmax_t>(fs.f_bavail) * fs.f_frsize;
  if (free <= left) return false;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(free - left));
  ::close(fd);
  return rc == 0;
}

client::ConnectOptions Alice(const InteropDaemon& daemon) {
  client::ConnectOptions options;
  options.epm_port = daemon.Port("epm");
  options.credentials.domain = "EXAMPLE";
  options.credentials.user = "alice";
  options.credentials.password = InteropDaemon::kPassword;
  return options;
}

std::string IntegrityCheck(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return result;
}

TEST(DiskFullTest, FullDiskStopsTheDaemonAndTheRestartKeepsEveryAcknowledgedRequest) {
  std::unique_ptr<InteropDaemon> daemon;
  // Declared after the daemon, so destroyed before it: unmounted before the
  // daemon's directory is removed, which a mount point in it would keep.
  testing::ScopedMount mount;
  std::string error;
  daemon = InteropDaemon::Start(kConfig, &error, "", [&](const std::filesystem::path& state) {
    return mount.Make("tmpfs", state, "tmpfs", MS_NOSUID | MS_NODEV, kTmpfsOptions);
  });
  ASSERT_NE(daemon, nullptr) << error;
  const std::filesystem::path filler = daemon->state_dir() / "filler";
  ASSERT_TRUE(Fill(daemon->state_dir(), filler, kLeftFree));

  auto c = client::CertPassageClient::Connect(Alice(*daemon));
  ASSERT_TRUE(c.ok()) << c.status().ToString() << daemon->Log();
  ossl::PKeyPtr key = testing::MakeRsaKey(2048);  // one key: the policy wants 2048 bits
  std::vector<std::uint32_t> acknowledged;
  std::optional<client::EnrollResult> refused;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kMaxEnrollments && !refused; ++i) {
    const Bytes csr =
        testing::MakeCsrDer(key.get(), {{{"CN", "full-" + std::to_string(i)}}, {}, {}});
    Result<client::EnrollResult> r =
        (*c)->Submit(0x100, csr, "CertificateTemplate:AutoIssueSubject", InteropDaemon::kCaName);
    // The call in flight is answered, whatever the disk does.
    ASSERT_TRUE(r.ok()) << "enrollment " << i << ": " << r.status().ToString() << daemon->Log();
    if (r->return_value == 0 && r->disposition == client::kDispositionIssued) {
      acknowledged.push_back(r->request_id);
    } else {
      refused = *r;
    }
  }
  ASSERT_TRUE(refused) << kMaxEnrollments << " enrollments fit in " << kLeftFree << " bytes";
  EXPECT_FALSE(acknowledged.empty());
  EXPECT_TRUE(refused->return_value == db::kDiskFullHresult ||
              refused->disposition == db::kDiskFullHresult)
      << "return 0x" << std::hex << refused->return_value << ", disposition 0x"
      << refused->disposition << ": " << refused->message;

  const std::optional<int> status = daemon->WaitForExit(std::chrono::seconds(30));
  ASSERT_TRUE(status) << "still running after the disk filled up: " << daemon->Log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << "status " << *status;
  const std::string log = daemon->Log();
  EXPECT_NE(log.find("[critical] IO error 0x80070070: CA database " +
                     (daemon->state_dir() / "ca.db").string() + ": "),
            std::string::npos)
      << log;
  std::printf("%zu enrollments acknowledged before the disk was full, in %lld ms\n",
              acknowledged.size(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - started)
                                         .count()));

  // The operator frees space; systemd restarts the daemon.
  std::filesystem::remove(filler);
  ASSERT_TRUE(daemon->Launch(&error)) << error;
  auto again = client::CertPassageClient::Connect(Alice(*daemon));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  Result<client::EnrollResult> after =
      (*again)->Submit(0x100, testing::MakeCsrDer(key.get(), {{{"CN", "after-restart"}}, {}, {}}),
                       "CertificateTemplate:AutoIssueSubject", InteropDaemon::kCaName);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->disposition, client::kDispositionIssued) << after->message;
  ASSERT_TRUE(daemon->Stop()) << daemon->Log();

  const std::filesystem::path db_path = daemon->state_dir() / "ca.db";
  EXPECT_EQ(IntegrityCheck(db_path), "ok");
  auto store = db::OpenSqliteStore({db_path});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (std::uint32_t id : acknowledged) {
    Result<db::RequestRecord> r = (*store)->GetRequest(id);
    ASSERT_TRUE(r.ok()) << "acknowledged request " << id << ": " << r.status().ToString();
    EXPECT_EQ(r->disposition, db::Disposition::kIssued) << id;
  }
}

}  // namespace
}  // namespace openadcs
