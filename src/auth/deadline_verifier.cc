#include <fmt/format.h>
#include <openssl/crypto.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "openadcs/auth/ntlm_verifier.h"

namespace openadcs::auth {
namespace {

// What a call's thread shares with the Verify that started it, and with the
// verifier's other calls (the count): it outlives whichever side leaves
// first.
struct Running {
  std::mutex mu;
  std::size_t count = 0;  // GUARDED_BY(mu)
};

struct Call {
  std::mutex mu;
  std::condition_variable answered;
  std::optional<Result<VerifiedAccount>> result;  // GUARDED_BY(mu)
  bool given_up = false;                          // GUARDED_BY(mu)
};

// The response with its own copies of the bytes the AUTHENTICATE's spans
// pointed into: the thread may outlive the message.
struct OwnedResponse {
  explicit OwnedResponse(const NtlmResponse& r)
      : response(r),
        nt(r.nt_response.begin(), r.nt_response.end()),
        lm(r.lm_response.begin(), r.lm_response.end()) {
    response.nt_response = nt;
    response.lm_response = lm;
  }
  OwnedResponse(const OwnedResponse&) = delete;
  OwnedResponse& operator=(const OwnedResponse&) = delete;

  NtlmResponse response;
  std::vector<std::uint8_t> nt;
  std::vector<std::uint8_t> lm;
};

class DeadlineVerifier final : public NtlmVerifier {
 public:
  DeadlineVerifier(std::shared_ptr<NtlmVerifier> inner, DeadlineVerifierOptions options)
      : inner_(std::move(inner)), options_(std::move(options)) {}

  bool MayBlock() const override { return inner_->MayBlock(); }

  Result<VerifiedAccount> Verify(const NtlmResponse& response) override {
    const std::string sent = response.domain + "\\" + response.user;
    {
      std::lock_guard lock(running_->mu);
      if (running_->count >= options_.max_running) {
        return Status::Unavailable(
            fmt::format("{} earlier logons still wait for {}; cannot verify {}", running_->count,
                        options_.asked, sent));
      }
      ++running_->count;
    }
    auto call = std::make_shared<Call>();
    try {
      std::thread([inner = inner_, running = running_, call,
                   owned = std::make_unique<OwnedResponse>(response)] {
        Result<VerifiedAccount> result = inner->Verify(owned->response);
        {
          std::lock_guard lock(call->mu);
          if (!call->given_up) {
            call->result = std::move(result);
            call->answered.notify_one();
          } else if (result.ok()) {
            OPENSSL_cleanse(result->session_base_key.data(), result->session_base_key.size());
          }
        }
        std::lock_guard lock(running->mu);
        --running->count;
      }).detach();
    } catch (const std::system_error& e) {
      std::lock_guard lock(running_->mu);
      --running_->count;
      return Status::Unavailable(fmt::format("no thread to ask {} on ({}); cannot verify {}",
                                             options_.asked, e.what(), sent));
    }
    std::unique_lock lock(call->mu);
    if (!call->answered.wait_for(lock, options_.timeout,
                                 [&] { return call->result.has_value(); })) {
      call->given_up = true;
      return Status::Unavailable(fmt::format("{} gave no answer within {} ms; cannot verify {}",
                                             options_.asked, options_.timeout.count(), sent));
    }
    return std::move(*call->result);
  }

 private:
  const std::shared_ptr<NtlmVerifier> inner_;
  const DeadlineVerifierOptions options_;
  const std::shared_ptr<Running> running_ = std::make_shared<Running>();
};

}  // namespace

std::unique_ptr<NtlmVerifier> NewDeadlineVerifier(std::shared_ptr<NtlmVerifier> inner,
                                                  DeadlineVerifierOptions options) {
  return std::make_unique<DeadlineVerifier>(std::move(inner), std::move(options));
}

}  // namespace openadcs::auth
