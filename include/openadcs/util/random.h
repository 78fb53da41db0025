// Cryptographically secure random bytes for the small draws made per
// connection and per call (identifiers, NTLM challenges and session keys).
// RAND_bytes costs about the same for 8 bytes as for 256 (a DRBG generate
// and a getpid() fork check), so each thread draws blocks from OpenSSL's
// DRBG and hands them out piecewise, wiping every byte it hands out and
// never handing one out twice. A child forked by a thread starts that
// thread's block anew (pthread_atfork), so parent and child never share
// output.
#ifndef OPENADCS_UTIL_RANDOM_H_
#define OPENADCS_UTIL_RANDOM_H_

#include <cstdint>
#include <span>

#include "openadcs/util/status.h"

namespace openadcs {

// Fills `out` (any size; draws above 64 bytes go to RAND_bytes directly).
// Errors: Internal when OpenSSL's DRBG cannot be seeded.
Status RandomBytes(std::span<std::uint8_t> out);

}  // namespace openadcs

#endif  // OPENADCS_UTIL_RANDOM_H_
