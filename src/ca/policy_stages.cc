#include "ca/policy_stages.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "openadcs/ca/directory_caller.h"
#include "openadcs/pki/name.h"
#include "openadcs/util/hresult.h"

namespace openadcs::ca::policy_stages {
namespace {

using directory::CertificateTemplate;
using directory::DirectoryIdentity;
namespace ef = directory::enrollment_flag;
namespace nf = directory::name_flag;
namespace gf = directory::general_flag;
namespace xf = db::extension_flag;

constexpr std::int64_t kDefaultValiditySeconds = 365LL * 24 * 3600;
constexpr const char* kAnyPurpose = "2.5.29.37.0";

std::vector<std::string> AttributeValues(const std::vector<db::AttributeRow>& rows,
                                         std::string_view name) {
  std::vector<std::string> out;
  for (const auto& row : rows) {
    if (EqualsIgnoreCaseAscii(row.name, name)) out.push_back(row.value);
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

bool RequiresAgentSignatures(const CertificateTemplate& t) {
  return t.schema_version >= 2 && t.ra_signature > 0;
}

// A signer certificate this CA issued that is valid now.
bool IssuedByUsAndCurrent(X509* c, const pki::CaIdentity& identity) {
  const bool from_us = X509_check_issued(identity.certificate(), c) == X509_V_OK &&
                       X509_verify(c, identity.key()) == 1;
  const bool current = X509_cmp_time(X509_get0_notBefore(c), nullptr) < 0 &&
                       X509_cmp_time(X509_get0_notAfter(c), nullptr) > 0;
  return from_us && current;
}

constexpr std::string_view kRequesterName = "requestername";

std::size_t CountRequesterNames(std::span<const std::pair<std::string, std::string>> pairs,
                                std::vector<std::string>* values) {
  std::size_t n = 0;
  for (const auto& [name, value] : pairs) {
    if (!EqualsIgnoreCaseAscii(name, kRequesterName)) continue;
    ++n;
    if (values != nullptr) values->push_back(value);
  }
  return n;
}

// An extension the CA adds: critical when the template lists its OID.
void AddFromPolicy(const CertificateTemplate& t, const std::string& ext_oid, Bytes value,
                   ExtensionSet* set) {
  const bool critical = Contains(t.critical_extensions, ext_oid);
  set->extensions.push_back({ext_oid, critical, value});
  set->rows.push_back(
      {0, ext_oid, xf::kOriginPolicy | (critical ? xf::kCritical : 0u), std::move(value)});
}

void CopyFromRequest(const pki::RequestedExtension& e, ExtensionSet* set) {
  set->extensions.push_back({e.oid, e.critical, e.value});
  set->rows.push_back({0, e.oid, xf::kOriginRequest | (e.critical ? xf::kCritical : 0u), e.value});
  set->copied_from_request.insert(e.oid);
}

// A machine template whose subject or SAN is the computer's DNS name: the
// CA must find a dNSHostName (MS-WCCE 3.2.2.6.2.1.4.5.1, CT_FLAG_MACHINE_TYPE).
bool NeedsDnsHostName(const CertificateTemplate& t) {
  return (t.general_flags & gf::kMachineType) != 0 &&
         (t.name_flags &
          (nf::kSubjectRequireCommonName | nf::kSubjectRequireDnsAsCn | nf::kAltRequireDns)) != 0;
}

Denial Missing(std::uint32_t status, const char* attribute) {
  return Denial{status, std::string("the directory entry has no ") + attribute};
}

// The subject name the template's SUBJECT_REQUIRE_* flags build from `id`.
std::optional<Denial> DirectorySubjectName(const CertificateTemplate& t,
                                           const DirectoryIdentity& id, ossl::X509NamePtr* out) {
  const bool machine = (t.general_flags & gf::kMachineType) != 0;
  ossl::X509NamePtr subject;
  if ((t.name_flags & nf::kSubjectRequireDirectoryPath) != 0) {
    auto dn = pki::ParseDistinguishedName(id.distinguished_name);
    if (!dn.ok()) return Denial{hr::kBadRequestSubject, dn.status().message()};
    subject = std::move(dn).value();
  } else {
    subject.reset(X509_NAME_new());
    if ((t.name_flags & (nf::kSubjectRequireCommonName | nf::kSubjectRequireDnsAsCn)) != 0) {
      const std::string& cn = machine ? id.dns_host_name : id.common_name;
      if (cn.empty()) {
        return machine ? Missing(hr::kSubjectDnsRequired, "dNSHostName")
                       : Missing(hr::kBadRequestSubject, "cn");
      }
      X509_NAME_add_entry_by_txt(subject.get(), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    }
  }
  if ((t.name_flags & nf::kSubjectRequireEmail) != 0) {
    if (id.email.empty()) return Missing(hr::kSubjectEmailRequired, "mail");
    X509_NAME_add_entry_by_txt(subject.get(), "emailAddress", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(id.email.c_str()), -1, -1, 0);
  }
  *out = std::move(subject);
  return std::nullopt;
}

// The (type, value) names the template's SUBJECT_ALT_REQUIRE_* flags take
// from `id`. SPN, as MS-CRTD 2.28 and MS-WCCE say, adds the
// userPrincipalName; DOMAIN_DNS the domain's DNS and NetBIOS names (what
// LsarQueryInformationPolicy's PolicyDnsDomainInformation gives).
std::optional<Denial> DirectoryAltNames(const CertificateTemplate& t, const DirectoryIdentity& id,
                                        std::vector<std::pair<std::string, std::string>>* names) {
  struct Wanted {
    std::uint32_t flags;
    const char* type;
    const std::string& value;
    std::uint32_t status;
    const char* attribute;
  };
  const Wanted wanted[] = {
      {nf::kAltRequireUpn | nf::kAltRequireSpn, "upn", id.user_principal_name,
       hr::kSubjectUpnRequired, "userPrincipalName"},
      {nf::kAltRequireEmail, "email", id.email, hr::kSubjectEmailRequired, "mail"},
      {nf::kAltRequireDns, "dns", id.dns_host_name, hr::kSubjectDnsRequired, "dNSHostName"},
      {nf::kAltRequireDomainDns, "dns", id.domain_dns_name, hr::kSubjectDnsRequired,
       "domain DNS name"},
      {nf::kAltRequireDomainDns, "dns", id.domain_netbios_name, hr::kSubjectDnsRequired,
       "domain NetBIOS name"},
      {nf::kAltRequireDirectoryGuid, "guid", id.object_guid, hr::kSubjectDirectoryGuidRequired,
       "objectGUID"},
  };
  for (const Wanted& w : wanted) {
    if ((t.name_flags & w.flags) == 0) continue;
    if (w.value.empty()) return Missing(w.status, w.attribute);
    names->emplace_back(w.type, w.value);
  }
  return std::nullopt;
}

}  // namespace

DirectoryEntry::DirectoryEntry(directory::IdentityLookup* lookup, std::string account)
    : lookup_(lookup), account_(std::move(account)) {}

DirectoryEntry::DirectoryEntry(std::string account, Result<DirectoryIdentity> answer)
    : account_(std::move(account)), answer_(std::move(answer)) {}

const Result<DirectoryIdentity>& DirectoryEntry::Get() const {
  if (!answer_) answer_ = lookup_->Lookup(account_);
  return *answer_;
}

std::string DirectoryEntry::ObjectSid() const {
  if (!configured() || !Get().ok()) return {};
  return Get()->object_sid;
}

bool IsCaTemplate(const CertificateTemplate& t) {
  return t.is_ca() || (t.general_flags & gf::kIsCrossCa) != 0 ||
         EqualsIgnoreCaseAscii(t.name, "SubCA") || EqualsIgnoreCaseAscii(t.name, "CA") ||
         EqualsIgnoreCaseAscii(t.name, "CrossCA");
}

std::optional<Denial> ResolveTemplate(const pki::ParsedRequest& req,
                                      const std::vector<db::AttributeRow>& attributes,
                                      const directory::TemplateSnapshot& templates,
                                      const CertificateTemplate** out) {
  std::vector<std::pair<std::string, const CertificateTemplate*>> ids;  // (how named, mapped)
  if (const auto* e = FindRequested(req, oid::kTemplateName)) {
    auto name = pki::ext_decode::TemplateName(e->value);
    if (!name)
      return Denial{hr::kUnsupportedCertType, "the template name extension does not parse"};
    ids.emplace_back("extension name '" + *name + "'", templates.FindByName(*name));
  }
  for (const auto& value : AttributeValues(attributes, "CertificateTemplate")) {
    ids.emplace_back("attribute '" + value + "'", templates.FindByName(value));
  }
  if (const auto* e = FindRequested(req, oid::kTemplateOid)) {
    auto v = pki::ext_decode::TemplateOid(e->value);
    if (!v) return Denial{hr::kUnsupportedCertType, "the template OID extension does not parse"};
    ids.emplace_back("extension OID " + v->oid, templates.FindByOid(v->oid));
  }
  if (ids.empty())
    return Denial{hr::kUnsupportedCertType, "the request names no certificate template"};
  const CertificateTemplate* found = nullptr;
  for (const auto& [how, tmpl] : ids) {
    if (tmpl == nullptr) {
      return Denial{hr::kUnsupportedCertType,
                    "the template named by " + how + " is not served by this CA"};
    }
    if (found != nullptr && found != tmpl) {
      return Denial{hr::kTemplateConflict, "the request names two templates: '" + found->name +
                                               "' and '" + tmpl->name + "'"};
    }
    found = tmpl;
  }
  *out = found;
  return std::nullopt;
}

std::optional<Denial> CheckTemplateVersion(const CertificateTemplate& t,
                                           const pki::ParsedRequest& req) {
  if (t.schema_version < 2) return std::nullopt;
  const auto* e = FindRequested(req, oid::kTemplateOid);
  if (e == nullptr) return std::nullopt;
  auto v = pki::ext_decode::TemplateOid(e->value);
  if (v && (v->major > t.major_revision || v->minor > t.minor_revision)) {
    return Denial{hr::kBadTemplateVersion,
                  "the request is for template version " + std::to_string(v->major) + "." +
                      std::to_string(v->minor) + ", newer than the CA's " +
                      std::to_string(t.major_revision) + "." + std::to_string(t.minor_revision)};
  }
  return std::nullopt;
}

std::optional<Denial> CheckKey(const CertificateTemplate& t, const pki::ParsedRequest& req) {
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.pkcs10.get());
  if (key == nullptr) return Denial{hr::kInvalidData, "the request carries no usable public key"};
  const int key_bits = EVP_PKEY_get_bits(key);
  if (t.minimal_key_size > 0 && key_bits < static_cast<int>(t.minimal_key_size)) {
    return Denial{hr::kKeyLength, "the key has " + std::to_string(key_bits) + " bits; template '" +
                                      t.name + "' requires at least " +
                                      std::to_string(t.minimal_key_size)};
  }
  return std::nullopt;
}

std::optional<Denial> CheckAgentSignatures(const CertificateTemplate& t,
                                           const pki::ParsedRequest& req,
                                           const pki::CaIdentity& identity) {
  if (!RequiresAgentSignatures(t)) return std::nullopt;
  if (req.signer_info_count == 0) {
    return Denial{hr::kSignaturePolicyRequired,
                  "template '" + t.name + "' requires enrollment agent signatures"};
  }
  std::vector<X509*> agents;
  for (const auto& signer : req.signers) {
    if (IssuedByUsAndCurrent(signer.certificate.get(), identity)) {
      agents.push_back(signer.certificate.get());
    }
  }
  if (agents.size() < t.ra_signature) {
    return Denial{hr::kSignatureCount, "template '" + t.name + "' requires " +
                                           std::to_string(t.ra_signature) +
                                           " valid enrollment agent signatures; the request has " +
                                           std::to_string(agents.size())};
  }
  for (const auto& required : t.ra_application_policies) {
    bool met = std::any_of(agents.begin(), agents.end(),
                           [&](X509* c) { return Contains(CertificateEkus(c), required); });
    if (!met) {
      return Denial{hr::kSignatureRejected,
                    "no signer certificate carries the application policy " + required};
    }
  }
  for (const auto& required : t.ra_policies) {
    bool met = std::any_of(agents.begin(), agents.end(),
                           [&](X509* c) { return Contains(CertificatePolicyOids(c), required); });
    if (!met) {
      return Denial{hr::kSignatureRejected,
                    "no signer certificate carries the issuance policy " + required};
    }
  }
  return std::nullopt;
}

std::optional<Denial> ResolveOnBehalfOf(const CertificateTemplate& t, const pki::ParsedRequest& req,
                                        const std::vector<db::AttributeRow>& attributes,
                                        const pki::CaIdentity& identity,
                                        std::optional<std::string>* requester_name) {
  const std::size_t in_request = CountRequesterNames(req.name_value_pairs, nullptr);
  std::size_t in_attributes = 0;
  for (const auto& row : attributes) {
    if (EqualsIgnoreCaseAscii(row.name, kRequesterName)) ++in_attributes;
  }
  if (in_attributes > in_request) {
    return Denial{hr::kBadRequestSubject,
                  "requestername may be passed only inside a request an enrollment agent signed, "
                  "not as a request attribute"};
  }
  if (in_request == 0) return std::nullopt;
  if (req.format == pki::RequestFormat::kPkcs10) {
    return Denial{hr::kBadRequestSubject,
                  "a request on behalf of another user must be CMS or CMC signed by an enrollment "
                  "agent; this one is a bare PKCS#10"};
  }
  if (!RequiresAgentSignatures(t) || !Contains(t.ra_application_policies, oid::kCertRequestAgent)) {
    return Denial{hr::kBadRequestSubject,
                  "template '" + t.name +
                      "' does not require an enrollment agent signature with the Certificate "
                      "Request Agent policy, so no request for it may name another requester"};
  }
  std::vector<std::string> names;
  const auto content =
      std::span(req.name_value_pairs)
          .first(std::min(req.content_name_value_pairs, req.name_value_pairs.size()));
  std::size_t vouched = CountRequesterNames(content, &names);
  bool agent_signed = false;
  for (const auto& signer : req.signers) {
    X509* c = signer.certificate.get();
    if (!IssuedByUsAndCurrent(c, identity) || !Contains(CertificateEkus(c), oid::kCertRequestAgent))
      continue;
    agent_signed = true;
    vouched += CountRequesterNames(signer.name_value_pairs, &names);
  }
  if (!agent_signed) {
    return Denial{hr::kBadRequestSubject,
                  "the request names another requester, and no signer holds a current "
                  "Certificate Request Agent certificate from this CA"};
  }
  if (vouched != in_request) {
    return Denial{hr::kBadRequestSubject,
                  "a requestername is in the signed attributes of a signer that is not an "
                  "enrollment agent"};
  }
  if (names.front().empty()) return Denial{hr::kBadRequestSubject, "the requestername is empty"};
  for (const auto& name : names) {
    if (!EqualsIgnoreCaseAscii(name, names.front())) {
      return Denial{hr::kBadRequestSubject,
                    "the request names two requesters: '" + names.front() + "' and '" + name + "'"};
    }
  }
  *requester_name = names.front();
  return std::nullopt;
}

Requester NamedRequester(const DirectoryEntry& entry) {
  Requester named(entry.account(), entry.ObjectSid());
  return entry.configured() ? WithDirectoryGroups(std::move(named), entry.Get()) : named;
}

std::optional<Denial> CheckNullSignature(const CertificateTemplate& t,
                                         const pki::ParsedRequest& req) {
  // A null signature proves no possession of the key; only enrollment agents
  // this CA trusts may vouch for it, and CheckAgentSignatures has required them.
  if (req.pkcs10_null_signature && !RequiresAgentSignatures(t)) {
    return Denial{hr::kBadSignature,
                  "the PKCS#10 carries a null signature, and template '" + t.name +
                      "' requires no enrollment agent signature to vouch for it"};
  }
  return std::nullopt;
}

std::optional<Denial> CheckEndEntityEku(const CertificateTemplate& t) {
  const std::vector<std::string>& ekus = t.effective_ekus();
  if (!IsCaTemplate(t) && (ekus.empty() || Contains(ekus, kAnyPurpose))) {
    return Denial{hr::kTemplateDenied,
                  "template '" + t.name +
                      "' grants no EKU or any purpose; this CA does not issue such end-entity "
                      "certificates"};
  }
  return std::nullopt;
}

std::optional<Denial> SubjectFromRequest(const pki::ParsedRequest& req, SubjectAndSan* out) {
  out->subject.reset(X509_NAME_dup(X509_REQ_get_subject_name(req.pkcs10.get())));
  const auto* requested_san = FindRequested(req, oid::kSubjectAltName);
  if (X509_NAME_entry_count(out->subject.get()) == 0 && requested_san == nullptr) {
    return Denial{hr::kBadRequestSubject,
                  "the request has neither a subject nor a subject alternative name"};
  }
  if (requested_san != nullptr) out->san = requested_san->value;
  return std::nullopt;
}

std::optional<Denial> SubjectFromDirectory(const CertificateTemplate& t,
                                           const DirectoryEntry& requester, SubjectAndSan* out) {
  if (!requester.configured()) {
    return Denial{hr::kBadRequestSubject,
                  "template '" + t.name +
                      "' builds the subject from the requester's directory entry, and this CA "
                      "has no directory lookup configured"};
  }
  const Result<DirectoryIdentity>& id = requester.Get();
  if (!id.ok()) {
    // A machine template for an account the directory does not know: what
    // Windows answers for a computer object that is not found. A directory
    // that cannot be reached: its own error, so the client sees a transient
    // failure rather than a bad request.
    std::uint32_t status = hr::kBadRequestSubject;
    if (id.status().code() == StatusCode::kUnavailable) {
      status = hr::kDsServerDown;
    } else if (NeedsDnsHostName(t) && id.status().code() == StatusCode::kNotFound) {
      status = hr::kSubjectDnsRequired;
    }
    return Denial{status, "directory lookup of '" + requester.account() +
                              "' failed: " + id.status().message()};
  }
  if (auto denial = DirectorySubjectName(t, *id, &out->subject)) return denial;
  std::vector<std::pair<std::string, std::string>> names;
  if (auto denial = DirectoryAltNames(t, *id, &names)) return denial;
  if (!names.empty()) {
    auto value = pki::ext::SubjectAltName(names);
    if (!value.ok()) return Denial{hr::kBadRequestSubject, value.status().message()};
    out->san = std::move(value).value();
    out->san_origin = xf::kOriginPolicy;
  }
  if (X509_NAME_entry_count(out->subject.get()) == 0 && !out->san) {
    return Denial{
        hr::kBadRequestSubject,
        "template '" + t.name + "' yields neither a subject nor a subject alternative name"};
  }
  return std::nullopt;
}

std::optional<Denial> ApplySanAttribute(const std::vector<db::AttributeRow>& attributes, bool allow,
                                        SubjectAndSan* out, std::vector<std::string>* notes) {
  const auto san_attributes = AttributeValues(attributes, "SAN");
  if (san_attributes.empty()) return std::nullopt;
  if (!allow) {
    notes->push_back("ignored the SAN request attribute: allow_san_attribute is off");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> names;
  for (const auto& attr : san_attributes) {
    std::string_view rest = attr;
    while (!rest.empty()) {
      std::size_t amp = rest.find('&');
      std::string_view item = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      std::size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        return Denial{hr::kInvalidArg, "SAN attribute entry without '=': " + std::string(item)};
      }
      names.emplace_back(ToLowerAscii(TrimAscii(item.substr(0, eq))),
                         std::string(TrimAscii(item.substr(eq + 1))));
    }
  }
  auto value = pki::ext::SubjectAltName(names);
  if (!value.ok()) return Denial{hr::kInvalidArg, "SAN attribute: " + value.status().message()};
  out->san = std::move(value).value();
  out->san_origin = xf::kOriginPolicy;
  return std::nullopt;
}

std::optional<Denial> ComputeValidity(const CertificateTemplate& t, const pki::CaIdentity& identity,
                                      std::int64_t clock_skew_seconds, std::int64_t now,
                                      std::int64_t* not_before, std::int64_t* not_after) {
  const std::int64_t validity =
      t.validity_seconds > 0 ? t.validity_seconds : kDefaultValiditySeconds;
  struct tm tm_after {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(identity.certificate()), &tm_after) != 1) {
    return Denial{hr::kUnexpected, "the CA certificate's notAfter does not parse"};
  }
  const auto ca_not_after = static_cast<std::int64_t>(timegm(&tm_after));
  *not_before = now - clock_skew_seconds;
  *not_after = std::min(now + validity, ca_not_after);
  if (*not_after <= now) return Denial{hr::kUnexpected, "the CA certificate has expired"};
  return std::nullopt;
}

void AddTemplateExtensions(const CertificateTemplate& t, const EVP_PKEY* key, ExtensionSet* set) {
  if (t.key_usage) {
    std::uint16_t ku = *t.key_usage;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
      ku &= static_cast<std::uint16_t>(~0x4u);  // keyEncipherment
    AddFromPolicy(t, oid::kKeyUsage, pki::ext::KeyUsage(ku), set);
  }
  const std::vector<std::string>& ekus = t.effective_ekus();
  if (!ekus.empty())
    AddFromPolicy(t, oid::kExtendedKeyUsage, pki::ext::ExtendedKeyUsage(ekus), set);
  if (t.schema_version >= 2 && !t.application_policies.empty()) {
    AddFromPolicy(t, oid::kApplicationPolicies,
                  pki::ext::ApplicationPolicies(t.application_policies), set);
  }
  if (!t.certificate_policies.empty()) {
    AddFromPolicy(t, oid::kCertificatePolicies,
                  pki::ext::CertificatePolicies(t.certificate_policies), set);
  }
  if (IsCaTemplate(t)) {
    std::optional<std::uint32_t> path_len;
    if (t.max_issuing_depth >= 0) path_len = static_cast<std::uint32_t>(t.max_issuing_depth);
    AddFromPolicy(t, oid::kBasicConstraints, pki::ext::BasicConstraints(true, path_len), set);
  } else if ((t.enrollment_flags & ef::kIncludeBasicConstraintsForEeCerts) != 0) {
    AddFromPolicy(t, oid::kBasicConstraints, pki::ext::BasicConstraints(false, std::nullopt), set);
  }
  if (t.identified_by_oid()) {
    AddFromPolicy(t, oid::kTemplateOid,
                  pki::ext::TemplateOid(t.oid, t.major_revision, t.minor_revision), set);
  } else {
    AddFromPolicy(t, oid::kTemplateName, pki::ext::TemplateName(t.name), set);
  }
}

void AddSubjectAltName(const CertificateTemplate& t, const SubjectAndSan& subject,
                       ExtensionSet* set) {
  if (!subject.san) return;
  // RFC 5280 4.2.1.6: with an empty subject the SAN is the only name, and
  // must be critical (Workstation, KerberosAuthentication).
  const bool critical = Contains(t.critical_extensions, oid::kSubjectAltName) ||
                        subject.subject == nullptr ||
                        X509_NAME_entry_count(subject.subject.get()) == 0;
  set->extensions.push_back({oid::kSubjectAltName, critical, *subject.san});
  set->rows.push_back({0, oid::kSubjectAltName,
                       subject.san_origin | (critical ? xf::kCritical : 0u), *subject.san});
  if (subject.san_origin == xf::kOriginRequest) {
    set->copied_from_request.insert(oid::kSubjectAltName);
  }
}

void AddSidExtension(const CertificateTemplate& t, const pki::ParsedRequest& req,
                     const Requester& requester, const DirectoryEntry& entry,
                     EnrolleeSubjectSid mode, ExtensionSet* set, std::vector<std::string>* notes) {
  if ((t.enrollment_flags & ef::kNoSecurityExtension) != 0) return;
  const auto* requested = FindRequested(req, oid::kSidSecurity);
  if (t.enrollee_supplies_subject() && mode != EnrolleeSubjectSid::kRequester) {
    // A requester-chosen SID would let anyone claim any account.
    if (requested == nullptr) return;
    auto sid = pki::ext_decode::SidSecurity(requested->value);
    if (mode == EnrolleeSubjectSid::kFromRequest && sid && !requester.sid.empty() &&
        *sid == requester.sid) {
      CopyFromRequest(*requested, set);
    } else if (mode == EnrolleeSubjectSid::kFromRequest) {
      notes->push_back("dropped a requested SID extension that does not name the requester");
    } else {
      notes->push_back("dropped the requested SID extension: enrollee_subject_sid is \"none\"");
    }
    return;
  }
  std::string sid = entry.ObjectSid();
  if (sid.empty()) sid = requester.sid;
  if (requested != nullptr && t.enrollee_supplies_subject()) {
    auto asked = pki::ext_decode::SidSecurity(requested->value);
    if (!asked || sid.empty() || *asked != sid) {
      notes->push_back("replaced a requested SID extension that does not name the requester");
    }
  }
  if (sid.empty()) {
    if (t.enrollee_supplies_subject()) {
      notes->push_back("no SID extension: the requester's SID is unknown");
    }
    return;
  }
  AddFromPolicy(t, oid::kSidSecurity, pki::ext::SidSecurity(sid), set);
}

void CopyRequestedExtensions(const pki::ParsedRequest& req, ExtensionSet* set) {
  if (const auto* e = FindRequested(req, oid::kSmimeCapabilities)) CopyFromRequest(*e, set);
}

void AddRevocationPointers(const CertificateTemplate& t, const EngineOptions& options,
                           ExtensionSet* set) {
  // An OCSP responder's own certificate is not checked for revocation.
  const bool ocsp_nocheck = (t.enrollment_flags & ef::kAddOcspNoCheck) != 0 &&
                            Contains(t.effective_ekus(), oid::kOcspSigning);
  if (ocsp_nocheck) {
    AddFromPolicy(t, oid::kOcspNoCheck, Bytes{0x05, 0x00}, set);
    return;
  }
  if ((t.enrollment_flags & ef::kNoRevocationInfoInIssuedCerts) != 0) return;
  // Empty when unset; the configuration refuses URIs that cannot be encoded.
  if (Bytes cdp = pki::ext::CrlDistributionPoints(options.crl_distribution_points); !cdp.empty()) {
    AddFromPolicy(t, oid::kCrlDistributionPoints, std::move(cdp), set);
  }
  if (options.crl_delta_period.count() > 0) {
    if (Bytes freshest = pki::ext::CrlDistributionPoints(options.delta_crl_distribution_points);
        !freshest.empty()) {
      AddFromPolicy(t, oid::kFreshestCrl, std::move(freshest), set);
    }
  }
  if (Bytes aia = pki::ext::AuthorityInfoAccess(options.aia_ca_issuers); !aia.empty()) {
    AddFromPolicy(t, oid::kAuthorityInfoAccess, std::move(aia), set);
  }
}

void ApplyAdminExtensions(const std::vector<db::ExtensionRow>& admin, ExtensionSet* set) {
  for (const auto& row : admin) {
    auto same = [&](const auto& e) {
      if constexpr (std::is_same_v<std::decay_t<decltype(e)>, pki::CertificateExtension>) {
        return e.oid == row.name;
      } else {
        return e.name == row.name;
      }
    };
    std::erase_if(set->extensions, same);
    std::erase_if(set->rows, same);
    set->rows.push_back(row);
    if ((row.flags & xf::kDisable) == 0) {
      set->extensions.push_back({row.name, (row.flags & xf::kCritical) != 0, row.value});
    }
  }
}

void RecordRefusedRequestedExtensions(const pki::ParsedRequest& req, ExtensionSet* set) {
  for (const auto& e : req.extensions) {
    if (set->copied_from_request.count(e.oid) != 0) continue;
    bool dup = std::any_of(set->rows.begin(), set->rows.end(), [&](const db::ExtensionRow& r) {
      return r.name == e.oid && (r.flags & xf::kOriginMask) == xf::kOriginRequest;
    });
    if (dup) continue;
    bool taken = std::any_of(set->rows.begin(), set->rows.end(),
                             [&](const db::ExtensionRow& r) { return r.name == e.oid; });
    if (!taken) {
      set->rows.push_back({0, e.oid,
                           xf::kOriginRequest | xf::kDisable | (e.critical ? xf::kCritical : 0u),
                           e.value});
    }
  }
}

void DecidePending(const CertificateTemplate& t, bool officer_approved, PolicyOutcome* out) {
  if (t.pend_all_requests() && !officer_approved) {
    out->kind = PolicyOutcome::Kind::kPend;
    out->message = "Taken Under Submission";
    return;
  }
  out->kind = PolicyOutcome::Kind::kIssue;
  out->message = "Issued";
}

}  // namespace openadcs::ca::policy_stages
