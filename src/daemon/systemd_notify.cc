#include "openadcs/daemon/systemd_notify.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstring>
#include <ctime>
#include <string>

namespace openadcs::daemon {
namespace {

std::string StatusLine(std::string_view status) {
  std::string line = fmt::format("STATUS={}", status);
  for (char& c : line) {
    if (c == '\n' || c == '\r' || c == '\0') c = ' ';
  }
  return line;
}

void Send(const std::string& message) {
  const int rc = sd_notify(0, message.c_str());
  if (rc < 0) spdlog::warn("sd_notify failed: {}", std::strerror(-rc));
}

}  // namespace

void NotifyReady(std::string_view status) {
  Send("READY=1\n" + StatusLine(status));
}

void NotifyReloading() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const long long usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
  Send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\n{}", usec, StatusLine("reloading templates")));
}

void NotifyStopping() {
  Send("STOPPING=1\n" + StatusLine("stopping"));
}

void NotifyStatus(std::string_view status) {
  Send(StatusLine(status));
}

}  // namespace openadcs::daemon
