// Every NDR in-parameter decoder (the first byte picks one; the rest is the
// stub). A stub that decodes must re-encode to something that decodes to the
// same value: the encoder and decoder agree on every layout the decoder
// accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "openadcs/ndr/epm.h"
#include "openadcs/ndr/icert_passage.h"

namespace {

template <typename Decode, typename Encode>
void RoundTrip(std::span<const std::uint8_t> stub, Decode decode, Encode encode) {
  auto first = decode(stub);
  if (!first.ok()) return;
  auto second = decode(encode(*first));
  if (!second.ok() || !(*second == *first)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openadcs::ndr;  // NOLINT(google-build-using-namespace)
  if (size == 0) return 0;
  std::span<const std::uint8_t> stub(data + 1, size - 1);
  auto dflt = [](auto fn) { return [fn](std::span<const std::uint8_t> s) { return fn(s, {}); }; };
  switch (data[0] % 6) {
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
    default: RoundTrip(stub, epm::DecodeTcpTower, epm::EncodeTcpTower); break;
  }
  return 0;
}
