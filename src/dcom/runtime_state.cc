#include "dcom/runtime_state.h"

#include <string>
#include <utility>

#include "openadcs/idl/iunknown.h"
#include "openadcs/util/utf16.h"

namespace openadcs::dcom {
namespace {

namespace objref = ndr::objref;

ObjectTableOptions TableOptions(const DcomOptions& o) {
  ObjectTableOptions t;
  t.timeout = o.object_timeout;
  t.max_objects = o.max_objects;
  t.max_objects_per_client = o.max_objects_per_client;
  t.max_ping_sets = o.max_ping_sets;
  t.max_ping_sets_per_client = o.max_ping_sets_per_client;
  t.clock = o.clock;
  return t;
}

std::u16string Ascii16(const std::string& s) {
  // Socket addresses are ASCII (dotted quads, IPv6 hex); anything else
  // would not have come from the kernel.
  Result<std::u16string> u = Utf8ToUtf16(s);
  return u.ok() ? std::move(*u) : std::u16string();
}

// The authentication services clients may use, as Windows lists them:
// SPNEGO and Kerberos first when on, NTLM always.
std::vector<objref::SecurityBinding> SecurityBindings(const DcomOptions& options) {
  std::vector<std::uint16_t> services;
  if (options.kerberos) services = {objref::kAuthnGssNegotiate, objref::kAuthnGssKerberos};
  services.push_back(objref::kAuthnWinNt);
  std::vector<objref::SecurityBinding> bindings;
  for (std::uint16_t service : services) {
    objref::SecurityBinding b;
    b.authn_svc = service;
    b.authz_svc = objref::kAuthzNone;
    bindings.push_back(b);
  }
  return bindings;
}

}  // namespace

RuntimeState::RuntimeState(DcomOptions opts)
    : options(std::move(opts)), table(TableOptions(options)) {}

std::optional<rpc::SyntaxId> RuntimeState::Implemented(const ComObject& object,
                                                       const Uuid& iid) const {
  if (iid == idl::iunknown::kUuid) {
    return rpc::SyntaxId{idl::iunknown::kUuid, idl::iunknown::kVersionMajor,
                         idl::iunknown::kVersionMinor};
  }
  auto registered = object_interfaces.find(iid);
  if (registered == object_interfaces.end()) return std::nullopt;
  for (const rpc::SyntaxId& s : object.interfaces()) {
    if (s == registered->second) return s;
  }
  return std::nullopt;
}

objref::DualStringArray RuntimeState::OxidBindings(const rpc::CallContext& ctx) const {
  objref::DualStringArray a;
  a.string_bindings.push_back(
      {objref::kTowerTcp,
       Ascii16(ctx.local_address + "[" + std::to_string(object_port.load()) + "]")});
  a.security_bindings = SecurityBindings(options);
  return a;
}

objref::DualStringArray RuntimeState::ResolverBindings(const rpc::CallContext& ctx) const {
  objref::DualStringArray a;
  a.string_bindings.push_back({objref::kTowerTcp, Ascii16(ctx.local_address)});
  a.security_bindings = SecurityBindings(options);
  return a;
}

Bytes RuntimeState::StandardObjRef(const rpc::CallContext& ctx, const Uuid& iid, std::uint64_t oid,
                                   const Uuid& ipid, std::uint32_t public_refs) const {
  objref::ObjRef o;
  o.flags = objref::kFlagsStandard;
  o.iid = iid;
  o.std.public_refs = public_refs;
  o.std.oxid = table.oxid();
  o.std.oid = oid;
  o.std.ipid = ipid;
  o.resolver_address = ResolverBindings(ctx);
  return objref::EncodeObjRef(o);
}

}  // namespace openadcs::dcom
