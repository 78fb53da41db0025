#include "openadcs/services/cert_passage_service.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "openadcs/idl/icert_passage.h"
#include "openadcs/ndr/icert_passage.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/utf16.h"
#include "services/caller_of.h"
#include "services/wire_values.h"

namespace openadcs::services {
namespace {

namespace wire = ndr::icert_passage;

wire::CertServerRequestOut Refuse(std::uint32_t request_id, std::uint32_t hresult) {
  wire::CertServerRequestOut out;
  out.request_id = request_id;
  out.disposition = hresult;
  out.return_value = hresult;
  return out;
}

// MS-ICPR 3.2.4.1.1: pb holds a NUL-terminated UTF-16LE string and cb counts
// it with its NUL, exactly; anything else is E_INVALIDARG. An empty blob
// carries no attributes.
Result<std::string> AttributesText(const Bytes& blob, std::size_t max_bytes) {
  if (blob.empty()) return std::string();
  if (blob.size() > max_bytes) {
    return Status::InvalidArgument("pctbAttribs is " + std::to_string(blob.size()) +
                                   " bytes, over the limit of " + std::to_string(max_bytes));
  }
  if (blob.size() % 2 != 0) return Status::InvalidArgument("pctbAttribs has an odd length");
  std::size_t units = blob.size() / 2;
  std::size_t nul = units;
  for (std::size_t i = 0; i < units; ++i) {
    if (blob[2 * i] == 0 && blob[2 * i + 1] == 0) {
      nul = i;
      break;
    }
  }
  if (nul != units - 1) {
    return Status::InvalidArgument("pctbAttribs cb does not match its NUL-terminated string");
  }
  Result<std::u16string> units16 = Utf16LeBytesToString(blob);
  if (!units16.ok()) return units16.status();
  return Utf16ToUtf8(*units16);
}

}  // namespace

Status CertPassageOptions::Validate() const {
  if (required_level != auth::AuthLevel::kPrivacy &&
      required_level != auth::AuthLevel::kIntegrity) {
    return Status::InvalidArgument("icpr required level must be integrity or privacy");
  }
  if (max_attributes_bytes < 2 || max_attributes_bytes > std::size_t{1024} * 1024) {
    return Status::InvalidArgument("icpr max_attributes_bytes must be in [2, 1048576]");
  }
  return Status::Ok();
}

CertPassageService::CertPassageService(ca::Engine& engine, CertPassageOptions options)
    : engine_(engine), options_(options) {}

rpc::SyntaxId CertPassageService::syntax() const {
  return {idl::icert_passage::kUuid, idl::icert_passage::kVersionMajor,
          idl::icert_passage::kVersionMinor};
}

std::uint16_t CertPassageService::opnum_count() const {
  return idl::icert_passage::kOpnumCount;
}

// Authenticated and signed at least; whether integrity suffices is the
// service's own IF_ENFORCEENCRYPTICERTREQUEST decision, answered with the
// HRESULT MS-ICPR names rather than a fault.
auth::AuthLevel CertPassageService::minimum_auth_level() const {
  return auth::AuthLevel::kIntegrity;
}

rpc::CallResult CertPassageService::Call(const rpc::CallContext& ctx, std::uint16_t opnum,
                                         std::span<const std::uint8_t> stub) {
  if (opnum != static_cast<std::uint16_t>(idl::icert_passage::Opnum::kCertServerRequest)) {
    return rpc::CallResult::Fault(rpc::fault::kOpRangeError);
  }
  const std::string who = ctx.ClientName();
  Result<wire::CertServerRequestIn> in =
      wire::DecodeCertServerRequestRequest(stub, options_.ndr_limits);
  if (!in.ok()) {
    spdlog::warn("icpr: {} from {}: undecodable CertServerRequest: {}", who, ctx.peer_address,
                 in.status().message());
    return rpc::CallResult::Fault(rpc::fault::kBadStubData);
  }
  if (ctx.client == nullptr || ctx.auth_level < options_.required_level) {
    spdlog::warn("icpr: {} from {}: refused, the call is not protected at the required level", who,
                 ctx.peer_address);
    return rpc::CallResult::Response(
        wire::EncodeCertServerRequestResponse(Refuse(in->request_id, hr::kIcprAccessDenied)));
  }
  Result<std::string> attributes = AttributesText(in->attributes, options_.max_attributes_bytes);
  std::string authority;
  if (attributes.ok() && in->authority) {
    Result<std::string> a = Utf16ToUtf8(*in->authority);
    if (!a.ok())
      attributes = a.status();
    else
      authority = std::move(*a);
  }
  if (!attributes.ok()) {
    spdlog::warn("icpr: {} from {}: E_INVALIDARG: {}", who, ctx.peer_address,
                 attributes.status().message());
    return rpc::CallResult::Response(
        wire::EncodeCertServerRequestResponse(Refuse(in->request_id, hr::kInvalidArg)));
  }

  ca::SubmitRequest request;
  request.flags = in->flags;
  request.request = std::move(in->request);
  request.request_id = in->request_id;
  request.attributes = std::move(*attributes);
  request.caller = CallerOf(ctx, engine_);
  request.authority = std::move(authority);
  return ReplyWhenDurable(
      engine_.SubmitBeforeDurable(request),
      [](ca::SubmitResult result) {
        wire::CertServerRequestOut out;
        out.request_id = result.request_id;
        out.disposition = WireDispositionOf(result);
        out.cert = std::move(result.chain_cms);
        out.encoded_cert = std::move(result.certificate);
        if (!result.message.empty()) out.disposition_message = TextBlob(result.message);
        return rpc::CallResult::Response(wire::EncodeCertServerRequestResponse(out));
      },
      [who, peer = ctx.peer_address](std::uint32_t request_id, std::uint32_t disposition) {
        spdlog::info("icpr: {} from {}: request {} -> disposition 0x{:08x}", who, peer, request_id,
                     disposition);
      });
}

}  // namespace openadcs::services
