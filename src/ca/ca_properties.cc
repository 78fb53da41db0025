#include "openadcs/ca/ca_properties.h"

#include <openssl/x509.h>

#include <algorithm>
#include <utility>

#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"

namespace openadcs::ca {
namespace {

constexpr std::uint32_t kCaInfoSize = 40;  // ten DWORDs

struct PropertySpec {
  std::int32_t id;
  PropType type;
  bool indexed;  // per signing certificate: index 0, or -1 for the last
  const char* display_name;
};

// What GetCAPropertyInfo advertises, in id order; Get serves exactly these.
constexpr PropertySpec kProperties[] = {
    {prop::kFileVersion, PropType::kString, false, "CA File Version"},
    {prop::kProductVersion, PropType::kString, false, "CA Product Version"},
    {prop::kPolicyDescription, PropType::kString, false, "Policy Module Description"},
    {prop::kCaName, PropType::kString, false, "CA Name"},
    {prop::kSanitizedCaName, PropType::kString, false, "Sanitized CA Name"},
    {prop::kParentCa, PropType::kString, false, "Parent CA"},
    {prop::kCaType, PropType::kLong, false, "CA Type"},
    {prop::kCaSigCertCount, PropType::kLong, false, "CA Signature Certificate Count"},
    {prop::kCaSigCert, PropType::kBinary, true, "CA Signature Certificate"},
    {prop::kCaSigCertChain, PropType::kBinary, true, "CA Signature Certificate Chain"},
    {prop::kBaseCrl, PropType::kBinary, true, "Base CRL"},
    {prop::kDeltaCrl, PropType::kBinary, true, "Delta CRL"},
    {prop::kCaPropIdMax, PropType::kLong, false, "Maximum Property ID"},
    {prop::kDnsName, PropType::kString, false, "CA Fully Qualified DNS Name"},
    {prop::kAdvancedServer, PropType::kLong, false, "Advanced Server"},
    {prop::kTemplates, PropType::kString, false, "Configured Certificate Templates"},
    {prop::kSanitizedCaShortName, PropType::kString, false, "Sanitized CA Short Name"},
    {prop::kCertCdpUrls, PropType::kString, true, "CRL Distribution Points"},
    {prop::kCertAiaUrls, PropType::kString, true, "Authority Information Access"},
    {prop::kCertAiaOcspUrls, PropType::kString, true, "OCSP URLs"},
};

const PropertySpec* FindProperty(std::int32_t id) {
  for (const PropertySpec& p : kProperties) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

Status InvalidArg(const std::string& why) {
  return Status::InvalidArgument(why, hr::kInvalidArg);
}
Status Empty(const std::string& what) {
  return Status::NotFound("this CA has no " + what, hr::kPropertyEmpty);
}

PropertyValue Text(std::string s) {
  PropertyValue v;
  v.is_text = true;
  v.text = std::move(s);
  return v;
}
PropertyValue Binary(Bytes b) {
  PropertyValue v;
  v.bytes = std::move(b);
  return v;
}

void PutU32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// MS-WCCE 3.2.1.4.3.2.29 / .41: each entry followed by '\n'.
std::string Lines(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& item : items) s += item + "\n";
  return s;
}

// "w.x.y.z" as 3.2.1.4.3.2.1 asks, from the project's three-part version.
std::string FileVersion() {
  return std::string(OPENADCS_VERSION) + ".0";
}

}  // namespace

CaProperties::CaProperties(const pki::CaIdentity& identity, db::CaStore& store,
                           const directory::TemplateSource& templates, CaPropertiesOptions options)
    : identity_(identity), store_(store), templates_(templates), options_(std::move(options)) {}

bool CaProperties::NamesThisCa(const std::string& authority) const {
  if (authority.empty()) return false;
  return EqualsIgnoreCaseAscii(authority, identity_.common_name()) ||
         EqualsIgnoreCaseAscii(authority, identity_.sanitized_name()) ||
         EqualsIgnoreCaseAscii(authority, identity_.sanitized_short_name());
}

CaType CaProperties::ca_type() const {
  return identity_.chain().empty() ? CaType::kEnterpriseRoot : CaType::kEnterpriseSub;
}

Bytes CaProperties::CaInfo() const {
  Bytes out;
  out.reserve(kCaInfoSize);
  PutU32(out, kCaInfoSize);
  PutU32(out, static_cast<std::uint32_t>(ca_type()));
  PutU32(out, 1);                                                   // cCASignatureCerts
  PutU32(out, 0);                                                   // cCAExchangeCerts
  PutU32(out, 0);                                                   // cExitAlgorithms
  PutU32(out, static_cast<std::uint32_t>(prop::kCertAiaOcspUrls));  // lPropIDMax
  PutU32(out, 0);                                                   // lRoleSeparationEnabled
  PutU32(out, 0);                                                   // cKRACertUsedCount
  PutU32(out, 0);                                                   // cKRACertCount
  PutU32(out, 0);                                                   // fAdvancedServer
  return out;
}

std::string CaProperties::TemplatesText() const {
  std::string s;
  for (const auto& t : templates_.Current()->templates()) s += t.name + "\n" + t.oid + "\n";
  return s;
}

Result<std::vector<std::string>> ParseTemplatesText(std::string_view text) {
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  if (std::count(text.begin(), text.end(), '\n') < 2) {
    return Status::InvalidArgument("a template list needs at least two '\\n' separators",
                                   hr::kInvalidArg);
  }
  const std::vector<std::string_view> fields = SplitFields(text, '\n');
  std::vector<std::string> names;
  for (std::size_t i = 0; i < fields.size(); i += 2) {  // name, OID, name, OID, ...
    if (fields[i].empty()) {
      return Status::InvalidArgument("an empty template name in the list", hr::kInvalidArg);
    }
    names.emplace_back(fields[i]);
  }
  return names;
}

Result<Bytes> CaProperties::CaChainCms() const {
  std::vector<Bytes> certs{identity_.certificate_der()};
  for (const auto& c : identity_.chain()) {
    unsigned char* der = nullptr;
    const int n = i2d_X509(c.get(), &der);
    if (n <= 0) return Status::Internal("cannot encode a chain certificate");
    certs.emplace_back(der, der + n);
    OPENSSL_free(der);
  }
  return pki::BuildCertChainCms(certs);
}

Result<Bytes> CaProperties::CurrentBaseCrl() const {
  auto latest = store_.LatestCrl(db::CrlKind::kBase);
  if (!latest.ok()) return latest.status();
  if (!latest->has_value()) return Empty("CRL yet");
  return (*latest)->raw_crl;
}

Result<Bytes> CaProperties::CurrentDeltaCrl() const {
  auto latest = store_.LatestCrl(db::CrlKind::kDelta);
  if (!latest.ok()) return latest.status();
  if (!latest->has_value()) return Empty("delta CRL yet");
  return (*latest)->raw_crl;
}

Result<PropertyValue> CaProperties::Get(std::int32_t prop_id, std::int32_t prop_index,
                                        std::int32_t prop_type) const {
  const PropertySpec* spec = FindProperty(prop_id);
  if (spec == nullptr) return InvalidArg("unknown property id " + std::to_string(prop_id));
  if (prop_type != static_cast<std::int32_t>(spec->type)) {
    return InvalidArg("property " + std::to_string(prop_id) + " is not of type " +
                      std::to_string(prop_type));
  }
  // One signing certificate: index 0, or -1 (0xFFFFFFFF, "the last").
  if (spec->indexed ? (prop_index != 0 && prop_index != -1) : prop_index != 0) {
    return InvalidArg("property " + std::to_string(prop_id) + " has no index " +
                      std::to_string(prop_index));
  }
  switch (prop_id) {
    case prop::kFileVersion:
    case prop::kProductVersion: return Text(FileVersion());
    case prop::kPolicyDescription: return Text("openadcs enterprise policy");
    case prop::kCaName: return Text(identity_.common_name());
    case prop::kSanitizedCaName: return Text(identity_.sanitized_name());
    case prop::kSanitizedCaShortName: return Text(identity_.sanitized_short_name());
    case prop::kParentCa:
      // A root has no parent; a subordinate's parent is not configured.
      return Text("");
    case prop::kCaType:
    case prop::kCaSigCertCount:
    case prop::kCaPropIdMax:
    case prop::kAdvancedServer: return Binary(CaInfo());
    case prop::kCaSigCert: return Binary(identity_.certificate_der());
    case prop::kCaSigCertChain: {
      auto cms = CaChainCms();
      if (!cms.ok()) return cms.status();
      return Binary(std::move(cms).value());
    }
    case prop::kBaseCrl: {
      auto crl = CurrentBaseCrl();
      if (!crl.ok()) return crl.status();
      return Binary(std::move(crl).value());
    }
    case prop::kDeltaCrl: {
      auto crl = CurrentDeltaCrl();
      if (!crl.ok()) return crl.status();
      return Binary(std::move(crl).value());
    }
    case prop::kDnsName: return Text(options_.dns_name);
    case prop::kTemplates: return Text(TemplatesText());
    case prop::kCertCdpUrls: return Text(Lines(options_.crl_distribution_points));
    case prop::kCertAiaUrls: return Text(Lines(options_.aia_ca_issuers));
    case prop::kCertAiaOcspUrls: return Text(Lines(options_.ocsp_urls));
    default: return InvalidArg("unknown property id " + std::to_string(prop_id));
  }
}

Result<PropertyValue> CaProperties::GetCaCert(std::uint32_t fchain) const {
  constexpr auto kString = static_cast<std::int32_t>(PropType::kString);
  constexpr auto kBinary = static_cast<std::int32_t>(PropType::kBinary);
  switch (fchain) {
    case getcert::kCaSigCert: return Get(prop::kCaSigCert, -1, kBinary);
    case getcert::kCaXchgCert: return Empty("exchange certificate");
    case getcert::kCurrentCrl: return Get(prop::kBaseCrl, -1, kBinary);
    case getcert::kFileVersion: return Get(prop::kFileVersion, 0, kString);
    case getcert::kCaInfo: return Binary(CaInfo());
    case getcert::kCaName: return Get(prop::kCaName, 0, kString);
    case getcert::kParentConfig: return Get(prop::kParentCa, 0, kString);
    case getcert::kPolicyVersion: return Get(prop::kPolicyDescription, 0, kString);
    case getcert::kProductVersion: return Get(prop::kProductVersion, 0, kString);
    case getcert::kSanitizedCaName: return Get(prop::kSanitizedCaName, 0, kString);
    case getcert::kSharedFolder: return Empty("shared folder");
    case getcert::kCaType: {
      Bytes v;
      PutU32(v, static_cast<std::uint32_t>(ca_type()));
      return Binary(std::move(v));
    }
    default: break;
  }
  const auto kind = static_cast<std::uint16_t>(fchain >> 16);
  const auto index = static_cast<std::int32_t>(fchain & 0xFFFF);
  switch (kind) {
    case getcert::kCrlByIndex: return Get(prop::kBaseCrl, index, kBinary);
    case getcert::kCaCertByIndex: return Get(prop::kCaSigCert, index, kBinary);
    case getcert::kExitVersionByIndex:
      return InvalidArg("this CA has no exit algorithm " + std::to_string(index));
    case getcert::kCrlStateByIndex:
    case getcert::kCaCertStateByIndex:
      return InvalidArg("certificate and CRL states are not reported");
    default: return InvalidArg("unknown fchain " + std::to_string(fchain));
  }
}

std::int32_t CaProperties::property_count() const {
  return static_cast<std::int32_t>(std::size(kProperties));
}

// MS-WCCE 2.2.2.3.1: the CATRANSPROP array, then each display name as
// NUL-terminated UTF-16LE at a DWORD-aligned offset from the blob start.
Bytes CaProperties::PropertyInfo() const {
  constexpr std::size_t kEntrySize = 12;
  Bytes names;
  Bytes out;
  const std::size_t table = kEntrySize * std::size(kProperties);
  for (const PropertySpec& p : kProperties) {
    while (names.size() % 4 != 0) names.push_back(0);
    PutU32(out, static_cast<std::uint32_t>(p.id));
    out.push_back(static_cast<std::uint8_t>(p.type));
    out.push_back(0);                  // Reserved
    out.push_back(p.indexed ? 1 : 0);  // propFlags: bit 0 = indexed
    out.push_back(0);
    PutU32(out, static_cast<std::uint32_t>(table + names.size()));
    // The display names are ASCII: each byte is a UTF-16 code unit.
    for (const char* c = p.display_name; *c != '\0'; ++c) {
      names.push_back(static_cast<std::uint8_t>(*c));
      names.push_back(0);
    }
    names.push_back(0);
    names.push_back(0);
  }
  out.insert(out.end(), names.begin(), names.end());
  return out;
}

}  // namespace openadcs::ca
