// Replacing a file so that readers see the old content or the new, never a
// mix, and so that the new content survives a crash once this returns: the
// published CRLs, the directory's snapshot and status files, the NTLM user
// file.
#ifndef OPENADCS_UTIL_ATOMIC_FILE_H_
#define OPENADCS_UTIL_ATOMIC_FILE_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "openadcs/util/status.h"

namespace openadcs::util {

// Who owns the file written.
enum class FileOwner {
  kWriter,  // the process writing it
  // When the writer runs as root, whoever owns the file's directory: an
  // operator's tool writing into the daemon's state directory leaves a file
  // the daemon's own user can read. Otherwise the writer.
  kDirectoryOwnerIfRoot,
};

// Writes `bytes` to a hidden temporary file beside `path` (mode `mode`),
// fsyncs it, renames it over `path` and fsyncs the directory. On error `path`
// is left as it was, the temporary file is removed, and IOError names the
// step and the file.
Status WriteFileAtomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes,
                           mode_t mode, FileOwner owner = FileOwner::kWriter);
// The same for text.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view text, mode_t mode,
                           FileOwner owner = FileOwner::kWriter);

}  // namespace openadcs::util

#endif  // OPENADCS_UTIL_ATOMIC_FILE_H_
