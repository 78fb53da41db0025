#include "openadcs/rpc/pdu.h"

#include <gtest/gtest.h>

namespace openadcs::rpc {
namespace {

SyntaxId IcprSyntax() {
  return SyntaxId{*Uuid::Parse("91ae6020-9e3c-11cf-8d7c-00aa00c091be"), 0, 0};
}

// A BIND for ICertPassage v0.0 with NDR 2.0, call_id 1, made by impacket
// 0.10.0 (Debian's python3-impacket) under /usr/bin/python3:
//   bind = MSRPCBind(); item = CtxItem()
//   item['AbstractSyntax'] = uuidtup_to_bin(('91ae6020-...-00aa00c091be', '0.0'))
//   item['TransferSyntax'] = uuidtup_to_bin(('8a885d04-...-08002b104860', '2.0'))
//   item['ContextID'] = 0; item['TransItems'] = 1; bind.addCtxItem(item)
//   packet = MSRPCHeader(); packet['type'] = MSRPC_BIND; packet['call_id'] = 1
//   packet['flags'] = PFC_FIRST_FRAG | PFC_LAST_FRAG; packet['pduData'] = bind.getData()
//   packet.get_packet().hex()
constexpr char kImpacketBind[] =
    "05000b03100000004800000001000000b810b8100000000001000000000001002060ae913c9ecf118d7c00aa"
    "00c091be00000000045d888aeb1cc9119fe808002b10486002000000";

TEST(PduTest, ParsesImpacketBindAndReencodesIt) {
  const Bytes bytes = *HexDecode(kImpacketBind);
  Result<PduView> pdu = ParsePdu(bytes);
  ASSERT_TRUE(pdu.ok()) << pdu.status().ToString();
  EXPECT_EQ(pdu->header.type, PduType::kBind);
  EXPECT_EQ(pdu->header.flags, pfc::kFirstFrag | pfc::kLastFrag);
  EXPECT_EQ(pdu->header.call_id, 1u);
  EXPECT_FALSE(pdu->trailer);
  Result<BindBody> bind = ParseBind(*pdu);
  ASSERT_TRUE(bind.ok()) << bind.status().ToString();
  EXPECT_EQ(bind->max_xmit_frag, 4280);
  EXPECT_EQ(bind->max_recv_frag, 4280);
  EXPECT_EQ(bind->assoc_group_id, 0u);
  ASSERT_EQ(bind->contexts.size(), 1u);
  EXPECT_EQ(bind->contexts[0].context_id, 0);
  EXPECT_EQ(bind->contexts[0].abstract_syntax, IcprSyntax());
  ASSERT_EQ(bind->contexts[0].transfer_syntaxes.size(), 1u);
  EXPECT_EQ(bind->contexts[0].transfer_syntaxes[0], NdrTransferSyntax());

  const Bytes body = EncodeBind(*bind);
  const BuiltPdu again = BuildPdu(PduType::kBind, pdu->header.flags, 1, body, {}, std::nullopt, {});
  EXPECT_EQ(HexLower(again.bytes), kImpacketBind);
}

TEST(PduTest, RequestWithObjectAndTrailerRoundTrips) {
  const Uuid object = *Uuid::Parse("00112233-4455-6677-8899-aabbccddeeff");
  const Bytes stub = {1, 2, 3, 4, 5};
  const Bytes sig(16, 0xab);
  const BuiltPdu built =
      BuildPdu(PduType::kRequest, pfc::kFirstFrag | pfc::kObjectUuid, 7,
               EncodeRequestFixed(1000, 3, 9, object), stub,
               SecTrailer{auth::AuthType::kNtlm, auth::AuthLevel::kPrivacy, 0, 42}, sig);
  EXPECT_EQ(built.body_offset, kHeaderSize + kRequestFixedSize + 16);
  EXPECT_EQ(built.body_length, 16u);  // five stub bytes padded to 16
  Result<PduView> pdu = ParsePdu(built.bytes);
  ASSERT_TRUE(pdu.ok()) << pdu.status().ToString();
  ASSERT_TRUE(pdu->trailer);
  EXPECT_EQ(pdu->trailer->auth_pad_length, 11);
  EXPECT_EQ(pdu->trailer->auth_context_id, 42u);
  EXPECT_EQ(pdu->trailer->auth_level, auth::AuthLevel::kPrivacy);
  EXPECT_EQ(Bytes(pdu->auth_value.begin(), pdu->auth_value.end()), sig);
  Result<RequestBody> req = ParseRequest(*pdu);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  EXPECT_EQ(req->alloc_hint, 1000u);
  EXPECT_EQ(req->context_id, 3);
  EXPECT_EQ(req->opnum, 9);
  EXPECT_EQ(req->object, object);
  EXPECT_EQ(Bytes(req->stub.begin(), req->stub.end()), stub);
}

TEST(PduTest, BindAckWithFeatureNegotiationRoundTrips) {
  BindAckBody ack;
  ack.max_xmit_frag = 5840;
  ack.max_recv_frag = 5840;
  ack.assoc_group_id = 0x1234;
  ack.secondary_address = "49152";
  ack.results.push_back({result::kAcceptance, 0, NdrTransferSyntax()});
  ack.results.push_back({result::kNegotiateAck, feature::kSecurityContextMultiplexing, {}});
  const BuiltPdu built =
      BuildPdu(PduType::kBindAck, 3, 2, EncodeBindAck(ack), {}, std::nullopt, {});
  Result<PduView> pdu = ParsePdu(built.bytes);
  ASSERT_TRUE(pdu.ok());
  Result<BindAckBody> back = ParseBindAck(*pdu);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->secondary_address, "49152");
  EXPECT_EQ(back->assoc_group_id, 0x1234u);
  ASSERT_EQ(back->results.size(), 2u);
  EXPECT_EQ(back->results[0].transfer_syntax, NdrTransferSyntax());
  EXPECT_EQ(back->results[1].result, result::kNegotiateAck);
  EXPECT_EQ(back->results[1].reason, feature::kSecurityContextMultiplexing);
}

TEST(PduTest, FaultAndBindNakRoundTrip) {
  FaultBody f;
  f.context_id = 1;
  f.status = fault::kOpRangeError;
  const BuiltPdu fault_pdu = BuildPdu(PduType::kFault, 3, 5, EncodeFault(f), {}, std::nullopt, {});
  EXPECT_EQ(fault_pdu.bytes.size(), 32u);  // what Windows sends
  Result<PduView> pdu = ParsePdu(fault_pdu.bytes);
  ASSERT_TRUE(pdu.ok());
  Result<FaultBody> back = ParseFault(*pdu);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->status, fault::kOpRangeError);
  EXPECT_EQ(back->context_id, 1);

  const BuiltPdu nak =
      BuildPdu(PduType::kBindNak, 3, 5, EncodeBindNak({reject::kAuthTypeNotRecognized}), {},
               std::nullopt, {});
  Result<PduView> nak_pdu = ParsePdu(nak.bytes);
  ASSERT_TRUE(nak_pdu.ok());
  Result<BindNakBody> nak_back = ParseBindNak(*nak_pdu);
  ASSERT_TRUE(nak_back.ok());
  EXPECT_EQ(nak_back->reject_reason, reject::kAuthTypeNotRecognized);
}

TEST(PduTest, FeatureNegotiationSyntax) {
  const SyntaxId s = BindTimeFeatureSyntax(3);
  EXPECT_EQ(s.uuid.ToString(), "6cb71c2c-9812-4540-0300-000000000000");
  EXPECT_EQ(s.major, 1);
  EXPECT_EQ(BindTimeFeatureBits(s), 3);
  EXPECT_FALSE(BindTimeFeatureBits(NdrTransferSyntax()));
}

TEST(PduTest, RejectsMalformedInput) {
  Bytes good = *HexDecode(kImpacketBind);
  EXPECT_FALSE(ParsePdu(std::span<const std::uint8_t>(good).first(10)).ok());  // truncated
  EXPECT_FALSE(ParsePdu(std::span<const std::uint8_t>(good).first(40)).ok());  // frag_length lies
  Bytes bad_version = good;
  bad_version[0] = 4;
  EXPECT_FALSE(ParsePdu(bad_version).ok());
  Bytes short_frag = good;
  short_frag[8] = 8;
  short_frag[9] = 0;
  EXPECT_FALSE(ParseHeader(short_frag).ok());
  Bytes big_auth = good;
  big_auth[10] = 0x40;  // auth_length 64 + trailer + header > 72
  EXPECT_FALSE(ParsePdu(big_auth).ok());
  // A p_cont_elem claiming more transfer syntaxes than there are bytes.
  Bytes many_ts = good;
  many_ts[30] = 200;
  Result<PduView> pdu = ParsePdu(many_ts);
  ASSERT_TRUE(pdu.ok());
  EXPECT_FALSE(ParseBind(*pdu).ok());
  // An auth_pad_length larger than the body.
  const BuiltPdu req =
      BuildPdu(PduType::kRequest, 3, 1, EncodeRequestFixed(0, 0, 0, std::nullopt), {},
               SecTrailer{auth::AuthType::kNtlm, auth::AuthLevel::kPrivacy, 0, 0}, Bytes(16, 0));
  Bytes bad_pad = req.bytes;
  bad_pad[req.bytes.size() - 16 - 8 + 2] = 200;
  EXPECT_FALSE(ParsePdu(bad_pad).ok());
  // The wrong body decoder for the PTYPE.
  Result<PduView> bind = ParsePdu(good);
  ASSERT_TRUE(bind.ok());
  EXPECT_FALSE(ParseRequest(*bind).ok());
}

TEST(PduTest, FlagsForeignDataRepresentation) {
  Bytes big_endian = *HexDecode(kImpacketBind);
  big_endian[4] = 0x00;  // big-endian integers
  big_endian[8] = 0x00;
  big_endian[9] = 0x48;
  big_endian[12] = 0;
  big_endian[15] = 9;
  Result<Header> h = ParseHeader(big_endian);
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->drep_supported);
  EXPECT_EQ(h->frag_length, 0x48);
  EXPECT_EQ(h->call_id, 9u);
  EXPECT_FALSE(ParsePdu(big_endian).ok());
}

}  // namespace
}  // namespace openadcs::rpc
