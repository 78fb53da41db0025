#include "openadcs/util/write_all.h"

#include <unistd.h>

#include <cerrno>

namespace openadcs::util {

int WriteAll(int fd, const void* data, std::size_t size) {
  const auto* next = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, next, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    next += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace openadcs::util
