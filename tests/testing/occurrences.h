// Counting what a log says: how many times a line or a name appears in it.
#ifndef OPENADCS_TESTS_TESTING_OCCURRENCES_H_
#define OPENADCS_TESTS_TESTING_OCCURRENCES_H_

#include <cstddef>
#include <string>

namespace openadcs::testing {

// How many times `what` (not empty) occurs in `text`, overlapping ones
// included.
inline std::size_t Occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_OCCURRENCES_H_
