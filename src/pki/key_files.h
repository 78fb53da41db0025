// Reading and writing the CA's files: secrets that must be private to the
// daemon's user, and files replaced atomically so that a crash never leaves a
// half-written key. Internal to the pki layer.
#ifndef OPENADCS_PKI_KEY_FILES_H_
#define OPENADCS_PKI_KEY_FILES_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "openadcs/util/status.h"

namespace openadcs::pki::internal {

// Largest key, certificate, chain or passphrase file we read.
inline constexpr std::size_t kMaxCaFileBytes = 1 << 20;

// The contents of `path` (at most kMaxCaFileBytes). NotFound when missing,
// IOError otherwise.
Result<std::string> ReadCaFile(const std::filesystem::path& path);

// As ReadCaFile, for a secret: PermissionDenied (naming the file and its
// mode) when group or others may read or write it, InvalidArgument when it
// is not a regular file. The mode is checked on the opened descriptor.
Result<std::string> ReadSecretFile(const std::filesystem::path& path);

struct FileToWrite {
  std::filesystem::path path;
  std::span<const std::uint8_t> contents;
  mode_t mode = 0600;
};

// Writes every file to a temporary beside it (created 0600, then given its
// mode), syncs them all, then renames each into place and syncs the
// directories. A failure before the renames leaves no file behind.
Status WriteFilesAtomically(std::span<const FileToWrite> files);

// Removes the temporaries a WriteFilesAtomically of `path` interrupted by a
// crash left beside it ("<path>.tmp-XXXXXX"), logging each. IOError when
// one cannot be removed.
Status RemoveStaleTemporaries(const std::filesystem::path& path);

}  // namespace openadcs::pki::internal

#endif  // OPENADCS_PKI_KEY_FILES_H_
