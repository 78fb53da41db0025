// The batching log sink: a line at a time outside a LogBatch, one write for
// a batch's lines inside it, warnings at once, other threads unaffected.
// Each write(2) is one record of a SOCK_SEQPACKET socket, so the tests see
// how many writes the lines took.
#include "openadcs/util/log_batch.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace openadcs {
namespace {

class LogBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds_.data()), 0);
    logger_ = std::make_shared<spdlog::logger>("test", MakeBatchingLogSink(fds_[1]));
    logger_->set_pattern("%v");
  }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }

  // What one write(2) wrote, or nullopt if nothing is waiting.
  std::optional<std::string> NextWrite() {
    std::array<char, std::size_t{128} * 1024> buffer{};
    const ssize_t n = ::recv(fds_[0], buffer.data(), buffer.size(), 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer.data(), static_cast<std::size_t>(n));
  }

  std::array<int, 2> fds_{};
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(LogBatchTest, OutsideABatchEachLineIsWrittenAtOnce) {
  logger_->info("one");
  EXPECT_EQ(NextWrite(), "one\n");
  logger_->info("two");
  EXPECT_EQ(NextWrite(), "two\n");
  EXPECT_EQ(NextWrite(), std::nullopt);
}

TEST_F(LogBatchTest, TheOutermostBatchWritesItsLinesInOneWrite) {
  {
    LogBatch outer;
    logger_->info("one");
    {
      LogBatch inner;
      logger_->info("two");
    }
    EXPECT_EQ(NextWrite(), std::nullopt) << "an inner batch's end writes nothing";
    logger_->debug("below the logger's level");
    logger_->info("three");
    EXPECT_EQ(NextWrite(), std::nullopt);
  }
  EXPECT_EQ(NextWrite(), "one\ntwo\nthree\n");
  EXPECT_EQ(NextWrite(), std::nullopt);
  logger_->info("after");
  EXPECT_EQ(NextWrite(), "after\n") << "the batch is over";
}

TEST_F(LogBatchTest, AWarningIsWrittenAtOnceAfterTheLinesHeldBeforeIt) {
  LogBatch batch;
  logger_->info("one");
  logger_->warn("trouble");
  EXPECT_EQ(NextWrite(), "one\ntrouble\n");
  logger_->info("two");
  EXPECT_EQ(NextWrite(), std::nullopt);
  logger_->error("worse");
  EXPECT_EQ(NextWrite(), "two\nworse\n");
}

TEST_F(LogBatchTest, AnotherThreadsLinesAreNotHeld) {
  LogBatch batch;
  logger_->info("held");
  std::thread([this] { logger_->info("other thread"); }).join();
  EXPECT_EQ(NextWrite(), "other thread\n");
  EXPECT_EQ(NextWrite(), std::nullopt);
}

TEST_F(LogBatchTest, LinesPastTheBoundAreWrittenBeforeTheBatchEnds) {
  LogBatch batch;
  const std::string line(1000, 'x');
  for (int i = 0; i < 70; ++i) logger_->info(line);
  const std::optional<std::string> written = NextWrite();
  ASSERT_TRUE(written.has_value()) << "70,070 bytes held is over the bound of 64 KiB";
  EXPECT_EQ(written->size(), 66 * (line.size() + 1)) << "the line that passed the bound goes too";
}

TEST_F(LogBatchTest, ASinkGoneBeforeTheBatchEndsTakesItsLinesWithIt) {
  {
    LogBatch batch;
    logger_->info("lost");
    logger_.reset();
  }
  EXPECT_EQ(NextWrite(), std::nullopt);
}

}  // namespace
}  // namespace openadcs
