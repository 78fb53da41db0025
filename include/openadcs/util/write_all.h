// Writing a whole buffer to a file descriptor.
#ifndef OPENADCS_UTIL_WRITE_ALL_H_
#define OPENADCS_UTIL_WRITE_ALL_H_

#include <cstddef>

namespace openadcs::util {

// Writes the `size` bytes at `data` to `fd`, writing again after a short
// write or an interrupted one (EINTR). Returns 0, or the errno of the write
// that failed; what was written before it stays written.
int WriteAll(int fd, const void* data, std::size_t size);

}  // namespace openadcs::util

#endif  // OPENADCS_UTIL_WRITE_ALL_H_
