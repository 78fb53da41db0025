#include "openadcs/auth/spnego.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "openadcs/auth/kerberos_acceptor.h"

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

 private:
  int legs_ = 0;
  bool established_ = false;
  Identity identity_{"EXAMPLE", "echo", "", {}};
};

class EchoAcceptor final : public Acceptor {
 public:
  AuthType type() const override { return AuthType::kNtlm; }
  Result<std::unique_ptr<SecurityContext>> NewContext() override {
    return std::unique_ptr<SecurityContext>(std::make_unique<EchoContext>());
  }
};

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
