#include "openadcs/auth/spnego.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include "auth/ntlm_test_environment.h"
#include "openadcs/auth/kerberos_acceptor.h"
#include "openadcs/auth/ntlm_client.h"

namespace openadcs::auth::spnego {
namespace {

Bytes Hex(std::string_view hex) {
  return HexDecode(hex).value();
}

const Bytes kMsKerberos(std::begin(kOidMsKerberos), std::end(kOidMsKerberos));
const Bytes kNtlm(std::begin(kOidNtlm), std::end(kOidNtlm));

// Built by hand as impacket frames its NegTokenInit: the MS Kerberos OID
// alone and a two-byte mechToken.
const char kInit[] =
    "6021"
    "06062b0601050502"
    "a017"
    "3015"
    "a00d300b06092a864882f712010202"
    "a20404020102";

// accept-incomplete, supportedMech MS Kerberos, responseToken aabb.
const char kResp[] =
    "a11a3018"
    "a0030a0101"
    "a10b06092a864882f712010202"
    "a2040402aabb";

TEST(SpnegoTest, DecodesAHandBuiltNegTokenInit) {
  Result<NegTokenInit> init = DecodeInitialToken(Hex(kInit));
  ASSERT_TRUE(init.ok()) << init.status().message();
  ASSERT_EQ(init->mech_types.size(), 1u);
  EXPECT_EQ(init->mech_types[0], kMsKerberos);
  EXPECT_EQ(init->mech_token, Hex("0102"));
  EXPECT_FALSE(init->mech_list_mic);
  EXPECT_EQ(EncodeInitialToken(*init), Hex(kInit));
}

TEST(SpnegoTest, DecodesAHandBuiltNegTokenResp) {
  Result<NegTokenResp> resp = DecodeNegTokenResp(Hex(kResp));
  ASSERT_TRUE(resp.ok()) << resp.status().message();
  EXPECT_EQ(resp->neg_state, NegState::kAcceptIncomplete);
  EXPECT_EQ(resp->supported_mech, kMsKerberos);
  EXPECT_EQ(resp->response_token, Hex("aabb"));
  EXPECT_EQ(EncodeNegTokenResp(*resp), Hex(kResp));
}

TEST(SpnegoTest, ImpacketsThirdLegHasOnlyAResponseToken) {
  // impacket's SPNEGO_NegTokenResp with only ResponseToken set.
  Result<NegTokenResp> resp = DecodeNegTokenResp(Hex("a1083006a2040402cafe"));
  ASSERT_TRUE(resp.ok()) << resp.status().message();
  EXPECT_FALSE(resp->neg_state);
  EXPECT_EQ(resp->response_token, Hex("cafe"));
}

TEST(SpnegoTest, SkipsNegHintsOfNegTokenInit2) {
  // mechTypes {NTLM}, negHints [3] { [0] GeneralString "x" }, mechListMIC [4].
  const Bytes token =
      Hex("6030"
          "06062b0601050502"
          "a026"
          "3024"
          "a00e300c060a2b06010401823702020a"
          "a3073005a0031b0178"
          "a4090407deadbeef000000");
  Result<NegTokenInit> init = DecodeInitialToken(token);
  ASSERT_TRUE(init.ok()) << init.status().message();
  EXPECT_EQ(init->mech_types, std::vector<Bytes>{kNtlm});
  EXPECT_EQ(init->mech_list_mic, Hex("deadbeef000000"));
}

TEST(SpnegoTest, RefusesMalformedTokens) {
  const Bytes good = Hex(kInit);
  for (std::size_t n = 0; n < good.size(); ++n) {
    Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(DecodeInitialToken(cut).ok()) << "prefix of " << n;
  }
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(DecodeInitialToken(trailing).ok());
  Bytes other_oid = good;
  other_oid[9] = 0x03;  // 1.3.6.1.5.5.3
  EXPECT_FALSE(DecodeInitialToken(other_oid).ok());
  // A length that claims four gigabytes.
  EXPECT_FALSE(DecodeInitialToken(Hex("6084ffffffff06062b0601050502")).ok());
  // An empty MechTypeList.
  EXPECT_FALSE(DecodeInitialToken(Hex("601006062b0601050502a0063004a0023000")).ok());
  // negState 7.
  EXPECT_FALSE(DecodeNegTokenResp(Hex("a1073005a0030a0107")).ok());
  // Fields out of order: responseToken before negState.
  EXPECT_FALSE(DecodeNegTokenResp(Hex("a10d300ba2040402aabba0030a0101")).ok());
  // A NegTokenInit where a NegTokenResp belongs.
  EXPECT_FALSE(DecodeNegTokenResp(good).ok());
  EXPECT_EQ(DecodeNegTokenResp(Hex("a1083006a2040402cafe00")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SpnegoTest, RefusesTooManyMechanisms) {
  NegTokenInit init;
  init.mech_types.assign(kMaxMechTypes, kNtlm);
  ASSERT_TRUE(DecodeInitialToken(EncodeInitialToken(init)).ok());
  init.mech_types.push_back(kNtlm);
  EXPECT_FALSE(DecodeInitialToken(EncodeInitialToken(init)).ok());
}

TEST(SpnegoTest, LongLengthsRoundTrip) {
  NegTokenInit init;
  init.mech_types = {kMsKerberos, kNtlm};
  init.mech_token = Bytes(3000, 0x5a);
  Result<NegTokenInit> again = DecodeInitialToken(EncodeInitialToken(init));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->mech_types, init.mech_types);
  EXPECT_EQ(again->mech_token, init.mech_token);
}

TEST(SpnegoTest, StripsGssFraming) {
  const Bytes krb(std::begin(kOidKerberos), std::end(kOidKerberos));
  // [APPLICATION 0] { OID krb5, 01 00, "AP-REQ" 6e00 }.
  const Bytes framed =
      Hex("600f06092a864886f712010202"
          "0100"
          "6e00");
  Result<std::span<const std::uint8_t>> inner = StripGssFraming(framed, krb);
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(Bytes(inner->begin(), inner->end()), Hex("01006e00"));
  EXPECT_FALSE(StripGssFraming(framed, kMsKerberos).ok());
  const Bytes raw = Hex("6e00");
  inner = StripGssFraming(raw, krb);
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->data(), raw.data());
}

TEST(KerberosAcceptorTest, RefusesBadOptions) {
  KerberosAcceptorOptions options;
  EXPECT_EQ(NewKerberosAcceptor(options).status().code(), StatusCode::kInvalidArgument);
  options.keytab = "/nonexistent/ca.keytab";
  EXPECT_EQ(NewKerberosAcceptor(options).status().code(), StatusCode::kInvalidArgument);
  options.realm = "EXAMPLE.COM";
  options.netbios_domain_name = "EXAMPLE";
  EXPECT_EQ(NewKerberosAcceptor(options).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(NewSpnegoAcceptor(nullptr, nullptr).status().code(), StatusCode::kInvalidArgument);
}

// A mechanism that answers each token with its reverse and completes on the
// second.
class EchoContext final : public SecurityContext {
 public:
  Result<Bytes> Step(std::span<const std::uint8_t> in) override {
    if (++legs_ == 2) established_ = true;
    return Bytes(in.rbegin(), in.rend());
  }
  bool established() const override { return established_; }
  const Identity& identity() const override { return identity_; }
  std::size_t signature_size(AuthLevel /*level*/) const override { return 16; }
  Status Protect(AuthLevel, std::span<std::uint8_t>, std::size_t, std::size_t,
                 std::span<std::uint8_t>) override {
    return Status::Ok();
  }
  Status Unprotect(AuthLevel, std::span<std::uint8_t>, std::size_t, std::size_t,
                   std::span<const std::uint8_t>) override {
    return Status::Ok();
  }
  // Its "MIC" is the message reversed.
  Result<Bytes> MakeMechListMic(std::span<const std::uint8_t> message) override {
    return Bytes(message.rbegin(), message.rend());
  }
  Status VerifyMechListMic(std::span<const std::uint8_t> message,
                           std::span<const std::uint8_t> mic) override {
    if (!std::ranges::equal(Bytes(message.rbegin(), message.rend()), mic)) {
      return Status::PermissionDenied("bad echo MIC");
    }
    return Status::Ok();
  }

 private:
  int legs_ = 0;
  bool established_ = false;
  Identity identity_{"EXAMPLE", "echo", "", {}};
};

// Of auth type `type`; its steps wait on `wait` when given a token that
// starts with `marker`.
class EchoAcceptor final : public Acceptor {
 public:
  explicit EchoAcceptor(AuthType type = AuthType::kNtlm, StepWait wait = StepWait::kNone,
                        std::uint8_t marker = 0)
      : type_(type), wait_(wait), marker_(marker) {}
  AuthType type() const override { return type_; }
  Result<std::unique_ptr<SecurityContext>> NewContext() override {
    return std::unique_ptr<SecurityContext>(std::make_unique<EchoContext>());
  }
  StepWait StepWaitFor(std::span<const std::uint8_t> token) const override {
    return !token.empty() && token[0] == marker_ ? wait_ : StepWait::kNone;
  }

 private:
  AuthType type_;
  StepWait wait_;
  std::uint8_t marker_;
};

// A SPNEGO leg waits as the mechanism token inside it would, for either
// mechanism (the token alone does not say which the context chose); a leg
// without one waits on nothing.
TEST(SpnegoAcceptorTest, WaitsAsTheMechanismTokenInsideWould) {
  auto spnego =
      NewSpnegoAcceptor(std::make_shared<EchoAcceptor>(AuthType::kKerberos, StepWait::kLocal, 0x01),
                        std::make_shared<EchoAcceptor>(AuthType::kNtlm, StepWait::kRemote, 0x03));
  ASSERT_TRUE(spnego.ok());
  NegTokenInit init;
  init.mech_types = {kMsKerberos, kNtlm};
  EXPECT_EQ((*spnego)->StepWaitFor(EncodeInitialToken(init)), StepWait::kNone);
  init.mech_token = Hex("0102");
  EXPECT_EQ((*spnego)->StepWaitFor(EncodeInitialToken(init)), StepWait::kLocal);
  init.mech_token = Hex("0302");
  EXPECT_EQ((*spnego)->StepWaitFor(EncodeInitialToken(init)), StepWait::kRemote);
  init.mech_token = Hex("0202");
  EXPECT_EQ((*spnego)->StepWaitFor(EncodeInitialToken(init)), StepWait::kNone);

  NegTokenResp resp;
  resp.neg_state = NegState::kAcceptIncomplete;
  EXPECT_EQ((*spnego)->StepWaitFor(EncodeNegTokenResp(resp)), StepWait::kNone);
  resp.response_token = Hex("0302");
  EXPECT_EQ((*spnego)->StepWaitFor(EncodeNegTokenResp(resp)), StepWait::kRemote);
  resp.response_token = Hex("0102");
  EXPECT_EQ((*spnego)->StepWaitFor(EncodeNegTokenResp(resp)), StepWait::kLocal);
  EXPECT_EQ((*spnego)->StepWaitFor(Hex("0302")), StepWait::kNone);  // not SPNEGO

  // Without the other mechanism, the token only one would wait on waits on
  // nothing.
  auto ntlm_only = NewSpnegoAcceptor(
      nullptr, std::make_shared<EchoAcceptor>(AuthType::kNtlm, StepWait::kRemote, 0x03));
  ASSERT_TRUE(ntlm_only.ok());
  EXPECT_EQ((*ntlm_only)->StepWaitFor(EncodeNegTokenResp(resp)), StepWait::kNone);
}

TEST(SpnegoAcceptorTest, SelectsTheFirstMechanismItHasAndWrapsItsTokens) {
  auto spnego = NewSpnegoAcceptor(nullptr, std::make_shared<EchoAcceptor>());
  ASSERT_TRUE(spnego.ok());
  EXPECT_EQ((*spnego)->type(), AuthType::kSpnego);
  auto context = (*spnego)->NewContext();
  ASSERT_TRUE(context.ok());
  NegTokenInit init;
  init.mech_types = {kNtlm, kMsKerberos};
  init.mech_token = Hex("0102");
  Result<Bytes> first = (*context)->Step(EncodeInitialToken(init));
  ASSERT_TRUE(first.ok()) << first.status().message();
  Result<NegTokenResp> resp = DecodeNegTokenResp(*first);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->neg_state, NegState::kAcceptIncomplete);
  EXPECT_EQ(resp->supported_mech, kNtlm);
  EXPECT_EQ(resp->response_token, Hex("0201"));

  NegTokenResp next;
  next.response_token = Hex("0304");
  Result<Bytes> second = (*context)->Step(EncodeNegTokenResp(next));
  ASSERT_TRUE(second.ok()) << second.status().message();
  resp = DecodeNegTokenResp(*second);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->neg_state, NegState::kAcceptCompleted);
  EXPECT_EQ(resp->response_token, Hex("0403"));
  ASSERT_TRUE((*context)->established());
  EXPECT_EQ((*context)->identity().Qualified(), "EXAMPLE\\echo");
}

TEST(SpnegoAcceptorTest, OptimisticTokenOfAnotherMechanismIsNotUsed) {
  auto spnego = NewSpnegoAcceptor(nullptr, std::make_shared<EchoAcceptor>());
  ASSERT_TRUE(spnego.ok());
  auto context = (*spnego)->NewContext();
  NegTokenInit init;
  init.mech_types = {kMsKerberos, kNtlm};
  init.mech_token = Hex("0102");  // a Kerberos token we cannot use
  Result<Bytes> first = (*context)->Step(EncodeInitialToken(init));
  ASSERT_TRUE(first.ok());
  Result<NegTokenResp> resp = DecodeNegTokenResp(*first);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->supported_mech, kNtlm);
  EXPECT_FALSE(resp->response_token);
}

// The client preferred Kerberos, which this acceptor lacks: the downgrade to
// its second choice must be confirmed by a mechListMIC (RFC 4178 section 5).
TEST(SpnegoAcceptorTest, ASecondChoiceMechanismNeedsTheMechListMic) {
  auto spnego = NewSpnegoAcceptor(nullptr, std::make_shared<EchoAcceptor>());
  ASSERT_TRUE(spnego.ok());
  NegTokenInit init;
  init.mech_types = {kMsKerberos, kNtlm};
  const Bytes mech_list = EncodeMechTypeList(init.mech_types);
  const Bytes right_mic(mech_list.rbegin(), mech_list.rend());
  Bytes wrong_mic = right_mic;
  wrong_mic[0] ^= 1;
  auto finish = [&](const std::optional<Bytes>& mic) -> Result<Bytes> {
    auto context = (*spnego)->NewContext();
    EXPECT_TRUE(context.ok());
    Result<Bytes> first = (*context)->Step(EncodeInitialToken(init));
    EXPECT_TRUE(first.ok());
    NegTokenResp resp;
    resp.response_token = Hex("0102");
    EXPECT_TRUE((*context)->Step(EncodeNegTokenResp(resp)).ok());
    resp.response_token = Hex("0304");
    resp.mech_list_mic = mic;
    Result<Bytes> last = (*context)->Step(EncodeNegTokenResp(resp));
    EXPECT_EQ(last.ok(), (*context)->established());
    return last;
  };
  Result<Bytes> missing = finish(std::nullopt);
  EXPECT_EQ(missing.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(missing.status().message().find("not its first choice"), std::string::npos)
      << missing.status().message();
  EXPECT_EQ(finish(wrong_mic).status().code(), StatusCode::kPermissionDenied);

  Result<Bytes> good = finish(right_mic);
  ASSERT_TRUE(good.ok()) << good.status().message();
  Result<NegTokenResp> resp = DecodeNegTokenResp(*good);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->neg_state, NegState::kAcceptCompleted);
  EXPECT_EQ(resp->mech_list_mic, right_mic);  // the echo's MIC is the same
}

// NTLM whose AUTHENTICATE carries a MIC makes the exchange mandatory even as
// the first choice (MS-SPNG 3.1.5.1): our NTLM client against the real
// acceptor, each side checking the other's mechListMIC, and the first PDU
// signed afterwards still verifies (the MIC left the RC4 state alone).
TEST(SpnegoAcceptorTest, NtlmWithAMicExchangesMechListMics) {
  testing::NtlmEnvironment& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "spnegomic", "Mic-Pass-1").ok());
  std::shared_ptr<Acceptor> ntlm(std::shared_ptr<Acceptor>(), &env.acceptor());
  auto spnego = NewSpnegoAcceptor(nullptr, ntlm);
  ASSERT_TRUE(spnego.ok());
  NegTokenInit init;
  init.mech_types = {kNtlm};
  const Bytes mech_list = EncodeMechTypeList(init.mech_types);

  enum class Mic { kNone, kWrong, kRight };
  for (Mic mic : {Mic::kNone, Mic::kWrong, Mic::kRight}) {
    SCOPED_TRACE(static_cast<int>(mic));
    std::unique_ptr<SecurityContext> client =
        NewNtlmClientContext({"TESTDOM", "spnegomic", "Mic-Pass-1", std::nullopt, "WS1"});
    auto server = (*spnego)->NewContext();
    ASSERT_TRUE(server.ok());
    Result<Bytes> negotiate = client->Step({});
    ASSERT_TRUE(negotiate.ok());
    init.mech_token = *negotiate;
    Result<Bytes> first = (*server)->Step(EncodeInitialToken(init));
    ASSERT_TRUE(first.ok()) << first.status().message();
    Result<NegTokenResp> challenge = DecodeNegTokenResp(*first);
    ASSERT_TRUE(challenge.ok() && challenge->response_token);
    Result<Bytes> authenticate = client->Step(*challenge->response_token);
    ASSERT_TRUE(authenticate.ok()) << authenticate.status().message();
    ASSERT_TRUE(client->established());
    NegTokenResp last;
    last.response_token = *authenticate;
    if (mic != Mic::kNone) {
      Result<Bytes> client_mic = client->MakeMechListMic(mech_list);
      ASSERT_TRUE(client_mic.ok()) << client_mic.status().message();
      last.mech_list_mic = *client_mic;
      if (mic == Mic::kWrong) (*last.mech_list_mic)[5] ^= 1;
    }
    Result<Bytes> done = (*server)->Step(EncodeNegTokenResp(last));
    if (mic != Mic::kRight) {
      EXPECT_EQ(done.status().code(), StatusCode::kPermissionDenied);
      EXPECT_FALSE((*server)->established());
      continue;
    }
    ASSERT_TRUE(done.ok()) << done.status().message();
    Result<NegTokenResp> completed = DecodeNegTokenResp(*done);
    ASSERT_TRUE(completed.ok());
    EXPECT_EQ(completed->neg_state, NegState::kAcceptCompleted);
    ASSERT_TRUE(completed->mech_list_mic);
    EXPECT_TRUE(client->VerifyMechListMic(mech_list, *completed->mech_list_mic).ok());
    Bytes wrong_list = mech_list;
    wrong_list.back() ^= 1;
    EXPECT_EQ(client->VerifyMechListMic(wrong_list, *completed->mech_list_mic).code(),
              StatusCode::kPermissionDenied);

    Bytes pdu(16 + 32 + 8, 0x5a);
    const Bytes plain = pdu;
    Bytes signature(16);
    ASSERT_TRUE(client->Protect(AuthLevel::kPrivacy, pdu, 16, 32, signature).ok());
    Status st = (*server)->Unprotect(AuthLevel::kPrivacy, pdu, 16, 32, signature);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(pdu, plain);
  }
}

TEST(SpnegoAcceptorTest, RefusesWhenNoMechanismIsShared) {
  auto spnego = NewSpnegoAcceptor(nullptr, std::make_shared<EchoAcceptor>());
  ASSERT_TRUE(spnego.ok());
  auto context = (*spnego)->NewContext();
  Result<Bytes> first = (*context)->Step(Hex(kInit));  // Kerberos only
  EXPECT_EQ(first.status().code(), StatusCode::kPermissionDenied);
  EXPECT_FALSE((*context)->Step(Hex(kInit)).ok());  // failed for good
  auto fresh = (*spnego)->NewContext();
  EXPECT_EQ((*fresh)->Step(Hex("0102")).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openadcs::auth::spnego
