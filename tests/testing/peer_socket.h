// A TCP client socket bound to a chosen local address, for tests that play
// misbehaving peers: on lo every 127.0.0.0/8 address is local, so a socket
// bound to 127.0.0.2 is another host to a server that sees 127.0.0.1 too.
#ifndef OPENADCS_TESTS_TESTING_PEER_SOCKET_H_
#define OPENADCS_TESTS_TESTING_PEER_SOCKET_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "openadcs/util/status.h"

namespace openadcs::testing {

class PeerSocket {
 public:
  // Connects from `source` (port chosen by the kernel) to host:port.
  // `receive_buffer` > 0 sets SO_RCVBUF first: a peer that takes little.
  static Result<PeerSocket> Connect(const std::string& source, const std::string& host,
                                    std::uint16_t port, int receive_buffer = 0);
  ~PeerSocket();
  PeerSocket(PeerSocket&& other) noexcept;
  PeerSocket& operator=(PeerSocket&& other) noexcept;
  PeerSocket(const PeerSocket&) = delete;
  PeerSocket& operator=(const PeerSocket&) = delete;

  // Sends all of `bytes` within `timeout`. Errors: kUnavailable when the
  // peer stops taking them in time, kIOError.
  Status Send(std::span<const std::uint8_t> bytes, std::chrono::milliseconds timeout);
  // Sends what the socket takes without waiting; returns how much.
  Result<std::size_t> SendNow(std::span<const std::uint8_t> bytes);
  // Waits up to `timeout` for bytes: returns how many were read into
  // `out`, 0 when the peer closed. Errors: kUnavailable (nothing in
  // time), kIOError.
  Result<std::size_t> Receive(std::span<std::uint8_t> out, std::chrono::milliseconds timeout);
  // Reads and discards until the peer closes (true) or `timeout` passes.
  bool WaitClosed(std::chrono::milliseconds timeout);
  // How many of the bytes sent the peer's TCP has not acknowledged yet.
  Result<std::size_t> Unacknowledged() const;

 private:
  explicit PeerSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_PEER_SOCKET_H_
