#include "openadcs/dcom/dcom_runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <utility>

#include "dcom/runtime_state.h"

namespace openadcs::dcom {
namespace {

// The sweep's own state, shared with its pending timer handler so that a
// handler already queued when the runtime goes away finds `stopped` set
// instead of a dangling runtime.
struct Sweeper {
  std::mutex mu;
  bool stopped = false;
  std::weak_ptr<RuntimeState> state;
  std::unique_ptr<boost::asio::steady_timer> timer;
  std::chrono::milliseconds period{0};
};

std::size_t Collect(RuntimeState& state) {
  FreedObjects freed;
  std::size_t n = state.table.CollectExpired(&freed);
  if (n > 0) spdlog::debug("dcom: collected {} expired object(s)", n);
  freed.clear();  // outside the table's lock
  return n;
}

void Arm(const std::shared_ptr<Sweeper>& sweeper) {
  sweeper->timer->expires_after(sweeper->period);
  sweeper->timer->async_wait([sweeper](const boost::system::error_code& ec) {
    if (ec) return;
    std::shared_ptr<RuntimeState> state;
    {
      std::lock_guard lock(sweeper->mu);
      if (sweeper->stopped) return;
      state = sweeper->state.lock();
    }
    if (!state) return;
    Collect(*state);
    std::lock_guard lock(sweeper->mu);
    if (!sweeper->stopped) Arm(sweeper);
  });
}

}  // namespace

struct DcomRuntime::Impl {
  std::shared_ptr<RuntimeState> state;
  bool handed_out = false;
  std::shared_ptr<Sweeper> sweeper;
};

Result<std::unique_ptr<DcomRuntime>> DcomRuntime::Create(DcomOptions options) {
  OPENADCS_RETURN_IF_ERROR(options.Validate());
  auto impl = std::make_unique<Impl>();
  impl->state = std::make_shared<RuntimeState>(std::move(options));
  spdlog::debug("dcom: exporter oxid {:016x}, ipidRemUnknown {}", impl->state->table.oxid(),
                impl->state->ipid_rem_unknown.ToString());
  return std::unique_ptr<DcomRuntime>(new DcomRuntime(std::move(impl)));
}

DcomRuntime::DcomRuntime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// Stop() can throw only on a broken mutex, after which the process cannot go
// on anyway.
DcomRuntime::~DcomRuntime() {  // NOLINT(bugprone-exception-escape)
  Stop();
}

Status DcomRuntime::RegisterObjectInterface(const rpc::SyntaxId& iface, std::uint16_t opnum_count) {
  if (impl_->handed_out) return Status::FailedPrecondition("handlers already handed out");
  if (!impl_->state->object_interfaces.emplace(iface.uuid, iface).second) {
    return Status::AlreadyExists("object interface " + iface.uuid.ToString() + " registered twice");
  }
  impl_->state->opnum_counts.emplace(iface.uuid, opnum_count);
  return Status::Ok();
}

Status DcomRuntime::RegisterClass(const Uuid& clsid, ClassFactory factory) {
  if (impl_->handed_out) return Status::FailedPrecondition("handlers already handed out");
  if (!factory) return Status::InvalidArgument("class " + clsid.ToString() + " has no factory");
  if (!impl_->state->classes.emplace(clsid, std::move(factory)).second) {
    return Status::AlreadyExists("class " + clsid.ToString() + " registered twice");
  }
  return Status::Ok();
}

std::vector<std::shared_ptr<rpc::InterfaceHandler>> DcomRuntime::Handlers() {
  impl_->handed_out = true;
  const std::shared_ptr<RuntimeState>& state = impl_->state;
  std::vector<std::shared_ptr<rpc::InterfaceHandler>> out{
      NewScmActivatorHandler(state), NewOxidResolverHandler(state),
      NewRemUnknownHandler(state, /*version2=*/false),
      NewRemUnknownHandler(state, /*version2=*/true)};
  for (const auto& [iid, iface] : state->object_interfaces) {
    out.push_back(NewObjectCallHandler(state, iface, state->opnum_counts.at(iid)));
  }
  return out;
}

void DcomRuntime::SetObjectPort(std::uint16_t port) {
  impl_->state->object_port = port;
}

void DcomRuntime::StartSweeping(boost::asio::io_context& io) {
  Stop();
  auto sweeper = std::make_shared<Sweeper>();
  sweeper->state = impl_->state;
  sweeper->timer = std::make_unique<boost::asio::steady_timer>(io);
  sweeper->period =
      std::max(impl_->state->options.object_timeout / 4, std::chrono::milliseconds(1));
  {
    std::lock_guard lock(sweeper->mu);
    Arm(sweeper);
  }
  impl_->sweeper = std::move(sweeper);
}

void DcomRuntime::Stop() {
  if (!impl_->sweeper) return;
  {
    std::lock_guard lock(impl_->sweeper->mu);
    impl_->sweeper->stopped = true;
    impl_->sweeper->timer->cancel();
  }
  impl_->sweeper.reset();
}

std::size_t DcomRuntime::CollectExpired() {
  return Collect(*impl_->state);
}

std::size_t DcomRuntime::object_count() const {
  return impl_->state->table.object_count();
}

}  // namespace openadcs::dcom
