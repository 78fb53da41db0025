// Serial numbers of the certificates the CA issues.
//
// Each serial leads with a time prefix, the microseconds since the Unix epoch
// in kSerialTimeBytes big-endian bytes, and ends with random bytes. The prefix
// keeps the database's unique serial-number index growing at its end: with
// serials random throughout, every issuance dirtied a random leaf of that
// index, one more 8 KiB page for its commit to write and, once the writer's
// cache had dropped it, to read back first (docs/performance.md, "serial
// numbers that grow"). The random tail keeps serials unpredictable: at least
// 9 bytes (72 bits), above the 64 bits of CSPRNG output the CA/Browser Forum
// asks for.
#ifndef OPENADCS_SRC_CA_SERIAL_NUMBERS_H_
#define OPENADCS_SRC_CA_SERIAL_NUMBERS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "openadcs/ca/engine.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ca {

inline constexpr std::size_t kSerialTimeBytes = 7;

// Thread-safe. Prefixes strictly increase within one instance, whatever the
// clock does, so two serials it hands out never share one; across restarts
// (or a clock set back) a prefix may repeat, and the random tail and the
// database's unique index are what keep serials apart.
class SerialNumbers {
 public:
  // A serial of `length` bytes (kSerialMinBytes..kSerialMaxBytes) for an issuance at `now_micros`
  // (microseconds since the Unix epoch): positive, with no leading zero
  // byte, so its DER content is all `length` bytes. The first byte is the
  // prefix's, which is 0x01..0x7F from 1978 to 3111; outside that its top
  // bit is cleared and a zero becomes 1, as for a random serial.
  // Errors: InvalidArgument for a length outside 16..20; Internal when the
  // random generator fails.
  Result<Bytes> Next(std::size_t length, std::uint64_t now_micros);

 private:
  std::atomic<std::uint64_t> last_prefix_{0};
};

}  // namespace openadcs::ca

#endif  // OPENADCS_SRC_CA_SERIAL_NUMBERS_H_
