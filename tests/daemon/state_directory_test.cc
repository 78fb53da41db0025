#include "openadcs/daemon/state_directory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "testing/pki.h"

namespace openadcs::daemon {
namespace {

mode_t ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(StateDirectoryTest, CreatesMissingDirectoryAndParents0700) {
  testing::TempDir dir;
  const std::filesystem::path state = dir.path() / "var" / "lib" / "openadcs";
  const mode_t old_umask = ::umask(0);  // a lax umask must not loosen the mode
  const Status status = EnsureStateDirectory(state);
  ::umask(old_umask);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(std::filesystem::is_directory(state));
  EXPECT_EQ(ModeOf(state), 0700u);
}

TEST(StateDirectoryTest, ExistingDirectoryIsKeptAsItIs) {
  testing::TempDir dir;
  const std::filesystem::path state = dir.path() / "state";
  std::filesystem::create_directory(state);
  ::chmod(state.c_str(), 0750);
  ASSERT_TRUE(EnsureStateDirectory(state).ok());
  EXPECT_EQ(ModeOf(state), 0750u);
}

TEST(StateDirectoryTest, FileInTheWayIsAnError) {
  testing::TempDir dir;
  const std::filesystem::path state = dir.path() / "state";
  std::ofstream(state) << "not a directory";
  EXPECT_EQ(EnsureStateDirectory(state).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openadcs::daemon
