// MS-NLMP 4.2.4 (NTLMv2) test vectors, with the values of 4.2.1.
#include "openadcs/auth/ntlm_crypto.h"

#include <gtest/gtest.h>

#include <span>
#include <string_view>

#include "openadcs/auth/ntlm_message.h"
#include "openadcs/auth/ntlm_session_security.h"

namespace openadcs::auth::ntlm {
namespace {

Bytes Hex(std::string_view hex) {
  return HexDecode(hex).value();
}

template <std::size_t N>
std::string HexOf(const std::array<std::uint8_t, N>& a) {
  return HexLower(a);
}

// 4.2.1 common values.
const Key16 kRandomSessionKey = [] {
  Key16 k;
  k.fill(0x55);
  return k;
}();
const Challenge8 kClientChallenge = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
const Challenge8 kServerChallenge = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
// 4.2.4 challenge flags.
constexpr std::uint32_t kFlags = 0xe28a8233;

// AV pairs of 4.2.4: NetBIOS domain "Domain", NetBIOS server "Server", EOL.
Bytes SpecTargetInfo() {
  return Hex(
      "02000c0044006f006d00610069006e00"
      "01000c00530065007200760065007200"
      "00000000");
}

TEST(NtlmCryptoTest, NtowfV2) {
  auto nt_hash = NtHash("Password");
  ASSERT_TRUE(nt_hash.ok()) << nt_hash.status().ToString();
  // NTOWFv1("Password") from 4.2.2.1.2.
  EXPECT_EQ(HexOf(*nt_hash), "a4f49c406510bdcab6824ee7c30fd852");
  auto key = NtowfV2(*nt_hash, "User", "Domain");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexOf(*key), "0c868a403bfd7a93a3001ef22ef02e3f");
}

TEST(NtlmCryptoTest, NtlmV2ResponseAndSessionKeys) {
  auto key = NtowfV2(NtHash("Password").value(), "User", "Domain");
  ASSERT_TRUE(key.ok());
  auto r = ComputeNtlmV2Response(*key, kServerChallenge, kClientChallenge, 0, SpecTargetInfo(),
                                 /*zero_lm=*/false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // 4.2.4.2.2: NTProofStr, then temp (4.2.4.1.3).
  EXPECT_EQ(HexLower(std::span(r->nt_response).first(16)), "68cd0ab851e51c96aabc927bebef6a1c");
  EXPECT_EQ(HexLower(std::span(r->nt_response).subspan(16)),
            "0101000000000000"
            "0000000000000000"
            "aaaaaaaaaaaaaaaa"
            "00000000"
            "02000c0044006f006d00610069006e00"
            "01000c00530065007200760065007200"
            "00000000"
            "00000000");
  // 4.2.4.2.1 LMv2.
  EXPECT_EQ(HexLower(r->lm_response), "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
  // 4.2.4.1.2 session base key (= KXKEY for NTLMv2).
  EXPECT_EQ(HexOf(r->session_base_key), "8de40ccadbc14a82f15cb0ad0de95ca3");
  // 4.2.4.2.3 encrypted session key.
  auto encrypted = Rc4Key16(r->session_base_key, kRandomSessionKey);
  ASSERT_TRUE(encrypted.ok());
  EXPECT_EQ(HexOf(*encrypted), "c5dad2544fc9799094ce1ce90bc9d03e");

  auto zero = ComputeNtlmV2Response(*key, kServerChallenge, kClientChallenge, 0, SpecTargetInfo(),
                                    /*zero_lm=*/true);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->lm_response, Bytes(24, 0));
}

TEST(NtlmCryptoTest, VerifyNtlmV2ResponseOfTheSpec) {
  auto key = NtowfV2(NtHash("Password").value(), "User", "Domain");
  ASSERT_TRUE(key.ok());
  // 4.2.4.2.2's response: NTProofStr, then temp.
  const Bytes response =
      Hex("68cd0ab851e51c96aabc927bebef6a1c"
          "01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000"
          "02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000"
          "00000000");
  auto base = VerifyNtlmV2Response(*key, kServerChallenge, response);
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  EXPECT_EQ(HexOf(*base), "8de40ccadbc14a82f15cb0ad0de95ca3");

  // Another password, another challenge, a changed temp or proof: refused.
  auto other = NtowfV2(NtHash("Passwort").value(), "User", "Domain");
  EXPECT_EQ(VerifyNtlmV2Response(*other, kServerChallenge, response).status().code(),
            StatusCode::kPermissionDenied);
  Challenge8 challenge = kServerChallenge;
  challenge[0] ^= 1;
  EXPECT_EQ(VerifyNtlmV2Response(*key, challenge, response).status().code(),
            StatusCode::kPermissionDenied);
  for (std::size_t at : {std::size_t{0}, std::size_t{40}}) {
    Bytes changed = response;
    changed[at] ^= 1;
    EXPECT_EQ(VerifyNtlmV2Response(*key, kServerChallenge, changed).status().code(),
              StatusCode::kPermissionDenied)
        << at;
  }
  EXPECT_EQ(
      VerifyNtlmV2Response(*key, kServerChallenge, std::span(response).first(43)).status().code(),
      StatusCode::kInvalidArgument);
}

TEST(NtlmCryptoTest, SigningAndSealingKeys) {
  auto seal = SealKey(kRandomSessionKey, kFlags, Direction::kClientToServer);
  auto sign = SignKey(kRandomSessionKey, Direction::kClientToServer);
  ASSERT_TRUE(seal.ok() && sign.ok());
  EXPECT_EQ(HexOf(*seal), "59f600973cc4960a25480a7c196e4c58");
  EXPECT_EQ(HexOf(*sign), "4788dc861b4782f35d43fd98fe1a2d39");
  // The directions differ, and so do the 56- and 40-bit sealing keys.
  EXPECT_NE(SealKey(kRandomSessionKey, kFlags, Direction::kServerToClient).value(), *seal);
  EXPECT_NE(SignKey(kRandomSessionKey, Direction::kServerToClient).value(), *sign);
  EXPECT_NE(SealKey(kRandomSessionKey, kFlags & ~kNegotiate128, Direction::kClientToServer).value(),
            *seal);
}

TEST(NtlmCryptoTest, SealExampleOf4244) {
  // GSS_WrapEx of "Plaintext" (UTF-16LE) at sequence number 0: the whole
  // message is both signed and sealed.
  auto security =
      SessionSecurity::Create(SessionSecurity::Role::kClient, kFlags, kRandomSessionKey);
  ASSERT_TRUE(security.ok()) << security.status().ToString();
  Bytes message = Hex("50006c00610069006e007400650078007400");
  std::array<std::uint8_t, kSignatureBytes> signature{};
  ASSERT_TRUE(security->Protect(AuthLevel::kPrivacy, message, 0, message.size(), signature).ok());
  EXPECT_EQ(HexLower(message), "54e50165bf1936dc996020c1811b0f06fb5f");
  EXPECT_EQ(HexLower(signature), "010000007fb38ec5c55d497600000000");

  // The server side of the same session reads it back.
  auto server = SessionSecurity::Create(SessionSecurity::Role::kServer, kFlags, kRandomSessionKey);
  ASSERT_TRUE(server.ok());
  // A server's receive keys are the client's send keys; check with a server
  // built from the same key by unprotecting what the client sent.
  EXPECT_TRUE(server->Unprotect(AuthLevel::kPrivacy, message, 0, message.size(), signature).ok());
  EXPECT_EQ(HexLower(message), "50006c00610069006e007400650078007400");
}

TEST(NtlmCryptoTest, RefusesSessionsWithoutExtendedSessionSecurity) {
  auto security =
      SessionSecurity::Create(SessionSecurity::Role::kServer,
                              kFlags & ~kNegotiateExtendedSessionSecurity, kRandomSessionKey);
  ASSERT_FALSE(security.ok());
  EXPECT_EQ(security.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(security.status().message().find("extended session security"), std::string::npos);
}

TEST(NtlmCryptoTest, Rc4StreamContinues) {
  // One stream over 3 + 5 bytes equals one pass over 8.
  const Key16 key = kRandomSessionKey;
  auto split = Rc4::Create(key);
  auto whole = Rc4::Create(key);
  ASSERT_TRUE(split.ok() && whole.ok());
  Bytes a(8, 0x11);
  Bytes b = a;
  ASSERT_TRUE(split->Apply(std::span(a).first(3)).ok());
  ASSERT_TRUE(split->Apply(std::span(a).subspan(3)).ok());
  ASSERT_TRUE(whole->Apply(b).ok());
  EXPECT_EQ(a, b);
}

TEST(NtlmCryptoTest, KeyedHmacMd5RestartsEveryMac) {
  // RFC 2202 test case 2, split across the two parts, twice on one key:
  // the second Mac must not continue from the first.
  const std::string_view key = "Jefe";
  const std::string_view data = "what do ya want for nothing?";
  const auto bytes = [](std::string_view s) {
    return std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  auto keyed = HmacMd5Key::Create(bytes(key));
  ASSERT_TRUE(keyed.ok());
  for (int i = 0; i < 2; ++i) {
    auto mac = keyed->Mac(bytes(data.substr(0, 4)), bytes(data.substr(4)));
    ASSERT_TRUE(mac.ok());
    EXPECT_EQ(HexOf(*mac), "750c783e6ab0b503eaa86e310a5db738");
  }
  auto whole = keyed->Mac(bytes(data));
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(HexOf(*whole), "750c783e6ab0b503eaa86e310a5db738");
  auto one_shot = HmacMd5(bytes(key), bytes(data));
  ASSERT_TRUE(one_shot.ok());
  EXPECT_EQ(*one_shot, *whole);
}

}  // namespace
}  // namespace openadcs::auth::ntlm
