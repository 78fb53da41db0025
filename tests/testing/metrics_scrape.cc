#include "testing/metrics_scrape.h"

#include <array>
#include <span>
#include <string_view>

#include "testing/peer_socket.h"

namespace openadcs::testing {

Result<std::string> ScrapeMetrics(std::uint16_t port, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + timeout;
  auto left = [&] {
    return std::max(std::chrono::milliseconds{0},
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  };
  Result<PeerSocket> socket = PeerSocket::Connect("127.0.0.1", "127.0.0.1", port);
  if (!socket.ok()) return socket.status();
  constexpr std::string_view kRequest = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
  OPENADCS_RETURN_IF_ERROR(socket->Send(
      std::span(reinterpret_cast<const std::uint8_t*>(kRequest.data()), kRequest.size()), left()));
  // The endpoint closes the connection after its answer.
  std::string response;
  std::array<std::uint8_t, 16384> buffer{};
  for (;;) {
    Result<std::size_t> n = socket->Receive(buffer, left());
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    response.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
  const std::size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 200 ", 0) != 0 || body == std::string::npos) {
    return Status::Unavailable("metrics endpoint answered: " +
                               response.substr(0, response.find("\r\n")));
  }
  return response.substr(body + 4);
}

}  // namespace openadcs::testing
