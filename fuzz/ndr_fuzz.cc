// Every NDR in-parameter decoder (the first byte picks one; the rest is the
// stub). A stub that decodes must re-encode to something that decodes to the
// same value: the encoder and decoder agree on every layout the decoder
// accepts. Selectors 0-5 predate DCOM; keep existing numbers stable so that
// the seeds in fuzz/corpus/ndr/ keep reaching their decoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <tuple>

#include "openadcs/ndr/activation.h"
#include "openadcs/ndr/epm.h"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openadcs::ndr;  // NOLINT(google-build-using-namespace)
  if (size == 0) return 0;
  std::span<const std::uint8_t> stub(data + 1, size - 1);
  auto dflt = [](auto fn) { return [fn](std::span<const std::uint8_t> s) { return fn(s, {}); }; };
  switch (data[0] % 27) {
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
    // the responses our client decodes (and the activation reply).
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
    case 24:
      RoundTrip(stub, icert_request::DecodeHresultResponse, icert_request::EncodeHresultResponse);
      break;
    case 25:
      RoundTrip(stub, dflt(icert_request::DecodeGetCaPropertyInfoResponse),
                icert_request::EncodeGetCaPropertyInfoResponse);
      break;
    default: (void)activation::DecodeActivationOut(stub); break;
  }
  return 0;
}
