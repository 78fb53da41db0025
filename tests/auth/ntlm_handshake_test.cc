// Our NTLM client against our acceptor, in process, with a real user file.
#include <gtest/gtest.h>

#include <memory>

#include "auth/ntlm_test_environment.h"
#include "openadcs/auth/ntlm_acceptor.h"
#include "openadcs/auth/ntlm_client.h"
#include "openadcs/auth/ntlm_message.h"
#include "openadcs/auth/user_file.h"
#include "openadcs/util/utf16.h"

namespace openadcs::auth {
namespace {

struct Pair {
  std::unique_ptr<SecurityContext> client;
  std::unique_ptr<SecurityContext> server;
};

// Runs the three legs. Returns the server's verdict on the AUTHENTICATE.
Status Handshake(Pair& p, Bytes* challenge_out = nullptr) {
  auto negotiate = p.client->Step({});
  if (!negotiate.ok()) return negotiate.status();
  auto challenge = p.server->Step(*negotiate);
  if (!challenge.ok()) return challenge.status();
  if (challenge_out != nullptr) *challenge_out = *challenge;
  auto authenticate = p.client->Step(*challenge);
  if (!authenticate.ok()) return authenticate.status();
  auto done = p.server->Step(*authenticate);
  if (!done.ok()) return done.status();
  if (!done->empty()) return Status::Internal("server answered the AUTHENTICATE");
  return Status::Ok();
}

Pair NewPair(NtlmCredentials credentials) {
  auto server = testing::NtlmEnvironment::Get().acceptor().NewContext();
  EXPECT_TRUE(server.ok());
  return {NewNtlmClientContext(std::move(credentials)), std::move(*server)};
}

// A PDU: 16-byte header, a stub of `stub` bytes, 8-byte sec_trailer.
struct Pdu {
  Bytes bytes;
  std::size_t body_offset = 16;
  std::size_t body_length;
  explicit Pdu(std::size_t stub, std::uint8_t seed) : bytes(16 + stub + 8), body_length(stub) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<std::uint8_t>(seed + i * 7);
    }
  }
};

void ExpectRoundTrip(SecurityContext& from, SecurityContext& to, AuthLevel level, std::size_t stub,
                     std::uint8_t seed) {
  Pdu pdu(stub, seed);
  const Bytes plain = pdu.bytes;
  std::array<std::uint8_t, 16> signature{};
  ASSERT_TRUE(from.Protect(level, pdu.bytes, pdu.body_offset, pdu.body_length, signature).ok());
  if (level == AuthLevel::kPrivacy && stub > 0) {
    EXPECT_NE(pdu.bytes, plain);
  } else {
    EXPECT_EQ(pdu.bytes, plain);
  }
  const Status status = to.Unprotect(level, pdu.bytes, pdu.body_offset, pdu.body_length, signature);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(pdu.bytes, plain);
}

// The user file is read in the process, so the RPC runtime runs the legs
// where the PDUs arrive; winbindd asks a domain controller, which only the
// AUTHENTICATE leads to, so that leg runs off that thread and takes its turn
// among logons that ask another host (auth::Acceptor::StepWaitFor).
TEST(NtlmHandshakeTest, OnlyTheDomainsVerifierMakesTheAuthenticateWaitOnAnotherHost) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "alice", "Secret-1").ok());
  Pair p = NewPair({"TESTDOM", "alice", "Secret-1", std::nullopt, "CLIENTWS"});
  Result<Bytes> negotiate = p.client->Step({});
  ASSERT_TRUE(negotiate.ok());
  Result<Bytes> challenge = p.server->Step(*negotiate);
  ASSERT_TRUE(challenge.ok());
  Result<Bytes> authenticate = p.client->Step(*challenge);
  ASSERT_TRUE(authenticate.ok());
  const Bytes garbage = {'N', 'T', 'L', 'M', 'S', 'S', 'P'};

  NtlmAcceptorOptions options;
  options.verifier = NewWinbindVerifier();
  options.netbios_computer_name = "CA1";
  options.netbios_domain_name = "EXAMPLE";
  Result<std::unique_ptr<Acceptor>> domain = NewNtlmAcceptor(options);
  ASSERT_TRUE(domain.ok()) << domain.status().ToString();
  EXPECT_EQ((*domain)->StepWaitFor(*negotiate), StepWait::kNone);
  EXPECT_EQ((*domain)->StepWaitFor(*authenticate), StepWait::kRemote);
  EXPECT_EQ((*domain)->StepWaitFor(garbage), StepWait::kNone);
  for (const Bytes& token : {*negotiate, *authenticate, garbage}) {
    EXPECT_EQ(env.acceptor().StepWaitFor(token), StepWait::kNone);
  }
}

TEST(NtlmHandshakeTest, RightPasswordEstablishesAndBothSidesAgree) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "alice", "Secret-1").ok());
  Pair p = NewPair({"TESTDOM", "alice", "Secret-1", std::nullopt, "CLIENTWS"});
  Bytes challenge;
  const Status status = Handshake(p, &challenge);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(p.client->established());
  ASSERT_TRUE(p.server->established());
  EXPECT_EQ(p.server->identity().Qualified(), "TESTDOM\\alice");
  EXPECT_EQ(p.server->identity().sid, UserFileAccountSid("TESTDOM", "alice"));
  EXPECT_EQ(p.server->identity().group_sids, UserFileAccountGroups());
  EXPECT_EQ(p.server->signature_size(AuthLevel::kPrivacy), 16u);

  // The CHALLENGE carries the configured NetBIOS names.
  auto parsed = ntlm::ParseChallenge(challenge);
  ASSERT_TRUE(parsed.ok());
  // Key exchange is negotiated, so the PDUs below also show that the
  // acceptor keys its session with the exported session key, not the base
  // key.
  EXPECT_NE(parsed->flags & ntlm::kNegotiateKeyExchange, 0u);
  EXPECT_NE(parsed->flags & ntlm::kNegotiate128, 0u);
  const auto* computer = ntlm::FindAvPair(parsed->target_info, ntlm::AvId::kNbComputerName);
  const auto* domain = ntlm::FindAvPair(parsed->target_info, ntlm::AvId::kNbDomainName);
  ASSERT_NE(computer, nullptr);
  ASSERT_NE(domain, nullptr);
  EXPECT_EQ(Utf16LeToUtf8(computer->value).value(), testing::NtlmEnvironment::kComputer);
  EXPECT_EQ(Utf16LeToUtf8(domain->value).value(), testing::NtlmEnvironment::kDomain);

  // Many PDUs in a row, both directions, mixing levels and sizes: the RC4
  // streams and sequence numbers stay in step.
  for (int i = 0; i < 50; ++i) {
    const auto level = i % 3 == 0 ? AuthLevel::kIntegrity : AuthLevel::kPrivacy;
    const std::size_t stub = static_cast<std::size_t>(i * 13 % 200);
    ExpectRoundTrip(*p.client, *p.server, level, stub, static_cast<std::uint8_t>(i));
    ExpectRoundTrip(*p.server, *p.client, level, stub + 1, static_cast<std::uint8_t>(i + 1));
    ExpectRoundTrip(*p.client, *p.server, AuthLevel::kPrivacy, 24, static_cast<std::uint8_t>(i));
  }
}

TEST(NtlmHandshakeTest, NtHashCredentialsWork) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "hashuser", "Hash-Pass-9").ok());
  Pair p = NewPair({"TESTDOM", "hashuser", "", ntlm::NtHash("Hash-Pass-9").value(), ""});
  const Status status = Handshake(p);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ExpectRoundTrip(*p.client, *p.server, AuthLevel::kPrivacy, 40, 3);
}

TEST(NtlmHandshakeTest, NamesMatchInAnyCaseAndFormAndComeOutCanonical) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "Dora", "Dora-Pass-1").ok());
  ASSERT_TRUE(env.AddUser("testdom.example", "Erin", "Erin-Pass-1").ok());
  ASSERT_TRUE(env.AddUser("OTHERDOM", "Finn", "Finn-Pass-1").ok());
  struct Case {
    const char* domain;
    const char* user;
    const char* password;
    const char* canonical;
  };
  for (const Case& c : {Case{"TESTDOM", "dora", "Dora-Pass-1", "TESTDOM\\Dora"},
                        Case{"testdom", "DORA", "Dora-Pass-1", "TESTDOM\\Dora"},
                        Case{"TestDom.Example", "dora", "Dora-Pass-1", "TESTDOM\\Dora"},
                        Case{"", "Dora", "Dora-Pass-1", "TESTDOM\\Dora"},
                        Case{"TESTDOM", "erin", "Erin-Pass-1", "testdom.example\\Erin"},
                        Case{"otherdom", "FINN", "Finn-Pass-1", "OTHERDOM\\Finn"}}) {
    Pair p = NewPair({c.domain, c.user, c.password, std::nullopt, ""});
    const Status status = Handshake(p);
    ASSERT_TRUE(status.ok()) << c.domain << "\\" << c.user << ": " << status.ToString();
    EXPECT_EQ(p.server->identity().Qualified(), c.canonical);
    auto [domain, user] = SplitQualifiedName(c.canonical).value();
    EXPECT_EQ(p.server->identity().sid, UserFileAccountSid(domain, user));
    ExpectRoundTrip(*p.client, *p.server, AuthLevel::kPrivacy, 40, 3);
  }
  // Another domain is another domain, in any form.
  for (const char* domain : {"OTHERDOM", "testdom.other", "TESTDOM2"}) {
    Pair p = NewPair({domain, "dora", "Dora-Pass-1", std::nullopt, ""});
    EXPECT_EQ(Handshake(p).code(), StatusCode::kPermissionDenied) << domain;
  }
}

TEST(NtlmHandshakeTest, AnAmbiguousNameIsRefused) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "gina", "Gina-Pass-1").ok());
  ASSERT_TRUE(env.AddUser("testdom.example", "gina", "Gina-Pass-1").ok());
  Pair p = NewPair({"TESTDOM", "gina", "Gina-Pass-1", std::nullopt, ""});
  const Status status = Handshake(p);
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(status.message().find("matches both"), std::string::npos) << status.ToString();
}

TEST(NtlmHandshakeTest, ControlCharactersInNamesAreRefused) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "hank", "Hank-Pass-1").ok());
  for (const NtlmCredentials& c :
       {NtlmCredentials{"TESTDOM", "hank\n", "Hank-Pass-1", std::nullopt, ""},
        NtlmCredentials{"TEST\x1b"
                        "DOM",
                        "hank", "Hank-Pass-1", std::nullopt, ""},
        NtlmCredentials{"TESTDOM", "hank", "Hank-Pass-1", std::nullopt, "WS\x7f"}}) {
    Pair p = NewPair(c);
    const Status status = Handshake(p);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
    EXPECT_FALSE(p.server->established());
  }
}

TEST(NtlmHandshakeTest, TamperedMicIsRefused) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "ivan", "Ivan-Pass-1").ok());
  // Our client sends a MIC (the CHALLENGE has a timestamp): a flipped MIC
  // byte, or a flipped flag (TargetTypeDomain) the MIC covers, is refused.
  for (std::size_t at : {ntlm::kAuthenticateMicOffset + 3, std::size_t{62}}) {
    Pair p = NewPair({"TESTDOM", "ivan", "Ivan-Pass-1", std::nullopt, ""});
    auto negotiate = p.client->Step({});
    ASSERT_TRUE(negotiate.ok());
    auto challenge = p.server->Step(*negotiate);
    ASSERT_TRUE(challenge.ok());
    auto authenticate = p.client->Step(*challenge);
    ASSERT_TRUE(authenticate.ok());
    ASSERT_TRUE(ntlm::ParseAuthenticate(*authenticate).value().mic.has_value());
    (*authenticate)[at] ^= 0x01;
    const auto refused = p.server->Step(*authenticate);
    EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << at;
    EXPECT_NE(refused.status().message().find("MIC"), std::string::npos)
        << refused.status().ToString();
  }
}

// A client that signs and seals without `dropped` (128-bit keys, key
// exchange): the NEGOTIATE loses those flags on its way to `server`, and the
// CHALLENGE its timestamp on the way back, so that the client sends no MIC
// over the NEGOTIATE it believes it sent.
Status WeakHandshake(SecurityContext& client, SecurityContext& server, std::uint32_t dropped) {
  auto negotiate = client.Step({});
  if (!negotiate.ok()) return negotiate.status();
  auto n = ntlm::ParseNegotiate(*negotiate);
  if (!n.ok()) return n.status();
  n->flags &= ~dropped;
  auto challenge = server.Step(ntlm::EncodeNegotiate(*n));
  if (!challenge.ok()) return challenge.status();
  auto c = ntlm::ParseChallenge(*challenge);
  if (!c.ok()) return c.status();
  std::erase_if(c->target_info,
                [](const ntlm::AvPair& pair) { return pair.id == ntlm::AvId::kTimestamp; });
  auto authenticate = client.Step(ntlm::EncodeChallenge(*c));
  if (!authenticate.ok()) return authenticate.status();
  auto flags = ntlm::ParseAuthenticate(*authenticate);
  if (!flags.ok()) return flags.status();
  if ((flags->flags & dropped) != 0) return Status::Internal("the client kept a dropped flag");
  return server.Step(*authenticate).status();
}

TEST(NtlmHandshakeTest, SigningWithoutStrongKeysIsRefusedUnlessAllowed) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "kate", "Kate-Pass-1").ok());
  const NtlmCredentials kate{"TESTDOM", "kate", "Kate-Pass-1", std::nullopt, ""};
  struct Case {
    std::uint32_t dropped;
    const char* named;
  };
  for (const Case& c :
       {Case{ntlm::kNegotiate128, "without NTLMSSP_NEGOTIATE_128 is refused"},
        Case{ntlm::kNegotiateKeyExchange, "without NTLMSSP_NEGOTIATE_KEY_EXCH is refused"},
        Case{ntlm::kNegotiate128 | ntlm::kNegotiateKeyExchange,
             "without NTLMSSP_NEGOTIATE_128 and NTLMSSP_NEGOTIATE_KEY_EXCH is refused"}}) {
    auto client = NewNtlmClientContext(kate);
    auto server = env.acceptor().NewContext();
    ASSERT_TRUE(server.ok());
    const Status refused = WeakHandshake(*client, **server, c.dropped);
    EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied) << refused.ToString();
    EXPECT_NE(refused.message().find(c.named), std::string::npos) << refused.ToString();
  }

  // ntlm_allow_weak_keys: the same client signs and seals with what it has.
  NtlmAcceptorOptions options;
  options.verifier = NewUserFileVerifier(
      {env.user_file(), testing::NtlmEnvironment::kDomain, testing::NtlmEnvironment::kDnsDomain});
  options.netbios_computer_name = testing::NtlmEnvironment::kComputer;
  options.netbios_domain_name = testing::NtlmEnvironment::kDomain;
  options.allow_weak_keys = true;
  auto legacy = NewNtlmAcceptor(options);
  ASSERT_TRUE(legacy.ok()) << legacy.status().ToString();
  auto client = NewNtlmClientContext(kate);
  auto server = (*legacy)->NewContext();
  ASSERT_TRUE(server.ok());
  const Status accepted =
      WeakHandshake(*client, **server, ntlm::kNegotiate128 | ntlm::kNegotiateKeyExchange);
  ASSERT_TRUE(accepted.ok()) << accepted.ToString();
  ExpectRoundTrip(*client, **server, AuthLevel::kPrivacy, 48, 3);
  ExpectRoundTrip(**server, *client, AuthLevel::kIntegrity, 16, 4);
}

TEST(NtlmHandshakeTest, WrongPasswordIsRefused) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "bob", "Right-Pass").ok());
  Pair p = NewPair({"TESTDOM", "bob", "Wrong-Pass", std::nullopt, ""});
  const Status status = Handshake(p);
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << status.ToString();
  EXPECT_NE(status.message().find("TESTDOM\\bob"), std::string::npos);
  EXPECT_EQ(status.message().find("Wrong-Pass"), std::string::npos);
  EXPECT_FALSE(p.server->established());
  // The context is unusable afterwards.
  EXPECT_FALSE(p.server->Step({}).ok());
}

TEST(NtlmHandshakeTest, UnknownUserIsRefused) {
  Pair p = NewPair({"TESTDOM", "nobody", "whatever", std::nullopt, ""});
  EXPECT_EQ(Handshake(p).code(), StatusCode::kPermissionDenied);
}

TEST(NtlmHandshakeTest, ReplayReorderAndTamperingAreRefused) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "carol", "Carol-Pass").ok());
  const NtlmCredentials carol{"TESTDOM", "carol", "Carol-Pass", std::nullopt, ""};
  std::array<std::uint8_t, 16> sig{};

  {  // A replayed PDU (same sequence number twice).
    Pair p = NewPair(carol);
    ASSERT_TRUE(Handshake(p).ok());
    Pdu pdu(32, 1);
    ASSERT_TRUE(p.client->Protect(AuthLevel::kIntegrity, pdu.bytes, 16, 32, sig).ok());
    ASSERT_TRUE(p.server->Unprotect(AuthLevel::kIntegrity, pdu.bytes, 16, 32, sig).ok());
    EXPECT_EQ(p.server->Unprotect(AuthLevel::kIntegrity, pdu.bytes, 16, 32, sig).code(),
              StatusCode::kPermissionDenied);
  }
  {  // Reordered PDUs.
    Pair p = NewPair(carol);
    ASSERT_TRUE(Handshake(p).ok());
    Pdu first(32, 1);
    Pdu second(32, 2);
    std::array<std::uint8_t, 16> sig2{};
    ASSERT_TRUE(p.client->Protect(AuthLevel::kPrivacy, first.bytes, 16, 32, sig).ok());
    ASSERT_TRUE(p.client->Protect(AuthLevel::kPrivacy, second.bytes, 16, 32, sig2).ok());
    EXPECT_EQ(p.server->Unprotect(AuthLevel::kPrivacy, second.bytes, 16, 32, sig2).code(),
              StatusCode::kPermissionDenied);
  }
  {  // A flipped byte in the header, the body, or the signature.
    for (std::size_t where : {std::size_t{3}, std::size_t{20}, std::size_t{16 + 32 + 2}}) {
      Pair p = NewPair(carol);
      ASSERT_TRUE(Handshake(p).ok());
      Pdu pdu(32, 5);
      ASSERT_TRUE(p.client->Protect(AuthLevel::kPrivacy, pdu.bytes, 16, 32, sig).ok());
      pdu.bytes[where] ^= 0x01;
      EXPECT_EQ(p.server->Unprotect(AuthLevel::kPrivacy, pdu.bytes, 16, 32, sig).code(),
                StatusCode::kPermissionDenied)
          << where;
    }
    Pair p = NewPair(carol);
    ASSERT_TRUE(Handshake(p).ok());
    Pdu pdu(32, 5);
    ASSERT_TRUE(p.client->Protect(AuthLevel::kPrivacy, pdu.bytes, 16, 32, sig).ok());
    sig[6] ^= 0x80;
    EXPECT_EQ(p.server->Unprotect(AuthLevel::kPrivacy, pdu.bytes, 16, 32, sig).code(),
              StatusCode::kPermissionDenied);
  }
}

TEST(NtlmHandshakeTest, MalformedTokensAreInvalidArguments) {
  auto server = testing::NtlmEnvironment::Get().acceptor().NewContext();
  ASSERT_TRUE(server.ok());
  const Bytes junk = {'N', 'T', 'L', 'M'};
  EXPECT_EQ((*server)->Step(junk).status().code(), StatusCode::kInvalidArgument);

  // A NEGOTIATE without extended session security (NTLMv1) is refused.
  auto v1 = testing::NtlmEnvironment::Get().acceptor().NewContext();
  ASSERT_TRUE(v1.ok());
  ntlm::NegotiateMessage negotiate;
  negotiate.flags = ntlm::kNegotiateUnicode | ntlm::kNegotiateNtlm | ntlm::kNegotiateSign;
  const auto refused = (*v1)->Step(ntlm::EncodeNegotiate(negotiate));
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("NTLMv1"), std::string::npos);

  // A garbled AUTHENTICATE after a good NEGOTIATE.
  Pair p = NewPair({"TESTDOM", "x", "y", std::nullopt, ""});
  auto n = p.client->Step({});
  ASSERT_TRUE(n.ok());
  ASSERT_TRUE(p.server->Step(*n).ok());
  EXPECT_EQ(p.server->Step(Bytes(100, 0)).status().code(), StatusCode::kInvalidArgument);
}

TEST(NtlmHandshakeTest, AcceptorOptionsAreChecked) {
  NtlmAcceptorOptions options;
  EXPECT_EQ(NewNtlmAcceptor(options).status().code(), StatusCode::kInvalidArgument);
  options.verifier = NewUserFileVerifier({testing::NtlmEnvironment::Get().user_file(), "D", ""});
  EXPECT_TRUE(NewNtlmAcceptor(options).ok());
  options.netbios_computer_name = "NAME WITH SPACES";
  EXPECT_EQ(NewNtlmAcceptor(options).status().code(), StatusCode::kInvalidArgument);
  options.netbios_computer_name = "OTHER";
  options.dns_domain_name = "bad domain";
  EXPECT_EQ(NewNtlmAcceptor(options).status().code(), StatusCode::kInvalidArgument);
  options.dns_domain_name = "example.com";
  options.max_token_bytes = 8;
  EXPECT_EQ(NewNtlmAcceptor(options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openadcs::auth
