// When openadcsd publishes CRLs: at start when none exists or the latest is
// past half its lifetime, then once every [crl] period_hours.
#ifndef OPENADCS_DAEMON_CRL_SCHEDULE_H_
#define OPENADCS_DAEMON_CRL_SCHEDULE_H_

#include <chrono>
#include <cstdint>
#include <optional>

#include "openadcs/db/records.h"

namespace openadcs::daemon {

// True when there is no CRL, its lifetime (nextUpdate - thisUpdate) is not
// positive, or `now` (Unix seconds) is at or past the middle of it.
bool CrlNeedsRefresh(const std::optional<db::CrlRow>& latest, std::int64_t now);

// How long from `now` until the CRL after `latest` is due: one period after
// its thisUpdate, and never negative.
std::chrono::seconds DelayUntilNextCrl(const db::CrlRow& latest, std::chrono::seconds period,
                                       std::int64_t now);

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_CRL_SCHEDULE_H_
