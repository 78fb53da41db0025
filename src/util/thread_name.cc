#include "openadcs/util/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace openadcs::util {

void NameThisThread(std::string_view name) {
  std::array<char, 16> bounded{};
  const std::size_t n = std::min(name.size(), bounded.size() - 1);
  std::memcpy(bounded.data(), name.data(), n);
  pthread_setname_np(pthread_self(), bounded.data());
}

}  // namespace openadcs::util
