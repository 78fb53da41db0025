#include "openadcs/daemon/crl_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "testing/daemon_process.h"
#include "testing/pki.h"

namespace openadcs::daemon {
namespace {

db::CrlRow Crl(std::uint32_t number, std::uint32_t flags, std::string_view der) {
  db::CrlRow row;
  row.number = number;
  row.publish_flags = flags;
  row.raw_crl.assign(der.begin(), der.end());
  return row;
}

TEST(CrlFilesTest, EachKindReplacesItsOwnFileReadableByAll) {
  testing::TempDir dir;
  CrlFiles files(dir.path() / "ca.crl", dir.path() / "ca-delta.crl");
  ASSERT_TRUE(files.Published(Crl(1, db::crl_publish_flag::kBase, "base one")).ok());
  ASSERT_TRUE(files.Published(Crl(2, db::crl_publish_flag::kDelta, "delta two")).ok());
  // An administrator's (CPF_MANUAL) and a row older than the flags (none).
  ASSERT_TRUE(files
                  .Published(Crl(3, db::crl_publish_flag::kDelta | db::crl_publish_flag::kManual,
                                 "delta three"))
                  .ok());
  ASSERT_TRUE(files.Published(Crl(4, 0, "base four")).ok());
  EXPECT_EQ(testing::ReadTextFile(dir.path() / "ca.crl"), "base four");
  EXPECT_EQ(testing::ReadTextFile(dir.path() / "ca-delta.crl"), "delta three");
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "ca.crl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST(CrlFilesTest, AFailedWriteLeavesTheFileAsItWas) {
  testing::TempDir dir;
  CrlFiles files(dir.path() / "ca.crl", dir.path() / "missing" / "ca-delta.crl");
  ASSERT_TRUE(files.Published(Crl(1, db::crl_publish_flag::kBase, "base one")).ok());
  const Status failed = files.Published(Crl(2, db::crl_publish_flag::kDelta, "delta two"));
  EXPECT_EQ(failed.code(), StatusCode::kIOError);
  EXPECT_NE(failed.message().find("ca-delta.crl"), std::string::npos) << failed.ToString();
  EXPECT_EQ(testing::ReadTextFile(dir.path() / "ca.crl"), "base one");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "missing"));
}

}  // namespace
}  // namespace openadcs::daemon
