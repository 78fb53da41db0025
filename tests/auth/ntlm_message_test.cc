#include "openadcs/auth/ntlm_message.h"

#include <gtest/gtest.h>

#include "openadcs/util/utf16.h"

namespace openadcs::auth::ntlm {
namespace {

Bytes Hex(std::string_view hex) {
  return HexDecode(hex).value();
}

// MS-NLMP 4.2.4.3.
Bytes SpecChallenge() {
  return Hex(
      "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef"
      "00000000000000002400240044000000060070170000000f5300650072007600"
      "6500720002000c0044006f006d00610069006e0001000c005300650072007600"
      "6500720000000000");
}

Bytes SpecAuthenticate() {
  return Hex(
      "4e544c4d53535000030000001800180"
      "06c00000054005400840000000c000c00"
      "480000000800080054000000100010005c00000010001000d8000000358288e2"
      "0501280a0000000f44006f006d00610069006e00550073006500720043004f00"
      "4d0050005500540045005200"
      "86c35097ac9cec102554764a57cccc19aaaaaaaa"
      "aaaaaaaa68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000"
      "000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e0001"
      "000c005300650072007600650072000000000000000000c5dad2544fc9799094"
      "ce1ce90bc9d03e");
}

TEST(NtlmMessageTest, ParsesTheSpecChallenge) {
  auto m = ParseChallenge(SpecChallenge());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->flags, 0xe28a8233u);
  EXPECT_EQ(HexLower(m->server_challenge), "0123456789abcdef");
  EXPECT_EQ(Utf16LeToUtf8(m->target_name).value(), "Server");
  ASSERT_EQ(m->target_info.size(), 2u);
  EXPECT_EQ(Utf16LeToUtf8(FindAvPair(m->target_info, AvId::kNbDomainName)->value).value(),
            "Domain");
  EXPECT_EQ(Utf16LeToUtf8(FindAvPair(m->target_info, AvId::kNbComputerName)->value).value(),
            "Server");
  ASSERT_TRUE(m->version.has_value());
  EXPECT_EQ(*m->version, (Version{6, 0, 6000, 15}));
  // Re-encoding gives the same bytes.
  EXPECT_EQ(EncodeChallenge(*m), SpecChallenge());
}

TEST(NtlmMessageTest, ParsesTheSpecAuthenticate) {
  auto m = ParseAuthenticate(SpecAuthenticate());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->flags, 0xe2888235u);
  EXPECT_EQ(m->domain, "Domain");
  EXPECT_EQ(m->user, "User");
  EXPECT_EQ(m->workstation, "COMPUTER");
  EXPECT_EQ(m->lm_response.size(), 24u);
  EXPECT_EQ(m->nt_response.size(), 84u);
  EXPECT_EQ(HexLower(m->encrypted_random_session_key), "c5dad2544fc9799094ce1ce90bc9d03e");
  EXPECT_FALSE(m->mic.has_value());  // the payload starts at 72: no room for a MIC
  EXPECT_EQ(PeekMessageType(SpecAuthenticate()).value(), kAuthenticateType);
}

TEST(NtlmMessageTest, AuthenticateRoundTripWithMic) {
  AuthenticateMessage m;
  m.flags = kNegotiateUnicode | kNegotiateVersion | kNegotiateExtendedSessionSecurity;
  m.lm_response = Bytes(24, 0);
  m.nt_response = Bytes(60, 7);
  m.domain = "DOMÄIN";
  m.user = "alice";
  m.workstation = "WS1";
  m.encrypted_random_session_key = Bytes(16, 9);
  m.version = kOurVersion;
  m.mic.emplace();
  m.mic->fill(0xab);
  const Bytes wire = EncodeAuthenticate(m);
  EXPECT_EQ(wire[kAuthenticateMicOffset], 0xab);
  auto back = ParseAuthenticate(wire);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->domain, "DOMÄIN");
  EXPECT_EQ(back->user, "alice");
  EXPECT_EQ(back->workstation, "WS1");
  EXPECT_EQ(back->nt_response, m.nt_response);
  EXPECT_EQ(back->lm_response, m.lm_response);
  EXPECT_EQ(back->encrypted_random_session_key, m.encrypted_random_session_key);
  EXPECT_EQ(back->mic, m.mic);
  EXPECT_EQ(back->version, m.version);
}

TEST(NtlmMessageTest, NegotiateRoundTrip) {
  NegotiateMessage m;
  m.flags = kNegotiateUnicode | kNegotiateVersion | kNegotiateOemDomainSupplied;
  m.domain = "DOM";
  m.workstation = "WS";
  m.version = kOurVersion;
  const Bytes wire = EncodeNegotiate(m);
  EXPECT_EQ(wire.size(), kNegotiateFixedBytes + kVersionBytes + 5);
  auto back = ParseNegotiate(wire);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->flags, m.flags);
  EXPECT_EQ(back->domain, "DOM");
  EXPECT_EQ(back->workstation, "WS");
  EXPECT_EQ(back->version, m.version);
  // impacket's 32-byte NEGOTIATE (no VERSION) parses too.
  NegotiateMessage bare;
  bare.flags = kNegotiateUnicode;
  EXPECT_EQ(EncodeNegotiate(bare).size(), 32u);
  EXPECT_TRUE(ParseNegotiate(EncodeNegotiate(bare)).ok());
}

TEST(NtlmMessageTest, RejectsMalformedMessages) {
  const Bytes good = SpecAuthenticate();
  // Every truncation of the fixed part fails, none crashes.
  for (std::size_t n = 0; n < kAuthenticateFixedBytes; ++n) {
    EXPECT_FALSE(ParseAuthenticate(std::span(good).first(n)).ok()) << n;
  }
  // A truncation that cuts the payload leaves a field outside the message.
  EXPECT_EQ(ParseAuthenticate(std::span(good).first(good.size() - 1)).status().code(),
            StatusCode::kInvalidArgument);
  // Wrong signature and wrong type.
  Bytes bad = good;
  bad[0] = 'X';
  EXPECT_FALSE(ParseAuthenticate(bad).ok());
  EXPECT_FALSE(ParseChallenge(good).ok());
  // An offset that wraps around.
  bad = good;
  bad[16] = 0xff;
  bad[17] = 0xff;
  bad[18] = 0xff;
  bad[19] = 0xff;
  EXPECT_FALSE(ParseAuthenticate(bad).ok());
  // A field pointing into the fixed header.
  bad = good;
  bad[16] = 0x08;
  bad[17] = 0;
  EXPECT_FALSE(ParseAuthenticate(bad).ok());
  // An odd-length UTF-16 user name.
  bad = good;
  bad[36] = 0x07;
  EXPECT_FALSE(ParseAuthenticate(bad).ok());
  // Oversized.
  Bytes huge = good;
  huge.resize(kMaxMessageBytes + 1);
  EXPECT_FALSE(ParseAuthenticate(huge).ok());
}

TEST(NtlmMessageTest, RejectsMalformedTargetInfo) {
  // Missing EOL.
  EXPECT_FALSE(ParseTargetInfo(Hex("01000200aa00")).ok());
  // Length beyond the end.
  EXPECT_FALSE(ParseTargetInfo(Hex("0100ff00aa0000000000")).ok());
  // Too many pairs.
  Bytes many;
  for (std::size_t i = 0; i <= kMaxAvPairs; ++i) many.insert(many.end(), {1, 0, 0, 0});
  many.insert(many.end(), {0, 0, 0, 0});
  EXPECT_FALSE(ParseTargetInfo(many).ok());
  // A challenge whose target info lacks its EOL.
  Bytes challenge = SpecChallenge();
  challenge.resize(challenge.size() - 4);
  challenge[40] = 0x20;  // shorten the TargetInfo length to match
  EXPECT_FALSE(ParseChallenge(challenge).ok());
  // Bytes after the EOL are ignored.
  auto info = ParseTargetInfo(Hex("0100020041000000000000000000"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size(), 1u);
}
}  // namespace
}  // namespace openadcs::auth::ntlm
