// The [metrics] endpoint: HTTP answers and limits of the server alone, then
// the daemon's metrics moving as it serves.
#include "openadcs/daemon/metrics_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "openadcs/daemon/daemon.h"
#include "testing/metric_sample.h"
#include "testing/pki.h"
#include "testing/test_callers.h"

namespace openadcs::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::chrono::seconds kSocketTimeout{10};

// A TCP connection to 127.0.0.1:port whose every send and receive gives up
// after kSocketTimeout.
class Client {
 public:
  explicit Client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    timeval tv{kSocketTimeout.count(), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool Send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }

  // Everything until the server closes; nullopt on a receive timeout.
  std::optional<std::string> ReadToEnd() {
    std::string out;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n == 0) return out;
      if (n < 0) return errno == ECONNRESET ? std::optional<std::string>(out) : std::nullopt;
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::string Exchange(std::uint16_t port, const std::string& request) {
  Client client(port);
  EXPECT_TRUE(client.connected());
  EXPECT_TRUE(client.Send(request));
  std::optional<std::string> response = client.ReadToEnd();
  EXPECT_TRUE(response.has_value()) << "no answer within " << kSocketTimeout.count() << " s";
  return response.value_or("");
}

std::string Scrape(std::uint16_t port) {
  return Exchange(port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

std::string Body(const std::string& response) {
  const std::size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

class MetricsServerTest : public ::testing::Test {
 protected:
  void StartServer(const MetricsServerOptions& options = {}) {
    auto server = MetricsServer::Start(options, registry_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    ASSERT_NE(server_->port(), 0);
  }

  metrics::Registry registry_;
  std::unique_ptr<MetricsServer> server_;
};

TEST_F(MetricsServerTest, GetMetricsAnswersTheExpositionFormat) {
  registry_.GetCounter("openadcs_test_total", "A test counter.").Increment(3);
  StartServer();
  const std::string response = Scrape(server_->port());
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(response,
              HasSubstr("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  EXPECT_THAT(response, HasSubstr("\r\nConnection: close\r\n"));
  const std::string body = Body(response);
  EXPECT_EQ(body, registry_.RenderText());
  EXPECT_THAT(response, HasSubstr("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"));
  EXPECT_THAT(body, HasSubstr("openadcs_test_total 3\n"));

  // A query string is ignored; HEAD has the headers only; HTTP/1.0 works.
  EXPECT_THAT(Exchange(server_->port(), "GET /metrics?x=1 HTTP/1.0\r\n\r\n"),
              StartsWith("HTTP/1.1 200 OK\r\n"));
  const std::string head = Exchange(server_->port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_THAT(head, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(Body(head), "");
}

TEST_F(MetricsServerTest, OtherRequestsAreRefused) {
  StartServer();
  const std::uint16_t port = server_->port();
  EXPECT_THAT(Exchange(port, "GET / HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(Exchange(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
              StartsWith("HTTP/1.1 405 Method Not Allowed\r\n"));
  EXPECT_THAT(Exchange(port, "hello\r\n\r\n"), StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(Exchange(port, "GET /metrics SPDY/3\r\n\r\n"),
              StartsWith("HTTP/1.1 400 Bad Request\r\n"));
}

TEST_F(MetricsServerTest, AnOversizedRequestHeadIsRefused) {
  MetricsServerOptions options;
  options.max_request_bytes = 1024;
  StartServer(options);
  const std::string response = Exchange(
      server_->port(), "GET /metrics HTTP/1.1\r\nX-Filler: " + std::string(2000, 'a') + "\r\n\r\n");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
}

TEST_F(MetricsServerTest, ASilentClientIsClosedAfterTheTimeout) {
  MetricsServerOptions options;
  options.timeout = std::chrono::milliseconds(200);
  StartServer(options);
  Client client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send("GET /metrics HTTP/1.1\r\n"));  // never finished
  const auto start = std::chrono::steady_clock::now();
  const std::optional<std::string> response = client.ReadToEnd();
  ASSERT_TRUE(response.has_value()) << "not closed within " << kSocketTimeout.count() << " s";
  EXPECT_EQ(*response, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(MetricsServerTest, ConnectionsBeyondTheLimitAreClosed) {
  MetricsServerOptions options;
  options.max_connections = 1;
  options.timeout = std::chrono::seconds(60);  // the idle one must outlast the test
  StartServer(options);
  auto idle = std::make_unique<Client>(server_->port());
  ASSERT_TRUE(idle->connected());
  // The listener accepts in order: the idle one holds the only slot, so the
  // next is closed without an answer.
  Client refused(server_->port());
  ASSERT_TRUE(refused.connected());
  const std::optional<std::string> nothing = refused.ReadToEnd();
  ASSERT_TRUE(nothing.has_value());
  EXPECT_EQ(*nothing, "");
  // The idle one is answered; once it has closed, a scrape gets through again.
  ASSERT_TRUE(idle->Send("GET /metrics HTTP/1.1\r\n\r\n"));
  EXPECT_THAT(idle->ReadToEnd().value_or(""), StartsWith("HTTP/1.1 200 OK\r\n"));
  idle.reset();
  std::string scraped;
  for (int attempt = 0; attempt < 100 && !scraped.starts_with("HTTP/1.1 200"); ++attempt) {
    // The slot is freed on the server's thread when it sees the close; a
    // scrape that races it is closed unanswered and is retried.
    Client again(server_->port());
    if (again.connected() && again.Send("GET /metrics HTTP/1.1\r\n\r\n")) {
      scraped = again.ReadToEnd().value_or("");
    }
  }
  EXPECT_THAT(scraped, StartsWith("HTTP/1.1 200 OK\r\n"));
}

TEST_F(MetricsServerTest, ANonLocalAddressThatCannotBeBoundIsAnError) {
  MetricsServerOptions options;
  options.address = "192.0.2.1";  // TEST-NET-1: not an address of this host
  auto server = MetricsServer::Start(options, registry_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kIOError);
}

// The daemon in this process: its metrics move as it serves.
TEST(DaemonMetricsTest, CountersMoveAsTheDaemonServes) {
  testing::TempDir dir;
  DaemonConfig config;
  config.ca.subject = "CN=Metrics Test CA";
  config.ca.key_algorithm = pki::KeyAlgorithm::kEcdsaP256;
  config.state.dir = dir.path() / "state";
  config.templates.directory = OPENADCS_SOURCE_DIR "/config/templates";
  config.rpc.address = "127.0.0.1";
  config.rpc.epm_port = 0;
  config.metrics.listen = "127.0.0.1:0";
  auto daemon = Daemon::Create(config);
  ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
  const std::uint16_t port = (*daemon)->metrics_port();
  ASSERT_NE(port, 0);
  std::thread loop([io = &(*daemon)->io_context()] { io->run(); });

  std::string body = Body(Scrape(port));
  EXPECT_EQ(testing::MetricSample(body, "openadcs_ca_pending_requests"), 0) << body;
  EXPECT_EQ(testing::MetricSample(body, "openadcs_rpc_connections"), 0) << body;
  EXPECT_EQ(testing::MetricSample(body, "openadcs_ca_requests_total{outcome=\"failed\"}"), -1)
      << body;
  const double fsyncs_before =
      testing::MetricSample(body, "openadcs_db_commit_fsync_seconds_count");
  const double writes_before = testing::MetricSample(body, "openadcs_db_commit_writes_sum");
  const auto stage_count = [](const std::string& text, const char* stage) {
    return std::max(
        testing::MetricSample(
            text, std::string("openadcs_db_write_stage_seconds_count{stage=\"") + stage + "\"}"),
        0.0);
  };
  const double queued_before = stage_count(body, "queued");
  const double synced_before = stage_count(body, "sync");

  ca::SubmitRequest garbage;
  garbage.request = {0x30, 0x03, 0x02, 0x01, 0x00};  // DER, but no request
  garbage.caller = testing::TestRequester();
  const ca::SubmitResult failed = (*daemon)->engine().Submit(garbage);
  EXPECT_NE(failed.request_id, 0u);

  body = Body(Scrape(port));
  EXPECT_EQ(testing::MetricSample(body, "openadcs_ca_requests_total{outcome=\"failed\"}"), 1)
      << body;
  EXPECT_GT(testing::MetricSample(body, "openadcs_db_commit_fsync_seconds_count"),
            std::max(fsyncs_before, 0.0))
      << body;
  EXPECT_THAT(body, HasSubstr("openadcs_db_commit_fsync_seconds_bucket{le=\"+Inf\"}"));
  EXPECT_GT(testing::MetricSample(body, "openadcs_db_commit_writes_sum"),
            std::max(writes_before, 0.0))
      << body;
  EXPECT_GT(testing::MetricSample(body, "openadcs_db_commit_writer_cpu_seconds_count"), 0) << body;
  // The failed request's row went through every stage of the group commit.
  EXPECT_GT(stage_count(body, "queued"), queued_before) << body;
  EXPECT_EQ(stage_count(body, "transaction"), stage_count(body, "queued")) << body;
  EXPECT_GT(stage_count(body, "sync"), synced_before) << body;

  {
    // An RPC connection is counted while it is open (the accept runs on the
    // loop, so the scrape is repeated until it shows, within a deadline).
    Client rpc((*daemon)->epm_port());
    ASSERT_TRUE(rpc.connected());
    const auto deadline = std::chrono::steady_clock::now() + kSocketTimeout;
    double open = 0;
    while (open != 1 && std::chrono::steady_clock::now() < deadline) {
      open = testing::MetricSample(Body(Scrape(port)), "openadcs_rpc_connections");
    }
    EXPECT_EQ(open, 1);
  }

  (*daemon)->io_context().stop();
  loop.join();
}

}  // namespace
}  // namespace openadcs::daemon
