#include "ca/policy.h"

#include <optional>
#include <utility>

#include "ca/policy_stages.h"
#include "ca/template_access.h"

namespace openadcs::ca {

namespace stages = policy_stages;

namespace {

// Sets *named when the request is on behalf of another account.
std::optional<stages::Denial> ResolveRequester(const directory::CertificateTemplate& t,
                                               const PolicyInput& in,
                                               const pki::CaIdentity& identity,
                                               directory::IdentityLookup* lookup,
                                               std::optional<Requester>* named) {
  std::optional<std::string> name;
  auto d = stages::ResolveOnBehalfOf(t, *in.request, *in.attributes, identity, &name);
  if (!d && name) *named = stages::NamedRequester(*name, lookup);
  return d;
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
  if (!d) d = ResolveRequester(t, in, identity_, lookup_, &on_behalf_of);
  const Requester& requester = on_behalf_of ? *on_behalf_of : *in.requester;
  if (!d) d = stages::CheckNullSignature(t, req);
  if (!d) d = stages::CheckEndEntityEku(t);
  if (!d) {
    d = t.enrollee_supplies_subject()
            ? stages::SubjectFromRequest(req, &subject)
            : stages::SubjectFromDirectory(t, requester.name, lookup_, &subject);
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
  stages::AddSubjectAltName(subject, &set);
  stages::AddSidExtension(t, req, requester, lookup_, options_.enrollee_subject_sid, &set,
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
