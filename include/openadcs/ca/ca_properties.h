// What the CA reports about itself through ICertRequestD::GetCACert and
// ICertRequestD2::GetCAProperty / GetCAPropertyInfo (MS-WCCE 3.2.1.4.2.2,
// 3.2.1.4.3.2, 3.2.1.4.3.3), with no transport in it: the adapter checks the
// authority, encodes text as UTF-16LE and sends the bytes.
//
// Decisions where MS-WCCE leaves room:
// - One signing certificate (index 0; 0xFFFFFFFF means the last, 0), no
//   exchange certificate, no exit algorithms, no KRAs: asking for those
//   gives CERTSRV_E_PROPERTY_EMPTY.
// - CA type: enterprise (templates are served), root when the CA
//   certificate has no issuers above it, else subordinate.
// - The LONG properties that MS-WCCE 3.2.1.4.3.2 says travel in a CAINFO
//   (CA type 0xA, signing certificate count 0xB, maximum property id 0x15,
//   advanced server 0x1C) return the whole CAINFO, as the spec says;
//   GETCERT_CATYPE returns the bare DWORD (3.2.1.4.2.2's type table).
// - The current CRL is the newest base CRL in the store, the delta CRL
//   (CR_PROP_DELTACRL) the newest delta; none published yet gives
//   CERTSRV_E_PROPERTY_EMPTY.
#ifndef OPENADCS_CA_CA_PROPERTIES_H_
#define OPENADCS_CA_CA_PROPERTIES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openadcs/db/ca_store.h"
#include "openadcs/directory/template_source.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ca {

// CR_PROP_* ids served (MS-WCCE 3.2.1.4.3.2).
namespace prop {
inline constexpr std::int32_t kFileVersion = 0x01;
inline constexpr std::int32_t kProductVersion = 0x02;
inline constexpr std::int32_t kPolicyDescription = 0x05;
inline constexpr std::int32_t kCaName = 0x06;
inline constexpr std::int32_t kSanitizedCaName = 0x07;
inline constexpr std::int32_t kParentCa = 0x09;
inline constexpr std::int32_t kCaType = 0x0A;
inline constexpr std::int32_t kCaSigCertCount = 0x0B;
inline constexpr std::int32_t kCaSigCert = 0x0C;
inline constexpr std::int32_t kCaSigCertChain = 0x0D;
inline constexpr std::int32_t kBaseCrl = 0x11;
inline constexpr std::int32_t kDeltaCrl = 0x12;
inline constexpr std::int32_t kCaPropIdMax = 0x15;
inline constexpr std::int32_t kDnsName = 0x16;
inline constexpr std::int32_t kAdvancedServer = 0x1C;
inline constexpr std::int32_t kTemplates = 0x1D;
inline constexpr std::int32_t kSanitizedCaShortName = 0x28;
inline constexpr std::int32_t kCertCdpUrls = 0x29;
inline constexpr std::int32_t kCertAiaUrls = 0x2A;
inline constexpr std::int32_t kCertAiaOcspUrls = 0x2B;
}  // namespace prop

// GETCERT_* values of GetCACert's fchain (MS-WCCE 3.2.1.4.2.2). The indexed
// forms carry the property in the high 16 bits and the index in the low 16.
namespace getcert {
inline constexpr std::uint32_t kCaSigCert = 0x00000000;
inline constexpr std::uint32_t kCaXchgCert = 0x00000001;
inline constexpr std::uint32_t kCurrentCrl = 0x6363726C;
inline constexpr std::uint32_t kFileVersion = 0x66696C65;
inline constexpr std::uint32_t kCaInfo = 0x696E666F;
inline constexpr std::uint32_t kCaName = 0x6E616D65;
inline constexpr std::uint32_t kParentConfig = 0x70617265;
inline constexpr std::uint32_t kPolicyVersion = 0x706F6C69;
inline constexpr std::uint32_t kProductVersion = 0x70726F64;
inline constexpr std::uint32_t kSanitizedCaName = 0x73616E69;
inline constexpr std::uint32_t kSharedFolder = 0x73686172;
inline constexpr std::uint32_t kCaType = 0x74797065;
inline constexpr std::uint16_t kCrlByIndex = 0x636C;
inline constexpr std::uint16_t kCaCertByIndex = 0x6374;
inline constexpr std::uint16_t kExitVersionByIndex = 0x6578;
inline constexpr std::uint16_t kCrlStateByIndex = 0x736C;
inline constexpr std::uint16_t kCaCertStateByIndex = 0x7374;
}  // namespace getcert

enum class PropType : std::int32_t { kLong = 1, kDate = 2, kBinary = 3, kString = 4 };

// ENUM_CATYPES.
enum class CaType : std::int32_t {
  kEnterpriseRoot = 0,
  kEnterpriseSub = 1,
  kStandaloneRoot = 3,
  kStandaloneSub = 4,
};

// One property's value: text (the wire carries it as NUL-terminated
// UTF-16LE) or bytes (DER, a CAINFO or a little-endian DWORD).
struct PropertyValue {
  bool is_text = false;
  std::string text;
  Bytes bytes;
};

struct CaPropertiesOptions {
  std::string dns_name;  // CR_PROP_DNSNAME; empty when not configured
  std::vector<std::string> crl_distribution_points;
  std::vector<std::string> aia_ca_issuers;
  std::vector<std::string> ocsp_urls;
};

// Thread-safe; the referenced parts must outlive it.
// The template names of a SetCAProperty(CR_PROP_TEMPLATES) value (MS-CSRA
// 3.1.4.2.3), the format TemplatesText writes: "name\nOID\n" per template,
// the OIDs ignored as the spec says; a trailing NUL is dropped. Fewer than
// two '\n' separators, or an empty name, is E_INVALIDARG. The names are not
// otherwise checked here (Engine::SetServedTemplates does that).
Result<std::vector<std::string>> ParseTemplatesText(std::string_view text);

class CaProperties {
 public:
  CaProperties(const pki::CaIdentity& identity, db::CaStore& store,
               const directory::TemplateSource& templates, CaPropertiesOptions options);

  // MS-WCCE 3.2.1.4.2.1.1 with EmptyNameAllowed false: the CA's common name,
  // sanitized name or sanitized short name, case-insensitive.
  bool NamesThisCa(const std::string& authority) const;

  // GetCAProperty. Errors carry their HRESULT: E_INVALIDARG for an unknown
  // id, a PropType other than the id's, or an index out of range;
  // CERTSRV_E_PROPERTY_EMPTY for what this CA does not have.
  Result<PropertyValue> Get(std::int32_t prop_id, std::int32_t prop_index,
                            std::int32_t prop_type) const;
  // GetCACert, same errors.
  Result<PropertyValue> GetCaCert(std::uint32_t fchain) const;
  // GetCAPropertyInfo: the number of properties and the marshalled
  // CATRANSPROP array with its display names (MS-WCCE 2.2.2.3.1).
  std::int32_t property_count() const;
  Bytes PropertyInfo() const;

  CaType ca_type() const;
  // CAINFO (MS-WCCE 2.2.2.4), 40 little-endian bytes.
  Bytes CaInfo() const;
  // "name\nOID\n" per served template of the current snapshot (an empty
  // OID line for a template without one).
  std::string TemplatesText() const;
  // A degenerate CMS SignedData with the CA certificate and its issuers.
  Result<Bytes> CaChainCms() const;
  // The newest base CRL in the store. NotFound (CERTSRV_E_PROPERTY_EMPTY)
  // before the first CRL is published.
  Result<Bytes> CurrentBaseCrl() const;
  // The newest delta CRL, likewise.
  Result<Bytes> CurrentDeltaCrl() const;

 private:
  const pki::CaIdentity& identity_;
  db::CaStore& store_;
  const directory::TemplateSource& templates_;
  CaPropertiesOptions options_;
};

}  // namespace openadcs::ca

#endif  // OPENADCS_CA_CA_PROPERTIES_H_
