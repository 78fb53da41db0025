// Metrics for operators: counters, gauges and fixed-bucket histograms, each
// a family (a name, a help text) of children told apart by label values,
// rendered in the Prometheus text exposition format 0.0.4.
//
// Components receive a Registry* through their options (null: no metrics)
// and look their metrics up once where the labels are fixed, or per call
// where a label varies (the RPC method): a lookup of an existing child takes
// a shared lock and a map search; updates are relaxed atomics. Children live
// as long as the registry, so references stay valid.
//
// Names and label names are the code's constants; a name registered with two
// types, or a histogram registered with two bucket layouts, is a programming
// error and aborts.
#ifndef OPENADCS_UTIL_METRICS_H_
#define OPENADCS_UTIL_METRICS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openadcs::metrics {

// Label name and value pairs, in the order given (rendered so).
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Increment(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in buckets with fixed upper bounds (inclusive, as
// Prometheus' `le`); +Inf is implicit.
class Histogram {
 public:
  // `bounds`: strictly increasing, finite.
  explicit Histogram(std::vector<double> bounds);

  void Observe(double v);
  // `d` in seconds, for latencies.
  void ObserveDuration(std::chrono::steady_clock::duration d);
  // Seconds since `start`.
  void ObserveSince(std::chrono::steady_clock::time_point start);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Seconds, 0.5 ms to 10 s: RPC calls, fsyncs, directory round trips.
const std::vector<double>& LatencyBuckets();

// The calling thread's CPU seconds so far (CLOCK_THREAD_CPUTIME_ID): the
// difference over an operation is that thread's CPU for it.
double ThreadCpuSeconds();

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The child of family `name` with `labels`, created (zero) on first use.
  // `help` is kept from the first call. Thread-safe.
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help,
                          const std::vector<double>& bounds, const Labels& labels = {});

  // A gauge without labels read when the registry is rendered (a value that
  // lives elsewhere: the database's pending requests). `read` returns
  // nullopt when the value cannot be had; the gauge is then left out of that
  // rendering. `read` must stay callable as long as the registry renders;
  // it runs on the rendering thread. A second call for `name` replaces it.
  void SetGaugeCallback(std::string_view name, std::string_view help,
                        std::function<std::optional<double>()> read);

  // Every family, sorted by name, children sorted by label values: HELP and
  // TYPE lines, then one sample line per child (histograms: `_bucket{le=...}`
  // cumulative, `_sum`, `_count`). Thread-safe.
  std::string RenderText() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;  // histograms
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  struct Callback {
    std::string help;
    std::function<std::optional<double>()> read;
  };
  template <typename T>
  T& Child(std::string_view name, std::string_view help, Type type,
           const std::vector<double>& bounds, const Labels& labels,
           std::map<Labels, std::unique_ptr<T>> Family::*children);

  mutable std::shared_mutex mu_;
  std::map<std::string, Family, std::less<>> families_;  // GUARDED_BY(mu_)
  // Called without mu_ held, so a callback may use the registry.
  mutable std::mutex callbacks_mu_;
  std::map<std::string, Callback, std::less<>> callbacks_;  // GUARDED_BY(callbacks_mu_)
};

}  // namespace openadcs::metrics

#endif  // OPENADCS_UTIL_METRICS_H_
