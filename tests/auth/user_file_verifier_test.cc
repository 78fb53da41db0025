// The user-file verifier keeps the parsed file between authentications and
// must still see every change to it at the next one.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include "openadcs/auth/ntlm_crypto.h"
#include "openadcs/auth/ntlm_verifier.h"
#include "openadcs/auth/user_file.h"
#include "openadcs/util/bytes.h"
#include "testing/pki.h"

namespace openadcs::auth {
namespace {

constexpr ntlm::Challenge8 kServerChallenge{1, 2, 3, 4, 5, 6, 7, 8};

// Verifies an NTLMv2 response computed with `password` for TESTDOM\`user`.
Status VerifyPassword(NtlmVerifier& verifier, const std::string& user,
                      const std::string& password) {
  Result<ntlm::Key16> hash = ntlm::NtHash(password);
  if (!hash.ok()) return hash.status();
  Result<ntlm::Key16> key = ntlm::NtowfV2(*hash, user, "TESTDOM");
  if (!key.ok()) return key.status();
  Result<ntlm::NtlmV2Response> r = ntlm::ComputeNtlmV2Response(
      *key, kServerChallenge, ntlm::Challenge8{9, 9, 9, 9, 9, 9, 9, 9}, 0, {}, false);
  if (!r.ok()) return r.status();
  NtlmResponse response;
  response.domain = "TESTDOM";
  response.user = user;
  response.server_challenge = kServerChallenge;
  response.nt_response = r->nt_response;
  return verifier.Verify(response).status();
}

std::string HexUpper(const ntlm::Key16& key) {
  std::string hex = HexLower(key);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

Status SaveUser(const std::filesystem::path& path, const std::string& user,
                const std::string& password) {
  Result<UserFile> file = UserFile::Load(path);
  if (!file.ok()) return file.status();
  Status added = file->Add("TESTDOM", user, password);
  if (added.code() == StatusCode::kAlreadyExists) {
    added = file->SetPassword("TESTDOM", user, password);
  }
  OPENADCS_RETURN_IF_ERROR(added);
  return file->Save();
}

TEST(UserFileVerifierTest, EveryChangeToTheFileCountsAtTheNextAuthentication) {
  testing::TempDir dir;
  const std::filesystem::path users = dir.path() / "users";
  std::unique_ptr<NtlmVerifier> verifier = NewUserFileVerifier({users, "TESTDOM", ""});

  // No file: no accounts.
  EXPECT_EQ(VerifyPassword(*verifier, "alice", "Alice-Pass-1").code(),
            StatusCode::kPermissionDenied);
  // Added (the file replaced by rename): known at once, and again.
  ASSERT_TRUE(SaveUser(users, "alice", "Alice-Pass-1").ok());
  EXPECT_TRUE(VerifyPassword(*verifier, "alice", "Alice-Pass-1").ok());
  EXPECT_TRUE(VerifyPassword(*verifier, "alice", "Alice-Pass-1").ok());
  // A new password: the old one stops working.
  ASSERT_TRUE(SaveUser(users, "alice", "Alice-Pass-2").ok());
  EXPECT_EQ(VerifyPassword(*verifier, "alice", "Alice-Pass-1").code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(VerifyPassword(*verifier, "alice", "Alice-Pass-2").ok());

  // Edited in place with a line of the same length (same inode, same size),
  // within the clock tick of the last write.
  std::string text;
  {
    std::ifstream in(users);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string old_hash = HexUpper(ntlm::NtHash("Alice-Pass-2").value());
  const std::string new_hash = HexUpper(ntlm::NtHash("Alice-Pass-3").value());
  const std::size_t at = text.find(old_hash);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, old_hash.size(), new_hash);
  {
    std::fstream out(users, std::ios::in | std::ios::out | std::ios::binary);
    out.seekp(0);
    out << text;
  }
  EXPECT_TRUE(VerifyPassword(*verifier, "alice", "Alice-Pass-3").ok());
  EXPECT_EQ(VerifyPassword(*verifier, "alice", "Alice-Pass-2").code(),
            StatusCode::kPermissionDenied);

  // Removed: no accounts again.
  std::filesystem::remove(users);
  EXPECT_EQ(VerifyPassword(*verifier, "alice", "Alice-Pass-3").code(),
            StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace openadcs::auth
