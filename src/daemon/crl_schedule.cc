#include "openadcs/daemon/crl_schedule.h"

namespace openadcs::daemon {

bool CrlNeedsRefresh(const std::optional<db::CrlRow>& latest, std::int64_t now) {
  if (!latest) return true;
  const std::int64_t lifetime = latest->next_update - latest->this_update;
  if (lifetime <= 0) return true;
  return now >= latest->this_update + lifetime / 2;
}

std::chrono::seconds DelayUntilNextCrl(const db::CrlRow& latest, std::chrono::seconds period,
                                       std::int64_t now) {
  const std::int64_t due = latest.this_update + period.count();
  return std::chrono::seconds(due > now ? due - now : 0);
}

}  // namespace openadcs::daemon
