#include "ca/serial_numbers.h"

#include <span>
#include <string>

#include "openadcs/util/random.h"

namespace openadcs::ca {

Result<Bytes> SerialNumbers::Next(std::size_t length, std::uint64_t now_micros) {
  if (length < kSerialMinBytes || length > kSerialMaxBytes) {
    return Status::InvalidArgument("a serial number has " + std::to_string(kSerialMinBytes) + ".." +
                                   std::to_string(kSerialMaxBytes) + " bytes, not " +
                                   std::to_string(length));
  }
  Bytes serial(length);
  OPENADCS_RETURN_IF_ERROR(RandomBytes(std::span<std::uint8_t>(serial).subspan(kSerialTimeBytes)));
  std::uint64_t last = last_prefix_.load(std::memory_order_relaxed);
  std::uint64_t prefix = 0;
  do {
    prefix = now_micros > last ? now_micros : last + 1;
  } while (!last_prefix_.compare_exchange_weak(last, prefix, std::memory_order_relaxed));
  for (std::size_t i = 0; i < kSerialTimeBytes; ++i) {
    serial[kSerialTimeBytes - 1 - i] = static_cast<std::uint8_t>(prefix >> (8 * i));
  }
  serial[0] &= 0x7F;
  if (serial[0] == 0) serial[0] = 0x01;
  return serial;
}

}  // namespace openadcs::ca
