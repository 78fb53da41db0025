#include <fmt/format.h>
#include <openssl/crypto.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "openadcs/auth/ntlm_verifier.h"

namespace openadcs::auth {
namespace {

// A call of the wrapped verifier, which hands back how to answer its
// caller: its thread is free again before the caller hears the answer, so
// that the caller's next logon finds it idle instead of starting another.
using Job = std::function<std::function<void()>()>;

// Threads that call the wrapped verifier, shared with them. A thread whose
// call was given up on goes on with it and then back to the queue; one idle
// for kIdleExit ends. So a logon costs no thread creation (on this project's
// VM about 0.6 ms of the daemon's CPU, docs/performance.md),
// and the threads left are those the logons of the last minute needed.
struct Callers {
  std::mutex mu;
  std::condition_variable work;
  std::deque<Job> jobs;     // GUARDED_BY(mu)
  std::size_t running = 0;  // calls queued or under way, those given up on included; GUARDED_BY(mu)
  std::size_t idle = 0;     // threads free for a job; GUARDED_BY(mu)
};

constexpr std::chrono::seconds kIdleExit{60};

void Serve(const std::shared_ptr<Callers>& callers) {
  std::unique_lock lock(callers->mu);
  ++callers->idle;
  for (;;) {
    if (!callers->work.wait_for(lock, kIdleExit, [&] { return !callers->jobs.empty(); })) {
      --callers->idle;
      return;
    }
    --callers->idle;
    Job job = std::move(callers->jobs.front());
    callers->jobs.pop_front();
    lock.unlock();
    std::function<void()> answer = job();
    job = nullptr;  // what it holds (the wrapped verifier) goes now, not at the next job
    lock.lock();
    --callers->running;
    ++callers->idle;
    lock.unlock();
    answer();
    answer = nullptr;
    lock.lock();
  }
}

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
    auto call = std::make_shared<Call>();
    Job job = [inner = inner_, call, owned = std::make_shared<OwnedResponse>(response)] {
      auto result = std::make_shared<Result<VerifiedAccount>>(inner->Verify(owned->response));
      return std::function<void()>([call, result] {
        std::lock_guard lock(call->mu);
        if (!call->given_up) {
          call->result = std::move(*result);
          call->answered.notify_one();
        } else if (result->ok()) {
          OPENSSL_cleanse((*result)->session_base_key.data(), (*result)->session_base_key.size());
        }
      });
    };
    {
      std::lock_guard lock(callers_->mu);
      if (callers_->running >= options_.max_running) {
        return Status::Unavailable(
            fmt::format("{} earlier logons still wait for {}; cannot verify {}", callers_->running,
                        options_.asked, sent));
      }
      callers_->jobs.push_back(std::move(job));
      ++callers_->running;
      // Every job queued needs an idle thread of its own: one held by a
      // call given up on takes no other until that call returns.
      if (callers_->idle >= callers_->jobs.size()) {
        callers_->work.notify_one();
      } else {
        try {
          std::thread([callers = callers_] { Serve(callers); }).detach();
        } catch (const std::system_error& e) {
          // No thread has taken it: the lock is held, and the others take
          // the queue's older jobs first.
          callers_->jobs.pop_back();
          --callers_->running;
          return Status::Unavailable(fmt::format("no thread to ask {} on ({}); cannot verify {}",
                                                 options_.asked, e.what(), sent));
        }
      }
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
  const std::shared_ptr<Callers> callers_ = std::make_shared<Callers>();
};

}  // namespace

std::unique_ptr<NtlmVerifier> NewDeadlineVerifier(std::shared_ptr<NtlmVerifier> inner,
                                                  DeadlineVerifierOptions options) {
  return std::make_unique<DeadlineVerifier>(std::move(inner), std::move(options));
}

}  // namespace openadcs::auth
