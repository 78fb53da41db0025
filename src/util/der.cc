#include "openadcs/util/der.h"

namespace openadcs::der {

void AppendTlv(Bytes& out, std::uint8_t tag, std::span<const std::uint8_t> content) {
  out.push_back(tag);
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    std::uint8_t digits[sizeof(std::size_t)];
    std::size_t count = 0;
    for (std::size_t v = n; v != 0; v >>= 8) digits[count++] = static_cast<std::uint8_t>(v);
    out.push_back(static_cast<std::uint8_t>(0x80 | count));
    while (count > 0) out.push_back(digits[--count]);
  }
  out.insert(out.end(), content.begin(), content.end());
}

Bytes Tlv(std::uint8_t tag, std::span<const std::uint8_t> content) {
  Bytes out;
  out.reserve(content.size() + 2 + sizeof(std::size_t));
  AppendTlv(out, tag, content);
  return out;
}

}  // namespace openadcs::der
