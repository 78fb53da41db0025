#include "services/caller_of.h"

namespace openadcs::services {

ca::Caller CallerOf(const rpc::CallContext& ctx, const ca::Engine& engine) {
  if (ctx.client == nullptr) return {};
  return engine.ResolveCaller({ctx.client->Qualified(), ctx.client->sid, ctx.client->group_sids,
                               ctx.client->sids_from_pac});
}

}  // namespace openadcs::services
