// CRLs: v2, entries sorted by serial, CRL number, AKI, Windows' CA Version
// and CRL Next Publish (and, for delta CRLs and their bases, the delta
// indicator and freshest CRL), signed by the CA.
#include "openadcs/pki/x509_builder.h"
#include "pki/asn1_util.h"

namespace openadcs::pki {
namespace {

constexpr std::uint32_t kMaxCrlReason = 10;  // aACompromise
constexpr std::uint32_t kUnusedCrlReason = 7;
constexpr std::string_view kCaVersionOid = "1.3.6.1.4.1.311.21.1";
constexpr std::string_view kCrlNextPublishOid = "1.3.6.1.4.1.311.21.4";

Result<ossl::X509RevokedPtr> MakeEntry(const CrlEntry& entry) {
  Result<ossl::Asn1IntegerPtr> serial = internal::SerialToAsn1(entry.serial);
  if (!serial.ok()) {
    return Status::InvalidArgument("CRL entry: " + serial.status().message());
  }
  if (entry.reason > kMaxCrlReason || entry.reason == kUnusedCrlReason) {
    return Status::InvalidArgument("CRL entry " + HexLower(entry.serial) + ": reason " +
                                   std::to_string(entry.reason) + " is not a CRLReason");
  }
  ossl::Asn1TimePtr date = internal::UnixToAsn1Time(entry.revocation_date);
  if (date == nullptr) {
    return Status::InvalidArgument("CRL entry " + HexLower(entry.serial) +
                                   ": revocation date outside years 0-9999");
  }
  ossl::X509RevokedPtr revoked(X509_REVOKED_new());
  if (revoked == nullptr || X509_REVOKED_set_serialNumber(revoked.get(), serial->get()) != 1 ||
      X509_REVOKED_set_revocationDate(revoked.get(), date.get()) != 1) {
    return Status::Internal("CRL entry: " + ossl::ErrorText());
  }
  if (entry.reason != 0) {
    internal::Asn1EnumeratedPtr reason(ASN1_ENUMERATED_new());
    if (reason == nullptr || ASN1_ENUMERATED_set(reason.get(), entry.reason) != 1 ||
        X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, reason.get(), 0, 0) != 1) {
      return Status::Internal("CRL entry reason: " + ossl::ErrorText());
    }
  }
  return revoked;
}

// The delta CRL indicator (critical, RFC 5280 5.2.4) and the freshest CRL
// pointer (non-critical, 5.2.6), as `spec` asks.
Status AddDeltaExtensions(const CrlSpec& spec, X509_CRL* crl) {
  if (spec.delta_base) {
    ossl::Asn1IntegerPtr base(ASN1_INTEGER_new());
    if (base == nullptr || ASN1_INTEGER_set_uint64(base.get(), *spec.delta_base) != 1 ||
        X509_CRL_add1_ext_i2d(crl, NID_delta_crl, base.get(), 1, 0) != 1) {
      return Status::Internal("delta CRL indicator: " + ossl::ErrorText());
    }
  }
  if (!spec.freshest_crl.empty()) {
    ossl::X509ExtPtr freshest =
        internal::MakeExtension(OBJ_nid2obj(NID_freshest_crl), false, spec.freshest_crl);
    if (freshest == nullptr || X509_CRL_add_ext(crl, freshest.get(), -1) != 1) {
      return Status::Internal("freshest CRL: " + ossl::ErrorText());
    }
  }
  return Status::Ok();
}

// CA Version (INTEGER: key index << 16 | certificate index; one key and one
// certificate here, so 0) and CRL Next Publish (Time, RFC 5280's choice of
// UTCTime before 2050), both non-critical (MS-CSRA 3.1.4.1.6).
Status AddWindowsExtensions(const CrlSpec& spec, X509_CRL* crl) {
  constexpr std::uint8_t kCaVersionZero[] = {0x02, 0x01, 0x00};  // INTEGER 0
  ossl::X509ExtPtr ca_version =
      internal::MakeExtension(internal::DottedOid(kCaVersionOid).get(), false, kCaVersionZero);
  if (ca_version == nullptr || X509_CRL_add_ext(crl, ca_version.get(), -1) != 1) {
    return Status::Internal("CA Version: " + ossl::ErrorText());
  }
  if (spec.next_publish == 0) return Status::Ok();
  ossl::Asn1TimePtr when = internal::UnixToAsn1Time(spec.next_publish);
  if (when == nullptr) return Status::InvalidArgument("CRL next publish outside years 0-9999");
  ossl::X509ExtPtr next_publish = internal::MakeExtension(
      internal::DottedOid(kCrlNextPublishOid).get(), false, ossl::ToDer(when.get(), i2d_ASN1_TIME));
  if (next_publish == nullptr || X509_CRL_add_ext(crl, next_publish.get(), -1) != 1) {
    return Status::Internal("CRL Next Publish: " + ossl::ErrorText());
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> BuildCrl(const CrlSpec& spec, const CaIdentity& ca) {
  if (spec.next_update <= spec.this_update) {
    return Status::InvalidArgument("CRL nextUpdate is not after thisUpdate");
  }
  if (spec.delta_base && *spec.delta_base >= spec.number) {
    return Status::InvalidArgument("a delta CRL's number must be above its base's");
  }
  ossl::Asn1TimePtr this_update = internal::UnixToAsn1Time(spec.this_update);
  ossl::Asn1TimePtr next_update = internal::UnixToAsn1Time(spec.next_update);
  if (this_update == nullptr || next_update == nullptr) {
    return Status::InvalidArgument("CRL update time outside years 0-9999");
  }
  ossl::X509CrlPtr crl(X509_CRL_new());
  if (crl == nullptr || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.certificate())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) != 1) {
    return Status::Internal("filling the CRL: " + ossl::ErrorText());
  }
  for (const CrlEntry& entry : spec.entries) {
    Result<ossl::X509RevokedPtr> revoked = MakeEntry(entry);
    if (!revoked.ok()) return revoked.status();
    if (X509_CRL_add0_revoked(crl.get(), revoked->get()) != 1) {
      return Status::Internal("X509_CRL_add0_revoked: " + ossl::ErrorText());
    }
    static_cast<void>(revoked->release());  // owned by the CRL now
  }
  if (X509_CRL_sort(crl.get()) != 1) return Status::Internal("X509_CRL_sort: " + ossl::ErrorText());

  Result<Bytes> ca_key_id = internal::IssuerKeyIdentifier(ca.certificate());
  if (!ca_key_id.ok()) return ca_key_id.status();
  ossl::X509ExtPtr aki = internal::MakeExtension(OBJ_nid2obj(NID_authority_key_identifier), false,
                                                 internal::AuthorityKeyIdValue(*ca_key_id));
  ossl::Asn1IntegerPtr number(ASN1_INTEGER_new());
  if (aki == nullptr || X509_CRL_add_ext(crl.get(), aki.get(), -1) != 1 || number == nullptr ||
      ASN1_INTEGER_set_uint64(number.get(), spec.number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) {
    return Status::Internal("CRL extensions: " + ossl::ErrorText());
  }
  OPENADCS_RETURN_IF_ERROR(AddWindowsExtensions(spec, crl.get()));
  OPENADCS_RETURN_IF_ERROR(AddDeltaExtensions(spec, crl.get()));
  OPENADCS_RETURN_IF_ERROR(ca.SignCrl(crl.get()));
  Bytes der = ossl::ToDer(crl.get(), i2d_X509_CRL);
  if (der.empty()) return Status::Internal("i2d_X509_CRL: " + ossl::ErrorText());
  // Over the bytes as written: X509_CRL_verify would encode the list again.
  const ASN1_BIT_STRING* signature = nullptr;
  X509_CRL_get0_signature(crl.get(), &signature, nullptr);
  Status verified = ca.VerifySignature(
      internal::FirstInnerTlv(der), {signature->data, static_cast<std::size_t>(signature->length)});
  if (!verified.ok()) {
    return Status::Error(verified.code(), "the signed CRL: " + verified.message(),
                         verified.hresult());
  }
  return der;
}

}  // namespace openadcs::pki
