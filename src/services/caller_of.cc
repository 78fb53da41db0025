#include "services/caller_of.h"

#include <utility>

namespace openadcs::services {

ca::Caller CallerOf(const rpc::CallContext& ctx, const ca::Engine& engine) {
  if (ctx.client == nullptr) return {};
  ca::Caller caller{ctx.client->Qualified(), ctx.client->sid, ctx.client->group_sids};
  caller.sids_from_pac = ctx.client->sids_from_pac;
  return engine.ResolveCaller(std::move(caller));
}

}  // namespace openadcs::services
