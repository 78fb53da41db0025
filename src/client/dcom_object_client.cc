#include "client/dcom_object_client.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <utility>

#include "client/enroll_common.h"
#include "openadcs/idl/irem_unknown2.h"
#include "openadcs/idl/iremote_scm_activator.h"
#include "openadcs/ndr/activation.h"
#include "openadcs/ndr/rem_unknown.h"
#include "openadcs/ndr/remote_scm_activator.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/utf16.h"

namespace openadcs::client {
namespace {

constexpr rpc::SyntaxId kActivator{idl::iremote_scm_activator::kUuid,
                                   idl::iremote_scm_activator::kVersionMajor,
                                   idl::iremote_scm_activator::kVersionMinor};
constexpr rpc::SyntaxId kRemUnknown2{idl::irem_unknown2::kUuid, idl::irem_unknown2::kVersionMajor,
                                     idl::irem_unknown2::kVersionMinor};
// CLSCTX_REMOTE_SERVER: what a remote activation asks for.
constexpr std::uint32_t kClsctxRemoteServer = 0x10;
// RPC_C_IMP_LEVEL_IDENTIFY.
constexpr std::uint32_t kImpLevelIdentify = 2;

// "10.0.0.5[49731]" -> ("10.0.0.5", 49731).
std::optional<std::pair<std::string, std::uint16_t>> ParseTcpBinding(const std::u16string& text) {
  const std::size_t open = text.find(u'[');
  if (open == std::u16string::npos || open == 0 || text.size() < open + 3 || text.back() != u']') {
    return std::nullopt;
  }
  std::string address;
  for (std::size_t i = 0; i < open; ++i) {
    if (text[i] > 0x7e || text[i] < 0x21) return std::nullopt;
    address.push_back(static_cast<char>(text[i]));
  }
  std::string digits;
  for (std::size_t i = open + 1; i + 1 < text.size(); ++i) {
    if (text[i] < u'0' || text[i] > u'9') return std::nullopt;
    digits.push_back(static_cast<char>(text[i]));
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 0xffff) {
    return std::nullopt;
  }
  return std::make_pair(std::move(address), static_cast<std::uint16_t>(port));
}

// Who a kept activation connection serves: the same CA (host and port),
// level and identity as the activation that opened it, so that objects are
// created for the account the object connection authenticates as.
std::string ActivationKey(const ConnectOptions& o) {
  if (o.kerberos) {
    return fmt::format("{}|{}|{}|kerberos|{}|{}", o.host, o.epm_port, static_cast<int>(o.level),
                       o.kerberos->ccache, o.kerberos->spn);
  }
  return fmt::format("{}|{}|{}|ntlm|{}\\{}|{}", o.host, o.epm_port, static_cast<int>(o.level),
                     o.credentials.domain, o.credentials.user, o.credentials.workstation);
}

// Who a kept object connection serves: as ActivationKey, at the exporter
// dialled, with the interface bound on it.
std::string ObjectKey(const ConnectOptions& o, const std::pair<std::string, std::uint16_t>& where,
                      const rpc::SyntaxId& iface) {
  return fmt::format("{}|object|{}|{}|{}", ActivationKey(o), where.first, where.second,
                     iface.uuid.ToString());
}

}  // namespace

ndr::orpc::OrpcThis NewOrpcThis() {
  ndr::orpc::OrpcThis t;
  t.flags = 0;
  t.cid = Uuid::Random();
  return t;
}

Status FaultStatus(std::uint32_t fault, std::string_view what) {
  if (fault == rpc::fault::kAccessDenied || fault == hr::kAccessDenied) {
    return Status::PermissionDenied(fmt::format("{}: access denied (fault 0x{:08x})", what, fault),
                                    fault);
  }
  if (fault == hr::kRpcDisconnected) {
    return Status::NotFound(
        fmt::format("{}: the object is gone (fault 0x{:08x}, RPC_E_DISCONNECTED)", what, fault),
        fault);
  }
  return Status::InvalidArgument(fmt::format("{}: the server answered fault 0x{:08x}", what, fault),
                                 fault);
}

Status MethodFailed(std::uint32_t hresult, std::string_view what) {
  if (hresult == hr::kAccessDenied) {
    return Status::PermissionDenied(fmt::format("{}: access denied (0x{:08x})", what, hresult),
                                    hresult);
  }
  return Status::InvalidArgument(fmt::format("{} returned 0x{:08x}", what, hresult), hresult);
}

Result<std::optional<std::u16string>> OptionalUtf16(const std::string& s) {
  if (s.empty()) return std::optional<std::u16string>();
  Result<std::u16string> units = Utf8ToUtf16(s);
  if (!units.ok()) return units.status();
  return std::optional<std::u16string>(std::move(*units));
}

Result<std::pair<std::string, std::uint16_t>> ChooseStringBinding(
    const std::string& dialled, const ndr::objref::DualStringArray& bindings) {
  std::optional<std::uint16_t> first_port;
  for (const ndr::objref::StringBinding& b : bindings.string_bindings) {
    if (b.tower_id != ndr::objref::kTowerTcp) continue;
    std::optional<std::pair<std::string, std::uint16_t>> parsed =
        ParseTcpBinding(b.network_address);
    if (!parsed) continue;
    if (parsed->first == dialled) return *parsed;
    if (!first_port) first_port = parsed->second;
  }
  if (!first_port) {
    return Status::NotFound("the object exporter advertises no TCP binding with a port");
  }
  return std::make_pair(dialled, *first_port);
}

Result<std::unique_ptr<ActivationConnections::Idle>> DcomObjectClient::OpenActivation(
    const ConnectOptions& options, std::string key) {
  rpc::ClientOptions channel_options;
  channel_options.timeout = options.timeout;
  // Credentials first: missing tickets fail before any connection.
  Result<rpc::ClientAuth> auth = NewClientAuth(options);
  if (!auth.ok()) return auth.status();
  Result<std::unique_ptr<rpc::ClientChannel>> channel =
      rpc::ClientChannel::Connect(options.host, options.epm_port, channel_options);
  if (!channel.ok()) return channel.status();
  Result<rpc::Binding> binding = (*channel)->Bind(kActivator, std::move(*auth));
  if (!binding.ok()) return binding.status();
  auto idle = std::make_unique<ActivationConnections::Idle>();
  idle->key = std::move(key);
  idle->channel = std::move(*channel);
  idle->bindings = {*binding};
  return idle;
}

Result<std::unique_ptr<DcomObjectClient>> DcomObjectClient::Activate(const ConnectOptions& options,
                                                                     const DcomClass& cls) {
  rpc::ClientOptions channel_options;
  channel_options.timeout = options.timeout;

  ndr::activation::ActivationIn in;
  in.clsid = cls.clsid;
  in.class_context = kClsctxRemoteServer;
  in.iids = cls.iids;
  in.client_version_major = ndr::orpc::kComVersionMajor;
  in.client_version_minor = ndr::orpc::kComVersionMinor;
  in.scm_request_present = true;
  in.client_impersonation_level = kImpLevelIdentify;
  in.requested_protseqs = {ndr::activation::kProtseqTcp};
  ndr::remote_scm_activator::ActivationRequest request;
  request.orpcthis = NewOrpcThis();
  request.activation_properties = ndr::activation::EncodeActivationIn(in);
  const Bytes stub = ndr::remote_scm_activator::EncodeRemoteCreateInstanceRequest(request);

  // On the activation port: a kept connection when there is one, else a new
  // one. A kept connection the server has closed since fails at once
  // (kUnavailable); the activation then runs once more on a new one.
  ActivationConnections* kept = options.activation_connections.get();
  const std::string key = ActivationKey(options);
  std::unique_ptr<ActivationConnections::Idle> scm = kept ? kept->Take(key) : nullptr;
  bool reused = scm != nullptr;
  Result<rpc::CallResult> call = Status::Unavailable("no activation connection");
  for (;;) {
    if (scm == nullptr) {
      Result<std::unique_ptr<ActivationConnections::Idle>> opened = OpenActivation(options, key);
      if (!opened.ok()) return opened.status();
      scm = std::move(*opened);
    }
    call = scm->channel->Call(
        scm->bindings.front(),
        static_cast<std::uint16_t>(idl::iremote_scm_activator::Opnum::kRemoteCreateInstance), stub);
    if (call.ok() || !reused || call.status().code() != StatusCode::kUnavailable) break;
    scm.reset();
    reused = false;
  }
  if (!call.ok()) return call.status();
  // A fault may say the server refused the connection's credentials (NTLM's
  // verdict comes with the first call): such a connection is not kept.
  if (call->fault_status != 0) return FaultStatus(call->fault_status, "RemoteCreateInstance");
  if (kept != nullptr) kept->Put(std::move(scm));
  Result<ndr::remote_scm_activator::ActivationResponse> response =
      ndr::remote_scm_activator::DecodeActivationResponse(call->stub);
  if (!response.ok()) return response.status();
  if (response->hresult != 0) {
    const std::string what = fmt::format("RemoteCreateInstance of {}", cls.class_name);
    if (response->hresult == hr::kClassNotRegistered) {
      return Status::NotFound(
          fmt::format("{}: class not registered (0x{:08x})", what, response->hresult),
          response->hresult);
    }
    return MethodFailed(response->hresult, what);
  }
  Result<ndr::activation::ActivationOut> out =
      ndr::activation::DecodeActivationOut(response->activation_properties);
  if (!out.ok()) return out.status();

  std::vector<InterfaceRef> refs;
  std::optional<ndr::objref::StdObjRef> called;
  for (const ndr::activation::InterfaceResult& r : out->interfaces) {
    if (r.hresult != 0) continue;
    Result<ndr::objref::ObjRef> objref = ndr::objref::DecodeObjRef(r.objref);
    if (!objref.ok()) return objref.status();
    if (objref->flags != ndr::objref::kFlagsStandard) {
      return Status::InvalidArgument("the activation reply holds a non-standard OBJREF");
    }
    refs.push_back({objref->std.ipid, objref->std.public_refs});
    if (r.iid == cls.interface.uuid) called = objref->std;
  }
  if (!called) {
    return Status::NotFound(
        fmt::format("the CA's {} does not implement {}", cls.class_name, cls.interface_name));
  }
  Result<std::pair<std::string, std::uint16_t>> where =
      ChooseStringBinding(options.host, out->oxid_bindings);
  if (!where.ok()) return where.status();

  ObjectEndpoint endpoint{where->first, where->second, called->ipid, out->oxid};
  KeepIn keep_in;
  if (kept != nullptr && kept->keeps_object_connections()) {
    keep_in = {options.activation_connections, ObjectKey(options, *where, cls.interface)};
    std::unique_ptr<ActivationConnections::Idle> object = kept->Take(keep_in.key);
    // A connection the server closed, or one with bytes nobody asked for,
    // is dropped: the first call on it (a Request) is not retried.
    if (object != nullptr && object->channel->ReadyForCall()) {
      return std::unique_ptr<DcomObjectClient>(new DcomObjectClient(
          std::move(object->channel), object->bindings[0], object->bindings[1], std::move(endpoint),
          out->ipid_rem_unknown, std::move(refs), std::move(keep_in)));
    }
  }

  // A new object connection.
  Result<std::unique_ptr<rpc::ClientChannel>> channel =
      rpc::ClientChannel::Connect(where->first, where->second, channel_options);
  if (!channel.ok()) return channel.status();
  Result<rpc::ClientAuth> auth = NewClientAuth(options);
  if (!auth.ok()) return auth.status();
  // IRemUnknown2 in the same bind, for the RemRelease at the end: a
  // presentation context of its own (MS-RPCE lets a security context
  // protect any), without an ALTER_CONTEXT round trip or a second handshake.
  const std::array<rpc::SyntaxId, 2> interfaces{cls.interface, kRemUnknown2};
  Result<std::vector<rpc::Binding>> bindings = (*channel)->Bind(interfaces, std::move(*auth));
  if (!bindings.ok()) return bindings.status();
  return std::unique_ptr<DcomObjectClient>(
      new DcomObjectClient(std::move(*channel), (*bindings)[0], (*bindings)[1], std::move(endpoint),
                           out->ipid_rem_unknown, std::move(refs), std::move(keep_in)));
}

// Best effort: the server collects the object anyway once it times out. A
// release that throws (only on allocation failure) is dropped the same way.
DcomObjectClient::~DcomObjectClient() {
  try {
    (void)Release();
    if (keep_in_.connections != nullptr && channel_->ReadyForCall()) {
      auto idle = std::make_unique<ActivationConnections::Idle>();
      idle->key = std::move(keep_in_.key);
      idle->channel = std::move(channel_);
      idle->bindings = {binding_, rem_unknown_};
      keep_in_.connections->Put(std::move(idle));
    }
  } catch (...) {
  }
}

Status DcomObjectClient::Release() {
  if (refs_.empty()) return Status::Ok();
  std::vector<InterfaceRef> refs = std::move(refs_);
  refs_.clear();
  ndr::rem_unknown::RefsRequest request;
  request.orpcthis = NewOrpcThis();
  for (const InterfaceRef& r : refs) request.refs.push_back({r.ipid, r.public_refs, 0});
  Result<rpc::CallResult> call = channel_->Call(
      rem_unknown_, static_cast<std::uint16_t>(idl::irem_unknown2::Opnum::kRemRelease),
      ndr::rem_unknown::EncodeRemReleaseRequest(request), ipid_rem_unknown_);
  if (!call.ok()) return call.status();
  if (call->fault_status != 0) return FaultStatus(call->fault_status, "RemRelease");
  Result<ndr::orpc::HresultOut> response = ndr::orpc::DecodeHresultResponse(call->stub);
  if (!response.ok()) return response.status();
  if (response->hresult != 0) return MethodFailed(response->hresult, "RemRelease");
  return Status::Ok();
}

Result<Bytes> DcomObjectClient::CallObject(std::uint16_t opnum, const Bytes& stub,
                                           std::string_view what) {
  Result<rpc::CallResult> call = channel_->Call(binding_, opnum, stub, endpoint_.ipid);
  if (!call.ok()) return call.status();
  if (call->fault_status != 0) return FaultStatus(call->fault_status, what);
  return std::move(call->stub);
}

}  // namespace openadcs::client
