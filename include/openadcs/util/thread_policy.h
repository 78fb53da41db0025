// The scheduling policy of the calling thread.
#ifndef OPENADCS_UTIL_THREAD_POLICY_H_
#define OPENADCS_UTIL_THREAD_POLICY_H_

#include "openadcs/util/status.h"

namespace openadcs::util {

// Puts the calling thread in SCHED_BATCH (Linux): its share of the CPU stays
// what it was, but once woken it no longer preempts the thread running on its
// core. For threads that compute for long (a signature) on work handed to them
// by a thread that must go on reading and answering for everyone: woken, they
// would preempt that thread, which then waits behind them while work piles up.
// Unprivileged; a seccomp filter may still refuse it (the shipped unit lets this
// one call through). Errors: IOError with the errno.
Status MakeThisThreadBatch();

}  // namespace openadcs::util

#endif  // OPENADCS_UTIL_THREAD_POLICY_H_
