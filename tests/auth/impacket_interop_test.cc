// impacket (Debian's python3-impacket) as the NTLM client of our acceptor:
// its NEGOTIATE and AUTHENTICATE, its sealed DCE/RPC PDUs unprotected by the
// server context, and ours unsealed and verified by impacket's code.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "auth/ntlm_test_environment.h"
#include "openadcs/auth/ntlm_message.h"

namespace openadcs::auth {
namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's modules load only here
constexpr std::chrono::milliseconds kLineTimeout{20000};
constexpr int kPdus = 6;

// A child process with stdin and stdout on pipes; killed and reaped on
// destruction.
class PipedChild {
 public:
  explicit PipedChild(const std::vector<std::string>& argv) {
    int to_child[2];
    int from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
  }
  ~PipedChild() {
    if (in_ >= 0) ::close(in_);
    if (out_ >= 0) ::close(out_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  PipedChild(const PipedChild&) = delete;
  PipedChild& operator=(const PipedChild&) = delete;

  bool started() const { return pid_ > 0; }

  bool WriteLine(const std::string& line) {
    const std::string text = line + "\n";
    return ::write(in_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }

  // The next line, or nullopt on EOF or after kLineTimeout.
  std::optional<std::string> ReadLine() {
    const auto deadline = std::chrono::steady_clock::now() + kLineTimeout;
    while (true) {
      const auto newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd pfd{out_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(out_, chunk, sizeof(chunk));
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffer_;
};

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

Bytes Hex(const std::string& hex) {
  return HexDecode(hex).value_or(Bytes());
}

TEST(ImpacketInteropTest, ImpacketAuthenticatesAndSealsAgainstOurAcceptor) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "impacket", "Imp-Pass-1").ok());
  PipedChild python({kPython, OPENADCS_SOURCE_DIR "/tests/auth/impacket_ntlm_client.py", "TESTDOM",
                     "impacket", "Imp-Pass-1", std::to_string(kPdus)});
  ASSERT_TRUE(python.started());
  auto server = env.acceptor().NewContext();
  ASSERT_TRUE(server.ok());
  SecurityContext& ctx = **server;

  auto negotiate = python.ReadLine();
  ASSERT_TRUE(negotiate.has_value()) << "impacket did not start";
  EXPECT_EQ(Hex(*negotiate).size(), 32u);  // no VERSION
  auto challenge = ctx.Step(Hex(*negotiate));
  ASSERT_TRUE(challenge.ok()) << challenge.status().ToString();
  ASSERT_TRUE(python.WriteLine(HexLower(*challenge)));
  auto authenticate = python.ReadLine();
  ASSERT_TRUE(authenticate.has_value()) << "impacket rejected our CHALLENGE";
  auto done = ctx.Step(Hex(*authenticate));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  ASSERT_TRUE(ctx.established());
  EXPECT_EQ(ctx.identity().Qualified(), "TESTDOM\\impacket");

  // impacket's sealed PDUs, in order.
  for (int i = 0; i < kPdus; ++i) {
    auto line = python.ReadLine();
    ASSERT_TRUE(line.has_value());
    const auto w = Words(*line);
    ASSERT_EQ(w.size(), 5u);
    Bytes pdu = Hex(w[1]);
    const Status status =
        ctx.Unprotect(AuthLevel::kPrivacy, pdu, std::stoul(w[2]), std::stoul(w[3]), Hex(w[4]));
    ASSERT_TRUE(status.ok()) << "PDU " << i << ": " << status.ToString();
    EXPECT_EQ(pdu, Hex(w[0])) << i;
  }
  // Ours, unsealed and verified by impacket's MAC.
  for (int i = 0; i < kPdus; ++i) {
    Bytes pdu(16 + 40 + i * 4 + 8);
    for (std::size_t k = 0; k < pdu.size(); ++k) pdu[k] = static_cast<std::uint8_t>(k * 11 + i);
    const Bytes plain = pdu;
    std::array<std::uint8_t, 16> sig{};
    const std::size_t stub = 40 + static_cast<std::size_t>(i) * 4;
    ASSERT_TRUE(ctx.Protect(AuthLevel::kPrivacy, pdu, 16, stub, sig).ok());
    ASSERT_TRUE(python.WriteLine("- " + HexLower(pdu) + " 16 " + std::to_string(stub) + " " +
                                 HexLower(sig)));
    auto verdict = python.ReadLine();
    ASSERT_TRUE(verdict.has_value());
    EXPECT_EQ(*verdict, "ok " + HexLower(plain)) << i;
  }
}

TEST(ImpacketInteropTest, ImpacketWithAWrongPasswordIsRefused) {
  auto& env = testing::NtlmEnvironment::Get();
  ASSERT_TRUE(env.AddUser("TESTDOM", "impacket2", "Imp-Pass-2").ok());
  PipedChild python({kPython, OPENADCS_SOURCE_DIR "/tests/auth/impacket_ntlm_client.py", "TESTDOM",
                     "impacket2", "not-the-password", "0"});
  ASSERT_TRUE(python.started());
  auto server = env.acceptor().NewContext();
  ASSERT_TRUE(server.ok());
  auto negotiate = python.ReadLine();
  ASSERT_TRUE(negotiate.has_value());
  auto challenge = (*server)->Step(Hex(*negotiate));
  ASSERT_TRUE(challenge.ok());
  ASSERT_TRUE(python.WriteLine(HexLower(*challenge)));
  auto authenticate = python.ReadLine();
  ASSERT_TRUE(authenticate.has_value());
  EXPECT_EQ((*server)->Step(Hex(*authenticate)).status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace openadcs::auth
