#include "services/wire_values.h"

#include <utility>

#include "openadcs/util/utf16.h"

namespace openadcs::services {

Result<std::string> Utf8(const std::optional<std::u16string>& s) {
  if (!s) return std::string();
  return Utf16ToUtf8(*s);
}

Bytes TextBlob(const std::string& text) {
  Result<Bytes> blob = Utf8ToUtf16LeBytes(text);
  return blob.ok() ? std::move(*blob) : Bytes{};
}

std::uint32_t WireDispositionOf(const ca::SubmitResult& result) {
  return result.status != 0 ? result.status : static_cast<std::uint32_t>(result.disposition);
}

rpc::CallResult ReplyWhenDurable(ca::SubmitResult result,
                                 std::function<rpc::CallResult(ca::SubmitResult)> encode) {
  std::shared_ptr<Gate> durable = std::move(result.durable);
  rpc::CallResult reply = encode(std::move(result));
  if (durable != nullptr) {
    reply.send_when = std::move(durable);
    reply.if_failed = [encode = std::move(encode)](const Status& failure) {
      return encode(ca::Engine::NotDurable(failure));
    };
  }
  return reply;
}

}  // namespace openadcs::services
