// The CA engine: request processing (MS-WCCE 3.2.1.4.2.1, 3.2.2.6) and the
// officer operations of MS-CSRA, with no transport in it. Protocol adapters
// turn wire calls into these calls and the results back into wire values.
//
// Thread-safety: all methods may be called concurrently. Each request reads
// the template snapshot once, at its start.
#ifndef OPENADCS_CA_ENGINE_H_
#define OPENADCS_CA_ENGINE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "openadcs/ca/ca_properties.h"
#include "openadcs/db/ca_store.h"
#include "openadcs/directory/identity_lookup.h"
#include "openadcs/directory/template_source.h"
#include "openadcs/pki/ca_identity.h"
#include "openadcs/pki/request_parser.h"
#include "openadcs/util/bytes.h"
#include "openadcs/util/status.h"

namespace openadcs::ca {

// CR_DISP_* as the enrollment protocols return them.
enum class WireDisposition : std::uint32_t {
  kIncomplete = 0,
  kError = 1,
  kDenied = 2,
  kIssued = 3,
  kIssuedOutOfBand = 4,
  kUnderSubmission = 5,  // pending
  kRevoked = 6,
};

struct Requester {
  std::string name;  // DOMAIN\user, as authenticated
  std::string sid;   // S-1-5-..., empty when unknown
};

struct EngineOptions {
  pki::RequestParserLimits limits;
  // EDITF_ATTRIBUTESUBJECTALTNAME2: honour the SAN request attribute. Off:
  // the ESC6 weakness.
  bool allow_san_attribute = false;
  // The validity of issued certificates is clipped to the CA's own notAfter.
  // Backdate notBefore this much for clock skew (Windows uses 10 minutes).
  std::chrono::seconds clock_skew{600};
  std::chrono::seconds crl_period{std::chrono::hours(24 * 7)};
  std::chrono::seconds crl_overlap{std::chrono::hours(12)};
  // Bytes of randomness in a serial number (>= 16; the top bit is cleared).
  std::size_t serial_bytes = 19;
  // Attempts at a fresh serial when the database reports a collision.
  int serial_retries = 5;
  // Where certificates point for revocation status; empty: omitted.
  std::vector<std::string> crl_distribution_points;
  std::vector<std::string> aia_ca_issuers;
  // What GetCAProperty reports and certificates do not carry: the CA host's
  // FQDN (CR_PROP_DNSNAME; empty: not configured) and OCSP URLs.
  std::string dns_name;
  std::vector<std::string> ocsp_urls;
};

// What Request / Request2 / CertServerRequest return (MS-WCCE 3.2.1.4.2.1).
struct SubmitResult {
  std::uint32_t request_id = 0;  // set whenever a row was written, even on denial
  WireDisposition disposition = WireDisposition::kError;
  // 0, or the HRESULT that explains a denial or failure. The wire puts it in
  // pdwDisposition in place of the disposition.
  std::uint32_t status = 0;
  Bytes certificate;    // DER, issued only
  Bytes chain_cms;      // degenerate CMS with the certificate and its chain, issued only
  std::string message;  // display text for pctbDispositionMessage
};

struct SubmitRequest {
  std::uint32_t flags = 0;       // dwFlags as received
  Bytes request;                 // request bytes; empty means retrieve by request_id
  std::uint32_t request_id = 0;  // *pdwRequestId as received: used only by a retrieve
  std::string attributes;        // attributes string, UTF-8
  Requester requester;
  std::string authority;  // pwszAuthority: must name this CA (empty: not checked)
};

// SetExtension's dwType (PROPTYPE_*).
enum class ValueType : std::uint32_t { kLong = 1, kDate = 2, kBinary = 3, kString = 4 };

struct RevocationStatus {
  std::uint32_t disposition =
      0;  // CA_DISP_*: 0 incomplete/unknown, 2 revoked, 3 valid, 4 invalid (expired)
  std::uint32_t reason = 0;
};

class Engine {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix seconds; injectable for tests

  // `identity`, `store` and `templates` must outlive the engine. `lookup`
  // may be null: templates without ENROLLEE_SUPPLIES_SUBJECT are then
  // denied with a message saying the directory lookup is unavailable.
  Engine(EngineOptions options, const pki::CaIdentity& identity, db::CaStore& store,
         directory::TemplateSource& templates, directory::IdentityLookup* lookup,
         Clock clock = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // New request (request bytes present) or retrieve by id (empty bytes).
  // Never fails as a call: every outcome is in the result, and every new
  // request that got as far as the database has its row, whatever the outcome.
  SubmitResult Submit(const SubmitRequest& request);
  SubmitResult RetrieveById(std::uint32_t request_id, const std::string& authority);
  SubmitResult RetrieveBySerial(const std::string& serial_hex, const std::string& authority);

  // The CMC Full PKI Response for `result` (MS-WCCE 3.2.1.4.3.1 FULLRESPONSE),
  // signed by the CA: the status (issued, pending with the request id as
  // pendToken, or failed) and, when issued, the certificate and its chain.
  Result<Bytes> FullResponse(const SubmitResult& result) const;

  // What GetCACert / GetCAProperty report (valid as long as the engine).
  const CaProperties& properties() const;

  // --- Officer operations (MS-CSRA 3.1.4.1). `officer` is DOMAIN\user. ---
  Result<std::vector<db::RequestRecord>> ListRequests(const db::RequestQuery& query);
  // Adds or replaces an extension on a pending request. oid: dotted, at most
  // 31 characters. flags: CRITICAL 0x1, DISABLE 0x2 (origin is set to ADMIN).
  // value by type: kLong 4 bytes little-endian (encoded as INTEGER), kDate an
  // 8-byte little-endian FILETIME (encoded as a time), kString UTF-8 text
  // (encoded as IA5String), kBinary the DER extension value as is.
  Status SetExtension(const std::string& officer, std::uint32_t request_id, const std::string& oid,
                      ValueType type, std::uint32_t flags, std::span<const std::uint8_t> value);
  // Adds name:value attributes (same syntax as a request's) to a pending request.
  Status SetAttributes(const std::string& officer, std::uint32_t request_id,
                       const std::string& attributes);
  // Re-runs policy with officer approval (satisfies PEND_ALL_REQUESTS).
  // Pending requests, and denied ones for a CA administrator.
  SubmitResult Resubmit(const std::string& officer, std::uint32_t request_id);
  Status Deny(const std::string& officer, std::uint32_t request_id);
  // reason: 0-6, 8 (CRLReason); kUnrevoke (0xFFFFFFFF) releases a hold.
  // effective: Unix seconds; 0 means now.
  Status Revoke(const std::string& officer, const std::string& serial_hex, std::uint32_t reason,
                std::int64_t effective);
  static constexpr std::uint32_t kUnrevoke = 0xFFFFFFFF;
  Result<RevocationStatus> IsValidCertificate(const std::string& serial_hex);
  // Builds, signs and stores a new base CRL. next_update 0: now + crl_period.
  Result<db::CrlRow> PublishCrl(std::int64_t next_update = 0);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace openadcs::ca

#endif  // OPENADCS_CA_ENGINE_H_
