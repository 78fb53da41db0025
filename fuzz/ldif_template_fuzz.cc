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
  // Written through a pointer: at -O0 under ASan, push_back per byte was a
  // third of the harness's time.
  std::string unfolded(text.size(), '\0');
  char* out = unfolded.data();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 2 < text.size() && text[i + 1] == '\n' && text[i + 2] == ' ') {
      i += 2;
      continue;
    }
    if (text[i] == '\n' && i + 1 < text.size() && text[i + 1] == ' ') {
      ++i;
      continue;
    }
    *out++ = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  }
  unfolded.resize(static_cast<std::size_t>(out - unfolded.data()));
  return unfolded.find("include") != std::string::npos || unfolded.find(":<") != std::string::npos;
}

// The template folder, made once: each input overwrites its one file.
const std::filesystem::path& Folder() {
  static const std::filesystem::path folder = [] {
    spdlog::set_level(spdlog::level::off);
    std::filesystem::path f = openadcs::fuzz::FuzzTempDir() / "templates";
    std::filesystem::create_directories(f);
    return f;
  }();
  return folder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (NamesAnotherFile(text)) return 0;
  const std::filesystem::path& folder = Folder();
  std::ofstream(folder / "input.ldif", std::ios::binary | std::ios::trunc) << text;
  auto source = openadcs::directory::OpenLdifTemplateSource({folder, ""});
  if (source.ok()) (void)(*source)->Current()->templates().size();
  return 0;
}
