#include "openadcs/util/readable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace openadcs::util {

int OpenForReadingError(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

}  // namespace openadcs::util
