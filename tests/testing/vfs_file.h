// Storage for one sqlite3_file of a VFS, for tests that call a VFS's
// methods directly.
#ifndef OPENADCS_TESTS_TESTING_VFS_FILE_H_
#define OPENADCS_TESTS_TESTING_VFS_FILE_H_

#include <sqlite3.h>

#include <cstddef>
#include <vector>

namespace openadcs::testing {

// Closed on destruction if open (pMethods set).
class VfsFile {
 public:
  explicit VfsFile(const sqlite3_vfs* vfs)
      : storage_((static_cast<std::size_t>(vfs->szOsFile) + sizeof(std::max_align_t) - 1) /
                 sizeof(std::max_align_t)) {}
  ~VfsFile() {
    if (file()->pMethods != nullptr) file()->pMethods->xClose(file());
  }
  VfsFile(const VfsFile&) = delete;
  VfsFile& operator=(const VfsFile&) = delete;
  sqlite3_file* file() { return reinterpret_cast<sqlite3_file*>(storage_.data()); }

 private:
  std::vector<std::max_align_t> storage_;
};

}  // namespace openadcs::testing

#endif  // OPENADCS_TESTS_TESTING_VFS_FILE_H_
