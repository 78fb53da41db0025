#include "openadcs/daemon/crl_files.h"

#include <spdlog/spdlog.h>
#include <sys/types.h>

#include <string>
#include <utility>

#include "openadcs/util/atomic_file.h"
#include "openadcs/util/filetime.h"

namespace openadcs::daemon {
namespace {

// The CRL is public: a web server (another user) may serve the file.
constexpr mode_t kCrlFileMode = 0644;

}  // namespace

CrlFiles::CrlFiles(std::filesystem::path base_path, std::filesystem::path delta_path)
    : base_path_(std::move(base_path)), delta_path_(std::move(delta_path)) {}

Status CrlFiles::Published(const db::CrlRow& crl) {
  const bool delta = (crl.publish_flags & db::crl_publish_flag::kDelta) != 0;
  const std::filesystem::path& to = delta ? delta_path_ : base_path_;
  OPENADCS_RETURN_IF_ERROR(util::WriteFileAtomically(to, crl.raw_crl, kCrlFileMode));
  if (delta) {
    spdlog::info("delta CRL number {} over base {} with {} entries written to {}, next update {}",
                 crl.number, crl.min_base, crl.count, to.string(), UnixToIso8601(crl.next_update));
  } else {
    spdlog::info("CRL number {} with {} entries written to {}, next update {}", crl.number,
                 crl.count, to.string(), UnixToIso8601(crl.next_update));
  }
  return Status::Ok();
}

}  // namespace openadcs::daemon
