// Every NDR decoder (the first byte picks one, modulo the selector count; the
// rest is the stub or blob). A stub that decodes must re-encode to something
// that decodes to the same value: the encoder and decoder agree on every
// layout the decoder accepts. Selectors 0-5 predate DCOM; keep existing
// numbers stable and seeds' first bytes below the selector count, so that
// the seeds in fuzz/corpus/ndr/ keep reaching their decoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <tuple>

#include "openadcs/ndr/activation.h"
#include "openadcs/ndr/cert_view.h"
#include "openadcs/ndr/epm.h"
#include "openadcs/ndr/icert_admin.h"
#include "openadcs/ndr/icert_passage.h"
#include "openadcs/ndr/icert_request.h"
#include "openadcs/ndr/objref.h"
#include "openadcs/ndr/oxid_resolver.h"
#include "openadcs/ndr/rem_unknown.h"
#include "openadcs/ndr/remote_scm_activator.h"

namespace {

template <typename Decode, typename Encode>
void RoundTrip(std::span<const std::uint8_t> stub, Decode decode, Encode encode) {
  auto first = decode(stub);
  if (!first.ok()) return;
  auto second = decode(encode(*first));
  if (!second.ok() || !(*second == *first)) std::abort();
}

// EncodeActivationIn writes a fixed property set, so only what it carries
// survives a round trip: presence flags and the class list are not compared.
void ActivationInRoundTrip(std::span<const std::uint8_t> blob) {
  using openadcs::ndr::activation::ActivationIn;
  auto first = openadcs::ndr::activation::DecodeActivationIn(blob);
  if (!first.ok()) return;
  auto second = openadcs::ndr::activation::DecodeActivationIn(
      openadcs::ndr::activation::EncodeActivationIn(*first));
  auto carried = [](const ActivationIn& a) {
    return std::tie(a.clsid, a.class_context, a.activation_flags, a.instantiation_flags, a.iids,
                    a.client_version_major, a.client_version_minor, a.client_impersonation_level,
                    a.requested_protseqs, a.server_name, a.destination_context);
  };
  if (!second.ok() || carried(*second) != carried(*first)) std::abort();
}

// The view blobs whose header count travels apart from the blob (pcColumn,
// pceltFetched): the stub's first byte is the count.
template <typename Decode, typename Encode>
void CountedBlobRoundTrip(std::span<const std::uint8_t> stub, Decode decode, Encode encode) {
  if (stub.empty()) return;
  const std::uint32_t count = stub[0];
  auto first = decode(stub.subspan(1), count);
  if (!first.ok()) return;
  auto second = decode(encode(*first), count);
  if (!second.ok() || !(*second == *first)) std::abort();
}

constexpr int kSelectorCount = 66;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openadcs::ndr;  // NOLINT(google-build-using-namespace)
  if (size == 0) return 0;
  std::span<const std::uint8_t> stub(data + 1, size - 1);
  auto dflt = [](auto fn) { return [fn](std::span<const std::uint8_t> s) { return fn(s, {}); }; };
  switch (data[0] % kSelectorCount) {
    case 0:
      RoundTrip(stub, dflt(icert_passage::DecodeCertServerRequestRequest),
                icert_passage::EncodeCertServerRequestRequest);
      break;
    case 1: RoundTrip(stub, dflt(epm::DecodeEptMapRequest), epm::EncodeEptMapRequest); break;
    case 2: RoundTrip(stub, dflt(epm::DecodeEptLookupRequest), epm::EncodeEptLookupRequest); break;
    case 3:
      RoundTrip(stub, dflt(icert_passage::DecodeCertServerRequestResponse),
                icert_passage::EncodeCertServerRequestResponse);
      break;
    case 4: RoundTrip(stub, dflt(epm::DecodeEptMapResponse), epm::EncodeEptMapResponse); break;
    case 5: RoundTrip(stub, epm::DecodeTcpTower, epm::EncodeTcpTower); break;
    case 6:
      RoundTrip(stub, dflt(remote_scm_activator::DecodeRemoteCreateInstanceRequest),
                remote_scm_activator::EncodeRemoteCreateInstanceRequest);
      break;
    case 7:
      RoundTrip(stub, dflt(remote_scm_activator::DecodeRemoteGetClassObjectRequest),
                remote_scm_activator::EncodeRemoteGetClassObjectRequest);
      break;
    case 8: ActivationInRoundTrip(stub); break;
    case 9:
      RoundTrip(stub, dflt(rem_unknown::DecodeRemQueryInterfaceRequest),
                rem_unknown::EncodeRemQueryInterfaceRequest);
      break;
    case 10:
      RoundTrip(stub, dflt(rem_unknown::DecodeRemAddRefRequest),
                rem_unknown::EncodeRemAddRefRequest);
      break;
    case 11:
      RoundTrip(stub, dflt(rem_unknown::DecodeRemReleaseRequest),
                rem_unknown::EncodeRemReleaseRequest);
      break;
    case 12:
      // No encoder: the daemon never sends RemQueryInterface2.
      (void)rem_unknown::DecodeRemQueryInterface2Request(stub, {});
      break;
    case 13:
      RoundTrip(stub, dflt(oxid_resolver::DecodeResolveOxidRequest),
                oxid_resolver::EncodeResolveOxidRequest);
      break;
    case 14:
      RoundTrip(stub, oxid_resolver::DecodeSimplePingRequest,
                oxid_resolver::EncodeSimplePingRequest);
      break;
    case 15:
      RoundTrip(stub, dflt(oxid_resolver::DecodeComplexPingRequest),
                oxid_resolver::EncodeComplexPingRequest);
      break;
    case 16: RoundTrip(stub, objref::DecodeObjRef, objref::EncodeObjRef); break;
    // ICertRequestD / ICertRequestD2: the requests the daemon decodes, then
    // the responses our client decodes (and the activation reply). 24 is
    // the HRESULT-only response of every DCOM interface.
    case 17:
      RoundTrip(stub, dflt(icert_request::DecodeRequestRequest),
                icert_request::EncodeRequestRequest);
      break;
    case 18:
      RoundTrip(stub, dflt(icert_request::DecodeRequest2Request),
                icert_request::EncodeRequest2Request);
      break;
    case 19:
      RoundTrip(stub, dflt(icert_request::DecodeGetCaCertRequest),
                icert_request::EncodeGetCaCertRequest);
      break;
    case 20:
      RoundTrip(stub, dflt(icert_request::DecodeAuthorityRequest),
                icert_request::EncodeAuthorityRequest);
      break;
    case 21:
      RoundTrip(stub, dflt(icert_request::DecodeGetCaPropertyRequest),
                icert_request::EncodeGetCaPropertyRequest);
      break;
    case 22:
      RoundTrip(stub, dflt(icert_request::DecodeRequestResponse),
                icert_request::EncodeRequestResponse);
      break;
    case 23:
      RoundTrip(stub, dflt(icert_request::DecodeBlobResponse), icert_request::EncodeBlobResponse);
      break;
    case 24: RoundTrip(stub, dflt(orpc::DecodeHresultResponse), orpc::EncodeHresultResponse); break;
    case 25:
      RoundTrip(stub, dflt(icert_request::DecodeGetCaPropertyInfoResponse),
                icert_request::EncodeGetCaPropertyInfoResponse);
      break;
    case 26: (void)activation::DecodeActivationOut(stub); break;
    // ICertAdminD / ICertAdminD2 requests, as the daemon decodes them.
    case 27:
      RoundTrip(stub, dflt(icert_admin::DecodeEmptyRequest), icert_admin::EncodeEmptyRequest);
      break;
    case 28:
      RoundTrip(stub, dflt(icert_admin::DecodeAuthorityRequest),
                icert_admin::EncodeAuthorityRequest);
      break;
    case 29:
      RoundTrip(stub, dflt(icert_admin::DecodeAuthorityDwordRequest),
                icert_admin::EncodeAuthorityDwordRequest);
      break;
    case 30:
      RoundTrip(stub, dflt(icert_admin::DecodeAuthorityBlobRequest),
                icert_admin::EncodeAuthorityBlobRequest);
      break;
    case 31:
      RoundTrip(stub, dflt(icert_admin::DecodeSetExtensionRequest),
                icert_admin::EncodeSetExtensionRequest);
      break;
    case 32:
      RoundTrip(stub, dflt(icert_admin::DecodeSetAttributesRequest),
                icert_admin::EncodeSetAttributesRequest);
      break;
    case 33:
      RoundTrip(stub, dflt(icert_admin::DecodeIsValidCertificateRequest),
                icert_admin::EncodeIsValidCertificateRequest);
      break;
    case 34:
      RoundTrip(stub, dflt(icert_admin::DecodePublishCrlRequest),
                icert_admin::EncodePublishCrlRequest);
      break;
    case 35:
      RoundTrip(stub, dflt(icert_admin::DecodePublishCrlsRequest),
                icert_admin::EncodePublishCrlsRequest);
      break;
    case 36:
      RoundTrip(stub, dflt(icert_admin::DecodeRevokeCertificateRequest),
                icert_admin::EncodeRevokeCertificateRequest);
      break;
    case 37:
      RoundTrip(stub, dflt(icert_admin::DecodeEnumViewColumnRequest),
                icert_admin::EncodeEnumViewColumnRequest);
      break;
    case 38:
      RoundTrip(stub, dflt(icert_admin::DecodeEnumViewColumnTableRequest),
                icert_admin::EncodeEnumViewColumnTableRequest);
      break;
    case 39:
      RoundTrip(stub, dflt(icert_admin::DecodeEnumAttributesOrExtensionsRequest),
                icert_admin::EncodeEnumAttributesOrExtensionsRequest);
      break;
    case 40:
      RoundTrip(stub, dflt(icert_admin::DecodeOpenViewRequest), icert_admin::EncodeOpenViewRequest);
      break;
    case 41:
      RoundTrip(stub, dflt(icert_admin::DecodeEnumViewRequest), icert_admin::EncodeEnumViewRequest);
      break;
    case 42:
      RoundTrip(stub, dflt(icert_admin::DecodeBackupPrepareRequest),
                icert_admin::EncodeBackupPrepareRequest);
      break;
    case 43:
      RoundTrip(stub, dflt(icert_admin::DecodeBackupOpenFileRequest),
                icert_admin::EncodeBackupOpenFileRequest);
      break;
    case 44:
      RoundTrip(stub, dflt(icert_admin::DecodeBackupReadFileRequest),
                icert_admin::EncodeBackupReadFileRequest);
      break;
    case 45:
      RoundTrip(stub, dflt(icert_admin::DecodeImportCertificateRequest),
                icert_admin::EncodeImportCertificateRequest);
      break;
    case 46:
      RoundTrip(stub, dflt(icert_admin::DecodeGetCaPropertyRequest),
                icert_admin::EncodeGetCaPropertyRequest);
      break;
    case 47:
      RoundTrip(stub, dflt(icert_admin::DecodeSetCaPropertyRequest),
                icert_admin::EncodeSetCaPropertyRequest);
      break;
    case 48:
      RoundTrip(stub, dflt(icert_admin::DecodeSetOfficerRightsRequest),
                icert_admin::EncodeSetOfficerRightsRequest);
      break;
    case 49:
      RoundTrip(stub, dflt(icert_admin::DecodeGetConfigEntryRequest),
                icert_admin::EncodeGetConfigEntryRequest);
      break;
    case 50:
      RoundTrip(stub, dflt(icert_admin::DecodeSetConfigEntryRequest),
                icert_admin::EncodeSetConfigEntryRequest);
      break;
    case 51:
      RoundTrip(stub, dflt(icert_admin::DecodeImportKeyRequest),
                icert_admin::EncodeImportKeyRequest);
      break;
    case 52:
      RoundTrip(stub, dflt(icert_admin::DecodeDeleteRowRequest),
                icert_admin::EncodeDeleteRowRequest);
      break;
    // ICertAdminD / ICertAdminD2 responses, as our client decodes them.
    case 53:
      RoundTrip(stub, dflt(icert_admin::DecodeDwordResponse), icert_admin::EncodeDwordResponse);
      break;
    case 54:
      RoundTrip(stub, dflt(icert_admin::DecodeBlobResponse), icert_admin::EncodeBlobResponse);
      break;
    case 55:
      RoundTrip(stub, dflt(icert_admin::DecodeDwordBlobResponse),
                icert_admin::EncodeDwordBlobResponse);
      break;
    case 56:
      RoundTrip(stub, dflt(icert_admin::DecodeIsValidCertificateResponse),
                icert_admin::EncodeIsValidCertificateResponse);
      break;
    case 57:
      RoundTrip(stub, dflt(icert_admin::DecodeNameListResponse),
                icert_admin::EncodeNameListResponse);
      break;
    case 58:
      RoundTrip(stub, dflt(icert_admin::DecodeBackupOpenFileResponse),
                icert_admin::EncodeBackupOpenFileResponse);
      break;
    case 59:
      RoundTrip(stub, dflt(icert_admin::DecodeBackupReadFileResponse),
                icert_admin::EncodeBackupReadFileResponse);
      break;
    case 60:
      RoundTrip(stub, dflt(icert_admin::DecodeVariantResponse), icert_admin::EncodeVariantResponse);
      break;
    // The view blobs inside those responses' CERTTRANSBLOBs.
    case 61: RoundTrip(stub, cert_view::DecodeResultRows, cert_view::EncodeResultRows); break;
    case 62:
      CountedBlobRoundTrip(stub, cert_view::DecodeColumnInfos, cert_view::EncodeColumnInfos);
      break;
    case 63: RoundTrip(stub, cert_view::DecodeColumnIds, cert_view::EncodeColumnIds); break;
    case 64:
      CountedBlobRoundTrip(stub, cert_view::DecodeAttributes, cert_view::EncodeAttributes);
      break;
    case 65:
      CountedBlobRoundTrip(stub, cert_view::DecodeExtensions, cert_view::EncodeExtensions);
      break;
  }
  return 0;
}
