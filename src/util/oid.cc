#include "openadcs/util/oid.h"

#include <cstdint>
#include <vector>

namespace openadcs {
namespace {

// Longer dotted OIDs than this are not something a CA is asked to handle.
constexpr std::size_t kMaxOidTextLength = 256;
// Arcs from here on are refused, so that parsing one cannot overflow.
constexpr std::uint64_t kMaxOidArc = std::uint64_t{1} << 56;

}  // namespace

Bytes OidContent(std::string_view dotted) {
  if (dotted.empty() || dotted.size() > kMaxOidTextLength) return {};
  std::vector<std::uint64_t> arcs{0};
  char prev = '.';
  for (char c : dotted) {
    if (c == '.') {
      if (prev == '.') return {};
      arcs.push_back(0);
    } else if (c >= '0' && c <= '9') {
      if (arcs.back() >= kMaxOidArc / 10) return {};
      arcs.back() = arcs.back() * 10 + static_cast<std::uint64_t>(c - '0');
    } else {
      return {};
    }
    prev = c;
  }
  if (prev == '.' || arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40)) return {};
  arcs[1] += arcs[0] * 40;
  Bytes out;
  for (std::size_t i = 1; i < arcs.size(); ++i) {
    std::uint8_t base128[9];
    std::size_t n = 0;
    for (std::uint64_t v = arcs[i]; n == 0 || v != 0; v >>= 7) {
      base128[n++] = static_cast<std::uint8_t>(v & 0x7F);
    }
    while (n > 1) out.push_back(static_cast<std::uint8_t>(base128[--n] | 0x80));
    out.push_back(base128[0]);
  }
  return out;
}

}  // namespace openadcs
