// The LDIF template source over one file of untrusted text: libldap's LDIF
// reader, then the template and enrollment service parsers and the
// snapshot the source builds from them. The folder is trusted
// configuration (ldif_reader.h), but its parsing must still neither crash
// nor leak on any bytes; the only inputs skipped are those naming another
// file ("include:" lines and "attr:< URL" values), which libldap would open.
//
// Input: the text of one .ldif file. Seeds: config/templates/*.ldif.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "fuzz_temp_dir.h"
#include "openadcs/directory/ldif_template_source.h"

namespace {

// True when libldap would read another file for this text: after
// unfolding (a line break followed by a space joins lines), an "include"
// in any case or a ":<" anywhere.
bool NamesAnotherFile(std::string_view text) {
  std::string unfolded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 2 < text.size() && text[i + 1] == '\n' && text[i + 2] == ' ') {
      i += 2;
      continue;
    }
    if (text[i] == '\n' && i + 1 < text.size() && text[i + 1] == ' ') {
      ++i;
      continue;
    }
    unfolded.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
  }
  return unfolded.find("include") != std::string::npos || unfolded.find(":<") != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (NamesAnotherFile(text)) return 0;
  const std::filesystem::path folder = openadcs::fuzz::FuzzTempDir() / "templates";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "input.ldif", std::ios::binary | std::ios::trunc) << text;
  auto source = openadcs::directory::OpenLdifTemplateSource({folder, ""});
  if (source.ok()) (void)(*source)->Current()->templates().size();
  return 0;
}
