// libFuzzer target: what the [metrics] endpoint and the JSON log format make
// of untrusted text. The request line of an HTTP client: its answer is one of
// the four statuses, and 200 only for GET or HEAD of /metrics. Log messages
// carry client-chosen text (names, template names): its JSON string must be
// one quoted, well-formed UTF-8 string with no raw control character, whose
// unescaped content is the input wherever the input was well-formed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "openadcs/daemon/json_log.h"
#include "openadcs/daemon/metrics_server.h"
#include "openadcs/util/utf16.h"

namespace {

void CheckRequestLine(std::string_view line) {
  const openadcs::daemon::MetricsRequest request = openadcs::daemon::ParseMetricsRequestLine(line);
  if (request.status != 200 && request.status != 400 && request.status != 404 &&
      request.status != 405) {
    std::abort();
  }
  if (request.status == 200 && !line.starts_with("GET /metrics") &&
      !line.starts_with("HEAD /metrics")) {
    std::abort();
  }
}

void CheckJsonString(std::string_view text) {
  const std::string json = openadcs::daemon::JsonString(text);
  if (json.size() < 2 || json.front() != '"' || json.back() != '"') std::abort();
  if (!openadcs::Utf8ToUtf16(json).ok()) std::abort();
  bool escaped = false;
  for (std::size_t i = 1; i + 1 < json.size(); ++i) {
    const auto c = static_cast<unsigned char>(json[i]);
    if (c < 0x20 || c == 0x7F) std::abort();
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == '"') {
      std::abort();  // an unescaped quote would end the string early
    }
  }
  if (escaped) std::abort();
  // Well-formed text without anything to escape comes out as it went in.
  bool plain = openadcs::Utf8ToUtf16(text).ok();
  for (char c : text)
    plain = plain && c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20 && c != 0x7F;
  if (plain && json.substr(1, json.size() - 2) != text) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckRequestLine(input);
  CheckJsonString(input);
  return 0;
}
