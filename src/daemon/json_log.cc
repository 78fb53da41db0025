#include "openadcs/daemon/json_log.h"

#include <fmt/format.h>
#include <spdlog/details/log_msg.h>

#include <charconv>
#include <chrono>
#include <ctime>

#include "openadcs/util/log_context.h"
#include "openadcs/util/utf16.h"

namespace openadcs::daemon {
namespace {

constexpr std::size_t kMaxComponentLength = 24;

// N of a leading "[req N] ".
std::optional<std::uint64_t> RequestId(std::string_view message) {
  constexpr std::string_view kPrefix = "[req ";
  if (!message.starts_with(kPrefix)) return std::nullopt;
  const char* begin = message.data() + kPrefix.size();
  const char* end = message.data() + message.size();
  std::uint64_t id = 0;
  const auto [after, ec] = std::from_chars(begin, end, id);
  if (ec != std::errc() || after == begin || after == end || *after != ']') return std::nullopt;
  return id;
}

// "icpr" of "icpr: ...": lower-case letters and single spaces before ": ".
std::string_view Component(std::string_view message) {
  const std::size_t colon = message.find(": ");
  if (colon == 0 || colon == std::string_view::npos || colon > kMaxComponentLength) return {};
  const std::string_view prefix = message.substr(0, colon);
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c = prefix[i];
    const bool space_ok = c == ' ' && i > 0 && prefix[i - 1] != ' ' && i + 1 < prefix.size();
    if (!(c >= 'a' && c <= 'z') && !space_ok) return {};
  }
  return prefix;
}

}  // namespace

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const auto decoded = DecodeUtf8At(text, i);
      if (decoded) {
        out.append(text.substr(i, decoded->second));
        i += decoded->second;
      } else {
        out += "\\ufffd";
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const std::string_view message(msg.payload.data(), msg.payload.size());
  const auto since_epoch = msg.time.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds);
  const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
  const std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[32];
  const std::size_t date_length = std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line =
      fmt::format("{{\"time\":\"{}.{:06}Z\",\"level\":\"{}\",\"logger\":{},\"message\":{}",
                  std::string_view(date, date_length), micros.count(),
                  std::string_view(level.data(), level.size()),
                  JsonString(std::string_view(msg.logger_name.data(), msg.logger_name.size())),
                  JsonString(message));
  if (const auto id = RequestId(message)) line += fmt::format(",\"request_id\":{}", *id);
  if (const std::string_view component = Component(message); !component.empty()) {
    line += fmt::format(",\"component\":\"{}\"", component);
  }
  if (const LogContext* context = CurrentLogContext(); context != nullptr) {
    if (!context->caller.empty()) line += ",\"caller\":" + JsonString(context->caller);
    line += fmt::format(",\"peer\":{},\"connection\":{}", JsonString(context->peer),
                        context->connection);
  }
  line += "}\n";
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

}  // namespace openadcs::daemon
