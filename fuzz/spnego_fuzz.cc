// libFuzzer target: the SPNEGO decoders (RFC 4178) over untrusted bytes, and
// a re-encode/re-decode round trip of whatever decodes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "openadcs/auth/spnego.h"

using namespace openadcs::auth::spnego;  // NOLINT(google-build-using-namespace)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  (void)StripGssFraming(bytes, kOidKerberos);
  if (auto init = DecodeInitialToken(bytes); init.ok()) {
    auto again = DecodeInitialToken(EncodeInitialToken(*init));
    if (!again.ok() || again->mech_types != init->mech_types ||
        again->mech_token != init->mech_token) {
      __builtin_trap();
    }
  }
  if (auto resp = DecodeNegTokenResp(bytes); resp.ok()) {
    auto again = DecodeNegTokenResp(EncodeNegTokenResp(*resp));
    if (!again.ok() || again->neg_state != resp->neg_state ||
        again->response_token != resp->response_token) {
      __builtin_trap();
    }
  }
  return 0;
}
