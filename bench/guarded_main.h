// A bench's main without exceptions escaping it: a body that throws (an
// allocation, a thread that cannot start, CLI11 outside its parse) is
// reported on stderr and the bench exits non-zero instead of aborting.
#ifndef OPENADCS_BENCH_GUARDED_MAIN_H_
#define OPENADCS_BENCH_GUARDED_MAIN_H_

#include <cstdio>
#include <exception>

namespace openadcs::bench {

template <typename Body>
int GuardedMain(const Body& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench failed: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "bench failed: unknown exception\n");
  }
  return 1;
}

}  // namespace openadcs::bench

#endif  // OPENADCS_BENCH_GUARDED_MAIN_H_
