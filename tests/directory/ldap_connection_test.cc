// LdapConnection where libldap alone would say too little or too much: a
// CA file that cannot be read, and a directory server that resets its
// connection. libldap writes with write(2): once the server has reset the
// connection, the next request raises SIGPIPE, which by default ends the
// process (the openadcs CLI once did, with status 141 and no message).
#include "directory/ldap_connection.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "directory/directory_naming.h"
#include "testing/pki.h"
#include "testing/sigpipe_child.h"

namespace openadcs::directory {
namespace {

constexpr int kWaitMs = 5000;

// Waits up to kWaitMs for `events` on `fd`.
bool WaitFor(int fd, short events) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, kWaitMs) == 1;
}

// A SearchResultDone: success, no entries.
const std::vector<std::uint8_t> kSearchDone = {0x65, 0x07, 0x0A, 0x01, 0x00,
                                               0x04, 0x00, 0x04, 0x00};

// One connection's worth of an LDAP server on 127.0.0.1: answers the first
// request with `answer` (a protocolOp, under 120 bytes), then, once told,
// closes the connection with a reset.
class ResettingServer {
 public:
  explicit ResettingServer(std::vector<std::uint8_t> answer = kSearchDone)
      : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listener_, 1) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, reset = reset_.get_future()] { Serve(reset); });
  }
  ~ResettingServer() {
    if (thread_.joinable()) static_cast<void>(Reset());
    if (listener_ >= 0) ::close(listener_);
  }
  ResettingServer(const ResettingServer&) = delete;
  ResettingServer& operator=(const ResettingServer&) = delete;

  std::uint16_t port() const { return port_; }
  // Resets the connection; returns whether it answered a request first.
  // Once.
  bool Reset() {
    reset_.set_value();
    thread_.join();
    return answered_;
  }

 private:
  void Serve(const std::future<void>& reset) {
    if (!WaitFor(listener_, POLLIN)) return;
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    std::array<std::uint8_t, 4096> request{};
    const ssize_t n = WaitFor(fd, POLLIN) ? ::read(fd, request.data(), request.size()) : -1;
    // LDAPMessage ::= SEQUENCE { messageID INTEGER, ... }: the SEQUENCE's
    // length in short or long form, then the id's tag, length and byte.
    const std::size_t id_at = 2 + ((request[1] & 0x80) != 0 ? (request[1] & 0x7F) : 0) + 2;
    if (n > static_cast<ssize_t>(id_at) && request[0] == 0x30) {
      std::vector<std::uint8_t> message = {0x30, static_cast<std::uint8_t>(3 + answer_.size()),
                                           0x02, 0x01, request[id_at]};
      message.insert(message.end(), answer_.begin(), answer_.end());
      answered_ =
          ::write(fd, message.data(), message.size()) == static_cast<ssize_t>(message.size());
    }
    reset.wait_for(std::chrono::milliseconds(kWaitMs));
    const linger abort{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    ::close(fd);
  }

  std::vector<std::uint8_t> answer_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  bool answered_ = false;
  std::promise<void> reset_;
  std::thread thread_;
};

// In a child with SIGPIPE's default action (as in the CLI): a search, the
// server's reset, a second search. Returns what went wrong, or null.
const char* SearchAfterAReset() {
  ResettingServer server;
  if (server.port() == 0) return "no listening socket";
  LdapTemplateSourceOptions options;
  options.uris = {"ldap://127.0.0.1:" + std::to_string(server.port())};
  options.allow_cleartext = true;  // anonymous, and no bind at all
  options.operation_timeout = std::chrono::milliseconds(kWaitMs);
  Result<std::unique_ptr<LdapConnection>> connection = LdapConnection::Open(options);
  if (!connection.ok()) return "Open failed";
  if (!(*connection)->Search(BaseSearch("", {})).ok()) return "the first search failed";
  if (!server.Reset()) return "the server answered no request";
  // The reset is in: reading it takes the socket's pending error, as a read
  // of libldap's own does whenever the reset arrives before it; the next
  // write then fails with EPIPE and raises SIGPIPE.
  const int fd = (*connection)->Descriptor();
  if (!WaitFor(fd, POLLIN)) return "the reset did not arrive";
  char byte = 0;
  if (::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) >= 0 || errno != ECONNRESET) {
    return "the socket did not report the reset";
  }
  Result<std::vector<DirectoryEntry>> after = (*connection)->Search(BaseSearch("", {}));
  if (after.ok() || after.status().code() != StatusCode::kUnavailable) {
    return "the search after the reset was not Unavailable";
  }
  connection->reset();  // the unbind writes too
  return nullptr;
}

TEST(LdapConnectionTest, AnUnreadableCaFileIsNamedWithTheReason) {
  LdapTemplateSourceOptions options;
  options.uris = {"ldaps://127.0.0.1:1"};
  options.ca_file = "/nonexistent/ldap-ca.pem";
  Result<std::unique_ptr<LdapConnection>> connection = LdapConnection::Open(options);
  ASSERT_EQ(connection.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(connection.status().message(),
            "/nonexistent/ldap-ca.pem: cannot be read: No such file or directory");
}

// A simple bind with the password "not-it" that the server refuses with
// `reason` as its diagnosticMessage: what Open says.
std::string RefusedBindMessage(const std::string& reason) {
  // BindResponse { resultCode invalidCredentials (49), matchedDN "",
  // diagnosticMessage reason }
  std::vector<std::uint8_t> answer = {
      0x61, static_cast<std::uint8_t>(7 + reason.size()), 0x0A, 0x01, 0x31, 0x04, 0x00,
      0x04, static_cast<std::uint8_t>(reason.size())};
  answer.insert(answer.end(), reason.begin(), reason.end());
  ResettingServer server(answer);
  if (server.port() == 0) return "no listening socket";
  const testing::TempDir dir;
  { std::ofstream(dir.path() / "password") << "not-it\n"; }
  LdapTemplateSourceOptions options;
  options.uris = {"ldap://127.0.0.1:" + std::to_string(server.port())};
  options.bind = LdapBind::kSimple;
  options.bind_dn = "CN=openadcs,CN=Users,DC=example,DC=com";
  options.password_file = dir.path() / "password";
  options.allow_cleartext = true;
  options.operation_timeout = std::chrono::milliseconds(kWaitMs);
  const Status status = LdapConnection::Open(options).status();
  if (!server.Reset()) return "the server answered no request";
  return status.code() == StatusCode::kInvalidArgument
             ? status.message()
             : "not InvalidArgument: " + status.ToString();
}

// A refused bind says why, as the server put it (AD's "data 775": the
// account is locked out), and a line break in the server's text does not
// start a line of the log.
TEST(LdapConnectionTest, ARefusedBindGivesTheServersReasonOnOneLine) {
  EXPECT_EQ(RefusedBindMessage("80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext "
                               "error, data 775, v4563\nforged: line"),
            "simple bind as CN=openadcs,CN=Users,DC=example,DC=com (80090308: LdapErr: "
            "DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563?forged: line): "
            "invalid credentials");
}

// Secrets are never logged, whatever the server sends back.
TEST(LdapConnectionTest, AServerReasonThatRepeatsThePasswordIsLeftOut) {
  EXPECT_EQ(RefusedBindMessage("bad password not-it"),
            "simple bind as CN=openadcs,CN=Users,DC=example,DC=com (the server's reason repeats "
            "the password, so it is not shown): invalid credentials");
}

// A host without Cyrus SASL's GSSAPI plugin (SASL_PATH names a folder that
// does not exist) says which package brings it. In a process of its own:
// SASL loads its plugins once per process.
TEST(LdapConnectionTest, AGssapiBindWithoutTheSaslModuleNamesThePackage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::setenv("SASL_PATH", "/nonexistent/sasl2", 1);
        // The bind fails before anything is sent.
        const ResettingServer server;
        if (server.port() == 0) std::_Exit(2);
        LdapTemplateSourceOptions options;
        options.uris = {"ldap://127.0.0.1:" + std::to_string(server.port())};
        options.bind = LdapBind::kSaslGssapi;
        options.operation_timeout = std::chrono::milliseconds(kWaitMs);
        const Status status = LdapConnection::Open(options).status();
        std::fprintf(stderr, "%s\n", status.message().c_str());
        std::_Exit(status.ok() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0),
      "SASL GSSAPI bind \\(SASL\\(-4\\): no mechanism available.*\\): Cyrus SASL has no "
      "GSSAPI module on this host \\(Debian's libsasl2-modules-gssapi-mit\\)");
}

TEST(LdapConnectionTest, ASearchOnAConnectionTheServerResetIsUnavailableAndTheProcessLives) {
  testing::ExpectCheckPassesWithDefaultSigpipe(SearchAfterAReset);
}

}  // namespace
}  // namespace openadcs::directory
