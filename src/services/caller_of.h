// Who is calling, as the CA engine sees it: the one place where a service
// adapter turns the RPC layer's authenticated identity into a ca::Caller.
#ifndef OPENADCS_SRC_SERVICES_CALLER_OF_H_
#define OPENADCS_SRC_SERVICES_CALLER_OF_H_

#include "openadcs/ca/caller.h"
#include "openadcs/ca/engine.h"
#include "openadcs/rpc/interface.h"

namespace openadcs::services {

// The caller of `ctx`, its SIDs those of the directory when `engine` has a
// directory lookup (Engine::ResolveCaller); an unauthenticated call is a
// Caller with no name and no SIDs, which no security descriptor grants
// anything.
ca::Caller CallerOf(const rpc::CallContext& ctx, const ca::Engine& engine);

}  // namespace openadcs::services

#endif  // OPENADCS_SRC_SERVICES_CALLER_OF_H_
