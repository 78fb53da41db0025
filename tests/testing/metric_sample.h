// Reading one sample out of a metrics::Registry's text rendering (the
// Prometheus exposition format), for tests that watch a metric move.
#ifndef OPENADCS_TESTS_TESTING_METRIC_SAMPLE_H_
#define OPENADCS_TESTS_TESTING_METRIC_SAMPLE_H_

#include <algorithm>
#include <string>
#include <string_view>

namespace openadcs::testing {

// The value of the sample line `series` ("name{labels}", or a histogram's
// "name_sum" and "name_count") in `text`, or -1 if there is none.
inline double MetricSample(std::string_view text, std::string_view series) {
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    const std::string_view line = text.substr(begin, end - begin);
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      return std::stod(std::string(line.substr(series.size() + 1)));
    }
    begin = end + 1;
  }
  return -1;
}

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_METRIC_SAMPLE_H_
