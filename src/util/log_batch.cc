#include "openadcs/util/log_batch.h"

#include <spdlog/sinks/base_sink.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "openadcs/util/write_all.h"

namespace openadcs {
namespace {

// Lines held past this are written anyway: a batch bounds write calls, not
// memory.
constexpr std::size_t kMaxHeldBytes = std::size_t{64} * 1024;

// A write that fails (a reader gone) loses its lines, as spdlog's own
// sinks do.
void WriteAll(int fd, std::string_view text) {
  static_cast<void>(util::WriteAll(fd, text.data(), text.size()));
}

class BatchingLogSink;

// This thread's LogBatch nesting, and the lines it holds for one sink.
struct HeldLines {
  int depth = 0;
  const BatchingLogSink* owner = nullptr;  // whose lines `text` holds
  std::weak_ptr<BatchingLogSink> sink;     // the same, while it lives
  std::string text;
};
thread_local HeldLines held;

class BatchingLogSink final : public spdlog::sinks::base_sink<std::mutex>,
                              public std::enable_shared_from_this<BatchingLogSink> {
 public:
  explicit BatchingLogSink(int fd) : fd_(fd) {}

  // Writes `text`, lines this sink formatted for a LogBatch.
  void WriteHeld(std::string_view text) {
    std::lock_guard lock(mutex_);
    WriteAll(fd_, text);
  }

 protected:
  // Under mutex_.
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    const std::string_view text(line.data(), line.size());
    if (held.depth == 0 || (!held.text.empty() && held.owner != this)) {
      WriteAll(fd_, text);
      return;
    }
    if (held.text.empty()) {
      held.owner = this;
      held.sink = weak_from_this();
    }
    held.text.append(text);
    if (msg.level < spdlog::level::warn && held.text.size() < kMaxHeldBytes) return;
    WriteAll(fd_, held.text);
    held.text.clear();
  }

  void flush_() override {}

 private:
  const int fd_;
};

}  // namespace

std::shared_ptr<spdlog::sinks::sink> MakeBatchingLogSink(int fd) {
  return std::make_shared<BatchingLogSink>(fd);
}

LogBatch::LogBatch() {
  ++held.depth;
}

LogBatch::~LogBatch() {
  if (--held.depth > 0 || held.text.empty()) return;
  // A sink gone meanwhile (a logger replaced) takes its lines with it.
  if (std::shared_ptr<BatchingLogSink> sink = held.sink.lock()) sink->WriteHeld(held.text);
  held.text.clear();
  held.owner = nullptr;
  held.sink.reset();
}

}  // namespace openadcs
