// [log] format = "json": one JSON object per log record, one record per
// line, for SIEMs:
//
//   {"time":"2026-12-03T23:07:59.123456Z","level":"info","logger":"openadcsd",
//    "message":"[req 7] issued to EXAMPLE\\alice ...","request_id":7,"component":"ca"}
//
// `request_id` is present when the message starts "[req N] " (every line
// the engine writes about a request); `component` when the message starts
// with a lower-case prefix ("icpr: ", "ca security: "); `caller`
// ("DOMAIN\\user", absent when unauthenticated), `peer` (the client's address)
// and `connection` on every line written while an RPC call is served (see
// openadcs/util/log_context.h). The message is the text spdlog would print,
// so the same facts appear in either format (and the same care keeps
// secrets out of both). Strings are escaped per RFC 8259;
// control characters as \uXXXX, and bytes that are not well-formed UTF-8 as
// U+FFFD, so every line parses.
#ifndef OPENADCS_DAEMON_JSON_LOG_H_
#define OPENADCS_DAEMON_JSON_LOG_H_

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <string_view>

namespace openadcs::daemon {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// `text` as a JSON string literal, quotes included.
std::string JsonString(std::string_view text);

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_JSON_LOG_H_
