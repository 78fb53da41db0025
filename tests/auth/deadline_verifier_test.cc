// A verifier that may wait for another host (winbindd, a domain controller)
// answers within its deadline, and the calls it gives up on neither hold
// the caller nor outgrow their cap.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/auth/ntlm_verifier.h"

namespace openadcs::auth {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr auto kWait = 10s;  // bound on every wait in these tests
constexpr auto kTimeout = 50ms;

// Answers each Verify once released (at once when made released), with the
// NT response bytes it read after the wait.
class HeldVerifier final : public NtlmVerifier {
 public:
  explicit HeldVerifier(bool released) : released_(released) {}

  bool MayBlock() const override { return true; }

  Result<VerifiedAccount> Verify(const NtlmResponse& response) override {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    if (!cv_.wait_for(lock, kWait, [&] { return released_; })) {
      return Status::Internal("never released");
    }
    seen_nt_.assign(response.nt_response.begin(), response.nt_response.end());
    tids_.insert(gettid());
    ++returned_;
    cv_.notify_all();
    if (response.user == "mallory") return Status::PermissionDenied("refused");
    VerifiedAccount account;
    account.identity.domain = "EXAMPLE";
    account.identity.user = response.user;
    account.session_base_key.fill(7);
    return account;
  }

  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool WaitEntered(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return entered_ >= n; });
  }
  bool WaitReturned(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return returned_ >= n; });
  }
  int entered() {
    std::lock_guard lock(mu_);
    return entered_;
  }
  std::vector<std::uint8_t> seen_nt() {
    std::lock_guard lock(mu_);
    return seen_nt_;
  }
  // The kernel's ids of the threads that called: unlike pthread ids, not
  // handed to a new thread as soon as one ends.
  std::set<pid_t> tids() {
    std::lock_guard lock(mu_);
    return tids_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_;                      // GUARDED_BY(mu_)
  int entered_ = 0;                    // GUARDED_BY(mu_)
  int returned_ = 0;                   // GUARDED_BY(mu_)
  std::vector<std::uint8_t> seen_nt_;  // GUARDED_BY(mu_)
  std::set<pid_t> tids_;               // GUARDED_BY(mu_)
};

DeadlineVerifierOptions Options(std::size_t max_running = 8) {
  DeadlineVerifierOptions options;
  options.asked = "winbindd";
  options.timeout = kTimeout;
  options.max_running = max_running;
  return options;
}

Result<VerifiedAccount> VerifyUser(NtlmVerifier& verifier, const std::string& user,
                                   std::span<const std::uint8_t> nt = {}) {
  NtlmResponse response;
  response.domain = "EXAMPLE";
  response.user = user;
  response.nt_response = nt;
  return verifier.Verify(response);
}

// Whether `verifier` answers alice within kWait: the calls given up on
// leave its count once they return, after their wrapped call has.
bool AnswersAgain(NtlmVerifier& verifier) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!VerifyUser(verifier, "alice").ok()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);  // polling interval
  }
  return true;
}

TEST(DeadlineVerifierTest, AnAnswerInTimeIsTheAnswer) {
  auto inner = std::make_shared<HeldVerifier>(true);
  std::unique_ptr<NtlmVerifier> verifier = NewDeadlineVerifier(inner, Options());
  EXPECT_TRUE(verifier->MayBlock());
  const std::vector<std::uint8_t> nt{1, 2, 3};
  Result<VerifiedAccount> alice = VerifyUser(*verifier, "alice", nt);
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_EQ(alice->identity.user, "alice");
  EXPECT_EQ(alice->session_base_key[0], 7);
  EXPECT_EQ(inner->seen_nt(), nt);
  Result<VerifiedAccount> mallory = VerifyUser(*verifier, "mallory");
  EXPECT_EQ(mallory.status().code(), StatusCode::kPermissionDenied);
}

// A logon costs no thread creation (a fifth of a domain logon's CPU in the
// daemon): logons one after another are asked on the same thread.
TEST(DeadlineVerifierTest, LogonsOneAfterAnotherShareAThread) {
  auto inner = std::make_shared<HeldVerifier>(true);
  std::unique_ptr<NtlmVerifier> verifier = NewDeadlineVerifier(inner, Options());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(VerifyUser(*verifier, "alice").ok());
  EXPECT_EQ(inner->tids().size(), 1u);
}

// The caller has its answer at the deadline; the call goes on with its own
// copy of the response, whose bytes the caller has reused by then.
TEST(DeadlineVerifierTest, NoAnswerInTimeIsUnavailableAndTheCallFinishesOnItsOwn) {
  auto inner = std::make_shared<HeldVerifier>(false);
  std::unique_ptr<NtlmVerifier> verifier = NewDeadlineVerifier(inner, Options());
  std::vector<std::uint8_t> nt{4, 5, 6};
  const auto start = std::chrono::steady_clock::now();
  Result<VerifiedAccount> r = VerifyUser(*verifier, "alice", nt);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(),
              HasSubstr("winbindd gave no answer within 50 ms; cannot verify EXAMPLE\\alice"));
  EXPECT_GE(took, kTimeout);
  EXPECT_LT(took, kWait);
  std::fill(nt.begin(), nt.end(), 0);

  inner->Release();
  ASSERT_TRUE(inner->WaitReturned(1));
  EXPECT_EQ(inner->seen_nt(), (std::vector<std::uint8_t>{4, 5, 6}));
  EXPECT_TRUE(AnswersAgain(*verifier));
}

// A winbindd that does not answer gathers no more threads than the cap:
// beyond it a logon fails at once, without asking; once the calls given up
// on return, logons are asked again.
TEST(DeadlineVerifierTest, CallsUnderWayAreCapped) {
  auto inner = std::make_shared<HeldVerifier>(false);
  std::unique_ptr<NtlmVerifier> verifier = NewDeadlineVerifier(inner, Options(2));
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(VerifyUser(*verifier, "alice").status().code(), StatusCode::kUnavailable);
  }
  ASSERT_TRUE(inner->WaitEntered(2));
  const auto start = std::chrono::steady_clock::now();
  Result<VerifiedAccount> third = VerifyUser(*verifier, "bob");
  EXPECT_LT(std::chrono::steady_clock::now() - start, kTimeout);
  EXPECT_EQ(third.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(third.status().message(),
              HasSubstr("2 earlier logons still wait for winbindd; cannot verify EXAMPLE\\bob"));
  EXPECT_EQ(inner->entered(), 2);

  inner->Release();
  EXPECT_TRUE(AnswersAgain(*verifier));
}

// The calls given up on keep what they use: the verifier may go first.
TEST(DeadlineVerifierTest, TheVerifierMayGoBeforeTheCallsItGaveUpOn) {
  auto inner = std::make_shared<HeldVerifier>(false);
  std::unique_ptr<NtlmVerifier> verifier = NewDeadlineVerifier(inner, Options());
  EXPECT_EQ(VerifyUser(*verifier, "alice").status().code(), StatusCode::kUnavailable);
  verifier.reset();
  std::weak_ptr<HeldVerifier> weak = inner;
  inner->Release();
  ASSERT_TRUE(inner->WaitReturned(1));
  inner.reset();
  // The call's thread lets go of the wrapped verifier as it ends.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!weak.expired() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);  // polling interval
  }
  EXPECT_TRUE(weak.expired());
}

}  // namespace
}  // namespace openadcs::auth
