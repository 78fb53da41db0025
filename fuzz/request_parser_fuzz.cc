// libFuzzer target: untrusted bytes through ParseRequest with every request
// type, and through ParseRequestAttributes. Any crash, sanitizer report or
// leak is a bug; an error Status is the expected outcome for most inputs.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "openadcs/pki/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using openadcs::pki::RequestType;
  std::span<const std::uint8_t> bytes(data, size);
  const openadcs::pki::RequestParserLimits limits;
  for (RequestType type : {RequestType::kDetect, RequestType::kPkcs10, RequestType::kKeygen,
                           RequestType::kCms, RequestType::kCmc, RequestType::kChallengeResponse}) {
    auto parsed = openadcs::pki::ParseRequest(bytes, type, limits);
    (void)parsed.ok();
  }
  auto attributes = openadcs::pki::ParseRequestAttributes(
      std::string_view(reinterpret_cast<const char*>(data), size));
  (void)attributes.size();
  return 0;
}
