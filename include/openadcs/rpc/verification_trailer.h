// The verification trailer (MS-RPCE 2.2.2.13): commands a client appends to
// the stub of a request, inside the protected body, so that a security
// provider that covers only the body still vouches for the header fields
// (header2), the presentation context (pcontext) and whether the bind asked
// for header signing (bitmask1).
//
// The decoder reads untrusted bytes: it looks only at the last
// kMaxVerificationTrailerSearch bytes of a stub, every read is bounds-checked
// and a malformed trailer is a kInvalidArgument Status.
#ifndef OPENADCS_RPC_VERIFICATION_TRAILER_H_
#define OPENADCS_RPC_VERIFICATION_TRAILER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "openadcs/rpc/interface.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::rpc {

// How far back from the end of a stub the trailer is looked for: it follows
// the stub data, and the commands defined here take 80 bytes with the header.
inline constexpr std::size_t kMaxVerificationTrailerSearch = 1024;

// rpc_sec_vt_bitmask bits.
inline constexpr std::uint32_t kVtClientSupportsHeaderSigning = 0x00000001;

// rpc_sec_vt_header2: what the request's header and body said.
struct VtHeader2 {
  std::uint8_t ptype = 0;
  std::array<std::uint8_t, 4> drep{};
  std::uint32_t call_id = 0;
  std::uint16_t context_id = 0;
  std::uint16_t opnum = 0;
};

// rpc_sec_vt_pcontext.
struct VtPcontext {
  SyntaxId interface_id;
  SyntaxId transfer_syntax;
};

// The commands of one trailer, each at most once.
struct VerificationTrailer {
  std::optional<std::uint32_t> bitmask1;
  std::optional<VtPcontext> pcontext;
  std::optional<VtHeader2> header2;
  // The command type (low 14 bits) of the first command not understood
  // here that had SEC_VT_MUST_PROCESS_COMMAND set; the receiver must refuse
  // the request. Unknown commands without the flag are skipped.
  std::optional<std::uint16_t> unknown_must_process;
};

// A trailer found in a stub, starting at `offset`. What precedes it is the
// stub data and up to 3 bytes of alignment padding, which cannot be told
// from zeros the stub data ends with; NDR decoders ignore them.
struct FoundVerificationTrailer {
  std::size_t offset = 0;
  VerificationTrailer trailer;
};

// Looks for the trailer's signature at a 4-byte aligned offset (relative to
// the start of `stub`, the reassembled request stub) within the last
// kMaxVerificationTrailerSearch bytes, the last such offset first, and
// decodes the commands after it. nullopt: no signature, no trailer.
// Errors (kInvalidArgument): a signature followed by malformed commands (a
// length not a multiple of 4 or wrong for its command, a command repeated,
// commands running past the stub, no SEC_VT_COMMAND_END).
Result<std::optional<FoundVerificationTrailer>> FindVerificationTrailer(
    std::span<const std::uint8_t> stub);

// Encodes the signature and the commands present, the last one flagged
// SEC_VT_COMMAND_END (unknown_must_process is not encoded). The caller
// places it at a 4-byte aligned offset after the stub data.
// REQUIRES: at least one command.
Bytes EncodeVerificationTrailer(const VerificationTrailer& trailer);

}  // namespace openadcs::rpc

#endif  // OPENADCS_RPC_VERIFICATION_TRAILER_H_
