#include "openadcs/services/cert_request_service.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "openadcs/dcom/orpc_call.h"
#include "openadcs/idl/icert_request_d.h"
#include "openadcs/idl/icert_request_d2.h"
#include "openadcs/ndr/icert_request.h"
#include "openadcs/util/hresult.h"
#include "services/caller_of.h"
#include "services/wire_values.h"

namespace openadcs::services {
namespace {

namespace wire = ndr::icert_request;
namespace d2 = idl::icert_request_d2;

std::uint32_t HresultOf(const Status& s) {
  return s.hresult().value_or(hr::kUnexpected);
}

}  // namespace

CertRequestObject::CertRequestObject(ca::Engine& engine, CertRequestOptions options)
    : engine_(engine), options_(options) {}

std::vector<rpc::SyntaxId> CertRequestObject::interfaces() const {
  namespace d = idl::icert_request_d;
  return {{d::kUuid, d::kVersionMajor, d::kVersionMinor},
          {d2::kUuid, d2::kVersionMajor, d2::kVersionMinor}};
}

// ICertRequestD2 inherits ICertRequestD, so opnums 3-5 mean the same on both
// and the runtime has already held ICertRequestD to its own opnum count.
rpc::CallResult CertRequestObject::Call(const rpc::CallContext& ctx, const rpc::SyntaxId&,
                                        std::uint16_t opnum, std::span<const std::uint8_t> stub) {
  switch (static_cast<d2::Opnum>(opnum)) {
    case d2::Opnum::kRequest: return Request(ctx, false, stub);
    case d2::Opnum::kGetCACert: return GetCaCert(ctx, stub);
    case d2::Opnum::kPing:
    case d2::Opnum::kPing2: return Ping(ctx, stub);
    case d2::Opnum::kRequest2: return Request(ctx, true, stub);
    case d2::Opnum::kGetCAProperty: return GetCaProperty(ctx, stub);
    case d2::Opnum::kGetCAPropertyInfo: return GetCaPropertyInfo(ctx, stub);
    default: return rpc::CallResult::Fault(rpc::fault::kOpRangeError);
  }
}

rpc::CallResult CertRequestObject::Request(const rpc::CallContext& ctx, bool request2,
                                           std::span<const std::uint8_t> stub) {
  const auto opnum =
      static_cast<std::uint16_t>(request2 ? d2::Opnum::kRequest2 : d2::Opnum::kRequest);
  rpc::CallResult fault;
  Result<wire::RequestIn> in =
      dcom::DecodeOrpcCall(request2 ? wire::DecodeRequest2Request(stub, options_.ndr_limits)
                                    : wire::DecodeRequestRequest(stub, options_.ndr_limits),
                           ctx, d2::kMethodNames[opnum], &fault);
  if (!in.ok()) return fault;

  ca::SubmitResult result;
  Result<std::string> authority = Utf8(in->authority);
  Result<std::string> attributes = Utf8(in->attributes);
  Result<std::string> serial = Utf8(in->serial_number);
  if (!authority.ok() || !attributes.ok() || !serial.ok()) {
    result.request_id = in->request_id;
    result.status = hr::kInvalidArg;
    result.message = "a string parameter is not valid UTF-16";
  } else if (!in->request.empty()) {
    ca::SubmitRequest request;
    request.flags = in->flags;
    request.request = std::move(in->request);
    request.attributes = std::move(*attributes);
    request.caller = CallerOf(ctx, engine_);
    request.authority = *authority;
    result = engine_.SubmitBeforeDurable(request);
  } else if (request2) {
    // MS-WCCE 3.2.1.4.3.1.2: exactly one of the request id and the serial.
    if ((in->request_id != 0) == in->serial_number.has_value()) {
      result.request_id = in->request_id;
      result.status = hr::kInvalidArg;
      result.message = "a retrieve names exactly one of a request id and a serial number";
    } else if (in->serial_number) {
      result = engine_.RetrieveBySerial(CallerOf(ctx, engine_), *serial, *authority);
    } else {
      result = engine_.RetrieveById(CallerOf(ctx, engine_), in->request_id, *authority);
    }
  } else if (in->attributes) {
    // MS-WCCE 3.2.1.4.2.1.4.1.3: Request's retrieve by serial number puts
    // the serial in pwszAttributes.
    result = engine_.RetrieveBySerial(CallerOf(ctx, engine_), *attributes, *authority);
  } else {
    result = engine_.RetrieveById(CallerOf(ctx, engine_), in->request_id, *authority);
  }

  const bool full_response = request2 && (in->flags & kCrInFullResponse) != 0;
  // Encoded, once durable, perhaps after the object is released: the
  // encoder holds the engine (which outlives every object), not `this`.
  return ReplyWhenDurable(
      std::move(result),
      [&engine = engine_, full_response](ca::SubmitResult r) {
        wire::RequestOut out;
        out.request_id = r.request_id;
        out.disposition = WireDispositionOf(r);
        const bool issued = r.status == 0 && r.disposition == ca::WireDisposition::kIssued;
        if (full_response) {
          Result<Bytes> full = engine.FullResponse(r);
          if (full.ok()) {
            out.cert_chain = std::move(full).value();
          } else {
            spdlog::error("wcce: request {}: building the CMC response failed: {}", r.request_id,
                          full.status().ToString());
          }
        } else if (issued) {
          out.cert_chain = std::move(r.chain_cms);
        }
        out.encoded_cert = std::move(r.certificate);
        if (!r.message.empty()) out.disposition_message = TextBlob(r.message);
        return rpc::CallResult::Response(wire::EncodeRequestResponse(out));
      },
      [opnum, who = ctx.ClientName(), peer = ctx.peer_address](std::uint32_t request_id,
                                                               std::uint32_t disposition) {
        spdlog::info("wcce: {} from {}: {} request {} -> disposition 0x{:08x}", who, peer,
                     d2::kMethodNames[opnum], request_id, disposition);
      });
}

rpc::CallResult CertRequestObject::GetCaCert(const rpc::CallContext& ctx,
                                             std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(d2::Opnum::kGetCACert);
  rpc::CallResult fault;
  Result<wire::GetCaCertIn> in =
      dcom::DecodeOrpcCall(wire::DecodeGetCaCertRequest(stub, options_.ndr_limits), ctx,
                           d2::kMethodNames[kOpnum], &fault);
  if (!in.ok()) return fault;

  const ca::CaProperties& props = engine_.properties();
  wire::BlobOut out;
  Result<std::string> authority = Utf8(in->authority);
  // MS-WCCE 3.2.1.4.2.2: the names are served whatever the authority says.
  const bool name_query =
      in->fchain == ca::getcert::kCaName || in->fchain == ca::getcert::kSanitizedCaName;
  if (!authority.ok() || (!name_query && !props.NamesThisCa(*authority))) {
    out.hresult = hr::kInvalidArg;
  } else {
    Result<ca::PropertyValue> value = props.GetCaCert(in->fchain);
    if (!value.ok()) {
      out.hresult = HresultOf(value.status());
    } else {
      out.blob = value->is_text ? TextBlob(value->text) : std::move(value->bytes);
    }
  }
  spdlog::info("wcce: {} from {}: GetCACert 0x{:08x} -> 0x{:08x}", ctx.ClientName(),
               ctx.peer_address, in->fchain, out.hresult);
  return rpc::CallResult::Response(wire::EncodeBlobResponse(out));
}

rpc::CallResult CertRequestObject::GetCaProperty(const rpc::CallContext& ctx,
                                                 std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(d2::Opnum::kGetCAProperty);
  rpc::CallResult fault;
  Result<wire::GetCaPropertyIn> in =
      dcom::DecodeOrpcCall(wire::DecodeGetCaPropertyRequest(stub, options_.ndr_limits), ctx,
                           d2::kMethodNames[kOpnum], &fault);
  if (!in.ok()) return fault;

  const ca::CaProperties& props = engine_.properties();
  wire::BlobOut out;
  Result<std::string> authority = Utf8(in->authority);
  if (!authority.ok() || !props.NamesThisCa(*authority)) {
    out.hresult = hr::kInvalidArg;
  } else {
    Result<ca::PropertyValue> value = props.Get(in->prop_id, in->prop_index, in->prop_type);
    if (!value.ok()) {
      out.hresult = HresultOf(value.status());
    } else {
      out.blob = value->is_text ? TextBlob(value->text) : std::move(value->bytes);
    }
  }
  spdlog::info("wcce: {} from {}: GetCAProperty 0x{:x}[{}] -> 0x{:08x}", ctx.ClientName(),
               ctx.peer_address, in->prop_id, in->prop_index, out.hresult);
  return rpc::CallResult::Response(wire::EncodeBlobResponse(out));
}

rpc::CallResult CertRequestObject::GetCaPropertyInfo(const rpc::CallContext& ctx,
                                                     std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(d2::Opnum::kGetCAPropertyInfo);
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in =
      dcom::DecodeOrpcCall(wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx,
                           d2::kMethodNames[kOpnum], &fault);
  if (!in.ok()) return fault;

  const ca::CaProperties& props = engine_.properties();
  wire::GetCaPropertyInfoOut out;
  Result<std::string> authority = Utf8(in->authority);
  if (!authority.ok() || !props.NamesThisCa(*authority)) {
    out.hresult = hr::kInvalidArg;
  } else {
    out.property_count = props.property_count();
    out.prop_info = props.PropertyInfo();
  }
  spdlog::info("wcce: {} from {}: GetCAPropertyInfo -> 0x{:08x}", ctx.ClientName(),
               ctx.peer_address, out.hresult);
  return rpc::CallResult::Response(wire::EncodeGetCaPropertyInfoResponse(out));
}

// MS-WCCE 3.2.1.4.2.3 / 3.2.1.4.3.4: a liveness test. The authority may be
// empty (EmptyNameAllowed true); a name that is not this CA's is E_INVALIDARG.
rpc::CallResult CertRequestObject::Ping(const rpc::CallContext& ctx,
                                        std::span<const std::uint8_t> stub) {
  constexpr auto kOpnum = static_cast<std::uint16_t>(d2::Opnum::kPing);
  rpc::CallResult fault;
  Result<wire::AuthorityIn> in =
      dcom::DecodeOrpcCall(wire::DecodeAuthorityRequest(stub, options_.ndr_limits), ctx,
                           d2::kMethodNames[kOpnum], &fault);
  if (!in.ok()) return fault;
  std::uint32_t hresult = 0;
  Result<std::string> authority = Utf8(in->authority);
  if (!authority.ok() || (!authority->empty() && !engine_.properties().NamesThisCa(*authority))) {
    hresult = hr::kInvalidArg;
  }
  spdlog::info("wcce: {} from {}: Ping -> 0x{:08x}", ctx.ClientName(), ctx.peer_address, hresult);
  return dcom::HresultResponse(hresult);
}

}  // namespace openadcs::services
