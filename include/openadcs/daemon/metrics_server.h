// The Prometheus endpoint: HTTP/1.1 `GET /metrics` answered with the
// registry in the text exposition format 0.0.4, one request per connection
// (Connection: close). It runs on a thread and io_context of its own, so a
// scrape (which reads the database for the pending queue) never stalls the
// RPC loop, and a slow scraper never delays a call.
//
// Limits: at most `max_connections` open (more are closed at once), a request
// head of at most `max_request_bytes`, and `timeout` for the whole exchange.
// Answers: 200 for GET (or HEAD) /metrics, 404 for another path, 405 for
// another method, 431 for an oversized head, 400 for anything else.
#ifndef OPENADCS_DAEMON_METRICS_SERVER_H_
#define OPENADCS_DAEMON_METRICS_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "openadcs/util/metrics.h"
#include "openadcs/util/status.h"

namespace openadcs::daemon {

struct MetricsServerOptions {
  std::string address = "127.0.0.1";  // a literal address
  std::uint16_t port = 0;             // 0: a free port
  std::size_t max_connections = 8;
  std::size_t max_request_bytes = 8192;
  std::chrono::milliseconds timeout{5000};
};

// The answer to a request line ("GET /metrics HTTP/1.1", without CRLF):
// the HTTP status as above (a query string is ignored) and whether the
// method is HEAD. Untrusted input; fuzzed (fuzz/metrics_request_fuzz.cc).
struct MetricsRequest {
  int status = 400;
  bool head = false;
};
MetricsRequest ParseMetricsRequestLine(std::string_view line);

class MetricsServer {
 public:
  // Listens and starts the server's thread. `registry` must outlive the
  // server. Errors: IOError when the address cannot be bound.
  static Result<std::unique_ptr<MetricsServer>> Start(const MetricsServerOptions& options,
                                                      const metrics::Registry& registry);
  // Closes the listener and every connection and joins the thread.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  std::uint16_t port() const;

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_METRICS_SERVER_H_
