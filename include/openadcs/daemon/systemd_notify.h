// The sd_notify(3) protocol as openadcsd speaks it (Type=notify units).
// Every call is a no-op when NOTIFY_SOCKET is unset (not started by systemd);
// a failed send is logged and otherwise ignored, since the daemon works the
// same without a supervisor. Call from the daemon's loop thread.
#ifndef OPENADCS_DAEMON_SYSTEMD_NOTIFY_H_
#define OPENADCS_DAEMON_SYSTEMD_NOTIFY_H_

#include <string_view>

namespace openadcs::daemon {

// READY=1 with a STATUS= line: startup or a reload has finished.
void NotifyReady(std::string_view status);
// RELOADING=1 (with MONOTONIC_USEC=, as systemd 253+ wants) before a reload.
void NotifyReloading();
// STOPPING=1: shutdown has begun.
void NotifyStopping();
// A STATUS= line alone. Newlines in `status` become spaces.
void NotifyStatus(std::string_view status);

}  // namespace openadcs::daemon

#endif  // OPENADCS_DAEMON_SYSTEMD_NOTIFY_H_
