// The DCOM runtime end to end: an rpc::Server with the runtime's handlers
// on 127.0.0.1, driven over NTLM-sealed connections by rpc::ClientChannel
// with the wire codecs, as a DCOM client does it.
#include "openadcs/dcom/dcom_runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "auth/ntlm_test_environment.h"
#include "openadcs/auth/ntlm_client.h"
#include "openadcs/idl/iobject_exporter.h"
#include "openadcs/idl/irem_unknown.h"
#include "openadcs/idl/iremote_scm_activator.h"
#include "openadcs/idl/iunknown.h"
#include "openadcs/ndr/activation.h"
#include "openadcs/ndr/ndr_reader.h"
#include "openadcs/ndr/ndr_writer.h"
#include "openadcs/ndr/objref.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/ndr/oxid_resolver.h"
#include "openadcs/ndr/rem_unknown.h"
#include "openadcs/ndr/remote_scm_activator.h"
#include "openadcs/rpc/client_channel.h"
#include "openadcs/rpc/server.h"
#include "openadcs/util/hresult.h"

namespace openadcs::dcom {
namespace {

namespace act = ndr::activation;
namespace scm = ndr::remote_scm_activator;
namespace ox = ndr::oxid_resolver;
namespace ru = ndr::rem_unknown;
using std::chrono::milliseconds;

constexpr milliseconds kWait{10'000};
constexpr milliseconds kTimeout{1'000};
constexpr std::size_t kPingSetsPerClient = 2;
const rpc::SyntaxId kTestIface{*Uuid::Parse("0b5e7f3a-8c1d-4e2f-9a6b-3c4d5e6f7a80"), 0, 0};
constexpr std::uint16_t kTestOpnumCount = 5;
constexpr std::uint16_t kIncrement = 3;  // [in] x, [out] x + 1
const Uuid kTestClsid = *Uuid::Parse("0b5e7f3a-8c1d-4e2f-9a6b-3c4d5e6f7a81");
const Uuid kRefusingClsid = *Uuid::Parse("0b5e7f3a-8c1d-4e2f-9a6b-3c4d5e6f7a82");
const Uuid kOtherIid = *Uuid::Parse("0b5e7f3a-8c1d-4e2f-9a6b-3c4d5e6f7a83");
constexpr char kAlicePassword[] = "alice-Pa55";
constexpr char kBobPassword[] = "bob-Pa55";

// Answers Increment: ORPCTHIS, u32 in; ORPCTHAT, u32 out, HRESULT.
class Counter : public ComObject {
 public:
  explicit Counter(std::atomic<int>* alive) : alive_(alive) { ++*alive_; }
  ~Counter() override { --*alive_; }
  std::vector<rpc::SyntaxId> interfaces() const override { return {kTestIface}; }
  rpc::CallResult Call(const rpc::CallContext&, const rpc::SyntaxId& iface, std::uint16_t opnum,
                       std::span<const std::uint8_t> stub) override {
    if (iface != kTestIface || opnum != kIncrement) {
      return rpc::CallResult::Fault(rpc::fault::kOpRangeError);
    }
    ndr::NdrReader r(stub);
    ndr::orpc::OrpcThis orpcthis;
    std::uint32_t x = 0;
    if (!ndr::orpc::ReadOrpcThis(r, &orpcthis).ok() || !r.ReadU32(&x).ok()) {
      return rpc::CallResult::Fault(rpc::fault::kBadStubData);
    }
    ndr::NdrWriter w;
    ndr::orpc::WriteOrpcThat(w, {});
    w.WriteU32(x + 1);
    w.WriteU32(0);
    return rpc::CallResult::Response(std::move(w).Take());
  }

 private:
  std::atomic<int>* alive_;
};

struct Activated {
  std::uint32_t hresult = 0;
  act::ActivationOut out;
  std::vector<ndr::objref::ObjRef> objrefs;  // of the interfaces granted
};

class DcomRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& env = testing::NtlmEnvironment::Get();
    ASSERT_TRUE(env.AddUser(testing::NtlmEnvironment::kDomain, "alice", kAlicePassword).ok());
    ASSERT_TRUE(env.AddUser(testing::NtlmEnvironment::kDomain, "bob", kBobPassword).ok());

    DcomOptions options;
    options.object_timeout = kTimeout;
    options.max_ping_sets_per_client = kPingSetsPerClient;
    options.clock = [this] { return base_ + milliseconds(offset_ms_.load()); };
    options.kerberos = kerberos_;
    Result<std::unique_ptr<DcomRuntime>> runtime = DcomRuntime::Create(options);
    ASSERT_TRUE(runtime.ok()) << runtime.status().ToString();
    runtime_ = std::move(*runtime);
    ASSERT_TRUE(runtime_->RegisterObjectInterface(kTestIface, kTestOpnumCount).ok());
    ASSERT_TRUE(
        runtime_
            ->RegisterClass(kTestClsid,
                            [this](const rpc::CallContext&) -> Result<std::shared_ptr<ComObject>> {
                              return std::shared_ptr<ComObject>(std::make_shared<Counter>(&alive_));
                            })
            .ok());
    ASSERT_TRUE(
        runtime_
            ->RegisterClass(kRefusingClsid,
                            [](const rpc::CallContext&) -> Result<std::shared_ptr<ComObject>> {
                              return Status::PermissionDenied("no", hr::kAccessDenied);
                            })
            .ok());

    std::shared_ptr<auth::Acceptor> acceptor(std::shared_ptr<auth::Acceptor>(), &env.acceptor());
    Result<std::unique_ptr<rpc::Server>> server = rpc::Server::Create(io_, {}, {acceptor});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    for (const auto& handler : runtime_->Handlers()) {
      ASSERT_TRUE(server_->Register(handler).ok());
    }
    Result<std::uint16_t> port = server_->Listen(listen_address_, 0);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    runtime_->SetObjectPort(port_);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    runtime_.reset();
  }

  void Advance(milliseconds d) { offset_ms_ += d.count(); }

  std::unique_ptr<rpc::ClientChannel> Connect(const std::string& host = "127.0.0.1") {
    rpc::ClientOptions options;
    options.timeout = kWait;
    Result<std::unique_ptr<rpc::ClientChannel>> ch =
        rpc::ClientChannel::Connect(host, port_, options);
    EXPECT_TRUE(ch.ok()) << ch.status().ToString();
    return ch.ok() ? std::move(*ch) : nullptr;
  }

  static rpc::Binding BindAs(rpc::ClientChannel& ch, const rpc::SyntaxId& iface,
                             const std::string& user, const std::string& password) {
    auth::NtlmCredentials creds;
    creds.domain = testing::NtlmEnvironment::kDomain;
    creds.user = user;
    creds.password = password;
    rpc::ClientAuth a{auth::AuthType::kNtlm, auth::AuthLevel::kPrivacy,
                      auth::NewNtlmClientContext(creds)};
    Result<rpc::Binding> b = ch.Bind(iface, std::move(a));
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : rpc::Binding{};
  }
  static rpc::Binding BindAlice(rpc::ClientChannel& ch, const rpc::SyntaxId& iface) {
    return BindAs(ch, iface, "alice", kAlicePassword);
  }

  static rpc::SyntaxId Activator() {
    namespace i = idl::iremote_scm_activator;
    return {i::kUuid, i::kVersionMajor, i::kVersionMinor};
  }
  static rpc::SyntaxId RemUnknown() {
    namespace i = idl::irem_unknown;
    return {i::kUuid, i::kVersionMajor, i::kVersionMinor};
  }
  static rpc::SyntaxId Exporter() {
    namespace i = idl::iobject_exporter;
    return {i::kUuid, i::kVersionMajor, i::kVersionMinor};
  }

  static scm::ActivationRequest Request(const Uuid& clsid, std::vector<Uuid> iids,
                                        std::vector<std::uint16_t> protseqs = {act::kProtseqTcp}) {
    act::ActivationIn in;
    in.clsid = clsid;
    in.class_context = 0x14;
    in.iids = std::move(iids);
    in.client_version_major = 5;
    in.client_version_minor = 7;
    in.scm_request_present = true;
    in.requested_protseqs = std::move(protseqs);
    scm::ActivationRequest request;
    request.orpcthis.flags = 1;
    request.orpcthis.cid = Uuid::Random();
    request.activation_properties = act::EncodeActivationIn(in);
    return request;
  }

  static Activated Activate(rpc::ClientChannel& ch, const rpc::Binding& b,
                            const scm::ActivationRequest& request) {
    Activated a;
    Bytes stub = scm::EncodeRemoteCreateInstanceRequest(request);
    Result<rpc::CallResult> r = ch.Call(
        b, static_cast<std::uint16_t>(idl::iremote_scm_activator::Opnum::kRemoteCreateInstance),
        stub);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return a;
    EXPECT_EQ(r->fault_status, 0u);
    Result<scm::ActivationResponse> resp = scm::DecodeActivationResponse(r->stub);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    if (!resp.ok()) return a;
    a.hresult = resp->hresult;
    if (a.hresult != 0) return a;
    Result<act::ActivationOut> out = act::DecodeActivationOut(resp->activation_properties);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    if (!out.ok()) return a;
    a.out = std::move(*out);
    for (const act::InterfaceResult& i : a.out.interfaces) {
      if (i.hresult != 0) continue;
      Result<ndr::objref::ObjRef> o = ndr::objref::DecodeObjRef(i.objref);
      EXPECT_TRUE(o.ok()) << o.status().ToString();
      if (o.ok()) a.objrefs.push_back(*o);
    }
    return a;
  }

  Activated ActivateCounter(rpc::ClientChannel& ch, const rpc::Binding& b) {
    Activated a = Activate(ch, b, Request(kTestClsid, {kTestIface.uuid}));
    EXPECT_EQ(a.hresult, 0u);
    EXPECT_EQ(a.objrefs.size(), 1u);
    return a;
  }

  // Increment(x) on `ipid`: the value, or the fault status as an error.
  static std::variant<std::uint32_t, std::uint32_t> Increment(rpc::ClientChannel& ch,
                                                              const rpc::Binding& b,
                                                              const std::optional<Uuid>& ipid,
                                                              std::uint32_t x,
                                                              std::uint16_t opnum = kIncrement) {
    ndr::NdrWriter w;
    ndr::orpc::WriteOrpcThis(w, {});
    w.WriteU32(x);
    Bytes stub = std::move(w).Take();
    Result<rpc::CallResult> r = ch.Call(b, opnum, stub, ipid);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return std::variant<std::uint32_t, std::uint32_t>(std::in_place_index<1>, 0u);
    if (r->fault_status != 0) {
      return std::variant<std::uint32_t, std::uint32_t>(std::in_place_index<1>, r->fault_status);
    }
    ndr::NdrReader reader(r->stub);
    ndr::orpc::OrpcThat that;
    std::uint32_t y = 0;
    EXPECT_TRUE(ndr::orpc::ReadOrpcThat(reader, &that).ok());
    EXPECT_TRUE(reader.ReadU32(&y).ok());
    return std::variant<std::uint32_t, std::uint32_t>(std::in_place_index<0>, y);
  }
  static std::uint32_t FaultOf(const std::variant<std::uint32_t, std::uint32_t>& v) {
    return v.index() == 1 ? std::get<1>(v) : 0;
  }

  static std::uint32_t Release(rpc::ClientChannel& ch, const rpc::Binding& b,
                               const Uuid& ipid_rem_unknown, const Uuid& ipid, std::uint32_t refs) {
    ru::RefsRequest in;
    in.refs.push_back({ipid, refs, 0});
    Result<rpc::CallResult> r =
        ch.Call(b, static_cast<std::uint16_t>(idl::irem_unknown::Opnum::kRemRelease),
                ru::EncodeRemReleaseRequest(in), ipid_rem_unknown);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return 0xffffffff;
    if (r->fault_status != 0) return r->fault_status;
    Result<ndr::orpc::HresultOut> out = ndr::orpc::DecodeHresultResponse(r->stub);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->hresult : 0xffffffff;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::thread thread_;
  std::unique_ptr<rpc::Server> server_;
  std::unique_ptr<DcomRuntime> runtime_;
  std::uint16_t port_ = 0;
  std::atomic<int> alive_{0};
  bool kerberos_ = false;  // DcomOptions::kerberos
  std::string listen_address_ = "127.0.0.1";
  const std::chrono::steady_clock::time_point base_ = std::chrono::steady_clock::now();
  std::atomic<std::int64_t> offset_ms_{0};
};

TEST_F(DcomRuntimeTest, ActivateCallReleaseThenCallFaults) {
  auto scm_ch = Connect();
  ASSERT_NE(scm_ch, nullptr);
  rpc::Binding b = BindAlice(*scm_ch, Activator());
  Activated a = Activate(*scm_ch, b, Request(kTestClsid, {kTestIface.uuid, kOtherIid}));
  ASSERT_EQ(a.hresult, 0u);
  ASSERT_EQ(a.out.interfaces.size(), 2u);
  EXPECT_EQ(a.out.interfaces[0].hresult, 0u);
  EXPECT_EQ(a.out.interfaces[1].hresult, hr::kNoInterface);
  ASSERT_EQ(a.objrefs.size(), 1u);
  const ndr::objref::ObjRef& o = a.objrefs[0];
  EXPECT_EQ(o.flags, ndr::objref::kFlagsStandard);
  EXPECT_EQ(o.iid, kTestIface.uuid);
  EXPECT_EQ(o.std.public_refs, 5u);
  EXPECT_EQ(o.std.oxid, a.out.oxid);
  EXPECT_NE(o.std.oid, 0u);
  EXPECT_EQ(a.out.authn_hint, static_cast<std::uint32_t>(auth::AuthLevel::kPrivacy));
  EXPECT_FALSE(a.out.ipid_rem_unknown.IsNil());
  ASSERT_EQ(a.out.oxid_bindings.string_bindings.size(), 1u);
  EXPECT_EQ(a.out.oxid_bindings.string_bindings[0].tower_id, ndr::objref::kTowerTcp);
  std::string expected = "127.0.0.1[" + std::to_string(port_) + "]";
  EXPECT_EQ(a.out.oxid_bindings.string_bindings[0].network_address,
            std::u16string(expected.begin(), expected.end()));
  ASSERT_EQ(a.out.oxid_bindings.security_bindings.size(), 1u);
  EXPECT_EQ(a.out.oxid_bindings.security_bindings[0].authn_svc, ndr::objref::kAuthnWinNt);
  EXPECT_EQ(alive_, 1);
  EXPECT_EQ(runtime_->object_count(), 1u);

  // The object connection, as the bindings name it.
  auto obj_ch = Connect();
  ASSERT_NE(obj_ch, nullptr);
  rpc::Binding ob = BindAlice(*obj_ch, kTestIface);
  auto y = Increment(*obj_ch, ob, o.std.ipid, 41);
  ASSERT_EQ(y.index(), 0u) << std::hex << FaultOf(y);
  EXPECT_EQ(std::get<0>(y), 42u);
  EXPECT_EQ(FaultOf(Increment(*obj_ch, ob, o.std.ipid, 1, 1)), rpc::fault::kOpRangeError);

  rpc::Binding rb = BindAlice(*obj_ch, RemUnknown());
  // IRemUnknown answers on ipidRemUnknown only.
  EXPECT_EQ(Release(*obj_ch, rb, o.std.ipid, o.std.ipid, 5), hr::kRpcDisconnected);
  EXPECT_EQ(Release(*obj_ch, rb, a.out.ipid_rem_unknown, o.std.ipid, 4), 0u);
  EXPECT_EQ(alive_, 1);
  EXPECT_EQ(Release(*obj_ch, rb, a.out.ipid_rem_unknown, o.std.ipid, 1), 0u);
  EXPECT_EQ(alive_, 0);
  EXPECT_EQ(runtime_->object_count(), 0u);
  EXPECT_EQ(FaultOf(Increment(*obj_ch, ob, o.std.ipid, 1)), hr::kRpcDisconnected);
}

TEST_F(DcomRuntimeTest, QueryInterfaceGrantsImplementedInterfacesOnly) {
  auto ch = Connect();
  ASSERT_NE(ch, nullptr);
  Activated a = ActivateCounter(*ch, BindAlice(*ch, Activator()));
  ASSERT_EQ(a.objrefs.size(), 1u);
  rpc::Binding rb = BindAlice(*ch, RemUnknown());
  ru::QueryInterfaceRequest in;
  in.ipid = a.objrefs[0].std.ipid;
  in.refs = 1;
  in.iids = {idl::iunknown::kUuid, kOtherIid};
  Result<rpc::CallResult> r =
      ch->Call(rb, static_cast<std::uint16_t>(idl::irem_unknown::Opnum::kRemQueryInterface),
               ru::EncodeRemQueryInterfaceRequest(in), a.out.ipid_rem_unknown);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->fault_status, 0u);
  Result<ru::QueryInterfaceResponse> out = ru::DecodeRemQueryInterfaceResponse(r->stub);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->hresult, 0u);
  ASSERT_EQ(out->results.size(), 2u);
  EXPECT_EQ(out->results[0].hresult, 0u);
  EXPECT_EQ(out->results[0].std.oid, a.objrefs[0].std.oid);
  EXPECT_EQ(out->results[0].std.public_refs, 1u);
  EXPECT_NE(out->results[0].std.ipid, a.objrefs[0].std.ipid);
  EXPECT_EQ(out->results[1].hresult, hr::kNoInterface);
  // Releasing the original IPID leaves the object alive through IUnknown's.
  EXPECT_EQ(Release(*ch, rb, a.out.ipid_rem_unknown, a.objrefs[0].std.ipid, 5), 0u);
  EXPECT_EQ(alive_, 1);
  EXPECT_EQ(Release(*ch, rb, a.out.ipid_rem_unknown, out->results[0].std.ipid, 1), 0u);
  EXPECT_EQ(alive_, 0);
}

TEST_F(DcomRuntimeTest, ActivationErrorsAreAnsweredInTheHresult) {
  auto ch = Connect();
  ASSERT_NE(ch, nullptr);
  rpc::Binding b = BindAlice(*ch, Activator());
  EXPECT_EQ(Activate(*ch, b, Request(kOtherIid, {kTestIface.uuid})).hresult,
            hr::kClassNotRegistered);
  EXPECT_EQ(Activate(*ch, b, Request(kTestClsid, {kOtherIid})).hresult, hr::kNoInterface);
  EXPECT_EQ(Activate(*ch, b, Request(kRefusingClsid, {kTestIface.uuid})).hresult,
            hr::kAccessDenied);
  EXPECT_EQ(Activate(*ch, b, Request(kTestClsid, {kTestIface.uuid}, {0x0008})).hresult,
            0x800706a7u);
  scm::ActivationRequest aggregated = Request(kTestClsid, {kTestIface.uuid});
  aggregated.unk_outer_present = true;
  EXPECT_EQ(Activate(*ch, b, aggregated).hresult, 0x80040110u);
  EXPECT_EQ(alive_, 0);
  EXPECT_EQ(runtime_->object_count(), 0u);
}

TEST_F(DcomRuntimeTest, BogusAndForeignIpidsFault) {
  auto alice_ch = Connect();
  ASSERT_NE(alice_ch, nullptr);
  Activated a = ActivateCounter(*alice_ch, BindAlice(*alice_ch, Activator()));
  ASSERT_EQ(a.objrefs.size(), 1u);
  const Uuid ipid = a.objrefs[0].std.ipid;

  auto bob_ch = Connect();
  ASSERT_NE(bob_ch, nullptr);
  rpc::Binding bob = BindAs(*bob_ch, kTestIface, "bob", kBobPassword);
  EXPECT_EQ(FaultOf(Increment(*bob_ch, bob, ipid, 1)), rpc::fault::kAccessDenied);
  EXPECT_EQ(FaultOf(Increment(*bob_ch, bob, Uuid::Random(), 1)), hr::kRpcDisconnected);
  EXPECT_EQ(FaultOf(Increment(*bob_ch, bob, std::nullopt, 1)), hr::kRpcDisconnected);
  rpc::Binding bob_ru = BindAs(*bob_ch, RemUnknown(), "bob", kBobPassword);
  EXPECT_EQ(Release(*bob_ch, bob_ru, a.out.ipid_rem_unknown, ipid, 5), hr::kInvalidArg);
  EXPECT_EQ(alive_, 1);

  // Alice's own call on an IPID whose interface is not the bound one.
  rpc::Binding alice_ru = BindAlice(*alice_ch, RemUnknown());
  ru::QueryInterfaceRequest qi;
  qi.ipid = ipid;
  qi.refs = 1;
  qi.iids = {idl::iunknown::kUuid};
  Result<rpc::CallResult> r = alice_ch->Call(
      alice_ru, static_cast<std::uint16_t>(idl::irem_unknown::Opnum::kRemQueryInterface),
      ru::EncodeRemQueryInterfaceRequest(qi), a.out.ipid_rem_unknown);
  ASSERT_TRUE(r.ok());
  Result<ru::QueryInterfaceResponse> q = ru::DecodeRemQueryInterfaceResponse(r->stub);
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->results.size(), 1u);
  rpc::Binding alice_obj = BindAlice(*alice_ch, kTestIface);
  EXPECT_EQ(FaultOf(Increment(*alice_ch, alice_obj, q->results[0].std.ipid, 1)), hr::kNoInterface);
  auto y = Increment(*alice_ch, alice_obj, ipid, 1);
  EXPECT_EQ(y.index(), 0u);
}

TEST_F(DcomRuntimeTest, PingsKeepObjectsAliveAndExpiryCollectsTheRest) {
  auto ch = Connect();
  ASSERT_NE(ch, nullptr);
  rpc::Binding b = BindAlice(*ch, Activator());
  Activated pinged = ActivateCounter(*ch, b);
  Activated forgotten = ActivateCounter(*ch, b);
  ASSERT_EQ(pinged.objrefs.size(), 1u);
  ASSERT_EQ(forgotten.objrefs.size(), 1u);
  ASSERT_EQ(alive_, 2);

  // The OXID resolver answers unauthenticated.
  auto anon = Connect();
  ASSERT_NE(anon, nullptr);
  Result<rpc::Binding> ob = anon->Bind(Exporter());
  ASSERT_TRUE(ob.ok()) << ob.status().ToString();
  ox::ComplexPingRequest create;
  create.sequence = 1;
  create.add = {pinged.objrefs[0].std.oid, 0x0123456789abcdefu};
  Result<rpc::CallResult> r =
      anon->Call(*ob, static_cast<std::uint16_t>(idl::iobject_exporter::Opnum::kComplexPing),
                 ox::EncodeComplexPingRequest(create));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->fault_status, 0u);
  Result<ox::ComplexPingResponse> set = ox::DecodeComplexPingResponse(r->stub);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->status, 0u);
  ASSERT_NE(set->set_id, 0u);

  auto simple_ping = [&](std::uint64_t id) {
    Result<rpc::CallResult> p =
        anon->Call(*ob, static_cast<std::uint16_t>(idl::iobject_exporter::Opnum::kSimplePing),
                   ox::EncodeSimplePingRequest({id}));
    EXPECT_TRUE(p.ok());
    if (!p.ok() || p->fault_status != 0) return 0xffffffffu;
    Result<std::uint32_t> s = ox::DecodeStatusResponse(p->stub);
    return s.ok() ? *s : 0xffffffffu;
  };
  for (int i = 0; i < 4; ++i) {
    Advance(kTimeout / 2);
    ASSERT_EQ(simple_ping(set->set_id), 0u);
    runtime_->CollectExpired();
  }
  EXPECT_EQ(simple_ping(set->set_id ^ 1), ox::kInvalidSet);
  EXPECT_EQ(alive_, 1);
  EXPECT_EQ(runtime_->object_count(), 1u);
  rpc::Binding obj = BindAlice(*ch, kTestIface);
  EXPECT_EQ(FaultOf(Increment(*ch, obj, forgotten.objrefs[0].std.ipid, 1)), hr::kRpcDisconnected);
  EXPECT_EQ(Increment(*ch, obj, pinged.objrefs[0].std.ipid, 1).index(), 0u);

  // Without pings or calls the last one goes too.
  Advance(kTimeout * 2);
  EXPECT_EQ(runtime_->CollectExpired(), 1u);
  EXPECT_EQ(alive_, 0);
  EXPECT_EQ(simple_ping(set->set_id), ox::kInvalidSet);
}

TEST_F(DcomRuntimeTest, ResolveOxidAndServerAlive2) {
  auto ch = Connect();
  ASSERT_NE(ch, nullptr);
  Activated a = ActivateCounter(*ch, BindAlice(*ch, Activator()));
  auto anon = Connect();
  ASSERT_NE(anon, nullptr);
  Result<rpc::Binding> ob = anon->Bind(Exporter());
  ASSERT_TRUE(ob.ok());
  ox::ResolveOxidRequest in;
  in.oxid = a.out.oxid;
  in.requested_protseqs = {act::kProtseqTcp};
  auto resolve = [&](const ox::ResolveOxidRequest& req) -> Result<ox::ResolveOxidResponse> {
    Result<rpc::CallResult> r =
        anon->Call(*ob, static_cast<std::uint16_t>(idl::iobject_exporter::Opnum::kResolveOxid2),
                   ox::EncodeResolveOxidRequest(req));
    if (!r.ok()) return r.status();
    EXPECT_EQ(r->fault_status, 0u);
    return ox::DecodeResolveOxid2Response(r->stub);
  };
  Result<ox::ResolveOxidResponse> out = resolve(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->status, 0u);
  EXPECT_EQ(out->bindings, a.out.oxid_bindings);
  EXPECT_EQ(out->ipid_rem_unknown, a.out.ipid_rem_unknown);
  in.oxid ^= 1;
  out = resolve(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->status, ox::kObjectNotFound);

  Result<rpc::CallResult> r =
      anon->Call(*ob, static_cast<std::uint16_t>(idl::iobject_exporter::Opnum::kServerAlive2), {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->fault_status, 0u);
  Result<ox::ServerAlive2Response> alive = ox::DecodeServerAlive2Response(r->stub);
  ASSERT_TRUE(alive.ok()) << alive.status().ToString();
  ASSERT_EQ(alive->bindings.string_bindings.size(), 1u);
  EXPECT_EQ(alive->bindings.string_bindings[0].network_address, u"127.0.0.1");
}

TEST_F(DcomRuntimeTest, MalformedActivationDoesNotDisturbOtherClients) {
  auto bad = Connect();
  ASSERT_NE(bad, nullptr);
  rpc::Binding b = BindAlice(*bad, Activator());
  const std::uint16_t create =
      static_cast<std::uint16_t>(idl::iremote_scm_activator::Opnum::kRemoteCreateInstance);
  Bytes garbage{0x05, 0x00, 0x07, 0x00, 0xff, 0xff, 0xff, 0xff, 0x01};
  Result<rpc::CallResult> r = bad->Call(b, create, garbage);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->fault_status, rpc::fault::kBadStubData);
  // A well-formed stub around undecodable activation properties.
  scm::ActivationRequest request = Request(kTestClsid, {kTestIface.uuid});
  request.activation_properties.resize(request.activation_properties.size() / 2);
  EXPECT_EQ(Activate(*bad, b, request).hresult, hr::kInvalidArg);

  auto good = Connect();
  ASSERT_NE(good, nullptr);
  Activated a = ActivateCounter(*good, BindAs(*good, Activator(), "bob", kBobPassword));
  EXPECT_EQ(a.hresult, 0u);
  EXPECT_EQ(alive_, 1);
}

TEST_F(DcomRuntimeTest, PingSetsAreCappedPerAddressAndPerAccount) {
  auto new_set = [](rpc::ClientChannel& ch, const rpc::Binding& b) {
    ox::ComplexPingRequest create;
    create.sequence = 1;
    Result<rpc::CallResult> r =
        ch.Call(b, static_cast<std::uint16_t>(idl::iobject_exporter::Opnum::kComplexPing),
                ox::EncodeComplexPingRequest(create));
    EXPECT_TRUE(r.ok() && r->fault_status == 0);
    if (!r.ok() || r->fault_status != 0) return 0xffffffffu;
    Result<ox::ComplexPingResponse> set = ox::DecodeComplexPingResponse(r->stub);
    return set.ok() ? set->status : 0xffffffffu;
  };
  auto anon = Connect();
  ASSERT_NE(anon, nullptr);
  Result<rpc::Binding> ob = anon->Bind(Exporter());
  ASSERT_TRUE(ob.ok()) << ob.status().ToString();
  for (std::size_t i = 0; i < kPingSetsPerClient; ++i) EXPECT_EQ(new_set(*anon, *ob), ox::kOk);
  // Another connection from the same address counts with the first.
  auto anon2 = Connect();
  ASSERT_NE(anon2, nullptr);
  Result<rpc::Binding> ob2 = anon2->Bind(Exporter());
  ASSERT_TRUE(ob2.ok());
  EXPECT_EQ(new_set(*anon2, *ob2), ox::kOutOfResources);
  // An authenticated account has its own allowance, from the same address.
  auto ch = Connect();
  ASSERT_NE(ch, nullptr);
  rpc::Binding alice = BindAlice(*ch, Exporter());
  for (std::size_t i = 0; i < kPingSetsPerClient; ++i) EXPECT_EQ(new_set(*ch, alice), ox::kOk);
  EXPECT_EQ(new_set(*ch, alice), ox::kOutOfResources);
}

TEST_F(DcomRuntimeTest, UnauthenticatedActivationIsRefused) {
  auto ch = Connect();
  ASSERT_NE(ch, nullptr);
  Result<rpc::Binding> b = ch->Bind(Activator());
  ASSERT_TRUE(b.ok());
  Result<rpc::CallResult> r = ch->Call(
      *b, static_cast<std::uint16_t>(idl::iremote_scm_activator::Opnum::kRemoteCreateInstance),
      scm::EncodeRemoteCreateInstanceRequest(Request(kTestClsid, {kTestIface.uuid})));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->fault_status, rpc::fault::kAccessDenied);
  EXPECT_EQ(alive_, 0);
}

TEST_F(DcomRuntimeTest, TheSweepCollectsExpiredObjects) {
  auto ch = Connect();
  ASSERT_NE(ch, nullptr);
  ActivateCounter(*ch, BindAlice(*ch, Activator()));
  ASSERT_EQ(alive_, 1);
  runtime_->StartSweeping(io_);
  Advance(kTimeout * 2);
  // The sweep runs every timeout / 4 of real time on io_'s thread: wait for
  // it, boundedly.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (alive_ != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(alive_, 0);
  EXPECT_EQ(runtime_->object_count(), 0u);
  runtime_->Stop();
}

// Kerberos
class DcomRuntimeKerberosTest : public DcomRuntimeTest {
 protected:
  DcomRuntimeKerberosTest() { kerberos_ = true; }
};

TEST_F(DcomRuntimeKerberosTest, BindingsAdvertiseSpnegoAndKerberosBeforeNtlm) {
  auto scm_ch = Connect();
  ASSERT_NE(scm_ch, nullptr);
  rpc::Binding b = BindAlice(*scm_ch, Activator());
  Activated a = Activate(*scm_ch, b, Request(kTestClsid, {kTestIface.uuid}));
  ASSERT_EQ(a.hresult, 0u);
  std::vector<std::uint16_t> services;
  for (const auto& s : a.out.oxid_bindings.security_bindings) services.push_back(s.authn_svc);
  EXPECT_EQ(services,
            (std::vector<std::uint16_t>{ndr::objref::kAuthnGssNegotiate,
                                        ndr::objref::kAuthnGssKerberos, ndr::objref::kAuthnWinNt}));
}

// IPv6: one dual-stack listener; each client is given bindings in the
// family it came in on, IPv4 ones without the ::ffff: prefix.
class DcomRuntimeDualStackTest : public DcomRuntimeTest {
 protected:
  DcomRuntimeDualStackTest() { listen_address_ = "::"; }

  // The activation's OXID bindings and ServerAlive2's resolver bindings,
  // as seen by a client dialling `host`.
  std::pair<std::u16string, std::u16string> BindingsFor(const std::string& host) {
    auto ch = Connect(host);
    if (ch == nullptr) return {};
    Activated a = ActivateCounter(*ch, BindAlice(*ch, Activator()));
    EXPECT_EQ(a.out.oxid_bindings.string_bindings.size(), 1u);
    if (a.out.oxid_bindings.string_bindings.empty()) return {};
    Result<rpc::Binding> ob = ch->Bind(Exporter());
    EXPECT_TRUE(ob.ok()) << ob.status().ToString();
    if (!ob.ok()) return {};
    Result<rpc::CallResult> r =
        ch->Call(*ob, static_cast<std::uint16_t>(idl::iobject_exporter::Opnum::kServerAlive2), {});
    EXPECT_TRUE(r.ok() && r->fault_status == 0);
    if (!r.ok()) return {};
    Result<ox::ServerAlive2Response> alive = ox::DecodeServerAlive2Response(r->stub);
    EXPECT_TRUE(alive.ok()) << alive.status().ToString();
    if (!alive.ok() || alive->bindings.string_bindings.size() != 1) return {};
    return {a.out.oxid_bindings.string_bindings[0].network_address,
            alive->bindings.string_bindings[0].network_address};
  }

  std::u16string WithPort(const std::string& host) const {
    const std::string s = host + "[" + std::to_string(port_) + "]";
    return {s.begin(), s.end()};
  }
};

TEST_F(DcomRuntimeDualStackTest, BindingsAreInTheClientsAddressFamily) {
  // MS-DCOM 2.2.19.3: an IPv6 address as RFC 4291 writes it, no brackets,
  // then "[port]" for the object exporter.
  EXPECT_EQ(BindingsFor("::1"), std::make_pair(WithPort("::1"), std::u16string(u"::1")));
  EXPECT_EQ(BindingsFor("127.0.0.1"),
            std::make_pair(WithPort("127.0.0.1"), std::u16string(u"127.0.0.1")));
}

}  // namespace
}  // namespace openadcs::dcom
