#include "crypto_floor.h"

#include <openssl/x509.h>
#include <sys/resource.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "openadcs/pki/csr_builder.h"
#include "openadcs/util/metrics.h"

namespace openadcs::bench {
namespace {

constexpr int kCsrKeys = 8;
// About the size of the TBSCertificate of an issued certificate.
constexpr std::size_t kTbsBytes = 1000;

}  // namespace

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

Clock::duration FromSeconds(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

Result<std::vector<Bytes>> MakeCsrs(int count, pki::KeyAlgorithm key) {
  std::vector<ossl::PKeyPtr> keys;
  for (int i = 0; i < kCsrKeys; ++i) {
    Result<ossl::PKeyPtr> k = pki::GenerateKey(key);
    if (!k.ok()) return k.status();
    keys.push_back(std::move(k).value());
  }
  std::vector<Bytes> csrs;
  for (int i = 0; i < count; ++i) {
    Result<Bytes> csr = pki::BuildCsr(
        keys[static_cast<std::size_t>(i % kCsrKeys)].get(),
        {.subject = "CN=bench" + std::to_string(i) + ".example.com", .dns_names = {}});
    if (!csr.ok()) return csr.status();
    csrs.push_back(std::move(csr).value());
  }
  return csrs;
}

Status WriteBenchTemplates(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::create_directories(to, ec);
  if (!ec) {
    std::filesystem::copy(from, to,
                          std::filesystem::copy_options::overwrite_existing |
                              std::filesystem::copy_options::recursive,
                          ec);
  }
  if (ec) return Status::IOError("cannot copy " + from.string() + ": " + ec.message());
  static const std::regex kMinimalKeySize("msPKI-Minimal-Key-Size: [0-9]+");
  bool auto_issue_lowered = false;
  for (const auto& entry : std::filesystem::directory_iterator(to, ec)) {
    if (entry.path().extension() != ".ldif") continue;
    std::stringstream text;
    text << std::ifstream(entry.path()).rdbuf();
    const std::string before = text.str();
    if (!std::regex_search(before, kMinimalKeySize)) continue;
    std::ofstream out(entry.path(), std::ios::trunc);
    out << std::regex_replace(before, kMinimalKeySize, "msPKI-Minimal-Key-Size: 256");
    out.close();
    if (!out) return Status::IOError("cannot write " + entry.path().string());
    auto_issue_lowered |= entry.path().filename() == "auto-issue-subject.ldif";
  }
  if (ec) return Status::IOError("cannot list " + to.string() + ": " + ec.message());
  if (!auto_issue_lowered) {
    return Status::InvalidArgument(from.string() +
                                   " has no auto-issue-subject.ldif with msPKI-Minimal-Key-Size");
  }
  return Status::Ok();
}

Result<CryptoFloor> CryptoFloor::Create(const std::vector<Bytes>& csrs, EVP_PKEY* ca_key) {
  if (csrs.empty()) return Status::InvalidArgument("no requests for the crypto floor");
  CryptoFloor floor;
  floor.ca_key_ = ca_key;
  for (const Bytes& der : csrs) {
    const unsigned char* p = der.data();
    ossl::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
    EVP_PKEY* key = req == nullptr ? nullptr : X509_REQ_get0_pubkey(req.get());
    if (key == nullptr || X509_REQ_verify(req.get(), key) != 1) {
      return Status::InvalidArgument("a floor request does not decode or verify: " +
                                     ossl::ErrorText());
    }
    floor.requests_.push_back(std::move(req));
  }
  return floor;
}

Result<FloorRate> CryptoFloor::Measure(int threads, Clock::duration budget) const {
  const std::vector<unsigned char> tbs(kTbsBytes, 0x5A);
  std::atomic<bool> failed{false};
  std::mutex mu;  // guards the totals below while threads add theirs
  long count = 0;
  Clock::duration signing{};
  double cpu = 0;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + budget;
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::vector<unsigned char> sig(static_cast<std::size_t>(EVP_PKEY_get_size(ca_key_)));
      long mine = 0;
      Clock::duration my_signing{};
      const double cpu_before = metrics::ThreadCpuSeconds();
      std::size_t i = static_cast<std::size_t>(t);
      for (Clock::time_point now = Clock::now(); now < deadline; ++mine, ++i) {
        X509_REQ* req = requests_[i % requests_.size()].get();
        ossl::PKeyPtr fresh(EVP_PKEY_dup(X509_REQ_get0_pubkey(req)));
        if (fresh == nullptr || X509_REQ_verify(req, fresh.get()) != 1) {
          failed = true;
          return;
        }
        const Clock::time_point signing_from = Clock::now();
        ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
        std::size_t len = sig.size();
        if (ctx == nullptr ||
            EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, ca_key_) != 1 ||
            EVP_DigestSign(ctx.get(), sig.data(), &len, tbs.data(), tbs.size()) != 1) {
          failed = true;
          return;
        }
        now = Clock::now();
        my_signing += now - signing_from;
      }
      const double my_cpu = metrics::ThreadCpuSeconds() - cpu_before;
      std::lock_guard<std::mutex> lock(mu);
      count += mine;
      signing += my_signing;
      cpu += my_cpu;
    });
  }
  for (std::thread& th : pool) th.join();
  if (failed) return Status::Internal("crypto floor: a check or a signature failed");
  FloorRate rate;
  rate.floor = static_cast<double>(count) / Seconds(Clock::now() - start);
  // Each thread signed for its share of `signing`.
  if (count > 0) {
    rate.sign = static_cast<double>(count) * threads / Seconds(signing);
    rate.cpu_per_op = cpu / static_cast<double>(count);
  }
  return rate;
}

}  // namespace openadcs::bench
