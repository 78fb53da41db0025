#include "openadcs/auth/user_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "testing/daemon_process.h"
#include "testing/pki.h"

namespace openadcs::auth {
namespace {

TEST(UserFileTest, AddSetPasswordRemoveAndList) {
  testing::TempDir dir;
  const auto path = dir.path() / "users";
  auto file = UserFile::Load(path);  // missing: empty
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(file->users().empty());
  ASSERT_TRUE(file->Add("DOM", "alice", "Password").ok());
  ASSERT_TRUE(file->Add("DOM", "bob", "other").ok());
  EXPECT_EQ(file->Add("dom", "ALICE", "x").code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(file->Save().ok());

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  const std::string text = testing::ReadTextFile(path);
  // The NT hash of "Password" (MS-NLMP 4.2.2.1.2), upper-case, no plaintext.
  EXPECT_NE(text.find("DOM\\alice:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
                      "A4F49C406510BDCAB6824EE7C30FD852:[U          ]:LCT-00000000:\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("Password"), std::string::npos);
  EXPECT_EQ(text.find("other"), std::string::npos);

  auto again = UserFile::Load(path);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->users().size(), 2u);
  EXPECT_EQ(again->users()[0].user, "alice");
  EXPECT_EQ(HexLower(again->users()[0].nt_hash), "a4f49c406510bdcab6824ee7c30fd852");
  ASSERT_TRUE(again->SetPassword("DOM", "Alice", "Changed").ok());
  EXPECT_NE(HexLower(again->users()[0].nt_hash), "a4f49c406510bdcab6824ee7c30fd852");
  EXPECT_EQ(again->SetPassword("DOM", "carol", "x").code(), StatusCode::kNotFound);
  ASSERT_TRUE(again->Remove("DOM", "bob").ok());
  EXPECT_EQ(again->Remove("DOM", "bob").code(), StatusCode::kNotFound);
  ASSERT_TRUE(again->Save().ok());
  auto last = UserFile::Load(path);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->users().size(), 1u);
  EXPECT_EQ(last->users()[0].nt_hash, again->users()[0].nt_hash);
}

TEST(UserFileTest, KeepsCommentsAndRejectsGarbage) {
  testing::TempDir dir;
  const auto path = dir.path() / "users";
  {
    std::ofstream out(path);
    out << "# accounts\n\nDOM\\x:0:XX:0123456789ABCDEF0123456789ABCDEF:[U]:LCT-0:\n";
  }
  auto file = UserFile::Load(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ(file->users().size(), 1u);
  ASSERT_TRUE(file->Save().ok());
  EXPECT_EQ(testing::ReadTextFile(path).rfind("# accounts\n\nDOM\\x:", 0), 0u);
  {
    std::ofstream out(path, std::ios::app);
    out << "DOM:plain:password\n";  // Heimdal's plaintext format is not ours
  }
  auto bad = UserFile::Load(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find(":4:"), std::string::npos);
}

TEST(UserFileTest, NamesAndPasswordsAreChecked) {
  EXPECT_TRUE(SplitQualifiedName("DOM\\user").ok());
  EXPECT_EQ(SplitQualifiedName("DOM\\user")->first, "DOM");
  for (const char* bad : {"user", "\\user", "DOM\\", "DOM\\a\\b", "DOM\\us:er", "DOM\\a\nb",
                          "DOM\\a\tb", "D\x1bOM\\a", "DOM\\a\x7f"}) {
    EXPECT_EQ(SplitQualifiedName(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(SplitQualifiedName("DOM\\" + std::string(kMaxAccountNameLength + 1, 'u')).ok());
  testing::TempDir dir;
  auto file = UserFile::Load(dir.path() / "users");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->Add("DOM", "u", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(file->Add("DOM", "u", "\xff").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(file->Add("DOM", "u\x01", "pw").code(), StatusCode::kInvalidArgument);
}

TEST(UserFileTest, SaveFailureLeavesNoTemporary) {
  testing::TempDir dir;
  const auto target = dir.path() / "users";
  auto file = UserFile::Load(target);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->Add("DOM", "u", "pw").ok());
  // The target turns into a non-empty directory: the rename fails.
  std::filesystem::create_directory(target);
  std::filesystem::create_directory(target / "inside");
  const Status status = file->Save();
  EXPECT_EQ(status.code(), StatusCode::kIOError);
  EXPECT_NE(status.message().find("rename"), std::string::npos);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);
}

// `openadcs user` run by root for a daemon running as its own user.
TEST(UserFileTest, RootGivesTheFileToTheDirectoryOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (CI runs as root)";
  testing::TempDir dir;
  const std::filesystem::path state = dir.path() / "state";
  std::filesystem::create_directory(state);
  ASSERT_EQ(::chown(state.c_str(), 65534, 65534), 0);
  Result<UserFile> file = UserFile::Load(state / "users");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->Add("EXAMPLE", "alice", "pw-123456").ok());
  ASSERT_TRUE(file->Save().ok());
  struct stat st {};
  ASSERT_EQ(::stat((state / "users").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(st.st_gid, 65534u);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// The value is SHA-256 of "EXAMPLE" (three words) and of "EXAMPLE\ALICE"
// (two words), little-endian, computed independently with Python's hashlib.
TEST(UserFileAccountSidTest, IsDerivedFromTheUpperCasedNames) {
  EXPECT_EQ(UserFileAccountSid("EXAMPLE", "alice"),
            "S-1-5-21-2352474354-2870465328-3875134972-2594138609-719516882");
  EXPECT_EQ(UserFileAccountSid("example", "ALICE"), UserFileAccountSid("EXAMPLE", "alice"));
  EXPECT_NE(UserFileAccountSid("EXAMPLE", "bob"), UserFileAccountSid("EXAMPLE", "alice"));
  EXPECT_NE(UserFileAccountSid("OTHER", "alice"), UserFileAccountSid("EXAMPLE", "alice"));
  EXPECT_EQ(UserFileAccountGroups(), (std::vector<std::string>{"S-1-1-0", "S-1-5-11"}));
}

}  // namespace
}  // namespace openadcs::auth
