#include "openadcs/directory/template_entry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "directory/attribute_syntax.h"

namespace openadcs::directory {

namespace {

// ldapDisplayNames, MS-CRTD 2 and MS-WCCE 3.2.2.1.
constexpr std::string_view kObjectClass = "objectClass";
constexpr std::string_view kCn = "cn";
constexpr std::string_view kDisplayName = "displayName";
constexpr std::string_view kFlags = "flags";
constexpr std::string_view kRevision = "revision";
constexpr std::string_view kDefaultKeySpec = "pKIDefaultKeySpec";
constexpr std::string_view kKeyUsage = "pKIKeyUsage";
constexpr std::string_view kMaxIssuingDepth = "pKIMaxIssuingDepth";
constexpr std::string_view kCriticalExtensions = "pKICriticalExtensions";
constexpr std::string_view kExpirationPeriod = "pKIExpirationPeriod";
constexpr std::string_view kOverlapPeriod = "pKIOverlapPeriod";
constexpr std::string_view kExtendedKeyUsage = "pKIExtendedKeyUsage";
constexpr std::string_view kDefaultCsps = "pKIDefaultCSPs";
constexpr std::string_view kRaSignature = "msPKI-RA-Signature";
constexpr std::string_view kEnrollmentFlag = "msPKI-Enrollment-Flag";
constexpr std::string_view kPrivateKeyFlag = "msPKI-Private-Key-Flag";
constexpr std::string_view kNameFlag = "msPKI-Certificate-Name-Flag";
constexpr std::string_view kMinimalKeySize = "msPKI-Minimal-Key-Size";
constexpr std::string_view kSchemaVersion = "msPKI-Template-Schema-Version";
constexpr std::string_view kMinorRevision = "msPKI-Template-Minor-Revision";
constexpr std::string_view kTemplateOid = "msPKI-Cert-Template-OID";
constexpr std::string_view kSupersede = "msPKI-Supersede-Templates";
constexpr std::string_view kRaPolicies = "msPKI-RA-Policies";
constexpr std::string_view kCertificatePolicy = "msPKI-Certificate-Policy";
constexpr std::string_view kApplicationPolicy = "msPKI-Certificate-Application-Policy";
constexpr std::string_view kRaApplicationPolicies = "msPKI-RA-Application-Policies";
constexpr std::string_view kSecurityDescriptor = "nTSecurityDescriptor";
constexpr std::string_view kDnsHostName = "dNSHostName";
constexpr std::string_view kCertificateTemplates = "certificateTemplates";

constexpr std::int32_t kMinSchemaVersion = 1;
constexpr std::int32_t kMaxSchemaVersion = 4;

Status AttributeError(std::string_view name, const std::string& what) {
  return Status::InvalidArgument(std::string(name) + ": " + what);
}

// *out = the only value of `name`, or null when the attribute is absent.
Status SingleValue(const DirectoryEntry& entry, std::string_view name, const Bytes** out) {
  std::span<const Bytes> values = entry.Values(name);
  *out = nullptr;
  if (values.size() > 1) {
    return AttributeError(name, "expected one value, got " + std::to_string(values.size()));
  }
  if (!values.empty()) *out = &values[0];
  return Status::Ok();
}

template <typename T, typename Parse>
Status ReadSingle(const DirectoryEntry& entry, std::string_view name, Parse parse, T* out) {
  const Bytes* value = nullptr;
  OPENADCS_RETURN_IF_ERROR(SingleValue(entry, name, &value));
  if (value == nullptr) return Status::Ok();
  auto parsed = parse(*value);
  if (!parsed.ok()) return AttributeError(name, parsed.status().message());
  *out = static_cast<T>(*parsed);
  return Status::Ok();
}

Status ReadFlags(const DirectoryEntry& entry, std::string_view name, std::uint32_t* out) {
  return ReadSingle(entry, name, syntax::ParseFlags, out);
}

Status ReadCount(const DirectoryEntry& entry, std::string_view name, std::uint32_t* out) {
  return ReadSingle(
      entry, name, [](const Bytes& v) { return syntax::ParseInt32(v, 0); }, out);
}

Status ReadText(const DirectoryEntry& entry, std::string_view name, std::string* out) {
  const Bytes* value = nullptr;
  OPENADCS_RETURN_IF_ERROR(SingleValue(entry, name, &value));
  if (value != nullptr) out->assign(value->begin(), value->end());
  return Status::Ok();
}

Status ReadRequiredText(const DirectoryEntry& entry, std::string_view name, std::string* out) {
  OPENADCS_RETURN_IF_ERROR(ReadText(entry, name, out));
  if (out->empty()) return AttributeError(name, "missing");
  return Status::Ok();
}

Status ReadOidList(const DirectoryEntry& entry, std::string_view name,
                   std::vector<std::string>* out) {
  for (const Bytes& value : entry.Values(name)) {
    Result<std::string> oid = syntax::ParseOid(value);
    if (!oid.ok()) return AttributeError(name, oid.status().message());
    out->push_back(std::move(*oid));
  }
  return Status::Ok();
}

Status ReadTextList(const DirectoryEntry& entry, std::string_view name,
                    std::vector<std::string>* out) {
  for (const Bytes& value : entry.Values(name)) {
    if (value.empty()) return AttributeError(name, "empty value");
    out->emplace_back(value.begin(), value.end());
  }
  return Status::Ok();
}

// pKIDefaultCSPs: "<priority>,<CSP name>" (MS-CRTD 2.8).
Status ReadDefaultCsps(const DirectoryEntry& entry, std::vector<std::string>* out) {
  for (const Bytes& value : entry.Values(kDefaultCsps)) {
    std::string_view text = syntax::AsText(value);
    std::size_t comma = text.find(',');
    std::string_view priority = text.substr(0, comma);
    bool digits = !priority.empty() && std::all_of(priority.begin(), priority.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
    if (comma == std::string_view::npos || !digits) {
      return AttributeError(kDefaultCsps, "expected \"<number>,<CSP name>\"");
    }
    out->emplace_back(text);
  }
  return Status::Ok();
}

// The Name`Type`Value` property list of MS-CRTD 2.23.2; appends the OIDs of
// its msPKI-RA-Application-Policies property (comma-separated).
Status ParseRaPropertyList(std::string_view text, std::vector<std::string>* out) {
  const std::vector<std::string_view> fields = SplitFields(text, '`');
  if (fields.empty() || fields.size() % 3 != 0) {
    return AttributeError(kRaApplicationPolicies, "malformed Name`Type`Value` list");
  }
  for (std::size_t i = 0; i < fields.size(); i += 3) {
    std::string_view name = fields[i];
    std::string_view type = fields[i + 1];
    std::string_view value = fields[i + 2];
    if (type != "DWORD" && type != "PZPWSTR") {
      return AttributeError(kRaApplicationPolicies,
                            "property " + std::string(name) + " has unknown type");
    }
    if (type == "DWORD") {
      auto number =
          syntax::ParseFlags({reinterpret_cast<const std::uint8_t*>(value.data()), value.size()});
      if (!number.ok()) {
        return AttributeError(kRaApplicationPolicies,
                              std::string(name) + ": " + number.status().message());
      }
    }
    if (!EqualsIgnoreCaseAscii(name, kRaApplicationPolicies)) continue;
    std::size_t start = 0;
    while (start < value.size()) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      std::string_view oid = TrimAscii(value.substr(start, comma - start));
      if (!syntax::IsValidOid(oid)) {
        return AttributeError(kRaApplicationPolicies, "not a dotted OID in property list");
      }
      out->emplace_back(oid);
      start = comma + 1;
    }
  }
  return Status::Ok();
}

// Schema 1-2 (and 4 with CT_FLAG_USE_LEGACY_PROVIDER) hold one OID per value;
// schema 3-4 hold a property list. The grave accent tells them apart, which
// also copes with tools that wrote the other syntax than the version implies.
Status ReadRaApplicationPolicies(const DirectoryEntry& entry, std::vector<std::string>* out) {
  for (const Bytes& value : entry.Values(kRaApplicationPolicies)) {
    std::string_view text = syntax::AsText(value);
    if (text.find('`') != std::string_view::npos) {
      OPENADCS_RETURN_IF_ERROR(ParseRaPropertyList(text, out));
      continue;
    }
    Result<std::string> oid = syntax::ParseOid(value);
    if (!oid.ok()) return AttributeError(kRaApplicationPolicies, oid.status().message());
    out->push_back(std::move(*oid));
  }
  return Status::Ok();
}

}  // namespace

bool AttributeNameLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return lower(x) < lower(y);
  });
}

void DirectoryEntry::Add(std::string_view description, Bytes value) {
  std::string_view type = description.substr(0, description.find(';'));
  auto it = attributes_.find(type);
  if (it == attributes_.end())
    it = attributes_.emplace(std::string(type), std::vector<Bytes>{}).first;
  it->second.push_back(std::move(value));
}

void DirectoryEntry::AddText(std::string_view description, std::string_view value) {
  Add(description, Bytes(value.begin(), value.end()));
}

std::span<const Bytes> DirectoryEntry::Values(std::string_view name) const {
  auto it = attributes_.find(name);
  if (it == attributes_.end()) return {};
  return it->second;
}

bool DirectoryEntry::HasObjectClass(std::string_view object_class) const {
  for (const Bytes& value : Values(kObjectClass)) {
    if (EqualsIgnoreCaseAscii(syntax::AsText(value), object_class)) return true;
  }
  return false;
}

Result<CertificateTemplate> ParseTemplateEntry(const DirectoryEntry& entry) {
  CertificateTemplate t;
  OPENADCS_RETURN_IF_ERROR(ReadRequiredText(entry, kCn, &t.name));
  OPENADCS_RETURN_IF_ERROR(ReadText(entry, kDisplayName, &t.display_name));

  OPENADCS_RETURN_IF_ERROR(ReadSingle(
      entry, kSchemaVersion,
      [](const Bytes& v) -> Result<std::int32_t> {
        Result<std::int32_t> n = syntax::ParseInt32(v, 0);
        if (n.ok() && (*n < kMinSchemaVersion || *n > kMaxSchemaVersion)) {
          return Status::InvalidArgument("version " + std::to_string(*n) + " is not 1-4");
        }
        return n;
      },
      &t.schema_version));
  std::string oid;
  OPENADCS_RETURN_IF_ERROR(ReadSingle(entry, kTemplateOid, syntax::ParseOid, &oid));
  if (t.schema_version >= 2 && oid.empty()) {
    return AttributeError(kTemplateOid, "required for schema version 2 and later");
  }
  t.oid = std::move(oid);

  OPENADCS_RETURN_IF_ERROR(ReadCount(entry, kRevision, &t.major_revision));
  OPENADCS_RETURN_IF_ERROR(ReadCount(entry, kMinorRevision, &t.minor_revision));
  OPENADCS_RETURN_IF_ERROR(ReadFlags(entry, kFlags, &t.general_flags));
  OPENADCS_RETURN_IF_ERROR(ReadFlags(entry, kEnrollmentFlag, &t.enrollment_flags));
  OPENADCS_RETURN_IF_ERROR(ReadFlags(entry, kNameFlag, &t.name_flags));
  OPENADCS_RETURN_IF_ERROR(ReadFlags(entry, kPrivateKeyFlag, &t.private_key_flags));
  OPENADCS_RETURN_IF_ERROR(ReadCount(entry, kMinimalKeySize, &t.minimal_key_size));
  OPENADCS_RETURN_IF_ERROR(ReadCount(entry, kRaSignature, &t.ra_signature));
  OPENADCS_RETURN_IF_ERROR(ReadCount(entry, kDefaultKeySpec, &t.default_key_spec));
  OPENADCS_RETURN_IF_ERROR(ReadSingle(
      entry, kMaxIssuingDepth, [](const Bytes& v) { return syntax::ParseInt32(v, -1); },
      &t.max_issuing_depth));

  const Bytes* key_usage = nullptr;
  OPENADCS_RETURN_IF_ERROR(SingleValue(entry, kKeyUsage, &key_usage));
  if (key_usage != nullptr) {
    Result<std::uint16_t> bits = syntax::ParseKeyUsage(*key_usage);
    if (!bits.ok()) return AttributeError(kKeyUsage, bits.status().message());
    t.key_usage = *bits;
  }
  OPENADCS_RETURN_IF_ERROR(
      ReadSingle(entry, kExpirationPeriod, syntax::ParsePeriodSeconds, &t.validity_seconds));
  OPENADCS_RETURN_IF_ERROR(
      ReadSingle(entry, kOverlapPeriod, syntax::ParsePeriodSeconds, &t.overlap_seconds));

  OPENADCS_RETURN_IF_ERROR(ReadOidList(entry, kCriticalExtensions, &t.critical_extensions));
  OPENADCS_RETURN_IF_ERROR(ReadOidList(entry, kExtendedKeyUsage, &t.extended_key_usage));
  OPENADCS_RETURN_IF_ERROR(ReadOidList(entry, kApplicationPolicy, &t.application_policies));
  OPENADCS_RETURN_IF_ERROR(ReadOidList(entry, kCertificatePolicy, &t.certificate_policies));
  OPENADCS_RETURN_IF_ERROR(ReadOidList(entry, kRaPolicies, &t.ra_policies));
  OPENADCS_RETURN_IF_ERROR(ReadRaApplicationPolicies(entry, &t.ra_application_policies));
  OPENADCS_RETURN_IF_ERROR(ReadTextList(entry, kSupersede, &t.supersede_templates));
  OPENADCS_RETURN_IF_ERROR(ReadDefaultCsps(entry, &t.default_csps));
  const Bytes* sd = nullptr;
  OPENADCS_RETURN_IF_ERROR(SingleValue(entry, kSecurityDescriptor, &sd));
  if (sd != nullptr) {
    Result<security::SecurityDescriptor> decoded = security::DecodeSecurityDescriptor(*sd);
    if (!decoded.ok()) return AttributeError(kSecurityDescriptor, decoded.status().message());
    t.security = std::move(*decoded);
  }
  return t;
}

Result<EnrollmentService> ParseEnrollmentServiceEntry(const DirectoryEntry& entry) {
  EnrollmentService service;
  service.dn = entry.dn();
  OPENADCS_RETURN_IF_ERROR(ReadRequiredText(entry, kCn, &service.name));
  OPENADCS_RETURN_IF_ERROR(ReadText(entry, kDnsHostName, &service.dns_host_name));
  OPENADCS_RETURN_IF_ERROR(
      ReadTextList(entry, kCertificateTemplates, &service.certificate_templates));
  return service;
}

std::vector<CertificateTemplate> SelectServedTemplates(const EnrollmentService& service,
                                                       std::vector<CertificateTemplate> templates) {
  std::set<std::string> listed;
  for (const std::string& name : service.certificate_templates) listed.insert(ToLowerAscii(name));

  std::vector<CertificateTemplate> served;
  std::set<std::string> names;
  std::set<std::string> oids;
  for (CertificateTemplate& t : templates) {
    std::string name = ToLowerAscii(t.name);
    if (listed.count(name) == 0) continue;
    if (names.count(name) != 0) {
      spdlog::warn("template {}: a second template has this name; it is ignored", t.name);
      continue;
    }
    if (!t.oid.empty() && oids.count(t.oid) != 0) {
      spdlog::warn("template {}: OID {} is taken by another template; it is ignored", t.name,
                   t.oid);
      continue;
    }
    names.insert(std::move(name));
    if (!t.oid.empty()) oids.insert(t.oid);
    served.push_back(std::move(t));
  }
  for (const std::string& name : service.certificate_templates) {
    if (names.count(ToLowerAscii(name)) == 0) {
      spdlog::warn("enrollment service {} lists template {}, which was not loaded", service.name,
                   name);
    }
  }
  return served;
}

}  // namespace openadcs::directory
