// The crypto floor every bench compares its rate with (issue 13): per
// issuance, the public-key work any CA must do, measured in the same run on
// the same threads as the rate it is the reference of. One floor operation is
//   - the check of one request's signature: a real PKCS#10 of the requesters'
//     key type, verified with its own key over its certificationRequestInfo
//     as encoded (what ParseRequest does), with the key copied afresh for each
//     check, because every requester brings a new key and its per-key setup
//     (the RSA Montgomery context) is part of checking it; the copy itself
//     costs about a tenth of an RSA-2048 check;
//   - plus one SHA-256 signature with the CA key over a certificate-sized TBS.
// Decoding the request, building the certificate and storing it are left out:
// they are the work the ratio to the floor measures.
//
// Linked by every bench, including the in-process ones built without the
// test fixtures, so it depends on the pki layer only.
#ifndef OPENADCS_BENCH_CRYPTO_FLOOR_H_
#define OPENADCS_BENCH_CRYPTO_FLOOR_H_

#include <openssl/evp.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "openadcs/pki/ca_identity.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/openssl.h"
#include "openadcs/util/status.h"

namespace openadcs::bench {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d);
Clock::duration FromSeconds(double seconds);

// CPU time (user + system) of this process so far, every thread, in seconds.
double SelfCpuSeconds();

// `count` PKCS#10 requests (SHA-256) with distinct subjects
// "CN=bench<i>.example.com" from eight keys of `key` (key generation is not
// what is measured). Errors: Internal when OpenSSL fails.
Result<std::vector<Bytes>> MakeCsrs(int count, pki::KeyAlgorithm key);

// Copies the template folder `from` to `to`, with every template taking keys
// from 256 bits, as an ECC template sets msPKI-Minimal-Key-Size, so that
// P-256 requests are issued on AutoIssueSubject (where the benches enroll)
// and OfficerApproval (their approval cycles) as RSA-2048 ones are. Errors:
// IOError; InvalidArgument when `from` has no auto-issue-subject.ldif with a
// minimal key size.
Status WriteBenchTemplates(const std::filesystem::path& from, const std::filesystem::path& to);

struct FloorRate {
  double floor = 0;  // floor operations per second over all threads
  // CA signatures per second the same threads would make doing nothing else,
  // from the time they spent signing within the floor operations (context:
  // the raw signing rate the earlier benches compared with).
  double sign = 0;
  // CPU seconds per floor operation (the threads' own CPU time): unlike the
  // rates, not shrunk by other tenants' threads competing for the cores, so
  // the CPU per operation of a load compares with it even on a busy machine.
  double cpu_per_op = 0;
};

class CryptoFloor {
 public:
  // The floor with requests `csrs` (checked in turn) and the CA key
  // `ca_key`, which must outlive it. Errors: InvalidArgument when `csrs` is
  // empty or a request does not decode or verify.
  static Result<CryptoFloor> Create(const std::vector<Bytes>& csrs, EVP_PKEY* ca_key);

  // Floor operations on `threads` threads for `budget`. Thread-safe.
  // Errors: Internal when a check or a signature fails.
  Result<FloorRate> Measure(int threads, Clock::duration budget) const;

 private:
  CryptoFloor() = default;

  std::vector<ossl::X509ReqPtr> requests_;
  EVP_PKEY* ca_key_ = nullptr;
};

}  // namespace openadcs::bench

#endif  // OPENADCS_BENCH_CRYPTO_FLOOR_H_
