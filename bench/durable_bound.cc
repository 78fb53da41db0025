// The simplest durable enrollment server, beside the crypto floor
// (crypto_floor.h), for the over-the-wire rows of issue 13 (not a test): what
// this machine gives a server that does only the floor's public-key work and
// one durable append per request, over loopback TCP, with the fewest
// hand-offs. A real AD CS server does all of it and more (it seals and
// unseals every PDU, decodes NDR and the request's attributes, builds and
// encodes the certificate, runs policy, and keeps the rows and indexes the
// admin protocol's views need). It is a reference, not a proof of a bound:
// a server that batches its work (as openadcsd does) can spend less CPU per
// request once many connections wait.
//
// A child process serves each connection on a thread of its own, with
// blocking sockets and no RPC, NTLM or database. Per request it decodes the
// PKCS#10 and checks its signature with the request's own key, signs a
// 1,000-byte TBS with the CA key (one floor operation), appends request, TBS
// and signature to a preallocated file and answers once an fdatasync that
// started after the append has ended: the connection's thread runs one for
// everything appended so far if none is under way, and otherwise waits for
// the one that will cover it (--replies-from-syncer: one thread syncs and
// sends every reply, and the connections' threads go back to reading). The
// clients run in this process, one thread per connection, as icpr_enroll's
// do; client and server share the cores.
//
//   build/bench/bench/durable_bound --connections 8,16,32 --seconds 3 --rounds 3
//   build/bench/bench/durable_bound --connections 32 --rate-fraction 0.7 --seconds 5
//   build/bench/bench/durable_bound --connections 8 --flows kept,new-connection
//
// `new-connection` is the shape of dcom_enroll's `activate-certreq`: a round
// trip on the kept connection (the activation), a new connection with one
// round trip (the bind and NTLM challenge) and one message without a reply
// (the third NTLM leg), the request, a close, and a round trip on the kept
// connection (the release); `/kept` is its rate over the kept flow's.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "enroll_bench_support.h"
#include "guarded_main.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/pki/csr_builder.h"
#include "openadcs/util/status.h"
#include "testing/pki.h"

namespace {

using namespace openadcs;
using namespace openadcs::bench;

constexpr std::size_t kTbsBytes = 1000;
constexpr std::size_t kSmallReply = 64;       // a bind_ack or an activation's answer, roughly
constexpr std::uint32_t kSmallMessage = 200;  // what the client sends for one
constexpr off_t kLogBytes = off_t{64} << 20;  // preallocated, then written in a ring
// Every wait of a client or of the bench on the server ends by then.
constexpr int kTimeoutSeconds = 30;

// The wire: a 4-byte length, then the body. A body of up to kSmallMessage
// bytes is a control message, answered with kSmallReply bytes unless its first
// byte is 0 (no reply); a longer one is a PKCS#10 request.
bool SendMessage(int fd, const std::uint8_t* body, std::uint32_t n) {
  std::vector<std::uint8_t> out(4 + n);
  std::memcpy(out.data(), &n, 4);
  if (n > 0) std::memcpy(out.data() + 4, body, n);
  return ::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
}

bool ReceiveAll(int fd, void* to, std::size_t n) {
  auto* p = static_cast<std::uint8_t*>(to);
  while (n > 0) {
    const ssize_t got = ::recv(fd, p, n, 0);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

// The server waits for its clients as long as they keep the connection
// (`receive_timeout` false); the clients wait for it at most kTimeoutSeconds.
void SetSocketOptions(int fd, bool receive_timeout) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const timeval timeout{.tv_sec = kTimeoutSeconds, .tv_usec = 0};
  if (receive_timeout) ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

// The server's file: appends in a ring over a preallocated file (so that no
// sync also writes a new size or allocates blocks), made durable by group
// commit, and the replies that wait for it.
class DurableLog {
 public:
  // `replies_from_syncer`: a thread of the log's own syncs and sends the
  // replies, so a connection's thread goes back to reading once it has
  // appended; otherwise each connection's thread waits for a sync that covers
  // its record (running one itself if none is under way) and replies.
  DurableLog(int fd, bool sync, bool replies_from_syncer) : fd_(fd), sync_(sync) {
    if (replies_from_syncer) syncer_ = std::thread([this] { SyncAndReply(); });
  }
  ~DurableLog() {
    if (!syncer_.joinable()) return;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    syncer_.join();
  }
  DurableLog(const DurableLog&) = delete;
  DurableLog& operator=(const DurableLog&) = delete;

  // Returns once no reply to `connection` is waiting or being sent, so that
  // its descriptor can be closed (and reused) without a late reply going to
  // another connection.
  void Forget(int connection) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] {
      return !sending_ && std::none_of(replies_.begin(), replies_.end(),
                                       [&](const Reply& r) { return r.connection == connection; });
    });
  }

  // Sends `reply` on `connection` once `record` is on disk (or written,
  // without sync). False when the record could not be written or synced.
  bool AppendAndReply(const std::vector<std::uint8_t>& record, int connection,
                      std::vector<std::uint8_t> reply) {
    std::unique_lock lock(mu_);
    if (end_ + static_cast<off_t>(record.size()) > kLogBytes) end_ = 0;
    if (::pwrite(fd_, record.data(), record.size(), end_) != static_cast<ssize_t>(record.size())) {
      return false;
    }
    end_ += static_cast<off_t>(record.size());
    if (syncer_.joinable()) {
      replies_.push_back({connection, std::move(reply)});
      cv_.notify_all();
      return true;
    }
    const std::uint64_t mine = ++appended_;
    while (sync_ && synced_ < mine) {
      if (syncing_) {
        cv_.wait(lock);
        continue;
      }
      syncing_ = true;
      const std::uint64_t covered = appended_;
      lock.unlock();
      const bool ok = ::fdatasync(fd_) == 0;
      lock.lock();
      syncing_ = false;
      if (!ok) return false;
      synced_ = covered;
      cv_.notify_all();
    }
    lock.unlock();
    SendMessage(connection, reply.data(), static_cast<std::uint32_t>(reply.size()));
    return true;
  }

 private:
  struct Reply {
    int connection;
    std::vector<std::uint8_t> bytes;
  };

  void SyncAndReply() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stopping_ || !replies_.empty(); });
      if (replies_.empty()) return;
      std::vector<Reply> batch = std::exchange(replies_, {});
      sending_ = true;
      lock.unlock();
      if (sync_ && ::fdatasync(fd_) != 0) std::abort();
      for (const Reply& r : batch) {
        SendMessage(r.connection, r.bytes.data(), static_cast<std::uint32_t>(r.bytes.size()));
      }
      lock.lock();
      sending_ = false;
      cv_.notify_all();
    }
  }

  const int fd_;
  const bool sync_;
  std::mutex mu_;
  std::condition_variable cv_;
  off_t end_ = 0;               // guarded by mu_
  std::uint64_t appended_ = 0;  // guarded by mu_
  std::uint64_t synced_ = 0;    // guarded by mu_
  bool syncing_ = false;        // guarded by mu_
  std::vector<Reply> replies_;  // guarded by mu_: appended, not yet synced
  bool sending_ = false;        // guarded by mu_: a batch taken from replies_ is out
  bool stopping_ = false;       // guarded by mu_
  std::thread syncer_;          // last: started once the rest is set
};

// One connection, until the client closes it. Aborts the server on a
// request it cannot check or sign: the bench's own requests always check.
void ServeConnection(int fd, EVP_PKEY* ca_key, DurableLog& log) {
  SetSocketOptions(fd, false);
  const std::vector<std::uint8_t> tbs(kTbsBytes, 0x5a);
  const std::vector<std::uint8_t> small_reply(kSmallReply, 1);
  std::vector<std::uint8_t> body;
  std::vector<std::uint8_t> record;
  while (true) {
    std::uint32_t n = 0;
    if (!ReceiveAll(fd, &n, 4)) break;
    body.resize(n);
    if (n > 0 && !ReceiveAll(fd, body.data(), n)) break;
    if (n <= kSmallMessage) {
      if (n > 0 && body[0] == 0) continue;
      if (::send(fd, small_reply.data(), small_reply.size(), MSG_NOSIGNAL) < 0) break;
      continue;
    }
    const std::uint8_t* p = body.data();
    ossl::X509ReqPtr request(d2i_X509_REQ(nullptr, &p, static_cast<long>(n)));
    if (request == nullptr ||
        X509_REQ_verify(request.get(), X509_REQ_get0_pubkey(request.get())) != 1) {
      std::abort();
    }
    std::vector<std::uint8_t> signature(static_cast<std::size_t>(EVP_PKEY_get_size(ca_key)));
    std::size_t signature_size = signature.size();
    ossl::MdCtxPtr md(EVP_MD_CTX_new());
    if (md == nullptr ||
        EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, ca_key) != 1 ||
        EVP_DigestSign(md.get(), signature.data(), &signature_size, tbs.data(), tbs.size()) != 1) {
      std::abort();
    }
    signature.resize(signature_size);
    record = body;
    record.insert(record.end(), tbs.begin(), tbs.end());
    record.insert(record.end(), signature.begin(), signature.end());
    std::vector<std::uint8_t> reply = tbs;
    reply.insert(reply.end(), signature.begin(), signature.end());
    if (!log.AppendAndReply(record, fd, std::move(reply))) std::abort();
  }
  log.Forget(fd);
  ::close(fd);
}

// The server process: `threads` threads each accept a connection on
// `listener` and serve it. Writes a byte to `ready` once its file is
// preallocated and synced, then serves until killed.
[[noreturn]] void ServerMain(int listener, EVP_PKEY* ca_key, const std::string& log_path, bool sync,
                             bool replies_from_syncer, int threads, int ready) {
  const int fd = ::open(log_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::_Exit(2);
  const std::vector<std::uint8_t> zeros(1 << 20);
  for (off_t at = 0; at < kLogBytes; at += static_cast<off_t>(zeros.size())) {
    if (::pwrite(fd, zeros.data(), zeros.size(), at) != static_cast<ssize_t>(zeros.size())) {
      std::_Exit(2);
    }
  }
  if (::fsync(fd) != 0) std::_Exit(2);
  DurableLog log(fd, sync, replies_from_syncer);
  std::vector<std::thread> acceptors;
  acceptors.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    acceptors.emplace_back([&] {
      while (true) {
        const int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection < 0 && (errno == EINTR || errno == ECONNABORTED)) continue;
        // Anything else (out of descriptors) would make the rows wrong.
        if (connection < 0) std::_Exit(3);
        ServeConnection(connection, ca_key, log);
      }
    });
  }
  const char byte = 1;
  if (::write(ready, &byte, 1) != 1) std::_Exit(2);
  for (std::thread& t : acceptors) t.join();
  std::_Exit(0);
}

struct Server {
  pid_t pid = -1;
  sockaddr_in address{};
};

Result<Server> StartServer(EVP_PKEY* ca_key, const std::string& log_path, bool sync,
                           bool replies_from_syncer, int threads) {
  Server server;
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  server.address.sin_family = AF_INET;
  server.address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof server.address;
  if (listener < 0 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&server.address), sizeof server.address) != 0 ||
      ::listen(listener, 1024) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&server.address), &length) != 0) {
    return Status::IOErrorFromErrno("listen on 127.0.0.1");
  }
  std::array<int, 2> ready{};
  if (::pipe2(ready.data(), O_CLOEXEC) != 0) return Status::IOErrorFromErrno("pipe");
  server.pid = ::fork();
  if (server.pid < 0) return Status::IOErrorFromErrno("fork");
  if (server.pid == 0) {
    // Gone with the bench, however it ends.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() == 1) std::_Exit(2);
    ServerMain(listener, ca_key, log_path, sync, replies_from_syncer, threads, ready[1]);
  }
  ::close(listener);
  ::close(ready[1]);
  pollfd wait{.fd = ready[0], .events = POLLIN, .revents = 0};
  char byte = 0;
  const bool started =
      ::poll(&wait, 1, kTimeoutSeconds * 1000) == 1 && ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  if (!started) return Status::Internal("the bound's server did not start");
  return server;
}

int Dial(const sockaddr_in& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  SetSocketOptions(fd, true);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A control message: `reply` false for one the server does not answer.
bool Control(int fd, bool reply) {
  std::array<std::uint8_t, kSmallMessage> body{};
  body[0] = reply ? 1 : 0;
  std::array<std::uint8_t, kSmallReply> answer{};
  return SendMessage(fd, body.data(), kSmallMessage) &&
         (!reply || ReceiveAll(fd, answer.data(), answer.size()));
}

enum class Flow { kKept, kNewConnection };

// The client threads of one row: they enroll while `measuring`, each on its
// own connection, and otherwise wait, so that the floor runs alone.
class Clients {
 public:
  Clients(const sockaddr_in& address, const std::vector<Bytes>& csrs, int count, Flow flow)
      : address_(address), csrs_(csrs), flow_(flow) {
    for (int i = 0; i < count; ++i) kept_.push_back(Dial(address_));
    for (int i = 0; i < count; ++i) threads_.emplace_back([this, i] { Run(i); });
  }
  ~Clients() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    for (int fd : kept_) ::close(fd);
  }
  Clients(const Clients&) = delete;
  Clients& operator=(const Clients&) = delete;

  // Enrolls for `budget` (at `rate` requests/s over all connections, or back
  // to back if 0) and returns once every client is idle again.
  void Measure(Clock::duration budget, double rate) {
    {
      std::lock_guard lock(mu_);
      rate_ = rate;
      start_ = Clock::now();
      ++round_;
      measuring_ = true;
    }
    cv_.notify_all();
    std::this_thread::sleep_for(budget);
    std::unique_lock lock(mu_);
    measuring_ = false;
    cv_.wait(lock, [&] { return busy_ == 0; });
  }

  // Latencies and failures since the last Take.
  Tally Take() {
    std::lock_guard lock(mu_);
    return std::exchange(tally_, {});
  }

 private:
  void Run(int i) {
    const int connections = static_cast<int>(kept_.size());
    std::size_t next_csr = static_cast<std::size_t>(i);
    std::uint64_t round = 0;
    Clock::time_point due;
    Clock::duration interval{};
    Tally mine;
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stopping_ || (measuring_ && round_ != round); });
      if (stopping_) return;
      round = round_;
      const double rate = rate_;
      if (rate > 0) {
        // Each connection's requests are due at fixed times, staggered.
        interval = FromSeconds(connections / rate);
        due = start_ + interval * i / connections;
      }
      ++busy_;
      lock.unlock();
      while (measuring_.load()) {
        if (rate > 0) {
          std::this_thread::sleep_until(due);
        } else {
          due = Clock::now();
        }
        const bool ok =
            Enroll(kept_[static_cast<std::size_t>(i)], csrs_[next_csr++ % csrs_.size()]);
        if (!ok) {
          ++mine.failures;
          if (mine.first_failure.empty()) mine.first_failure = "a connection failed";
          break;
        }
        ++mine.issued;
        mine.latencies_ms.push_back(1e3 * Seconds(Clock::now() - due));
        due += interval;
      }
      lock.lock();
      tally_.Merge(mine);
      mine = {};
      --busy_;
      cv_.notify_all();
    }
  }

  bool Enroll(int kept, const Bytes& csr) {
    int fd = kept;
    if (flow_ == Flow::kNewConnection) {
      if (!Control(kept, true)) return false;
      fd = Dial(address_);
      if (fd < 0) return false;
    }
    bool ok = flow_ == Flow::kKept || (Control(fd, true) && Control(fd, false));
    std::vector<std::uint8_t> reply(kTbsBytes + 4 + 512);
    std::uint32_t n = 0;
    ok = ok && SendMessage(fd, csr.data(), static_cast<std::uint32_t>(csr.size())) &&
         ReceiveAll(fd, &n, 4) && n <= reply.size() && ReceiveAll(fd, reply.data(), n);
    if (flow_ == Flow::kNewConnection) {
      ::close(fd);
      ok = ok && Control(kept, true);
    }
    return ok;
  }

  const sockaddr_in address_;
  const std::vector<Bytes>& csrs_;
  const Flow flow_;
  std::vector<int> kept_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> measuring_{false};  // written under mu_
  double rate_ = 0;                     // guarded by mu_
  Clock::time_point start_;             // guarded by mu_
  std::uint64_t round_ = 0;             // guarded by mu_
  int busy_ = 0;                        // guarded by mu_
  bool stopping_ = false;               // guarded by mu_
  Tally tally_;                         // guarded by mu_
  std::vector<std::thread> threads_;    // last: started once the rest is set
};

struct Row {
  double rate = 0;
  double floor = 0;
  double p50 = 0;
  double p99 = 0;
  double server_cpu_ms = 0;
  double client_cpu_ms = 0;
  double idle = 0;
  Tally tally;
};

// Errors: the floor's, when a check or a signature fails.
Result<Row> MeasureRow(Clients& clients, pid_t server, const CryptoFloor& floor, int rounds,
                       Clock::duration floor_budget, Clock::duration budget, double rate) {
  Row row;
  double floor_ops = 0;
  double floor_seconds = 0;
  double seconds = 0;
  double server_cpu = 0;
  double client_cpu = 0;
  MachineCpu machine;
  for (int r = 0; r < rounds; ++r) {
    Result<FloorRate> f = floor.Measure(2, floor_budget);
    if (!f.ok()) return f.status();
    floor_ops += f->floor * Seconds(floor_budget);
    floor_seconds += Seconds(floor_budget);
    const double server_before = ProcessCpuSeconds(server);
    const double client_before = SelfCpuSeconds();
    const MachineCpu machine_before = MachineCpuSeconds();
    const Clock::time_point start = Clock::now();
    clients.Measure(budget, rate);
    seconds += Seconds(Clock::now() - start);
    machine.Accumulate(Difference(MachineCpuSeconds(), machine_before));
    server_cpu += ProcessCpuSeconds(server) - server_before;
    client_cpu += SelfCpuSeconds() - client_before;
    row.tally.Merge(clients.Take());
  }
  const auto issued = static_cast<double>(row.tally.issued);
  std::sort(row.tally.latencies_ms.begin(), row.tally.latencies_ms.end());
  row.rate = seconds > 0 ? issued / seconds : 0;
  row.floor = floor_seconds > 0 ? floor_ops / floor_seconds : 0;
  row.p50 = Percentile(row.tally.latencies_ms, 0.50);
  row.p99 = Percentile(row.tally.latencies_ms, 0.99);
  row.server_cpu_ms = issued > 0 ? 1e3 * server_cpu / issued : 0;
  row.client_cpu_ms = issued > 0 ? 1e3 * client_cpu / issued : 0;
  row.idle = machine.IdleShare();
  return row;
}

void PrintRow(int connections, const char* flow, double offered, const Row& row, double kept_rate) {
  char offered_text[32] = "closed";
  if (offered > 0) std::snprintf(offered_text, sizeof offered_text, "%.0f", offered);
  char kept_text[32] = "";
  if (kept_rate > 0) std::snprintf(kept_text, sizeof kept_text, "%.3f", row.rate / kept_rate);
  std::printf("%5d %15s %8s %8.0f %8.0f %7.3f %8.2f %8.2f %7.2f %7.2f %6.1f %6ld %7s\n",
              connections, flow, offered_text, row.rate, row.floor,
              row.floor > 0 ? row.rate / row.floor : 0, row.p50, row.p99, row.server_cpu_ms,
              row.client_cpu_ms, 100 * row.idle, row.tally.failures, kept_text);
  row.tally.PrintFirstFailure();
  std::fflush(stdout);
}

int BenchMain(int argc, char** argv) {
  CLI::App app{"the simplest durable enrollment server on this machine, beside the crypto floor"};
  std::string key = "rsa2048";
  std::string request_key = "rsa2048";
  std::vector<int> connections{8, 16, 32, 64};
  std::vector<std::string> flows{"kept"};
  double seconds = 3;
  double floor_seconds = 1;
  double rate = 0;
  double rate_fraction = 0;
  int rounds = 3;
  bool no_sync = false;
  bool replies_from_syncer = false;
  app.add_option("--key", key, "CA key algorithm");
  app.add_option("--request-key", request_key, "key algorithm of the requests");
  app.add_option("--connections", connections, "connection counts to run")->delimiter(',');
  app.add_option("--flows", flows, "kept, new-connection")
      ->delimiter(',')
      ->check(CLI::IsMember({"kept", "new-connection"}));
  app.add_option("--seconds", seconds, "enrollment time per round");
  app.add_option("--rate", rate, "offered requests/s over all connections (0: closed loop)");
  app.add_option("--rate-fraction", rate_fraction,
                 "after each closed-loop row, an open-loop row at this fraction of its rate")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--floor-seconds", floor_seconds, "duration of each crypto floor measurement");
  app.add_option("--rounds", rounds, "alternations of the floor and enrollment per row")
      ->check(CLI::PositiveNumber);
  app.add_flag("--no-sync", no_sync, "append without fdatasync (what the sync costs)");
  app.add_flag("--replies-from-syncer", replies_from_syncer,
               "one thread syncs and sends the replies; the connections' threads do not wait");
  CLI11_PARSE(app, argc, argv);
  Result<pki::KeyAlgorithm> ca_alg = pki::ParseKeyAlgorithm(key);
  if (!ca_alg.ok()) return Fail(ca_alg.status());
  Result<pki::KeyAlgorithm> request_alg = pki::ParseKeyAlgorithm(request_key);
  if (!request_alg.ok()) return Fail(request_alg.status());

  PrintRunHeader(argc, argv);
  Result<std::vector<Bytes>> csrs = MakeCsrs(64, *request_alg);
  if (!csrs.ok()) return Fail(csrs.status());
  Result<ossl::PKeyPtr> ca_key = pki::GenerateKey(*ca_alg);
  if (!ca_key.ok()) return Fail(ca_key.status());
  Result<CryptoFloor> floor = CryptoFloor::Create(*csrs, ca_key->get());
  if (!floor.ok()) return Fail(floor.status());

  // The file on the file system the daemon's state directory would be on
  // (the benches' temp directories), so that its syncs cost what the
  // daemon's do.
  testing::TempDir dir;
  const int most = *std::max_element(connections.begin(), connections.end());
  // Two threads per client: its kept connection and, for new-connection,
  // the one it opens for each request.
  Result<Server> server = StartServer(ca_key->get(), (dir.path() / "bound.log").string(), !no_sync,
                                      replies_from_syncer, 2 * most);
  if (!server.ok()) return Fail(server.status());
  std::printf(
      "# CA key %s, request key %s, %s, replies from %s; %d rounds per row of %.1f s of the "
      "crypto floor on 2 threads, then %.1f s of enrollment\n",
      key.c_str(), request_key.c_str(), no_sync ? "no sync" : "fdatasync",
      replies_from_syncer ? "the syncing thread" : "each connection's thread", rounds,
      floor_seconds, seconds);
  std::printf(
      "conns            flow  offered    per-s floor2/s /floor2   p50-ms   p99-ms   cpu-s "
      "  cpu-c  idle%% failed   /kept\n");
  std::fflush(stdout);

  long failures = 0;
  for (int n : connections) {
    double kept_rate = 0;
    for (const std::string& name : flows) {
      const Flow flow = name == "kept" ? Flow::kKept : Flow::kNewConnection;
      Clients clients(server->address, *csrs, n, flow);
      Result<Row> row = MeasureRow(clients, server->pid, *floor, rounds, FromSeconds(floor_seconds),
                                   FromSeconds(seconds), rate);
      if (!row.ok()) return Fail(row.status());
      PrintRow(n, name.c_str(), rate, *row, flow == Flow::kKept ? 0 : kept_rate);
      failures += row->tally.failures;
      if (flow == Flow::kKept && rate == 0) kept_rate = row->rate;
      if (rate_fraction > 0 && rate == 0) {
        const double offered = rate_fraction * row->rate;
        Result<Row> open = MeasureRow(clients, server->pid, *floor, rounds,
                                      FromSeconds(floor_seconds), FromSeconds(seconds), offered);
        if (!open.ok()) return Fail(open.status());
        PrintRow(n, name.c_str(), offered, *open, 0);
        failures += open->tally.failures;
      }
    }
  }
  ::kill(server->pid, SIGKILL);
  ::waitpid(server->pid, nullptr, 0);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return openadcs::bench::GuardedMain([&] { return BenchMain(argc, argv); });
}
