#include "ca/policy.h"

#include <openssl/evp.h>

#include <algorithm>
#include <set>

#include "openadcs/ca/hresult.h"
#include "openadcs/pki/name.h"
#include "openadcs/util/bytes.h"

namespace openadcs::ca {
namespace {

using directory::CertificateTemplate;
namespace ef = directory::enrollment_flag;
namespace nf = directory::name_flag;
namespace gf = directory::general_flag;
namespace xf = db::extension_flag;

constexpr std::int64_t kDefaultValiditySeconds = 365LL * 24 * 3600;
constexpr const char* kAnyPurpose = "2.5.29.37.0";

PolicyOutcome Deny(std::uint32_t hr, std::string message) {
  PolicyOutcome out;
  out.kind = PolicyOutcome::Kind::kDeny;
  out.status = hr;
  out.message = std::move(message);
  return out;
}

bool NameEquals(std::string_view a, std::string_view b) {
  return ToLowerAscii(a) == ToLowerAscii(b);
}

std::vector<std::string> AttributeValues(const std::vector<db::AttributeRow>& rows,
                                         std::string_view name) {
  std::vector<std::string> out;
  for (const auto& row : rows) {
    if (NameEquals(row.name, name)) out.push_back(row.value);
  }
  return out;
}

const pki::RequestedExtension* FindRequested(const pki::ParsedRequest& req, std::string_view oid) {
  for (const auto& e : req.extensions) {
    if (e.oid == oid) return &e;
  }
  return nullptr;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// MS-WCCE 3.2.2.6.2.1.4.1: up to four identifiers must map to one served template.
struct Resolution {
  const CertificateTemplate* tmpl = nullptr;
  std::uint32_t status = 0;
  std::string message;
};

Resolution ResolveTemplate(const PolicyInput& in) {
  const pki::ParsedRequest& req = *in.request;
  std::vector<std::pair<std::string, const CertificateTemplate*>> ids;  // (how named, mapped)
  if (const auto* e = FindRequested(req, oid::kTemplateName)) {
    auto name = pki::ext_decode::TemplateName(e->value);
    if (!name)
      return {nullptr, hr::kUnsupportedCertType, "the template name extension does not parse"};
    ids.emplace_back("extension name '" + *name + "'", in.templates->FindByName(*name));
  }
  for (const auto& value : AttributeValues(*in.attributes, "CertificateTemplate")) {
    ids.emplace_back("attribute '" + value + "'", in.templates->FindByName(value));
  }
  if (const auto* e = FindRequested(req, oid::kTemplateOid)) {
    auto v = pki::ext_decode::TemplateOid(e->value);
    if (!v) return {nullptr, hr::kUnsupportedCertType, "the template OID extension does not parse"};
    ids.emplace_back("extension OID " + v->oid, in.templates->FindByOid(v->oid));
  }
  if (ids.empty()) {
    return {nullptr, hr::kUnsupportedCertType, "the request names no certificate template"};
  }
  const CertificateTemplate* found = nullptr;
  for (const auto& [how, tmpl] : ids) {
    if (tmpl == nullptr) {
      return {nullptr, hr::kUnsupportedCertType,
              "the template named by " + how + " is not served by this CA"};
    }
    if (found != nullptr && found != tmpl) {
      return {nullptr, hr::kTemplateConflict,
              "the request names two templates: '" + found->name + "' and '" + tmpl->name + "'"};
    }
    found = tmpl;
  }
  return {found, 0, {}};
}

// MS-WCCE 3.2.2.6.2.1.4.2.
std::optional<std::string> CheckTemplateVersion(const CertificateTemplate& t,
                                                const pki::ParsedRequest& req) {
  if (t.schema_version < 2) return std::nullopt;
  const auto* e = FindRequested(req, oid::kTemplateOid);
  if (e == nullptr) return std::nullopt;
  auto v = pki::ext_decode::TemplateOid(e->value);
  if (v && (v->major > t.major_revision || v->minor > t.minor_revision)) {
    return "the request is for template version " + std::to_string(v->major) + "." +
           std::to_string(v->minor) + ", newer than the CA's " + std::to_string(t.major_revision) +
           "." + std::to_string(t.minor_revision);
  }
  return std::nullopt;
}

std::vector<std::string> CertificateEkus(X509* cert) {
  std::vector<std::string> out;
  auto* eku =
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr));
  if (eku == nullptr) return out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, sk_ASN1_OBJECT_value(eku, i), 1);
    out.emplace_back(buf);
  }
  EXTENDED_KEY_USAGE_free(eku);
  return out;
}

std::vector<std::string> CertificatePolicyOids(X509* cert) {
  std::vector<std::string> out;
  auto* pols = static_cast<CERTIFICATEPOLICIES*>(
      X509_get_ext_d2i(cert, NID_certificate_policies, nullptr, nullptr));
  if (pols == nullptr) return out;
  for (int i = 0; i < sk_POLICYINFO_num(pols); ++i) {
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, sk_POLICYINFO_value(pols, i)->policyid, 1);
    out.emplace_back(buf);
  }
  CERTIFICATEPOLICIES_free(pols);
  return out;
}

}  // namespace

Policy::Policy(const EngineOptions& options, const pki::CaIdentity& identity,
               directory::IdentityLookup* lookup)
    : options_(options), identity_(identity), lookup_(lookup) {}

PolicyOutcome Policy::Evaluate(const PolicyInput& in) const {
  const pki::ParsedRequest& req = *in.request;

  Resolution resolution = ResolveTemplate(in);
  if (resolution.tmpl == nullptr) return Deny(resolution.status, resolution.message);
  const CertificateTemplate& t = *resolution.tmpl;
  auto deny = [&t](std::uint32_t hr, std::string message) {
    PolicyOutcome out = Deny(hr, std::move(message));
    out.resolved_template = t;
    out.has_template = true;
    return out;
  };

  if (auto err = CheckTemplateVersion(t, req)) return deny(hr::kBadTemplateVersion, *err);

  // msPKI-Minimal-Key-Size (3.2.2.6.2.1.4.5.2).
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.pkcs10.get());
  if (key == nullptr) return deny(hr::kInvalidData, "the request carries no usable public key");
  const int key_bits = EVP_PKEY_get_bits(key);
  if (t.minimal_key_size > 0 && key_bits < static_cast<int>(t.minimal_key_size)) {
    return deny(hr::kKeyLength, "the key has " + std::to_string(key_bits) + " bits; template '" +
                                    t.name + "' requires at least " +
                                    std::to_string(t.minimal_key_size));
  }

  // msPKI-RA-Signature, -RA-Policies, -RA-Application-Policies (3.2.2.6.2.1.4.5.1, .3, .4).
  // A signer counts only with a certificate this CA issued that is valid now.
  if (t.schema_version >= 2 && t.ra_signature > 0) {
    if (req.signer_info_count == 0) {
      return deny(hr::kSignaturePolicyRequired,
                  "template '" + t.name + "' requires enrollment agent signatures");
    }
    std::vector<X509*> agents;
    for (const auto& signer : req.signers) {
      X509* c = signer.certificate.get();
      bool from_us = X509_check_issued(identity_.certificate(), c) == X509_V_OK &&
                     X509_verify(c, identity_.key()) == 1;
      bool current = X509_cmp_time(X509_get0_notBefore(c), nullptr) < 0 &&
                     X509_cmp_time(X509_get0_notAfter(c), nullptr) > 0;
      if (from_us && current) agents.push_back(c);
    }
    if (agents.size() < t.ra_signature) {
      return deny(hr::kSignatureCount, "template '" + t.name + "' requires " +
                                           std::to_string(t.ra_signature) +
                                           " valid enrollment agent signatures; the request has " +
                                           std::to_string(agents.size()));
    }
    for (const auto& required : t.ra_application_policies) {
      bool met = std::any_of(agents.begin(), agents.end(),
                             [&](X509* c) { return Contains(CertificateEkus(c), required); });
      if (!met) {
        return deny(hr::kSignatureRejected,
                    "no signer certificate carries the application policy " + required);
      }
    }
    for (const auto& required : t.ra_policies) {
      bool met = std::any_of(agents.begin(), agents.end(),
                             [&](X509* c) { return Contains(CertificatePolicyOids(c), required); });
      if (!met) {
        return deny(hr::kSignatureRejected,
                    "no signer certificate carries the issuance policy " + required);
      }
    }
  }

  // A "null signature" PKCS#10 (MS-WCCE 2.2.2.6.5) proves no possession of
  // the key; only enrollment agents this CA trusts may vouch for it, so it is
  // accepted only where the template demands and got their signatures.
  if (req.pkcs10_null_signature && !(t.schema_version >= 2 && t.ra_signature > 0)) {
    return deny(hr::kBadSignature, "the PKCS#10 carries a null signature, and template '" + t.name +
                                       "' requires no enrollment agent signature to vouch for it");
  }

  // EKU (ESC2): a certificate that is not for a CA always carries the
  // template's EKUs, and never "any purpose" or none at all.
  const bool ca_template = t.is_ca() || (t.general_flags & gf::kIsCrossCa) != 0 ||
                           NameEquals(t.name, "SubCA") || NameEquals(t.name, "CA") ||
                           NameEquals(t.name, "CrossCA");
  const std::vector<std::string>& ekus = t.effective_ekus();
  if (!ca_template && (ekus.empty() || Contains(ekus, kAnyPurpose))) {
    return deny(hr::kTemplateDenied,
                "template '" + t.name +
                    "' grants no EKU or any purpose; this CA does not issue such end-entity "
                    "certificates");
  }

  // Subject and subject alternative name (3.2.2.6.2.1.4.5.9).
  PolicyOutcome out;
  out.resolved_template = t;
  out.has_template = true;
  std::vector<pki::CertificateExtension> exts;
  std::vector<db::ExtensionRow> rows;
  auto add = [&](const std::string& ext_oid, Bytes value, std::uint32_t origin) {
    bool critical = Contains(t.critical_extensions, ext_oid);
    exts.push_back({ext_oid, critical, value});
    rows.push_back({0, ext_oid, origin | (critical ? xf::kCritical : 0u), std::move(value)});
  };
  std::set<std::string> copied_from_request;
  auto copy_requested = [&](const pki::RequestedExtension& e) {
    exts.push_back({e.oid, e.critical, e.value});
    rows.push_back({0, e.oid, xf::kOriginRequest | (e.critical ? xf::kCritical : 0u), e.value});
    copied_from_request.insert(e.oid);
  };

  std::optional<Bytes> san;  // value of the SAN extension, if any
  std::uint32_t san_origin = xf::kOriginRequest;
  if (t.enrollee_supplies_subject()) {
    out.subject.reset(X509_NAME_dup(X509_REQ_get_subject_name(req.pkcs10.get())));
    const auto* requested_san = FindRequested(req, oid::kSubjectAltName);
    if (X509_NAME_entry_count(out.subject.get()) == 0 && requested_san == nullptr) {
      return deny(hr::kBadRequestSubject,
                  "the request has neither a subject nor a subject "
                  "alternative name");
    }
    if (requested_san != nullptr) san = requested_san->value;
  } else {
    if (lookup_ == nullptr) {
      return deny(hr::kBadRequestSubject,
                  "template '" + t.name +
                      "' builds the subject from the requester's directory entry, and this CA "
                      "has no directory lookup configured");
    }
    auto id = lookup_->Lookup(in.requester->name);
    if (!id.ok()) {
      return deny(hr::kBadRequestSubject, "directory lookup of '" + in.requester->name +
                                              "' failed: " + id.status().message());
    }
    const bool machine = (t.general_flags & gf::kMachineType) != 0;
    ossl::X509NamePtr subject;
    if ((t.name_flags & nf::kSubjectRequireDirectoryPath) != 0) {
      auto dn = pki::ParseDistinguishedName(id->distinguished_name);
      if (!dn.ok()) return deny(hr::kBadRequestSubject, dn.status().message());
      subject = std::move(dn).value();
    } else {
      subject.reset(X509_NAME_new());
      if ((t.name_flags & (nf::kSubjectRequireCommonName | nf::kSubjectRequireDnsAsCn)) != 0) {
        const std::string& cn = machine ? id->dns_host_name : id->common_name;
        if (cn.empty()) {
          return deny(hr::kBadRequestSubject, std::string("the directory entry has no ") +
                                                  (machine ? "dNSHostName" : "cn"));
        }
        X509_NAME_add_entry_by_txt(subject.get(), "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
      }
    }
    if ((t.name_flags & nf::kSubjectRequireEmail) != 0) {
      if (id->email.empty()) return deny(hr::kBadRequestSubject, "the directory entry has no mail");
      X509_NAME_add_entry_by_txt(subject.get(), "emailAddress", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(id->email.c_str()), -1, -1,
                                 0);
    }
    out.subject = std::move(subject);
    std::vector<std::pair<std::string, std::string>> names;
    auto want = [&](std::uint32_t flag, const char* type, const std::string& value,
                    const char* attr) -> std::optional<std::string> {
      if ((t.name_flags & flag) == 0) return std::nullopt;
      if (value.empty()) return std::string("the directory entry has no ") + attr;
      names.emplace_back(type, value);
      return std::nullopt;
    };
    for (auto err : {want(nf::kAltRequireUpn | nf::kAltRequireSpn, "upn", id->user_principal_name,
                          "userPrincipalName"),
                     want(nf::kAltRequireEmail, "email", id->email, "mail"),
                     want(nf::kAltRequireDns, "dns", id->dns_host_name, "dNSHostName"),
                     want(nf::kAltRequireDirectoryGuid, "guid", id->object_guid, "objectGUID")}) {
      if (err) return deny(hr::kBadRequestSubject, *err);
    }
    if (!names.empty()) {
      auto value = pki::ext::SubjectAltName(names);
      if (!value.ok()) return deny(hr::kBadRequestSubject, value.status().message());
      san = std::move(value).value();
      san_origin = xf::kOriginPolicy;
    }
    if (X509_NAME_entry_count(out.subject.get()) == 0 && !san) {
      return deny(hr::kBadRequestSubject, "template '" + t.name +
                                              "' yields neither a subject nor a subject "
                                              "alternative name");
    }
  }

  // The SAN request attribute is the ESC6 weakness (EDITF_ATTRIBUTESUBJECTALTNAME2):
  // honoured only when the CA configuration enables it.
  const auto san_attributes = AttributeValues(*in.attributes, "SAN");
  if (!san_attributes.empty()) {
    if (!options_.allow_san_attribute) {
      out.notes.push_back("ignored the SAN request attribute: allow_san_attribute is off");
    } else {
      std::vector<std::pair<std::string, std::string>> names;
      for (const auto& attr : san_attributes) {
        std::string_view rest = attr;
        while (!rest.empty()) {
          std::size_t amp = rest.find('&');
          std::string_view item = rest.substr(0, amp);
          rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
          std::size_t eq = item.find('=');
          if (eq == std::string_view::npos) {
            return deny(hr::kInvalidArg, "SAN attribute entry without '=': " + std::string(item));
          }
          names.emplace_back(ToLowerAscii(TrimAscii(item.substr(0, eq))),
                             std::string(TrimAscii(item.substr(eq + 1))));
        }
      }
      auto value = pki::ext::SubjectAltName(names);
      if (!value.ok()) return deny(hr::kInvalidArg, "SAN attribute: " + value.status().message());
      san = std::move(value).value();
      san_origin = xf::kOriginPolicy;
    }
  }

  // Validity (pKIExpirationPeriod), never past the CA's own notAfter.
  std::int64_t validity = t.validity_seconds > 0 ? t.validity_seconds : kDefaultValiditySeconds;
  std::int64_t ca_not_after = 0;
  {
    struct tm tm_after {};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(identity_.certificate()), &tm_after) != 1) {
      return deny(hr::kUnexpected, "the CA certificate's notAfter does not parse");
    }
    ca_not_after = static_cast<std::int64_t>(timegm(&tm_after));
  }
  out.not_before = in.now - options_.clock_skew.count();
  out.not_after = std::min(in.now + validity, ca_not_after);
  if (out.not_after <= in.now) {
    return deny(hr::kUnexpected, "the CA certificate has expired");
  }

  // Extensions the template dictates. Requested EKUs, application policies,
  // key usage and basic constraints are never taken from the request.
  if (t.key_usage) {
    std::uint16_t ku = *t.key_usage;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
      ku &= static_cast<std::uint16_t>(~0x4u);  // keyEncipherment
    add(oid::kKeyUsage, pki::ext::KeyUsage(ku), xf::kOriginPolicy);
  }
  if (!ekus.empty())
    add(oid::kExtendedKeyUsage, pki::ext::ExtendedKeyUsage(ekus), xf::kOriginPolicy);
  if (t.schema_version >= 2 && !t.application_policies.empty()) {
    add(oid::kApplicationPolicies, pki::ext::ApplicationPolicies(t.application_policies),
        xf::kOriginPolicy);
  }
  if (!t.certificate_policies.empty()) {
    add(oid::kCertificatePolicies, pki::ext::CertificatePolicies(t.certificate_policies),
        xf::kOriginPolicy);
  }
  if (ca_template) {
    std::optional<std::uint32_t> path_len;
    if (t.max_issuing_depth >= 0) path_len = static_cast<std::uint32_t>(t.max_issuing_depth);
    add(oid::kBasicConstraints, pki::ext::BasicConstraints(true, path_len), xf::kOriginPolicy);
  } else if ((t.enrollment_flags & ef::kIncludeBasicConstraintsForEeCerts) != 0) {
    add(oid::kBasicConstraints, pki::ext::BasicConstraints(false, std::nullopt), xf::kOriginPolicy);
  }
  if (t.schema_version >= 2 && !t.oid.empty()) {
    add(oid::kTemplateOid, pki::ext::TemplateOid(t.oid, t.major_revision, t.minor_revision),
        xf::kOriginPolicy);
  } else {
    add(oid::kTemplateName, pki::ext::TemplateName(t.name), xf::kOriginPolicy);
  }
  if (san) {
    exts.push_back({oid::kSubjectAltName, false, *san});
    rows.push_back({0, oid::kSubjectAltName, san_origin, *san});
    if (san_origin == xf::kOriginRequest) copied_from_request.insert(oid::kSubjectAltName);
  }

  // The SID security extension (KB5014754), unless the template opts out.
  if ((t.enrollment_flags & ef::kNoSecurityExtension) == 0) {
    if (t.enrollee_supplies_subject()) {
      // Copied from the request only when it names the requester itself: a
      // requester-chosen SID would let anyone claim any account.
      if (const auto* e = FindRequested(req, oid::kSidSecurity)) {
        auto sid = pki::ext_decode::SidSecurity(e->value);
        if (sid && !in.requester->sid.empty() && *sid == in.requester->sid) {
          copy_requested(*e);
        } else {
          out.notes.push_back("dropped a requested SID extension that does not name the requester");
        }
      }
    } else {
      std::string sid = in.requester->sid;
      if (lookup_ != nullptr) {
        if (auto id = lookup_->Lookup(in.requester->name); id.ok() && !id->object_sid.empty()) {
          sid = id->object_sid;
        }
      }
      if (!sid.empty()) add(oid::kSidSecurity, pki::ext::SidSecurity(sid), xf::kOriginPolicy);
    }
  }
  if (const auto* e = FindRequested(req, oid::kSmimeCapabilities)) copy_requested(*e);

  // Revocation pointers, or OCSP no-check for OCSP signing certificates.
  const bool ocsp_nocheck =
      (t.enrollment_flags & ef::kAddOcspNoCheck) != 0 && Contains(ekus, oid::kOcspSigning);
  if (ocsp_nocheck) {
    add(oid::kOcspNoCheck, Bytes{0x05, 0x00}, xf::kOriginPolicy);
  } else if ((t.enrollment_flags & ef::kNoRevocationInfoInIssuedCerts) == 0) {
    // Empty when unset; the configuration refuses URIs that cannot be encoded.
    if (Bytes cdp = pki::ext::CrlDistributionPoints(options_.crl_distribution_points);
        !cdp.empty()) {
      add(oid::kCrlDistributionPoints, std::move(cdp), xf::kOriginPolicy);
    }
    if (Bytes aia = pki::ext::AuthorityInfoAccess(options_.aia_ca_issuers); !aia.empty()) {
      add(oid::kAuthorityInfoAccess, std::move(aia), xf::kOriginPolicy);
    }
  }

  // Officer-set extensions (SetExtension) win over everything above.
  for (const auto& admin : *in.admin_extensions) {
    auto same = [&](const auto& e) {
      if constexpr (std::is_same_v<std::decay_t<decltype(e)>, pki::CertificateExtension>) {
        return e.oid == admin.name;
      } else {
        return e.name == admin.name;
      }
    };
    std::erase_if(exts, same);
    std::erase_if(rows, same);
    rows.push_back(admin);
    if ((admin.flags & xf::kDisable) == 0) {
      exts.push_back({admin.name, (admin.flags & xf::kCritical) != 0, admin.value});
    }
  }

  // Requested extensions the certificate does not carry stay on record, disabled.
  for (const auto& e : req.extensions) {
    if (copied_from_request.count(e.oid) != 0) continue;
    bool dup = std::any_of(rows.begin(), rows.end(), [&](const db::ExtensionRow& r) {
      return r.name == e.oid && (r.flags & xf::kOriginMask) == xf::kOriginRequest;
    });
    if (dup) continue;
    bool taken = std::any_of(rows.begin(), rows.end(),
                             [&](const db::ExtensionRow& r) { return r.name == e.oid; });
    if (!taken) {
      rows.push_back({0, e.oid,
                      xf::kOriginRequest | xf::kDisable | (e.critical ? xf::kCritical : 0u),
                      e.value});
    }
  }

  out.extensions = std::move(exts);
  out.extension_rows = std::move(rows);
  if (t.pend_all_requests() && !in.officer_approved) {
    out.kind = PolicyOutcome::Kind::kPend;
    out.message = "Taken Under Submission";
    return out;
  }
  out.kind = PolicyOutcome::Kind::kIssue;
  out.message = "Issued";
  return out;
}

}  // namespace openadcs::ca
