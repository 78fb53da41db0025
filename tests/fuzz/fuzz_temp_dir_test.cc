#include "fuzz_temp_dir.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>

namespace openadcs::fuzz {
namespace {

namespace fs = std::filesystem;

// A process id that belonged to a process now gone (reaped).
pid_t DeadPid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(FuzzTempDirTest, RemovesOnlyTheFoldersOfGoneProcesses) {
  const fs::path base =
      fs::temp_directory_path() / ("fuzz_temp_dir_test." + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base);
  const fs::path dead = base / ("openadcs-fuzz." + std::to_string(DeadPid()) + ".abcdef");
  const fs::path alive = base / ("openadcs-fuzz." + std::to_string(::getpid()) + ".abcdef");
  const fs::path unnumbered = base / "openadcs-fuzz.abcdef";  // an older build's
  const fs::path other = base / "someone-else.1";
  for (const fs::path& p : {dead, alive, unnumbered, other}) fs::create_directories(p / "sub");

  RemoveFoldersOfDeadProcesses(base);

  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive / "sub"));
  EXPECT_TRUE(fs::exists(unnumbered));
  EXPECT_TRUE(fs::exists(other));
  fs::remove_all(base);
}

TEST(FuzzTempDirTest, TheProcessFolderCarriesItsPid) {
  const std::string name = FuzzTempDir().filename().string();
  EXPECT_TRUE(name.starts_with("openadcs-fuzz." + std::to_string(::getpid()) + ".")) << name;
  EXPECT_TRUE(fs::is_directory(FuzzTempDir()));
}

}  // namespace
}  // namespace openadcs::fuzz
