// The verification trailer (MS-RPCE 2.2.2.13): its decoder on crafted bytes,
// and the server's check of it on requests that a real NTLM client context
// seals, fed to the connection state machine; faults on the sealed context
// carry a verifier that the client's context accepts.
#include "openadcs/rpc/verification_trailer.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "auth/ntlm_test_environment.h"
#include "openadcs/auth/ntlm_client.h"
#include "openadcs/rpc/pdu.h"
#include "rpc/connection_core.h"
#include "rpc/server_state.h"

namespace openadcs::rpc {
namespace {

constexpr char kPassword[] = "Vt-Passw0rd";
constexpr std::uint32_t kAuthContextId = 3;
constexpr std::uint16_t kEcho = 0;
constexpr std::uint16_t kFail = 1;  // faults with kFailStatus
constexpr std::uint32_t kFailStatus = 0x80094004;

const Bytes kSignature = {0x8a, 0xe3, 0x13, 0x71, 0x02, 0xf4, 0x36, 0x71};

// The signature and hand-made commands.
Bytes Crafted(std::initializer_list<std::uint8_t> commands) {
  Bytes b = kSignature;
  b.insert(b.end(), commands);
  return b;
}

SyntaxId Interface() {
  return SyntaxId{*Uuid::Parse("0badc0de-1111-2222-3333-444455556666"), 1, 0};
}

class Echo : public InterfaceHandler {
 public:
  SyntaxId syntax() const override { return Interface(); }
  std::uint16_t opnum_count() const override { return 2; }
  auth::AuthLevel minimum_auth_level() const override { return auth::AuthLevel::kIntegrity; }
  CallResult Call(const CallContext&, std::uint16_t opnum,
                  std::span<const std::uint8_t> stub) override {
    seen.emplace_back(stub.begin(), stub.end());
    if (opnum == kFail) return CallResult::Fault(kFailStatus);
    return CallResult::Response(Bytes(stub.begin(), stub.end()));
  }
  std::vector<Bytes> seen;
};

// One answer as the client sees it after verifying it with its context.
struct Answer {
  PduType type = PduType::kResponse;
  bool verifier = false;  // carried one, which the client's context accepted
  std::uint32_t fault_status = 0;
  Bytes stub;
  bool close = false;
};

class VerificationTrailerTest : public ::testing::TestWithParam<auth::AuthLevel> {
 protected:
  void SetUp() override {
    auto& env = openadcs::testing::NtlmEnvironment::Get();
    ASSERT_TRUE(env.AddUser(openadcs::testing::NtlmEnvironment::kDomain, "vt", kPassword).ok());
    // The environment outlives every test: share its acceptor unowned.
    state_.acceptors.push_back(
        std::shared_ptr<auth::Acceptor>(std::shared_ptr<void>(), &env.acceptor()));
    state_.handlers.push_back(echo_);
    core_ = std::make_unique<ConnectionCore>(state_, ConnectionInfo{1, "127.0.0.1", 135, "peer"});
    client_ = auth::NewNtlmClientContext(
        {openadcs::testing::NtlmEnvironment::kDomain, "vt", kPassword, std::nullopt, "HOST"});
  }

  auth::AuthLevel level() const { return GetParam(); }
  SecTrailer Trailer() const {
    return SecTrailer{auth::AuthType::kNtlm, level(), 0, kAuthContextId};
  }

  // bind (NEGOTIATE) / bind_ack (CHALLENGE) / auth3 (AUTHENTICATE), with or
  // without PFC_SUPPORT_HEADER_SIGN on the bind.
  void Bind(bool header_sign) {
    BindBody bind;
    bind.contexts.push_back({0, Interface(), {NdrTransferSyntax()}});
    Result<Bytes> negotiate = client_->Step({});
    ASSERT_TRUE(negotiate.ok());
    const std::uint8_t flags =
        pfc::kFirstFrag | pfc::kLastFrag | (header_sign ? pfc::kSupportHeaderSign : 0);
    CoreOutput out =
        Feed(BuildPdu(PduType::kBind, flags, 1, EncodeBind(bind), {}, Trailer(), *negotiate).bytes);
    ASSERT_EQ(out.pdus.size(), 1u);
    Result<PduView> ack = ParsePdu(out.pdus[0]);
    ASSERT_TRUE(ack.ok());
    ASSERT_EQ(ack->header.type, PduType::kBindAck);
    Result<Bytes> authenticate = client_->Step(ack->auth_value);
    ASSERT_TRUE(authenticate.ok()) << authenticate.status().ToString();
    out = Feed(BuildPdu(PduType::kAuth3, pfc::kFirstFrag | pfc::kLastFrag, 2, Bytes(4, 0), {},
                        Trailer(), *authenticate)
                   .bytes);
    EXPECT_TRUE(out.pdus.empty());
    EXPECT_FALSE(out.close);
  }

  CoreOutput Feed(Bytes pdu) {
    CoreOutput out;
    EXPECT_EQ(core_->CheckHeader(std::span<const std::uint8_t>(pdu).first(kHeaderSize), &out),
              pdu.size());
    core_->OnPdu(pdu, &out);
    for (DispatchedCall& call : out.calls) core_->OnCallDone(call.call_id, call.Run(), &out);
    return out;
  }

  // A sealed (or signed) request whose stub is `stub` followed by `vt`
  // (4-byte aligned); its one answer, verified with the client's context.
  Answer Call(std::uint32_t call_id, std::uint16_t opnum, const Bytes& stub, const Bytes& vt) {
    Bytes body = stub;
    if (!vt.empty()) {
      body.resize((body.size() + 3) / 4 * 4, 0);
      body.insert(body.end(), vt.begin(), vt.end());
    }
    BuiltPdu req = BuildPdu(
        PduType::kRequest, pfc::kFirstFrag | pfc::kLastFrag, call_id,
        EncodeRequestFixed(static_cast<std::uint32_t>(body.size()), 0, opnum, std::nullopt), body,
        Trailer(), Bytes(client_->signature_size(level()), 0));
    std::span<std::uint8_t> whole(req.bytes);
    EXPECT_TRUE(client_
                    ->Protect(level(), whole.first(req.auth_offset), req.body_offset,
                              req.body_length, whole.subspan(req.auth_offset))
                    .ok());
    CoreOutput out = Feed(std::move(req.bytes));
    Answer a;
    a.close = out.close;
    EXPECT_EQ(out.pdus.size(), 1u);
    if (out.pdus.size() != 1) return a;
    Bytes& pdu = out.pdus[0];
    Result<PduView> view = ParsePdu(pdu);
    EXPECT_TRUE(view.ok());
    if (!view.ok()) return a;
    a.type = view->header.type;
    EXPECT_EQ(view->header.call_id, call_id);
    std::size_t body_offset = kHeaderSize + kFaultFixedSize;
    if (a.type == PduType::kFault) {
      a.fault_status = ParseFault(*view)->status;
    } else {
      body_offset = kHeaderSize + kResponseFixedSize;
      EXPECT_TRUE(view->trailer.has_value());  // a response always has one
    }
    if (!view->trailer) return a;
    std::span<std::uint8_t> all(pdu);
    Status st =
        client_->Unprotect(level(), all.first(all.size() - view->auth_value.size()), body_offset,
                           kHeaderSize + view->body.size() - body_offset, view->auth_value);
    EXPECT_TRUE(st.ok()) << st.ToString();
    a.verifier = st.ok();
    if (a.type == PduType::kResponse)
      a.stub = Bytes(ParseResponse(*view)->stub.begin(), ParseResponse(*view)->stub.end());
    return a;
  }

  static VerificationTrailer Matching(std::uint32_t call_id, std::uint16_t opnum) {
    VerificationTrailer vt;
    vt.bitmask1 = kVtClientSupportsHeaderSigning;
    vt.pcontext = VtPcontext{Interface(), NdrTransferSyntax()};
    vt.header2 = VtHeader2{0, kPackedDrep, call_id, 0, opnum};
    return vt;
  }

  void ExpectRefused(const Bytes& vt) {
    Answer a = Call(10, kEcho, {1, 2, 3, 4}, vt);
    EXPECT_EQ(a.type, PduType::kFault);
    EXPECT_TRUE(a.verifier);
    EXPECT_EQ(a.fault_status, fault::kAccessDenied);
    EXPECT_TRUE(a.close);
    EXPECT_TRUE(echo_->seen.empty());
  }

  ServerState state_;
  std::shared_ptr<Echo> echo_ = std::make_shared<Echo>();
  std::unique_ptr<ConnectionCore> core_;
  std::unique_ptr<auth::SecurityContext> client_;
};

TEST_P(VerificationTrailerTest, MatchingTrailerIsCheckedAndStripped) {
  Bind(true);
  const Bytes stub = {1, 2, 3, 4, 5, 6, 7, 8};
  for (std::uint32_t call_id = 10; call_id < 13; ++call_id) {
    Answer a = Call(call_id, kEcho, stub, EncodeVerificationTrailer(Matching(call_id, kEcho)));
    EXPECT_EQ(a.type, PduType::kResponse);
    EXPECT_EQ(a.stub, stub);
    EXPECT_FALSE(a.close);
  }
  ASSERT_EQ(echo_->seen.size(), 3u);
  EXPECT_EQ(echo_->seen[0], stub);
}

TEST_P(VerificationTrailerTest, NoTrailerIsAccepted) {
  Bind(true);  // as impacket does: no trailer at all
  Answer a = Call(10, kEcho, {9, 9}, {});
  EXPECT_EQ(a.type, PduType::kResponse);
  EXPECT_EQ(a.stub, (Bytes{9, 9}));
}

TEST_P(VerificationTrailerTest, FaultCarriesAVerifierAndTheContextGoesOn) {
  Bind(true);
  Answer a = Call(10, kFail, {1}, EncodeVerificationTrailer(Matching(10, kFail)));
  EXPECT_EQ(a.type, PduType::kFault);
  EXPECT_TRUE(a.verifier);
  EXPECT_EQ(a.fault_status, kFailStatus);
  EXPECT_FALSE(a.close);
  // The fault took its sequence number (and RC4 keystream) on both sides.
  a = Call(11, kEcho, {1, 2, 3, 4}, EncodeVerificationTrailer(Matching(11, kEcho)));
  EXPECT_EQ(a.type, PduType::kResponse);
  EXPECT_EQ(a.stub, (Bytes{1, 2, 3, 4}));
}

TEST_P(VerificationTrailerTest, RuntimeFaultCarriesAVerifier) {
  Bind(true);
  Answer a = Call(10, 7, {}, EncodeVerificationTrailer(Matching(10, 7)));  // no such opnum
  EXPECT_EQ(a.type, PduType::kFault);
  EXPECT_TRUE(a.verifier);
  EXPECT_EQ(a.fault_status, fault::kOpRangeError);
}

TEST_P(VerificationTrailerTest, ClientsWithoutTrailersGetBareFaults) {
  Bind(true);
  // impacket reads a fault's status and skips any verifier, so a verifier
  // would move our RC4 stream past its own: its next response would not
  // decrypt. Without a trailer from the client, faults stay bare.
  Answer a = Call(10, kFail, {1}, {});
  EXPECT_EQ(a.type, PduType::kFault);
  EXPECT_FALSE(a.verifier);
  EXPECT_EQ(a.fault_status, kFailStatus);
  a = Call(11, kEcho, {1, 2, 3, 4}, {});
  EXPECT_EQ(a.type, PduType::kResponse);
  EXPECT_TRUE(a.verifier);
  EXPECT_EQ(a.stub, (Bytes{1, 2, 3, 4}));
}

TEST_P(VerificationTrailerTest, Header2OfAnotherCallIsRefused) {
  Bind(true);
  ExpectRefused(EncodeVerificationTrailer(Matching(11, kEcho)));
}

TEST_P(VerificationTrailerTest, Header2OfAnotherOpnumIsRefused) {
  Bind(true);
  ExpectRefused(EncodeVerificationTrailer(Matching(10, kFail)));
}

TEST_P(VerificationTrailerTest, PcontextOfAnotherInterfaceIsRefused) {
  Bind(true);
  VerificationTrailer vt = Matching(10, kEcho);
  vt.pcontext->interface_id.major = 2;
  ExpectRefused(EncodeVerificationTrailer(vt));
}

TEST_P(VerificationTrailerTest, PcontextOfAnotherTransferSyntaxIsRefused) {
  Bind(true);
  VerificationTrailer vt = Matching(10, kEcho);
  vt.pcontext->transfer_syntax = BindTimeFeatureSyntax(0);
  ExpectRefused(EncodeVerificationTrailer(vt));
}

TEST_P(VerificationTrailerTest, HeaderSigningTheBindDidNotAskForIsRefused) {
  Bind(false);  // PFC_SUPPORT_HEADER_SIGN stripped on the path
  ExpectRefused(EncodeVerificationTrailer(Matching(10, kEcho)));
}

TEST_P(VerificationTrailerTest, UnknownCommandsFollowTheirProcessingFlag) {
  Bind(true);
  // Command 0x0007 with SEC_VT_COMMAND_END, skipped without MUST_PROCESS.
  Answer a =
      Call(10, kEcho, {1, 2, 3, 4}, Crafted({0x07, 0x40, 0x04, 0x00, 0xaa, 0xbb, 0xcc, 0xdd}));
  EXPECT_EQ(a.type, PduType::kResponse);
  EXPECT_EQ(a.stub, (Bytes{1, 2, 3, 4}));

  echo_->seen.clear();
  Answer refused =
      Call(11, kEcho, {1, 2, 3, 4}, Crafted({0x07, 0xc0, 0x04, 0x00, 0xaa, 0xbb, 0xcc, 0xdd}));
  EXPECT_EQ(refused.type, PduType::kFault);
  EXPECT_EQ(refused.fault_status, fault::kAccessDenied);
  EXPECT_TRUE(refused.close);
  EXPECT_TRUE(echo_->seen.empty());
}

TEST_P(VerificationTrailerTest, MalformedTrailerIsRefused) {
  Bind(true);
  // bitmask1 without SEC_VT_COMMAND_END.
  ExpectRefused(Crafted({0x01, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00}));
}

INSTANTIATE_TEST_SUITE_P(SealedAndSigned, VerificationTrailerTest,
                         ::testing::Values(auth::AuthLevel::kPrivacy, auth::AuthLevel::kIntegrity));

// --- the decoder alone ---

Bytes WithTrailer(std::size_t stub_size, const Bytes& vt) {
  Bytes b(stub_size, 0x5a);
  b.resize((b.size() + 3) / 4 * 4, 0);
  b.insert(b.end(), vt.begin(), vt.end());
  return b;
}

TEST(VerificationTrailerDecoderTest, RoundTrip) {
  VerificationTrailer vt;
  vt.bitmask1 = 1;
  vt.pcontext = VtPcontext{Interface(), NdrTransferSyntax()};
  vt.header2 = VtHeader2{0, kPackedDrep, 77, 5, 9};
  const Bytes stub = WithTrailer(13, EncodeVerificationTrailer(vt));
  auto found = FindVerificationTrailer(stub);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->offset, 16u);
  const VerificationTrailer& t = (*found)->trailer;
  EXPECT_EQ(t.bitmask1, 1u);
  EXPECT_EQ(t.pcontext->interface_id, Interface());
  EXPECT_EQ(t.header2->call_id, 77u);
  EXPECT_EQ(t.header2->context_id, 5u);
  EXPECT_EQ(t.header2->opnum, 9u);
  EXPECT_FALSE(t.unknown_must_process);
}

TEST(VerificationTrailerDecoderTest, OnlyAlignedSignaturesNearTheEndCount) {
  VerificationTrailer vt;
  vt.bitmask1 = 0;
  const Bytes encoded = EncodeVerificationTrailer(vt);
  // Unaligned: not a trailer.
  Bytes unaligned(5, 0);
  unaligned.insert(unaligned.end(), encoded.begin(), encoded.end());
  auto found = FindVerificationTrailer(unaligned);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  // Further from the end than the search reaches: not a trailer either.
  Bytes far = encoded;
  far.resize(kMaxVerificationTrailerSearch + 8, 0);
  found = FindVerificationTrailer(far);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  EXPECT_FALSE(FindVerificationTrailer(Bytes(3, 0))->has_value());
}

TEST(VerificationTrailerDecoderTest, MalformedCommandsAreErrors) {
  auto decode = [](std::initializer_list<std::uint8_t> commands) {
    return FindVerificationTrailer(Crafted(commands)).status();
  };
  // Length not a multiple of 4.
  EXPECT_FALSE(decode({0x07, 0x40, 0x03, 0x00, 1, 2, 3, 0}).ok());
  // bitmask1 of the wrong length.
  EXPECT_FALSE(decode({0x01, 0x40, 0x08, 0x00, 1, 0, 0, 0, 0, 0, 0, 0}).ok());
  // A command repeated.
  EXPECT_FALSE(
      decode({0x01, 0x00, 0x04, 0x00, 1, 0, 0, 0, 0x01, 0x40, 0x04, 0x00, 1, 0, 0, 0}).ok());
  // Running past the stub.
  EXPECT_FALSE(decode({0x07, 0x40, 0x40, 0x00, 1, 2, 3, 4}).ok());
  // The end flag on the last command: fine.
  EXPECT_TRUE(decode({0x01, 0x40, 0x04, 0x00, 1, 0, 0, 0}).ok());
}

}  // namespace
}  // namespace openadcs::rpc
