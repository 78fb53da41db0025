// Fuzzes the authenticated server the way a client holding a password can
// reach it: a ConnectionCore (no sockets) of a server with the daemon's
// handlers (endpoint mapper, ICertPassage, the DCOM runtime with
// CCertRequestD and CCertAdminD) on a real CA engine (ECDSA CA, SQLite file,
// the sample templates) and the real NTLM acceptor over a user file holding
// one fixed account. The harness binds every interface under one NTLM
// context as that account (an administrator, officer and enrollee of the
// CA), activates CCertRequestD and CCertAdminD, and then sends the input as
// request PDUs it signs (integrity) or seals (privacy) with the client's
// context, so that the fuzzed stubs pass the verifier and reach the NDR
// decoders and the handlers with an authenticated caller.
//
// Input: byte 0 bit 0 picks privacy (1) or integrity (0); then records of
//   flags    u8     pfc_flags (PFC_OBJECT_UUID is set iff `object` names one)
//   context  u8     p_cont_id: the bind offers state.handlers in order, 0..
//                   (epm, ICertPassage, IRemoteSCMActivator, IObjectExporter,
//                   IRemUnknown, IRemUnknown2, then the object interfaces in
//                   UUID order: ICertRequestD2, ICertAdminD2, ICertRequestD,
//                   ICertAdminD; fuzz/make_seeds.py writes the seeds so)
//   object   u8     1: the ICertRequestD IPID, 2: the ICertAdminD IPID,
//                   3: IRemUnknown's IPID, anything else: none
//   opnum    u16le
//   length   u16le  stub bytes that follow (fewer when the input ends)
//   stub
// A record without PFC_FIRST_FRAG continues the previous record's call id.
//
// The random parts (NTLM challenges and session key, IPIDs, serial
// numbers) differ between runs, but the harness reads them from the
// replies, so an input takes the same path every time.
//
// The bind with its NTLM handshake and the two activations cost many times
// what a typical input does, so inputs share them, and an input that may
// leave them different for the next one renews what it changed. Each level
// keeps its connection (and NTLM context) until an input closes it, leaves a
// call unfinished or sends the verification trailer's signature (from then
// on the server protects its faults on that context): then the level binds
// anew. Both levels call the same two objects (they belong to the account,
// not to a connection) until an input calls IObjectExporter or
// IRemUnknown(2) (ping sets and references change) or leaves the runtime
// holding another number of objects (activations, releases): then every
// object is collected (the runtime's clock jumps past the object timeout)
// and activated anew. The renewal runs at the end of the input that caused
// it (the first setup in LLVMFuzzerInitialize), so its coverage belongs to
// that input, and every input starts from a session as good as new. What
// inputs share is path-neutral: NTLM sequence numbers and RC4 state (the
// client's protection always verifies), call ids and IPIDs. An input
// replayed alone therefore takes the path it took in the run, but for the
// database, which keeps what earlier inputs stored, as it did when every
// input had its own connection.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_temp_dir.h"
#include "openadcs/auth/ntlm_acceptor.h"
#include "openadcs/auth/ntlm_client.h"
#include "openadcs/auth/ntlm_verifier.h"
#include "openadcs/auth/user_file.h"
#include "openadcs/ca/ca_security.h"
#include "openadcs/ca/engine.h"
#include "openadcs/db/sqlite_store.h"
#include "openadcs/dcom/dcom_runtime.h"
#include "openadcs/directory/ldif_template_source.h"
#include "openadcs/idl/icert_admin_d.h"
#include "openadcs/idl/icert_admin_d2.h"
#include "openadcs/idl/icert_request_d.h"
#include "openadcs/idl/icert_request_d2.h"
#include "openadcs/idl/iremote_scm_activator.h"
#include "openadcs/ndr/activation.h"
#include "openadcs/ndr/objref.h"
#include "openadcs/ndr/remote_scm_activator.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/rpc/pdu.h"
#include "openadcs/rpc/verification_trailer.h"
#include "openadcs/services/cert_admin_service.h"
#include "openadcs/services/cert_passage_service.h"
#include "openadcs/services/cert_request_service.h"
#include "openadcs/services/endpoint_mapper_service.h"
#include "rpc/connection_core.h"
#include "rpc/server_state.h"

namespace {

using namespace openadcs;       // NOLINT(google-build-using-namespace)
using namespace openadcs::rpc;  // NOLINT(google-build-using-namespace)

constexpr const char* kDomain = "FUZZDOM";
constexpr const char* kUser = "fuzzer";
constexpr const char* kPassword = "Fuzz-Passw0rd";
constexpr std::chrono::milliseconds kObjectTimeout{1000};
// BuildPdu needs the whole PDU to fit in 65535 bytes.
constexpr std::size_t kMaxStub = 60000;

[[noreturn]] void Die(const Status& status) {
  spdlog::critical("rpc_sealed_call_fuzz setup: {}", status.ToString());
  std::abort();
}
template <typename T>
T Must(Result<T> result) {
  if (!result.ok()) Die(result.status());
  return std::move(result).value();
}

class Client;

// Everything that lives for the whole run.
struct World {
  std::filesystem::path dir;
  std::unique_ptr<pki::CaIdentity> identity;
  std::unique_ptr<db::CaStore> store;
  std::unique_ptr<ca::CaSecurity> security;
  std::unique_ptr<directory::TemplateSource> templates;
  std::unique_ptr<ca::Engine> engine;
  std::chrono::steady_clock::time_point now{};
  std::unique_ptr<dcom::DcomRuntime> dcom;
  ServerState state;
  std::uint16_t activator_context = 0;
  // By context id: IObjectExporter and IRemUnknown(2), whose calls change
  // the runtime's ping sets and references (the activator's change the
  // object count, which Run compares).
  std::vector<bool> runtime_context;
  // The connection of each level (integrity, privacy); null between an
  // input that spoilt it and Prepare.
  std::array<std::unique_ptr<Client>, 2> clients;
  // What an input's `object` byte picks: 1 the ICertRequestD IPID, 2 the
  // ICertAdminD IPID, 3 IRemUnknown's, 0 none. Empty between an input that
  // changed the runtime and Prepare.
  std::optional<std::array<std::optional<Uuid>, 4>> objects;
  // The runtime's object count after the activations.
  std::size_t object_count = 0;
};

bool IsObjectInterface(const Uuid& uuid) {
  return uuid == idl::icert_request_d::kUuid || uuid == idl::icert_request_d2::kUuid ||
         uuid == idl::icert_admin_d::kUuid || uuid == idl::icert_admin_d2::kUuid;
}

World* MakeWorld() {
  spdlog::set_level(spdlog::level::off);  // the handlers log every refusal
  auto* w = new World;
  w->dir = fuzz::FuzzTempDir();

  auth::UserFile users = Must(auth::UserFile::Load(w->dir / "users"));
  if (Status s = users.Add(kDomain, kUser, kPassword); !s.ok()) Die(s);
  if (Status s = users.Save(); !s.ok()) Die(s);

  pki::CaIdentityOptions ca;
  ca.key_file = w->dir / "ca.key";
  ca.cert_file = w->dir / "ca.crt";
  ca.algorithm = pki::KeyAlgorithm::kEcdsaP256;
  ca.subject = "CN=openadcs-CA,DC=example,DC=com";
  w->identity = Must(pki::CaIdentity::LoadOrCreate(ca));
  db::SqliteStoreOptions store;
  store.path = w->dir / "ca.db";
  store.synchronous_full = false;  // nothing here survives the run
  w->store = Must(db::OpenSqliteStore(store));
  const std::string sid = auth::UserFileAccountSid(kDomain, kUser);
  ca::CaSecurityOptions roles;
  roles.initial.administrators = {sid};
  roles.initial.officers = {sid};
  roles.initial.auditors = {sid};
  roles.initial.operators = {sid};
  roles.initial.readers = {sid};
  roles.initial.enrollees = {sid};
  w->security = Must(ca::CaSecurity::Open(*w->store, roles));
  w->templates = Must(directory::OpenLdifTemplateSource(
      {std::filesystem::path(OPENADCS_SOURCE_DIR) / "config" / "templates", "openadcs-CA"}));
  w->engine = std::make_unique<ca::Engine>(ca::EngineOptions{}, *w->identity, *w->store,
                                           *w->templates, nullptr, *w->security);

  dcom::DcomOptions dcom;
  dcom.object_timeout = kObjectTimeout;
  dcom.minimum_auth_level = auth::AuthLevel::kIntegrity;  // both levels reach the objects
  dcom.clock = [w] { return w->now; };
  w->dcom = Must(dcom::DcomRuntime::Create(dcom));
  if (Status s = services::RegisterCertRequestClass(*w->dcom, *w->engine, {}); !s.ok()) Die(s);
  if (Status s = services::RegisterCertAdminClass(*w->dcom, *w->engine, {}); !s.ok()) Die(s);

  auth::NtlmAcceptorOptions ntlm;
  ntlm.verifier = auth::NewUserFileVerifier({w->dir / "users", kDomain, ""});
  ntlm.netbios_computer_name = "FUZZCA";
  ntlm.netbios_domain_name = kDomain;
  w->state.acceptors.push_back(Must(auth::NewNtlmAcceptor(ntlm)));
  w->state.handlers.push_back(std::make_shared<services::EndpointMapperService>());
  w->state.handlers.push_back(
      std::make_shared<services::CertPassageService>(*w->engine, services::CertPassageOptions{}));
  w->runtime_context.assign(w->state.handlers.size(), false);
  for (auto& handler : w->dcom->Handlers()) {
    if (handler->syntax().uuid == idl::iremote_scm_activator::kUuid) {
      w->activator_context = static_cast<std::uint16_t>(w->state.handlers.size());
    }
    const Uuid& uuid = handler->syntax().uuid;
    w->runtime_context.push_back(uuid != idl::iremote_scm_activator::kUuid &&
                                 !IsObjectInterface(uuid));
    w->state.handlers.push_back(std::move(handler));
  }
  w->dcom->SetObjectPort(135);  // the bindings activations answer with
  return w;
}

// One connection: what the client sends goes through the core at once, the
// calls it dispatches run inline, and the PDUs it answers queue up here.
class Connection {
 public:
  explicit Connection(World& w)
      : core_(w.state, ConnectionInfo{1, "127.0.0.1", 135, "127.0.0.1"}) {}

  void Send(Bytes pdu) {
    if (closed_ || pdu.size() < kHeaderSize) return;
    CoreOutput out;
    const std::size_t length = core_.CheckHeader(std::span(pdu).first(kHeaderSize), &out);
    if (length == pdu.size()) core_.OnPdu(pdu, &out);
    if (length != pdu.size()) out.close = true;
    Take(out);
  }
  std::optional<Bytes> Receive() {
    if (replies_.empty()) return std::nullopt;
    Bytes pdu = std::move(replies_.front());
    replies_.pop_front();
    return pdu;
  }
  void Discard() { replies_.clear(); }
  bool closed() const { return closed_; }
  // No call is half sent.
  bool idle() const { return core_.outstanding_calls() == 0; }

 private:
  void Take(CoreOutput& out) {
    for (Bytes& pdu : out.pdus) replies_.push_back(std::move(pdu));
    for (DispatchedCall& call : out.calls) {
      CoreOutput answer;
      core_.OnCallDone(call.call_id, call.Run(), &answer);
      Take(answer);
    }
    if (out.close) closed_ = true;
  }

  ConnectionCore core_;
  std::deque<Bytes> replies_;
  bool closed_ = false;
};

// The client's side: the NTLM context and the request builder.
class Client {
 public:
  Client(World& w, auth::AuthLevel level) : world_(w), connection_(w), level_(level) {}

  // Binds every handler's interface under one new NTLM context.
  bool Bind() {
    BindBody bind;
    for (std::size_t i = 0; i < world_.state.handlers.size(); ++i) {
      bind.contexts.push_back({static_cast<std::uint16_t>(i),
                               world_.state.handlers[i]->syntax(),
                               {NdrTransferSyntax()}});
    }
    Result<Bytes> negotiate = context_->Step({});
    if (!negotiate.ok()) return false;
    const SecTrailer trailer{auth::AuthType::kNtlm, level_, 0, 0};
    connection_.Send(BuildPdu(PduType::kBind,
                              pfc::kFirstFrag | pfc::kLastFrag | pfc::kSupportHeaderSign,
                              NextCallId(), EncodeBind(bind), {}, trailer, *negotiate)
                         .bytes);
    std::optional<Bytes> ack = connection_.Receive();
    if (!ack) return false;
    Result<PduView> pdu = ParsePdu(*ack);
    if (!pdu.ok() || pdu->header.type != PduType::kBindAck) return false;
    context_->set_header_signing((pdu->header.flags & pfc::kSupportHeaderSign) != 0);
    Result<Bytes> authenticate = context_->Step(pdu->auth_value);
    if (!authenticate.ok() || !context_->established()) return false;
    const Bytes pad(4, 0);
    connection_.Send(BuildPdu(PduType::kAuth3, pfc::kFirstFrag | pfc::kLastFrag, NextCallId(), pad,
                              {}, trailer, *authenticate)
                         .bytes);
    return !connection_.closed();
  }

  // Sends one protected request fragment.
  void Request(std::uint8_t flags, std::uint32_t call_id, std::uint16_t context_id,
               std::uint16_t opnum, const std::optional<Uuid>& object,
               std::span<const std::uint8_t> stub) {
    flags = object ? (flags | pfc::kObjectUuid) : (flags & ~pfc::kObjectUuid);
    const Bytes placeholder(context_->signature_size(level_), 0);
    BuiltPdu pdu = BuildPdu(
        PduType::kRequest, flags, call_id,
        EncodeRequestFixed(static_cast<std::uint32_t>(stub.size()), context_id, opnum, object),
        stub, SecTrailer{auth::AuthType::kNtlm, level_, 0, 0}, placeholder);
    std::span<std::uint8_t> whole(pdu.bytes);
    if (!context_
             ->Protect(level_, whole.first(pdu.auth_offset), pdu.body_offset, pdu.body_length,
                       whole.subspan(pdu.auth_offset))
             .ok()) {
      std::abort();  // an established client context always protects
    }
    connection_.Send(std::move(pdu.bytes));
  }

  // The stub of the one-fragment answer to the last call, unprotected.
  std::optional<Bytes> Response() {
    std::optional<Bytes> in = connection_.Receive();
    if (!in) return std::nullopt;
    Result<PduView> pdu = ParsePdu(*in);
    if (!pdu.ok() || !pdu->trailer) return std::nullopt;
    Result<ResponseBody> body = ParseResponse(*pdu);
    if (!body.ok()) return std::nullopt;
    const auto offset = static_cast<std::size_t>(body->stub.data() - in->data());
    const std::size_t length = body->stub.size() + pdu->trailer->auth_pad_length;
    const Bytes signature(pdu->auth_value.begin(), pdu->auth_value.end());
    std::span<std::uint8_t> whole(*in);
    if (!context_
             ->Unprotect(level_, whole.first(whole.size() - signature.size()), offset, length,
                         signature)
             .ok()) {
      std::abort();  // the server protected it with the context we share
    }
    return Bytes(in->begin() + static_cast<std::ptrdiff_t>(offset),
                 in->begin() + static_cast<std::ptrdiff_t>(offset + body->stub.size()));
  }

  // RemoteCreateInstance of `clsid` asking for `iids`: the IPID of the
  // first, and IRemUnknown's.
  std::optional<std::pair<Uuid, Uuid>> Activate(const Uuid& clsid, std::vector<Uuid> iids) {
    ndr::activation::ActivationIn in;
    in.clsid = clsid;
    in.class_context = 0x10;  // CLSCTX_REMOTE_SERVER
    in.iids = std::move(iids);
    in.client_version_major = ndr::orpc::kComVersionMajor;
    in.client_version_minor = ndr::orpc::kComVersionMinor;
    in.scm_request_present = true;
    in.client_impersonation_level = 2;  // RPC_C_IMP_LEVEL_IDENTIFY
    in.requested_protseqs = {ndr::activation::kProtseqTcp};
    ndr::remote_scm_activator::ActivationRequest request;
    request.activation_properties = ndr::activation::EncodeActivationIn(in);
    Request(pfc::kFirstFrag | pfc::kLastFrag, NextCallId(), world_.activator_context,
            static_cast<std::uint16_t>(idl::iremote_scm_activator::Opnum::kRemoteCreateInstance),
            std::nullopt, ndr::remote_scm_activator::EncodeRemoteCreateInstanceRequest(request));
    std::optional<Bytes> stub = Response();
    if (!stub) return std::nullopt;
    auto response = ndr::remote_scm_activator::DecodeActivationResponse(*stub);
    if (!response.ok() || response->hresult != 0) return std::nullopt;
    auto out = ndr::activation::DecodeActivationOut(response->activation_properties);
    if (!out.ok() || out->interfaces.empty() || out->interfaces[0].hresult != 0) {
      return std::nullopt;
    }
    auto objref = ndr::objref::DecodeObjRef(out->interfaces[0].objref);
    if (!objref.ok()) return std::nullopt;
    return std::make_pair(objref->std.ipid, out->ipid_rem_unknown);
  }

  std::uint32_t NextCallId() { return next_call_id_++; }
  Connection& connection() { return connection_; }

 private:
  World& world_;
  Connection connection_;
  auth::AuthLevel level_;
  std::unique_ptr<auth::SecurityContext> context_ =
      auth::NewNtlmClientContext({kDomain, kUser, kPassword, std::nullopt, "FUZZCLIENT"});
  std::uint32_t next_call_id_ = 1;
};

std::unique_ptr<Client> Connect(World& w, auth::AuthLevel level) {
  auto client = std::make_unique<Client>(w, level);
  if (!client->Bind()) std::abort();  // the fixed account must authenticate
  return client;
}

std::array<std::optional<Uuid>, 4> ActivateObjects(Client& client) {
  auto request = client.Activate(services::kClsidCertRequestD,
                                 {idl::icert_request_d::kUuid, idl::icert_request_d2::kUuid});
  auto admin = client.Activate(services::kClsidCertAdminD,
                               {idl::icert_admin_d::kUuid, idl::icert_admin_d2::kUuid});
  if (!request || !admin) std::abort();  // the administrator may activate both
  return {std::nullopt, request->first, admin->first, request->second};
}

// Sets up what inputs share and is missing.
void Prepare(World& w) {
  if (!w.objects) {
    // The activations read their replies, which the client can unprotect
    // only on a connection whose replies it has read from the start.
    w.clients[0] = Connect(w, auth::AuthLevel::kIntegrity);
    w.objects = ActivateObjects(*w.clients[0]);
    w.object_count = w.dcom->object_count();
  }
  if (!w.clients[0]) w.clients[0] = Connect(w, auth::AuthLevel::kIntegrity);
  if (!w.clients[1]) w.clients[1] = Connect(w, auth::AuthLevel::kPrivacy);
}

// Collects every object, reference and ping set.
void ForgetObjects(World& w) {
  w.objects.reset();
  w.now += kObjectTimeout + std::chrono::seconds(1);
  w.dcom->CollectExpired();
}

// Whether the verification trailer's signature (the 8 bytes its encoding
// starts with) occurs anywhere in `stubs`.
bool HoldsTrailerSignature(std::span<const std::uint8_t> stubs) {
  static const Bytes signature = [] {
    VerificationTrailer any;
    any.bitmask1 = 0;
    Bytes encoded = EncodeVerificationTrailer(any);
    encoded.resize(8);
    return encoded;
  }();
  return std::search(stubs.begin(), stubs.end(), signature.begin(), signature.end()) != stubs.end();
}

void Run(World& w, std::span<const std::uint8_t> input) {
  if (input.empty()) return;
  std::unique_ptr<Client>& client = w.clients[input[0] & 1];  // 1: privacy
  input = input.subspan(1);
  const auto& objects = *w.objects;

  bool changes_runtime = false;
  Bytes stubs;  // all of them, as the server may join them
  std::uint32_t call_id = 0;
  while (input.size() >= 7 && !client->connection().closed()) {
    const std::uint8_t flags = input[0];
    const std::uint8_t context_id = input[1];
    const std::uint8_t object = input[2];
    const auto opnum = static_cast<std::uint16_t>(input[3] | input[4] << 8);
    std::size_t length = static_cast<std::size_t>(input[5] | input[6] << 8);
    input = input.subspan(7);
    length = std::min({length, input.size(), kMaxStub});
    if ((flags & pfc::kFirstFrag) != 0 || call_id == 0) call_id = client->NextCallId();
    if (context_id < w.runtime_context.size() && w.runtime_context[context_id]) {
      changes_runtime = true;
    }
    stubs.insert(stubs.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(length));
    client->Request(flags, call_id, context_id, opnum,
                    object < objects.size() ? objects[object] : std::nullopt, input.first(length));
    client->connection().Discard();
    input = input.subspan(length);
  }
  if (client->connection().closed() || !client->connection().idle() ||
      HoldsTrailerSignature(stubs)) {
    client.reset();
  }
  if (changes_runtime || w.dcom->object_count() != w.object_count) ForgetObjects(w);
  Prepare(w);
}

World* world = nullptr;  // made by LLVMFuzzerInitialize

}  // namespace

// Inputs cover thousands of features each (the handlers, and the bind of a
// renewed connection), and libFuzzer's entropic scheduling then spends most
// of the time updating feature frequencies: with it off, the target runs
// five times as fast (and three times as fast when every input had its own
// handshake and activations). Put first, so a -entropic on the command line
// still wins.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  world = MakeWorld();
  Prepare(*world);
  static std::vector<char*> args;
  args.assign(*argv, *argv + *argc);
  static char entropic_off[] = "-entropic=0";
  args.insert(args.begin() + 1, entropic_off);
  args.push_back(nullptr);
  *argc = static_cast<int>(args.size()) - 1;
  *argv = args.data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Run(*world, std::span<const std::uint8_t>(data, size));
  return 0;
}
