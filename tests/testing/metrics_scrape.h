// Fetching the text of a daemon's metrics endpoint ([metrics] listen), for
// tests and benchmarks that read its counters from outside the process.
#ifndef OPENADCS_TESTS_TESTING_METRICS_SCRAPE_H_
#define OPENADCS_TESTS_TESTING_METRICS_SCRAPE_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "openadcs/util/status.h"

namespace openadcs::testing {

// GET /metrics from 127.0.0.1:`port`; the body (the exposition format) once
// the endpoint has answered 200 and closed, all within `timeout`. Errors:
// kUnavailable (no connection, another status, or not in time), kIOError.
Result<std::string> ScrapeMetrics(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_METRICS_SCRAPE_H_
