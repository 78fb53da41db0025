#include "ca/policy.h"

#include <optional>
#include <utility>

#include "ca/policy_stages.h"
#include "ca/template_access.h"

namespace openadcs::ca {

namespace stages = policy_stages;

namespace {

// The directory entry of whom the certificate is for: the account a request
// on behalf of another names, else the requester, whose entry resolving the
// caller already fetched when the requester is the caller.
stages::DirectoryEntry EntryOf(const PolicyInput& in, const std::optional<std::string>& named,
                               directory::IdentityLookup* lookup) {
  if (named) return {lookup, *named};
  const Caller* caller = in.caller;
  if (caller != nullptr && caller->directory_entry && caller->name == in.requester->name) {
    return {caller->name, *caller->directory_entry};
  }
  return {lookup, in.requester->name};
}

}  // namespace

Policy::Policy(const EngineOptions& options, const pki::CaIdentity& identity,
               directory::IdentityLookup* lookup)
    : options_(options), identity_(identity), lookup_(lookup) {}

PolicyOutcome Policy::Evaluate(const PolicyInput& in) const {
  const pki::ParsedRequest& req = *in.request;
  // A denial keeps the template (for the request row) and nothing else the
  // stages built, notes included.
  std::optional<Requester> on_behalf_of;
  auto deny = [&on_behalf_of](const stages::Denial& d, const directory::CertificateTemplate* t) {
    PolicyOutcome out;
    out.on_behalf_of = on_behalf_of;
    out.kind = PolicyOutcome::Kind::kDeny;
    out.status = d.status;
    out.message = d.message;
    if (t != nullptr) {
      out.resolved_template = *t;
      out.has_template = true;
    }
    return out;
  };

  const directory::CertificateTemplate* resolved = nullptr;
  if (auto d = stages::ResolveTemplate(req, *in.attributes, *in.templates, &resolved)) {
    return deny(*d, nullptr);
  }
  const directory::CertificateTemplate& t = *resolved;
  PolicyOutcome out;
  stages::SubjectAndSan subject;
  std::optional<stages::Denial> d = stages::CheckTemplateVersion(t, req);
  if (!d && in.caller != nullptr && options_.enforce_template_permissions) {
    d = stages::CheckEnrollPermission(t, *in.caller);
  }
  if (!d) d = stages::CheckKey(t, req);
  if (!d) d = stages::CheckAgentSignatures(t, req, identity_);
  std::optional<std::string> named;
  if (!d) d = stages::ResolveOnBehalfOf(t, req, *in.attributes, identity_, &named);
  const stages::DirectoryEntry entry = EntryOf(in, named, lookup_);
  if (named) on_behalf_of = stages::NamedRequester(entry);
  const Requester& requester = on_behalf_of ? *on_behalf_of : *in.requester;
  if (!d) d = stages::CheckNullSignature(t, req);
  if (!d) d = stages::CheckEndEntityEku(t);
  if (!d) {
    d = t.enrollee_supplies_subject() ? stages::SubjectFromRequest(req, &subject)
                                      : stages::SubjectFromDirectory(t, entry, &subject);
  }
  if (!d)
    d = stages::ApplySanAttribute(*in.attributes, options_.allow_san_attribute, &subject,
                                  &out.notes);
  if (!d) {
    d = stages::ComputeValidity(t, identity_, options_.clock_skew.count(), in.now, &out.not_before,
                                &out.not_after);
  }
  if (d) return deny(*d, &t);

  stages::ExtensionSet set;
  stages::AddTemplateExtensions(t, X509_REQ_get0_pubkey(req.pkcs10.get()), &set);
  stages::AddSubjectAltName(t, subject, &set);
  stages::AddSidExtension(t, req, requester, entry, options_.enrollee_subject_sid, &set,
                          &out.notes);
  stages::CopyRequestedExtensions(req, &set);
  stages::AddRevocationPointers(t, options_, &set);
  stages::ApplyAdminExtensions(*in.admin_extensions, &set);
  stages::RecordRefusedRequestedExtensions(req, &set);

  out.resolved_template = t;
  out.has_template = true;
  out.on_behalf_of = std::move(on_behalf_of);
  out.subject = std::move(subject.subject);
  out.extensions = std::move(set.extensions);
  out.extension_rows = std::move(set.rows);
  stages::DecidePending(t, in.officer_approved, &out);
  return out;
}

}  // namespace openadcs::ca
