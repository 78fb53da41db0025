#include "services/wire_values.h"

#include <memory>
#include <optional>
#include <utility>

#include "openadcs/util/log_context.h"
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
                                 std::function<rpc::CallResult(ca::SubmitResult)> encode,
                                 LogReply log) {
  std::shared_ptr<Gate> durable = std::move(result.durable);
  const std::uint32_t id = result.request_id;
  const std::uint32_t disposition = WireDispositionOf(result);
  rpc::CallResult reply = encode(std::move(result));
  if (durable == nullptr) {
    log(id, disposition);
    return reply;
  }
  // The runtime's wait on the gate comes after this one, so a failure's
  // answer, made here for the line, is there for if_failed to encode.
  auto failed = std::make_shared<std::optional<ca::SubmitResult>>();
  WhenOpenInThisLogContext(*durable,
                           [log = std::move(log), id, disposition, failed](const Status& s) {
                             if (s.ok()) return log(id, disposition);
                             *failed = ca::Engine::NotDurable(s);
                             log((*failed)->request_id, WireDispositionOf(**failed));
                           });
  reply.send_when = std::move(durable);
  reply.if_failed = [encode = std::move(encode), failed](const Status& failure) {
    return encode(failed->has_value() ? std::move(**failed) : ca::Engine::NotDurable(failure));
  };
  return reply;
}

}  // namespace openadcs::services
