#include "openadcs/client/cert_passage_client.h"

#include <fmt/format.h>

#include <utility>

#include "client/enroll_common.h"
#include "openadcs/idl/epm.h"
#include "openadcs/idl/icert_passage.h"
#include "openadcs/ndr/epm.h"
#include "openadcs/ndr/icert_passage.h"
#include "openadcs/util/utf16.h"

namespace openadcs::client {
namespace {

constexpr rpc::SyntaxId kEpm{idl::epm::kUuid, idl::epm::kVersionMajor, idl::epm::kVersionMinor};
constexpr rpc::SyntaxId kCertPassage{idl::icert_passage::kUuid, idl::icert_passage::kVersionMajor,
                                     idl::icert_passage::kVersionMinor};
constexpr ndr::epm::InterfaceId kNdr20{
    Uuid{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}}, 2, 0};

Status FaultStatus(std::uint32_t fault, const char* what) {
  if (fault == rpc::fault::kAccessDenied) {
    return Status::PermissionDenied(fmt::format(
        "{}: access denied (fault 0x{:08x}): the server refused the credentials or the call", what,
        fault));
  }
  return Status::InvalidArgument(
      fmt::format("{}: the server answered fault 0x{:08x}", what, fault));
}

}  // namespace

Result<std::uint16_t> LookupTcpPort(const std::string& host, std::uint16_t epm_port,
                                    const rpc::SyntaxId& iface, std::chrono::milliseconds timeout) {
  rpc::ClientOptions options;
  options.timeout = timeout;
  Result<std::unique_ptr<rpc::ClientChannel>> channel =
      rpc::ClientChannel::Connect(host, epm_port, options);
  if (!channel.ok()) return channel.status();
  Result<rpc::Binding> binding = (*channel)->Bind(kEpm);
  if (!binding.ok()) return binding.status();

  ndr::epm::TcpTower tower;
  tower.interface = {iface.uuid, iface.major, iface.minor};
  tower.transfer_syntax = kNdr20;
  ndr::epm::EptMapRequest request;
  request.object = Uuid{};
  request.tower = ndr::epm::EncodeTcpTower(tower);
  request.max_towers = 4;
  Result<rpc::CallResult> call =
      (*channel)->Call(*binding, static_cast<std::uint16_t>(idl::epm::Opnum::kEptMap),
                       ndr::epm::EncodeEptMapRequest(request));
  if (!call.ok()) return call.status();
  if (call->fault_status != 0) return FaultStatus(call->fault_status, "ept_map");
  Result<ndr::epm::EptMapResponse> response = ndr::epm::DecodeEptMapResponse(call->stub);
  if (!response.ok()) return response.status();
  if (response->status != ndr::epm::kStatusOk || response->towers.empty()) {
    return Status::NotFound(fmt::format("the endpoint mapper at {}:{} has no endpoint for {}", host,
                                        epm_port, iface.uuid.ToString()));
  }
  Result<ndr::epm::TcpTower> found = ndr::epm::DecodeTcpTower(response->towers.front());
  if (!found.ok()) return found.status();
  return found->port;
}

Result<std::unique_ptr<CertPassageClient>> CertPassageClient::Connect(
    const ConnectOptions& options) {
  // Credentials first: missing tickets fail before any connection.
  Result<rpc::ClientAuth> auth = NewClientAuth(options);
  if (!auth.ok()) return auth.status();
  std::uint16_t port = 0;
  if (options.port) {
    port = *options.port;
  } else {
    Result<std::uint16_t> looked_up =
        LookupTcpPort(options.host, options.epm_port, kCertPassage, options.timeout);
    if (!looked_up.ok()) return looked_up.status();
    port = *looked_up;
  }
  rpc::ClientOptions channel_options;
  channel_options.timeout = options.timeout;
  Result<std::unique_ptr<rpc::ClientChannel>> channel =
      rpc::ClientChannel::Connect(options.host, port, channel_options);
  if (!channel.ok()) return channel.status();
  Result<rpc::Binding> binding = (*channel)->Bind(kCertPassage, std::move(*auth));
  if (!binding.ok()) return binding.status();
  return std::unique_ptr<CertPassageClient>(new CertPassageClient(std::move(*channel), *binding));
}

Result<EnrollResult> CertPassageClient::Submit(std::uint32_t flags, const Bytes& request,
                                               const std::string& attributes,
                                               const std::string& authority) {
  return Call(flags, 0, request, attributes, authority);
}

Result<EnrollResult> CertPassageClient::Retrieve(std::uint32_t request_id,
                                                 const std::string& authority) {
  return Call(0, request_id, {}, {}, authority);
}

Result<EnrollResult> CertPassageClient::Call(std::uint32_t flags, std::uint32_t request_id,
                                             const Bytes& request, const std::string& attributes,
                                             const std::string& authority) {
  ndr::icert_passage::CertServerRequestIn in;
  in.flags = flags;
  in.request_id = request_id;
  in.request = request;
  Result<std::u16string> authority16 = Utf8ToUtf16(authority);
  if (!authority16.ok()) return authority16.status();
  in.authority = std::move(*authority16);
  if (!attributes.empty()) {
    Result<Bytes> blob = Utf8ToUtf16LeBytes(attributes);
    if (!blob.ok()) return blob.status();
    in.attributes = std::move(*blob);
  }
  Result<rpc::CallResult> call = channel_->Call(
      binding_, static_cast<std::uint16_t>(idl::icert_passage::Opnum::kCertServerRequest),
      ndr::icert_passage::EncodeCertServerRequestRequest(in));
  if (!call.ok()) return call.status();
  if (call->fault_status != 0) return FaultStatus(call->fault_status, "CertServerRequest");
  Result<ndr::icert_passage::CertServerRequestOut> out =
      ndr::icert_passage::DecodeCertServerRequestResponse(call->stub);
  if (!out.ok()) return out.status();
  return NewEnrollResult(out->request_id, out->disposition, std::move(out->encoded_cert),
                         std::move(out->cert), out->return_value, out->disposition_message);
}

}  // namespace openadcs::client
