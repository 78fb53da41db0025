#include "openadcs/daemon/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "testing/daemon_process.h"
#include "testing/pki.h"

namespace openadcs::daemon {
namespace {

std::vector<std::uint8_t> Bytes(std::string_view s) {
  return {s.begin(), s.end()};
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
  // No temporary file is left beside it.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(AtomicFileTest, EmptyContent) {
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "empty";
  ASSERT_TRUE(WriteFileAtomically(path, {}, 0644).ok());
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
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(AtomicFileTest, MissingDirectoryIsAnError) {
  testing::TempDir dir;
  const Status status =
      WriteFileAtomically(dir.path() / "no" / "such" / "ca.crl", Bytes("x"), 0644);
  EXPECT_EQ(status.code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace openadcs::daemon
