#include "testing/peer_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

namespace openadcs::testing {
namespace {

using Clock = std::chrono::steady_clock;

Result<sockaddr_in> Address(const std::string& host, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
    return Status::InvalidArgument("not an IPv4 address: " + host);
  }
  return a;
}

// Waits for `events` on `fd` until `deadline`: false when it passed.
bool Wait(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // the next call reports it
  }
}

}  // namespace

Result<PeerSocket> PeerSocket::Connect(const std::string& source, const std::string& host,
                                       std::uint16_t port, int receive_buffer) {
  Result<sockaddr_in> from = Address(source, 0);
  if (!from.ok()) return from.status();
  Result<sockaddr_in> to = Address(host, port);
  if (!to.ok()) return to.status();
  PeerSocket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (s.fd_ < 0) return Status::IOErrorFromErrno("socket");
  if (receive_buffer > 0 &&
      ::setsockopt(s.fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer)) != 0) {
    return Status::IOErrorFromErrno("SO_RCVBUF");
  }
  if (::bind(s.fd_, reinterpret_cast<const sockaddr*>(&*from), sizeof(*from)) != 0) {
    return Status::IOErrorFromErrno("bind");
  }
  if (::connect(s.fd_, reinterpret_cast<const sockaddr*>(&*to), sizeof(*to)) != 0) {
    return Status::IOErrorFromErrno("connect");
  }
  if (::fcntl(s.fd_, F_SETFL, ::fcntl(s.fd_, F_GETFL) | O_NONBLOCK) != 0)
    return Status::IOErrorFromErrno("fcntl");
  return s;
}

PeerSocket::~PeerSocket() {
  if (fd_ >= 0) ::close(fd_);
}

PeerSocket::PeerSocket(PeerSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

PeerSocket& PeerSocket::operator=(PeerSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Result<std::size_t> PeerSocket::SendNow(std::span<const std::uint8_t> bytes) {
  const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  if (n >= 0) return static_cast<std::size_t>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return std::size_t{0};
  return Status::IOErrorFromErrno("send");
}

Status PeerSocket::Send(std::span<const std::uint8_t> bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    Result<std::size_t> n = SendNow(bytes);
    if (!n.ok()) return n.status();
    bytes = bytes.subspan(*n);
    if (!bytes.empty() && !Wait(fd_, POLLOUT, deadline)) {
      return Status::Unavailable("the peer stopped taking bytes");
    }
  }
  return Status::Ok();
}

Result<std::size_t> PeerSocket::Receive(std::span<std::uint8_t> out,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const ssize_t n = ::recv(fd_, out.data(), out.size(), 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == ECONNRESET) return std::size_t{0};
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      return Status::IOErrorFromErrno("recv");
    if (!Wait(fd_, POLLIN, deadline)) {
      return Status::Unavailable("nothing received");
    }
  }
}

bool PeerSocket::WaitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<std::uint8_t> sink(std::size_t{64} * 1024);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    Result<std::size_t> n = Receive(sink, left);
    if (!n.ok()) return false;
    if (*n == 0) return true;
  }
}

Result<std::size_t> PeerSocket::Unacknowledged() const {
  int queued = 0;
  if (::ioctl(fd_, SIOCOUTQ, &queued) != 0) return Status::IOErrorFromErrno("SIOCOUTQ");
  return static_cast<std::size_t>(queued);
}

}  // namespace openadcs::testing
