// libFuzzer target: the verification trailer decoder (MS-RPCE 2.2.2.13) over
// an untrusted request stub, and a re-encode/re-decode round trip of the
// known commands of whatever decodes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "openadcs/rpc/verification_trailer.h"

using namespace openadcs::rpc;  // NOLINT(google-build-using-namespace)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> stub(data, size);
  auto found = FindVerificationTrailer(stub);
  if (!found.ok() || !found->has_value()) return 0;
  const FoundVerificationTrailer& f = **found;
  if (f.offset % 4 != 0 || f.offset >= size) __builtin_trap();
  VerificationTrailer known = f.trailer;
  known.unknown_must_process.reset();
  if (!known.bitmask1 && !known.pcontext && !known.header2) return 0;
  auto again = FindVerificationTrailer(EncodeVerificationTrailer(known));
  if (!again.ok() || !again->has_value() || (*again)->offset != 0) __builtin_trap();
  const VerificationTrailer& t = (*again)->trailer;
  if (t.bitmask1 != known.bitmask1 || t.pcontext.has_value() != known.pcontext.has_value() ||
      t.header2.has_value() != known.header2.has_value() || t.unknown_must_process) {
    __builtin_trap();
  }
  if (t.pcontext && (t.pcontext->interface_id != known.pcontext->interface_id ||
                     t.pcontext->transfer_syntax != known.pcontext->transfer_syntax)) {
    __builtin_trap();
  }
  if (t.header2 &&
      (t.header2->call_id != known.header2->call_id || t.header2->opnum != known.header2->opnum ||
       t.header2->context_id != known.header2->context_id ||
       t.header2->drep != known.header2->drep || t.header2->ptype != known.header2->ptype)) {
    __builtin_trap();
  }
  return 0;
}
