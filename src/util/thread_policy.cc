#include "openadcs/util/thread_policy.h"

#include <pthread.h>
#include <sched.h>

#include <cerrno>

namespace openadcs::util {

Status MakeThisThreadBatch() {
  const sched_param param{};  // SCHED_BATCH takes priority 0
  if (const int err = pthread_setschedparam(pthread_self(), SCHED_BATCH, &param); err != 0) {
    errno = err;
    return Status::IOErrorFromErrno("setting SCHED_BATCH");
  }
  return Status::Ok();
}

}  // namespace openadcs::util
