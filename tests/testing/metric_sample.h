// Reading one sample out of a metrics::Registry's text rendering (the
// Prometheus exposition format), for tests that watch a metric move.
#ifndef OPENADCS_TESTS_TESTING_METRIC_SAMPLE_H_
#define OPENADCS_TESTS_TESTING_METRIC_SAMPLE_H_

#include <string>
#include <string_view>

namespace openadcs::testing {

// The value of the sample line `series` ("name{labels}", or a histogram's
// "name_sum" and "name_count") in `text`, or -1 if there is none.
inline double MetricSample(std::string_view text, std::string_view series) {
  const std::string lines = "\n" + std::string(text);
  const std::string start = "\n" + std::string(series) + " ";
  const std::size_t at = lines.find(start);
  if (at == std::string::npos) return -1;
  return std::stod(lines.substr(at + start.size()));
}

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_METRIC_SAMPLE_H_
