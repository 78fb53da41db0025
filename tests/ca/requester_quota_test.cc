// The per-requester quotas (ca::RequesterQuota) against a real SQLite file:
// the request past a quota is denied with ERROR_NOT_ENOUGH_QUOTA and not
// stored, other accounts go on, retrieval and officer resubmission are not
// new requests, a new engine on the same file counts what is there, and an
// account over its quota is logged once a period.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "openadcs/ca/engine.h"
#include "openadcs/util/hresult.h"
#include "testing/engine_fixture.h"
#include "testing/template_inspection.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

constexpr const char* kAutoIssue = "CertificateTemplate:AutoIssueSubject";
constexpr const char* kLogLine = "denied until it is within its quota";

class RequesterQuotaTest : public testing::EngineTestBase {
 protected:
  bool StartsEngine() const override { return false; }

  void StartWithQuota(std::uint32_t per_hour, std::uint64_t bytes) {
    EngineOptions options;
    options.quota.max_requests_per_hour = per_hour;
    options.quota.max_stored_bytes = bytes;
    StartEngine(options);
  }

  std::size_t Rows() {
    auto rows = store_->ListRequests({});
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->size() : 0;
  }

  static void ExpectOverQuota(const SubmitResult& r) {
    EXPECT_EQ(r.disposition, WireDisposition::kDenied) << r.message;
    EXPECT_EQ(r.status, hr::kNotEnoughQuota) << r.message;
    EXPECT_EQ(r.request_id, 0u) << "nothing stored, so no request id";
    EXPECT_NE(r.message.find("over its quota"), std::string::npos) << r.message;
  }

  const Caller bob_ = testing::TestCaller("EXAMPLE\\bob", "S-1-5-21-1-2-3-1106");
};

TEST_F(RequesterQuotaTest, RequestPastTheHourlyQuotaIsDeniedAndNotStored) {
  StartWithQuota(3, 0);
  for (int i = 0; i < 3; ++i) {
    SubmitResult r = Submit(Csr("host" + std::to_string(i)), kAutoIssue);
    ASSERT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
  }
  ExpectOverQuota(Submit(Csr("host3"), kAutoIssue));
  EXPECT_EQ(Rows(), 3u);

  // The account, however its name is spelt.
  Caller shouting = requester_;
  shouting.name = "example\\ALICE";
  ExpectOverQuota(SubmitAs(shouting, Csr("host3"), kAutoIssue));
  // Another account is not affected.
  EXPECT_EQ(SubmitAs(bob_, Csr("bob"), kAutoIssue).disposition, WireDisposition::kIssued);
  EXPECT_EQ(Rows(), 4u);

  // A restart counts what the database holds.
  StartWithQuota(3, 0);
  ExpectOverQuota(Submit(Csr("host3"), kAutoIssue));
  // An hour after the first, the account may go on.
  now_ += 3600;
  EXPECT_EQ(Submit(Csr("host3"), kAutoIssue).disposition, WireDisposition::kIssued);
  EXPECT_EQ(Rows(), 5u);
}

TEST_F(RequesterQuotaTest, DeniedAndFailedRequestsCountRetrievalAndResubmissionDoNot) {
  StartWithQuota(2, 0);
  SubmitResult pending = Submit(Csr("approve-me"), "CertificateTemplate:OfficerApproval");
  ASSERT_EQ(pending.disposition, WireDisposition::kUnderSubmission) << pending.message;
  SubmitResult failed = Submit(Bytes{0x30, 0x00}, kAutoIssue);
  ASSERT_EQ(failed.disposition, WireDisposition::kError) << failed.message;
  ExpectOverQuota(Submit(Csr("one-more"), kAutoIssue));

  SubmitRequest retrieve;
  retrieve.request_id = pending.request_id;
  retrieve.caller = requester_;
  EXPECT_EQ(engine_->Submit(retrieve).disposition, WireDisposition::kUnderSubmission);
  SubmitResult issued = engine_->Resubmit(officer_, pending.request_id);
  EXPECT_EQ(issued.disposition, WireDisposition::kIssued) << issued.message;
  retrieve.caller = requester_;
  EXPECT_EQ(engine_->Submit(retrieve).disposition, WireDisposition::kIssued);
  EXPECT_EQ(Rows(), 2u);
}

TEST_F(RequesterQuotaTest, RequestPastTheBytesQuotaIsDeniedAndNotStored) {
  StartWithQuota(0, 0);
  const Bytes first = Csr("first");
  SubmitResult r = Submit(first, kAutoIssue);
  ASSERT_EQ(r.disposition, WireDisposition::kIssued) << r.message;
  Result<std::uint64_t> stored = store_->StoredBytesOf(requester_.name);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, first.size() + std::string(kAutoIssue).size() + r.certificate.size());

  // Room for exactly one more request of the same size (its certificate
  // comes on top: the quota is checked before there is one).
  const Bytes second = Csr("secnd");
  ASSERT_EQ(second.size(), first.size());
  StartWithQuota(0, *stored + second.size() + std::string(kAutoIssue).size());
  EXPECT_EQ(Submit(second, kAutoIssue).disposition, WireDisposition::kIssued);
  ExpectOverQuota(Submit(Csr("third"), kAutoIssue));
  EXPECT_EQ(Rows(), 2u);
  EXPECT_EQ(SubmitAs(bob_, Csr("bob"), kAutoIssue).disposition, WireDisposition::kIssued);
  EXPECT_EQ(Rows(), 3u);
}

TEST_F(RequesterQuotaTest, AnAccountOverItsQuotaIsLoggedOncePerPeriod) {
  StartWithQuota(1, 0);
  ASSERT_EQ(Submit(Csr("one"), kAutoIssue).disposition, WireDisposition::kIssued);
  ASSERT_EQ(SubmitAs(bob_, Csr("bob"), kAutoIssue).disposition, WireDisposition::kIssued);
  testing::LogCapture log;
  for (int i = 0; i < 3; ++i) ExpectOverQuota(Submit(Csr("again"), kAutoIssue));
  EXPECT_EQ(log.Count(kLogLine), 1u) << log.Text();
  EXPECT_EQ(log.Count("EXAMPLE\\alice"), 1u) << log.Text();
  // Another account has a line of its own.
  ExpectOverQuota(SubmitAs(bob_, Csr("bob"), kAutoIssue));
  EXPECT_EQ(log.Count(kLogLine), 2u) << log.Text();

  // The next period: alice may make one more request, then is over again
  // and logged again, with the denials held back.
  now_ += 3600;
  ASSERT_EQ(Submit(Csr("two"), kAutoIssue).disposition, WireDisposition::kIssued);
  ExpectOverQuota(Submit(Csr("again"), kAutoIssue));
  EXPECT_EQ(log.Count(kLogLine), 3u) << log.Text();
  EXPECT_NE(log.Text().find("2 denied since the last warning"), std::string::npos) << log.Text();
}

}  // namespace
}  // namespace openadcs::ca
