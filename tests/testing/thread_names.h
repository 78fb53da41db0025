// The names of the calling process's threads, as the kernel shows them.
#ifndef OPENADCS_TESTS_TESTING_THREAD_NAMES_H_
#define OPENADCS_TESTS_TESTING_THREAD_NAMES_H_

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace openadcs::testing {

// One entry per thread (/proc/self/task/TID/comm), so a name may repeat.
inline std::multiset<std::string> ThreadNames() {
  std::multiset<std::string> names;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.insert(name);
  }
  return names;
}

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_THREAD_NAMES_H_
