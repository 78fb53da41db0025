#include "openadcs/util/gate.h"

#include <utility>

namespace openadcs {

void Gate::Open(const Status& status) {
  std::vector<Callback> callbacks;
  {
    std::lock_guard lock(mu_);
    if (status_) return;
    status_ = status;
    callbacks.swap(callbacks_);
  }
  for (Callback& callback : callbacks) callback(status);
  {
    std::lock_guard lock(mu_);
    opened_ = true;
  }
  cv_.notify_all();
}

void Gate::WhenOpen(Callback callback) {
  std::unique_lock lock(mu_);
  if (!status_) {
    callbacks_.push_back(std::move(callback));
    return;
  }
  const Status status = *status_;
  lock.unlock();
  callback(status);
}

Status Gate::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return opened_; });
  return *status_;
}

}  // namespace openadcs
