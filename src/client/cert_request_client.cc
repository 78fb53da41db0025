#include "openadcs/client/cert_request_client.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>

#include "client/enroll_common.h"
#include "openadcs/idl/icert_request_d.h"
#include "openadcs/idl/icert_request_d2.h"
#include "openadcs/idl/irem_unknown2.h"
#include "openadcs/idl/iremote_scm_activator.h"
#include "openadcs/ndr/activation.h"
#include "openadcs/ndr/icert_request.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/ndr/rem_unknown.h"
#include "openadcs/ndr/remote_scm_activator.h"
#include "openadcs/ndr/utf16.h"

namespace openadcs::client {
namespace {

namespace icr = ndr::icert_request;
using Opnum = idl::icert_request_d2::Opnum;

constexpr rpc::SyntaxId kActivator{idl::iremote_scm_activator::kUuid,
                                   idl::iremote_scm_activator::kVersionMajor,
                                   idl::iremote_scm_activator::kVersionMinor};
constexpr rpc::SyntaxId kCertRequestD2{idl::icert_request_d2::kUuid,
                                       idl::icert_request_d2::kVersionMajor,
                                       idl::icert_request_d2::kVersionMinor};
constexpr rpc::SyntaxId kRemUnknown2{idl::irem_unknown2::kUuid, idl::irem_unknown2::kVersionMajor,
                                     idl::irem_unknown2::kVersionMinor};
// CLSCTX_REMOTE_SERVER: what a remote activation asks for.
constexpr std::uint32_t kClsctxRemoteServer = 0x10;
// RPC_C_IMP_LEVEL_IDENTIFY.
constexpr std::uint32_t kImpLevelIdentify = 2;
constexpr std::uint32_t kEAccessDenied = 0x80070005;

ndr::orpc::OrpcThis NewOrpcThis() {
  ndr::orpc::OrpcThis t;
  t.flags = 0;
  t.cid = Uuid::Random();
  return t;
}

Status FaultStatus(std::uint32_t fault, const std::string& what) {
  if (fault == rpc::fault::kAccessDenied || fault == kEAccessDenied) {
    return Status::PermissionDenied(fmt::format("{}: access denied (fault 0x{:08x})", what, fault),
                                    fault);
  }
  if (fault == kRpcEDisconnected) {
    return Status::NotFound(
        fmt::format("{}: the object is gone (fault 0x{:08x}, RPC_E_DISCONNECTED)", what, fault),
        fault);
  }
  return Status::InvalidArgument(fmt::format("{}: the server answered fault 0x{:08x}", what, fault),
                                 fault);
}

Status MethodFailed(std::uint32_t hresult, const std::string& what) {
  if (hresult == kEAccessDenied) {
    return Status::PermissionDenied(fmt::format("{}: access denied (0x{:08x})", what, hresult),
                                    hresult);
  }
  return Status::InvalidArgument(fmt::format("{} returned 0x{:08x}", what, hresult), hresult);
}

Result<std::optional<std::u16string>> OptionalUtf16(const std::string& s) {
  if (s.empty()) return std::optional<std::u16string>();
  Result<std::u16string> units = ndr::Utf8ToUtf16(s);
  if (!units.ok()) return units.status();
  return std::optional<std::u16string>(std::move(*units));
}

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

}  // namespace

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

Result<std::unique_ptr<CertRequestClient>> CertRequestClient::Connect(
    const ConnectOptions& options) {
  rpc::ClientOptions channel_options;
  channel_options.timeout = options.timeout;

  // Activation on the SCM's port.
  Result<std::unique_ptr<rpc::ClientChannel>> scm =
      rpc::ClientChannel::Connect(options.host, options.epm_port, channel_options);
  if (!scm.ok()) return scm.status();
  Result<rpc::Binding> scm_binding = (*scm)->Bind(kActivator, NewNtlmAuth(options));
  if (!scm_binding.ok()) return scm_binding.status();

  ndr::activation::ActivationIn in;
  in.clsid = kClsidCertRequestD;
  in.class_context = kClsctxRemoteServer;
  in.iids = {idl::icert_request_d2::kUuid, idl::icert_request_d::kUuid};
  in.client_version_major = ndr::orpc::kComVersionMajor;
  in.client_version_minor = ndr::orpc::kComVersionMinor;
  in.scm_request_present = true;
  in.client_impersonation_level = kImpLevelIdentify;
  in.requested_protseqs = {ndr::activation::kProtseqTcp};
  ndr::remote_scm_activator::ActivationRequest request;
  request.orpcthis = NewOrpcThis();
  request.activation_properties = ndr::activation::EncodeActivationIn(in);
  Result<rpc::CallResult> call = (*scm)->Call(
      *scm_binding,
      static_cast<std::uint16_t>(idl::iremote_scm_activator::Opnum::kRemoteCreateInstance),
      ndr::remote_scm_activator::EncodeRemoteCreateInstanceRequest(request));
  if (!call.ok()) return call.status();
  if (call->fault_status != 0) return FaultStatus(call->fault_status, "RemoteCreateInstance");
  Result<ndr::remote_scm_activator::ActivationResponse> response =
      ndr::remote_scm_activator::DecodeActivationResponse(call->stub);
  if (!response.ok()) return response.status();
  if (response->hresult != 0) {
    const std::string what = "RemoteCreateInstance of CCertRequestD";
    if (response->hresult == 0x80040154) {  // REGDB_E_CLASSNOTREG
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
  std::optional<ndr::objref::StdObjRef> d2;
  for (const ndr::activation::InterfaceResult& r : out->interfaces) {
    if (r.hresult != 0) continue;
    Result<ndr::objref::ObjRef> objref = ndr::objref::DecodeObjRef(r.objref);
    if (!objref.ok()) return objref.status();
    if (objref->flags != ndr::objref::kFlagsStandard) {
      return Status::InvalidArgument("the activation reply holds a non-standard OBJREF");
    }
    refs.push_back({objref->std.ipid, objref->std.public_refs});
    if (r.iid == idl::icert_request_d2::kUuid) d2 = objref->std;
  }
  if (!d2) {
    return Status::NotFound("the CA's CCertRequestD does not implement ICertRequestD2");
  }
  Result<std::pair<std::string, std::uint16_t>> where =
      ChooseStringBinding(options.host, out->oxid_bindings);
  if (!where.ok()) return where.status();

  // The object connection.
  Result<std::unique_ptr<rpc::ClientChannel>> channel =
      rpc::ClientChannel::Connect(where->first, where->second, channel_options);
  if (!channel.ok()) return channel.status();
  Result<rpc::Binding> binding = (*channel)->Bind(kCertRequestD2, NewNtlmAuth(options));
  if (!binding.ok()) return binding.status();
  ObjectEndpoint endpoint{where->first, where->second, d2->ipid, out->oxid};
  return std::unique_ptr<CertRequestClient>(
      new CertRequestClient(options, std::move(*channel), *binding, std::move(endpoint),
                            out->ipid_rem_unknown, std::move(refs)));
}

// Best effort: the server collects the object anyway once it times out. A
// release that throws (only on allocation failure) is dropped the same way.
CertRequestClient::~CertRequestClient() {
  try {
    (void)Release();
  } catch (...) {
  }
}

Status CertRequestClient::Release() {
  if (refs_.empty()) return Status::Ok();
  std::vector<InterfaceRef> refs = std::move(refs_);
  refs_.clear();
  // A presentation context for IRemUnknown2 on the object connection, called
  // under the security context the object calls already use: MS-RPCE lets
  // any established context protect any presentation context, and a second
  // NTLM handshake would cost a round trip and both sides' hashing.
  Result<rpc::Binding> binding = channel_->Bind(kRemUnknown2);
  if (!binding.ok()) return binding.status();
  binding->auth_context_id = binding_.auth_context_id;
  ndr::rem_unknown::RefsRequest request;
  request.orpcthis = NewOrpcThis();
  for (const InterfaceRef& r : refs) request.refs.push_back({r.ipid, r.public_refs, 0});
  Result<rpc::CallResult> call =
      channel_->Call(*binding, static_cast<std::uint16_t>(idl::irem_unknown2::Opnum::kRemRelease),
                     ndr::rem_unknown::EncodeRemReleaseRequest(request), ipid_rem_unknown_);
  if (!call.ok()) return call.status();
  if (call->fault_status != 0) return FaultStatus(call->fault_status, "RemRelease");
  Result<ndr::rem_unknown::ReleaseResponse> response =
      ndr::rem_unknown::DecodeRemReleaseResponse(call->stub);
  if (!response.ok()) return response.status();
  if (response->hresult != 0) return MethodFailed(response->hresult, "RemRelease");
  return Status::Ok();
}

Result<Bytes> CertRequestClient::CallObject(std::uint16_t opnum, const Bytes& stub,
                                            const char* what) {
  Result<rpc::CallResult> call = channel_->Call(binding_, opnum, stub, endpoint_.ipid);
  if (!call.ok()) return call.status();
  if (call->fault_status != 0) return FaultStatus(call->fault_status, what);
  return std::move(call->stub);
}

Result<EnrollResult> CertRequestClient::Submit(std::uint32_t flags, const Bytes& request,
                                               const std::string& attributes,
                                               const std::string& authority) {
  return CallRequest(false, flags, 0, request, attributes, authority, {});
}

Result<EnrollResult> CertRequestClient::Retrieve(std::uint32_t request_id,
                                                 const std::string& authority) {
  return CallRequest(false, 0, request_id, {}, {}, authority, {});
}

Result<EnrollResult> CertRequestClient::Submit2(std::uint32_t flags, const Bytes& request,
                                                const std::string& attributes,
                                                const std::string& authority,
                                                std::uint32_t request_id,
                                                const std::string& serial_number) {
  return CallRequest(true, flags, request_id, request, attributes, authority, serial_number);
}

Result<EnrollResult> CertRequestClient::CallRequest(bool request2, std::uint32_t flags,
                                                    std::uint32_t request_id, const Bytes& request,
                                                    const std::string& attributes,
                                                    const std::string& authority,
                                                    const std::string& serial) {
  icr::RequestIn in;
  in.orpcthis = NewOrpcThis();
  in.flags = flags;
  in.request_id = request_id;
  in.request = request;
  Result<std::optional<std::u16string>> authority16 = OptionalUtf16(authority);
  Result<std::optional<std::u16string>> attributes16 = OptionalUtf16(attributes);
  Result<std::optional<std::u16string>> serial16 = OptionalUtf16(serial);
  if (!authority16.ok()) return authority16.status();
  if (!attributes16.ok()) return attributes16.status();
  if (!serial16.ok()) return serial16.status();
  in.authority = std::move(*authority16);
  in.attributes = std::move(*attributes16);
  if (request2) in.serial_number = std::move(*serial16);
  Result<Bytes> stub = request2 ? CallObject(static_cast<std::uint16_t>(Opnum::kRequest2),
                                             icr::EncodeRequest2Request(in), "Request2")
                                : CallObject(static_cast<std::uint16_t>(Opnum::kRequest),
                                             icr::EncodeRequestRequest(in), "Request");
  if (!stub.ok()) return stub.status();
  Result<icr::RequestOut> out = icr::DecodeRequestResponse(*stub);
  if (!out.ok()) return out.status();
  // The message is NUL-terminated on the wire; the conversion drops the NUL.
  return NewEnrollResult(out->request_id, out->disposition, std::move(out->encoded_cert),
                         std::move(out->cert_chain), out->hresult, out->disposition_message);
}

Result<Bytes> CertRequestClient::GetCaCert(std::uint32_t fchain, const std::string& authority) {
  icr::GetCaCertIn in;
  in.orpcthis = NewOrpcThis();
  in.fchain = fchain;
  Result<std::optional<std::u16string>> authority16 = OptionalUtf16(authority);
  if (!authority16.ok()) return authority16.status();
  in.authority = std::move(*authority16);
  Result<Bytes> stub = CallObject(static_cast<std::uint16_t>(Opnum::kGetCACert),
                                  icr::EncodeGetCaCertRequest(in), "GetCACert");
  if (!stub.ok()) return stub.status();
  Result<icr::BlobOut> out = icr::DecodeBlobResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodFailed(out->hresult, "GetCACert");
  return std::move(out->blob);
}

Result<Bytes> CertRequestClient::GetCaProperty(std::int32_t prop_id, std::int32_t prop_index,
                                               std::int32_t prop_type,
                                               const std::string& authority) {
  icr::GetCaPropertyIn in;
  in.orpcthis = NewOrpcThis();
  in.prop_id = prop_id;
  in.prop_index = prop_index;
  in.prop_type = prop_type;
  Result<std::optional<std::u16string>> authority16 = OptionalUtf16(authority);
  if (!authority16.ok()) return authority16.status();
  in.authority = std::move(*authority16);
  const std::string what = fmt::format("GetCAProperty(0x{:x})", prop_id);
  Result<Bytes> stub = CallObject(static_cast<std::uint16_t>(Opnum::kGetCAProperty),
                                  icr::EncodeGetCaPropertyRequest(in), what.c_str());
  if (!stub.ok()) return stub.status();
  Result<icr::BlobOut> out = icr::DecodeBlobResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodFailed(out->hresult, what);
  return std::move(out->blob);
}

Result<std::pair<std::int32_t, Bytes>> CertRequestClient::GetCaPropertyInfo(
    const std::string& authority) {
  icr::AuthorityIn in;
  in.orpcthis = NewOrpcThis();
  Result<std::optional<std::u16string>> authority16 = OptionalUtf16(authority);
  if (!authority16.ok()) return authority16.status();
  in.authority = std::move(*authority16);
  Result<Bytes> stub = CallObject(static_cast<std::uint16_t>(Opnum::kGetCAPropertyInfo),
                                  icr::EncodeAuthorityRequest(in), "GetCAPropertyInfo");
  if (!stub.ok()) return stub.status();
  Result<icr::GetCaPropertyInfoOut> out = icr::DecodeGetCaPropertyInfoResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodFailed(out->hresult, "GetCAPropertyInfo");
  return std::make_pair(out->property_count, std::move(out->prop_info));
}

Status CertRequestClient::Ping2(const std::string& authority) {
  icr::AuthorityIn in;
  in.orpcthis = NewOrpcThis();
  Result<std::optional<std::u16string>> authority16 = OptionalUtf16(authority);
  if (!authority16.ok()) return authority16.status();
  in.authority = std::move(*authority16);
  Result<Bytes> stub = CallObject(static_cast<std::uint16_t>(Opnum::kPing2),
                                  icr::EncodeAuthorityRequest(in), "Ping2");
  if (!stub.ok()) return stub.status();
  Result<icr::HresultOut> out = icr::DecodeHresultResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodFailed(out->hresult, "Ping2");
  return Status::Ok();
}

}  // namespace openadcs::client
