#include "openadcs/util/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iterator>

#include "testing/daemon_process.h"
#include "testing/pki.h"

namespace openadcs::util {
namespace {

std::vector<std::uint8_t> Bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

std::ptrdiff_t FilesIn(const std::filesystem::path& dir) {
  return std::distance(std::filesystem::directory_iterator(dir),
                       std::filesystem::directory_iterator());
}

TEST(AtomicFileTest, WritesAndReplacesWithTheMode) {
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "ca.crl";
  ASSERT_TRUE(WriteFileAtomically(path, Bytes("first"), 0644).ok());
  EXPECT_EQ(testing::ReadTextFile(path), "first");
  ASSERT_TRUE(WriteFileAtomically(path, Bytes("second, longer"), 0600).ok());
  EXPECT_EQ(testing::ReadTextFile(path), "second, longer");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(FilesIn(dir.path()), 1) << "a temporary file is left beside it";
}

TEST(AtomicFileTest, EmptyContent) {
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "empty";
  ASSERT_TRUE(WriteFileAtomically(path, std::string_view(), 0644).ok());
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
}

TEST(AtomicFileTest, FailureLeavesTheOldFileAndNoTemporary) {
  testing::TempDir dir;
  // The target is a non-empty directory: the rename fails after the write.
  const std::filesystem::path target = dir.path() / "target";
  std::filesystem::create_directory(target);
  std::filesystem::create_directory(target / "inside");
  const Status status = WriteFileAtomically(target, Bytes("x"), 0644);
  EXPECT_EQ(status.code(), StatusCode::kIOError);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("rename"));
  EXPECT_TRUE(std::filesystem::is_directory(target / "inside"));
  EXPECT_EQ(FilesIn(dir.path()), 1) << "a temporary file is left beside it";
}

TEST(AtomicFileTest, MissingDirectoryIsAnError) {
  testing::TempDir dir;
  const Status status =
      WriteFileAtomically(dir.path() / "no" / "such" / "ca.crl", Bytes("x"), 0644);
  EXPECT_EQ(status.code(), StatusCode::kIOError);
}

// Root writing into a directory another user owns: the file is handed over
// only when asked (the NTLM user file), not by default (the CRLs).
TEST(AtomicFileTest, TheDirectoryOwnerGetsTheFileOnlyWhenAsked) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (CI runs as root)";
  testing::TempDir dir;
  ASSERT_EQ(::chown(dir.path().c_str(), 65534, 65534), 0);
  const auto owner_of = [](const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_uid;
  };
  ASSERT_TRUE(WriteFileAtomically(dir.path() / "kept", Bytes("x"), 0644).ok());
  EXPECT_EQ(owner_of(dir.path() / "kept"), 0u);
  ASSERT_TRUE(
      WriteFileAtomically(dir.path() / "given", Bytes("x"), 0600, FileOwner::kDirectoryOwnerIfRoot)
          .ok());
  EXPECT_EQ(owner_of(dir.path() / "given"), 65534u);
}

}  // namespace
}  // namespace openadcs::util
