#include "openadcs/daemon/metrics_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <istream>
#include <thread>
#include <utility>

#include "openadcs/util/thread_name.h"

namespace openadcs::daemon {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string Response(std::string_view status, std::string_view content_type,
                     const std::string& body, bool head) {
  std::string out = fmt::format(
      "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", status,
      content_type, body.size());
  if (!head) out += body;
  return out;
}

}  // namespace

MetricsRequest ParseMetricsRequestLine(std::string_view line) {
  MetricsRequest out;
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1.")) return out;
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  out.head = method == "HEAD";
  if (method != "GET" && !out.head) {
    out.status = 405;
  } else {
    out.status = target == "/metrics" ? 200 : 404;
  }
  return out;
}

struct MetricsServer::Impl {
  Impl(const MetricsServerOptions& o, const metrics::Registry& r)
      : options(o), registry(r), acceptor(io) {}

  class Connection : public std::enable_shared_from_this<Connection> {
   public:
    Connection(Impl& server, tcp::socket socket)
        : server_(server),
          socket_(std::move(socket)),
          timer_(server.io),
          buffer_(server.options.max_request_bytes) {
      ++server_.open;
    }
    ~Connection() { --server_.open; }

    void Start() {
      timer_.expires_after(server_.options.timeout);
      timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec) return;
        spdlog::debug("metrics: a scrape from {} timed out", self->Peer());
        boost::system::error_code ignored;
        self->socket_.close(ignored);
      });
      asio::async_read_until(socket_, buffer_, "\r\n\r\n",
                             [self = shared_from_this()](boost::system::error_code ec,
                                                         std::size_t) { self->OnHead(ec); });
    }

   private:
    std::string Peer() const {
      boost::system::error_code ignored;
      return socket_.remote_endpoint(ignored).address().to_string(ignored);
    }

    void OnHead(boost::system::error_code ec) {
      if (ec == asio::error::not_found) {
        return Reply(Response("431 Request Header Fields Too Large", "text/plain", "", false));
      }
      if (ec) return Close();
      std::istream in(&buffer_);
      std::string line;
      std::getline(in, line);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const MetricsRequest request = ParseMetricsRequestLine(line);
      switch (request.status) {
        case 200:
          return Reply(
              Response("200 OK", kContentType, server_.registry.RenderText(), request.head));
        case 404: return Reply(Response("404 Not Found", "text/plain", "", request.head));
        case 405: return Reply(Response("405 Method Not Allowed", "text/plain", "", false));
        default: return Reply(Response("400 Bad Request", "text/plain", "", false));
      }
    }

    void Reply(std::string response) {
      response_ = std::move(response);
      asio::async_write(socket_, asio::buffer(response_),
                        [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                          if (ec) return self->Close();
                          // Closing with unread bytes (an oversized head) would reset the
                          // connection and could discard the answer at the client: send FIN
                          // and read until the client closes, within the timeout.
                          boost::system::error_code ignored;
                          self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                          self->Drain();
                        });
    }

    void Drain() {
      socket_.async_read_some(
          asio::buffer(discard_),
          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
            if (ec) return self->Close();
            self->Drain();
          });
    }

    void Close() {
      boost::system::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_both, ignored);
      socket_.close(ignored);
      timer_.cancel();
    }

    Impl& server_;
    tcp::socket socket_;
    asio::steady_timer timer_;
    asio::streambuf buffer_;
    std::string response_;
    std::array<char, 512> discard_;
  };

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        if (open >= options.max_connections) {
          spdlog::warn("metrics: scrape refused: {} connections open", open);
          boost::system::error_code ignored;
          socket.close(ignored);
        } else {
          std::make_shared<Connection>(*this, std::move(socket))->Start();
        }
      }
      Accept();
    });
  }

  const MetricsServerOptions options;
  const metrics::Registry& registry;
  // Before io: connections left in its queue are destroyed with it.
  std::size_t open = 0;  // only touched on the thread
  std::uint16_t port = 0;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const MetricsServerOptions& options,
                                                            const metrics::Registry& registry) {
  auto impl = std::make_unique<Impl>(options, registry);
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return Status::InvalidArgument(
        fmt::format("metrics address '{}': {}", options.address, ec.message()));
  }
  const tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(static_cast<int>(options.max_connections), ec);
  if (ec) {
    return Status::IOError(
        fmt::format("metrics: listen on {}:{}: {}", options.address, options.port, ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint(ec).port();
  impl->Accept();
  impl->thread = std::thread([io = &impl->io] {
    util::NameThisThread("metrics-http");
    io->run();
  });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t MetricsServer::port() const {
  return impl_->port;
}

}  // namespace openadcs::daemon
