// The pwszAttributes string of ICertRequestD::Request (MS-WCCE 3.2.1.4.2.1.2).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openadcs/pki/request_parser.h"

namespace openadcs::pki {

std::vector<std::pair<std::string, std::string>> ParseRequestAttributes(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    // "Blanks and minus signs before the separator ... MUST be removed, even
    // if they appear ... within the name string."
    std::string name;
    for (char c : line.substr(0, colon)) {
      if (c != ' ' && c != '\t' && c != '-') name.push_back(c);
    }
    if (name.empty()) continue;
    out.emplace_back(std::move(name), std::string(TrimAscii(line.substr(colon + 1))));
  }
  return out;
}

}  // namespace openadcs::pki
