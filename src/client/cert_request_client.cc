#include "openadcs/client/cert_request_client.h"

#include <fmt/format.h>

#include <utility>

#include "client/dcom_object_client.h"
#include "client/enroll_common.h"
#include "openadcs/idl/icert_request_d.h"
#include "openadcs/idl/icert_request_d2.h"
#include "openadcs/ndr/icert_request.h"
#include "openadcs/ndr/orpc.h"

namespace openadcs::client {
namespace {

namespace icr = ndr::icert_request;
using Opnum = idl::icert_request_d2::Opnum;

}  // namespace

Result<std::unique_ptr<CertRequestClient>> CertRequestClient::Connect(
    const ConnectOptions& options) {
  DcomClass cls;
  cls.clsid = kClsidCertRequestD;
  cls.class_name = "CCertRequestD";
  cls.interface = {idl::icert_request_d2::kUuid, idl::icert_request_d2::kVersionMajor,
                   idl::icert_request_d2::kVersionMinor};
  cls.interface_name = "ICertRequestD2";
  cls.iids = {idl::icert_request_d2::kUuid, idl::icert_request_d::kUuid};
  Result<std::unique_ptr<DcomObjectClient>> object = DcomObjectClient::Activate(options, cls);
  if (!object.ok()) return object.status();
  return std::unique_ptr<CertRequestClient>(new CertRequestClient(std::move(*object)));
}

CertRequestClient::CertRequestClient(std::unique_ptr<DcomObjectClient> object)
    : object_(std::move(object)) {}

// The object's destructor releases it (best effort) when Release() was not
// called.
CertRequestClient::~CertRequestClient() = default;

Status CertRequestClient::Release() {
  return object_->Release();
}

const ObjectEndpoint& CertRequestClient::endpoint() const {
  return object_->endpoint();
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
  Result<Bytes> stub = request2 ? object_->CallObject(static_cast<std::uint16_t>(Opnum::kRequest2),
                                                      icr::EncodeRequest2Request(in), "Request2")
                                : object_->CallObject(static_cast<std::uint16_t>(Opnum::kRequest),
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
  Result<Bytes> stub = object_->CallObject(static_cast<std::uint16_t>(Opnum::kGetCACert),
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
  Result<Bytes> stub = object_->CallObject(static_cast<std::uint16_t>(Opnum::kGetCAProperty),
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
  Result<Bytes> stub = object_->CallObject(static_cast<std::uint16_t>(Opnum::kGetCAPropertyInfo),
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
  Result<Bytes> stub = object_->CallObject(static_cast<std::uint16_t>(Opnum::kPing2),
                                           icr::EncodeAuthorityRequest(in), "Ping2");
  if (!stub.ok()) return stub.status();
  Result<ndr::orpc::HresultOut> out = ndr::orpc::DecodeHresultResponse(*stub);
  if (!out.ok()) return out.status();
  if (out->hresult != 0) return MethodFailed(out->hresult, "Ping2");
  return Status::Ok();
}

}  // namespace openadcs::client
