#include "openadcs/util/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace openadcs::metrics {
namespace {

TEST(MetricsTest, EmptyRegistryRendersNothing) {
  Registry registry;
  EXPECT_EQ(registry.RenderText(), "");
}

TEST(MetricsTest, CountersAndGaugesInExpositionFormat) {
  Registry registry;
  registry.GetCounter("openadcs_b_total", "B things.", {{"outcome", "issued"}}).Increment();
  registry.GetCounter("openadcs_b_total", "ignored", {{"outcome", "denied"}}).Increment(3);
  registry.GetCounter("openadcs_b_total", "", {{"outcome", "issued"}}).Increment();
  Gauge& gauge = registry.GetGauge("openadcs_a", "A gauge;\nwith a \\ backslash.");
  gauge.Set(5);
  gauge.Add(-1.5);
  EXPECT_EQ(registry.RenderText(),
            "# HELP openadcs_a A gauge;\\nwith a \\\\ backslash.\n"
            "# TYPE openadcs_a gauge\n"
            "openadcs_a 3.5\n"
            "# HELP openadcs_b_total B things.\n"
            "# TYPE openadcs_b_total counter\n"
            "openadcs_b_total{outcome=\"denied\"} 3\n"
            "openadcs_b_total{outcome=\"issued\"} 2\n");
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Registry registry;
  registry.GetCounter("c", "h", {{"a", "x\"y\\z\nw"}, {"b", ""}}).Increment();
  EXPECT_EQ(registry.RenderText(),
            "# HELP c h\n# TYPE c counter\nc{a=\"x\\\"y\\\\z\\nw\",b=\"\"} 1\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry registry;
  Histogram& h = registry.GetHistogram("lat_seconds", "Latency.", {0.1, 1}, {{"method", "M"}});
  h.Observe(0.05);
  h.Observe(0.1);  // le is inclusive
  h.Observe(0.5);
  h.Observe(7);
  EXPECT_EQ(registry.RenderText(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{method=\"M\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{method=\"M\",le=\"1\"} 3\n"
            "lat_seconds_bucket{method=\"M\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{method=\"M\"} 7.65\n"
            "lat_seconds_count{method=\"M\"} 4\n");
}

TEST(MetricsTest, HistogramWithoutLabels) {
  Registry registry;
  registry.GetHistogram("h", "H.", {1}).Observe(2);
  EXPECT_EQ(registry.RenderText(),
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
            "h_sum 2\nh_count 1\n");
}

TEST(MetricsTest, DurationsAreObservedInSeconds) {
  Histogram h({0.001, 0.01});
  h.ObserveDuration(std::chrono::microseconds(1500));
  h.ObserveDuration(std::chrono::milliseconds(1));  // le is inclusive
  const Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{1, 2, 2}));
  EXPECT_DOUBLE_EQ(s.sum, 0.0025);
  EXPECT_EQ(s.count, 2u);
}

TEST(MetricsTest, CallbackGaugesAreReadWhenRendered) {
  Registry registry;
  int calls = 0;
  std::optional<double> value = 4;
  registry.SetGaugeCallback("pending", "Pending.", [&] {
    ++calls;
    // A callback may use the registry: no lock is held.
    registry.GetCounter("reads_total", "Reads.").Increment();
    return value;
  });
  EXPECT_EQ(registry.RenderText(),
            "# HELP pending Pending.\n# TYPE pending gauge\npending 4\n"
            "# HELP reads_total Reads.\n# TYPE reads_total counter\nreads_total 1\n");
  value.reset();  // unavailable: left out
  EXPECT_EQ(registry.RenderText(),
            "# HELP reads_total Reads.\n# TYPE reads_total counter\n"
            "reads_total 2\n");
  EXPECT_EQ(calls, 2);
}

TEST(MetricsTest, ChildrenAreStableAndConcurrentUpdatesAreCounted) {
  Registry registry;
  constexpr int kThreads = 4, kPerThread = 10000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry, t] {
      for (int i = 0; i < kPerThread; ++i) {
        registry.GetCounter("c_total", "C.", {{"t", std::to_string(i % 2)}}).Increment();
        registry.GetHistogram("h", "H.", LatencyBuckets()).Observe(0.001 * t);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(registry.GetCounter("c_total", "", {{"t", "0"}}).value() +
                registry.GetCounter("c_total", "", {{"t", "1"}}).value(),
            std::uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(registry.GetHistogram("h", "", LatencyBuckets()).snapshot().count,
            std::uint64_t{kThreads} * kPerThread);
}

TEST(MetricsDeathTest, ANameWithTwoTypesAborts) {
  Registry registry;
  registry.GetCounter("x", "X.");
  EXPECT_DEATH(registry.GetGauge("x", "X."), "another type");
}

}  // namespace
}  // namespace openadcs::metrics
