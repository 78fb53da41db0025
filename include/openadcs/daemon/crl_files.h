// The CRL files openadcsd publishes for relying parties: every CRL the
// engine stores, whether the schedule or an administrator's PublishCRL(s)
// asked for it, replaces the file of its kind ([crl] publish_path for base
// CRLs, delta_publish_path for deltas), so the files never lag the database.
#ifndef OPENADCS_DAEMON_CRL_FILES_H_
#define OPENADCS_DAEMON_CRL_FILES_H_

#include <filesystem>

#include "openadcs/ca/engine.h"
#include "openadcs/db/records.h"
#include "openadcs/util/status.h"

namespace openadcs::daemon {

class CrlFiles : public ca::CrlSink {
 public:
  CrlFiles(std::filesystem::path base_path, std::filesystem::path delta_path);

  // Writes `crl`'s DER to the path of its kind (crl_publish_flag::kDelta)
  // atomically, mode 0644, and logs it. Errors: IOError naming the step and
  // the file, which is left as it was.
  Status Published(const db::CrlRow& crl) override;

 private:
  const std::filesystem::path base_path_;
  const std::filesystem::path delta_path_;
};

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_CRL_FILES_H_
