// libFuzzer target: the NTLM message parsers (MS-NLMP 2.2) over untrusted
// bytes, and a re-encode/re-parse round trip of whatever parses.
#include <cstddef>
#include <cstdint>
#include <span>

#include "openadcs/auth/ntlm_message.h"
#include "openadcs/util/utf16.h"

using namespace openadcs::auth::ntlm;  // NOLINT(google-build-using-namespace)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  (void)PeekMessageType(bytes);
  (void)ParseTargetInfo(bytes);
  (void)openadcs::Utf16LeToUtf8(bytes);
  if (auto m = ParseNegotiate(bytes); m.ok()) {
    if (!ParseNegotiate(EncodeNegotiate(*m)).ok()) __builtin_trap();
  }
  if (auto m = ParseChallenge(bytes); m.ok()) {
    auto again = ParseChallenge(EncodeChallenge(*m));
    if (!again.ok() || again->target_info != m->target_info) __builtin_trap();
  }
  if (auto m = ParseAuthenticate(bytes); m.ok()) {
    auto again = ParseAuthenticate(EncodeAuthenticate(*m));
    if (!again.ok() || again->user != m->user || again->nt_response != m->nt_response) {
      __builtin_trap();
    }
  }
  return 0;
}
