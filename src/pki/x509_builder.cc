// Issued certificates: the fields the builder owns (version, serial, issuer,
// validity, SKI, AKI) and the policy's extensions, signed by the CA.
#include "openadcs/pki/x509_builder.h"

#include "pki/asn1_util.h"

namespace openadcs::pki {

namespace {

// Copies the algorithm and key bits of `from` into `to` as they are encoded.
// X509_set_pubkey would re-encode an EVP_PKEY, and OpenSSL 3.0 builds a new
// encoder chain for each call: more costly than an ECDSA signature.
Status CopyPublicKey(const X509_PUBKEY* from, X509_PUBKEY* to) {
  const unsigned char* bits = nullptr;
  int bits_len = 0;
  X509_ALGOR* algor = nullptr;
  if (X509_PUBKEY_get0_param(nullptr, &bits, &bits_len, &algor, from) != 1 || algor == nullptr) {
    return Status::InvalidArgument("the public key does not parse: " + ossl::ErrorText());
  }
  const ASN1_OBJECT* alg = nullptr;
  int ptype = V_ASN1_UNDEF;
  const void* pval = nullptr;
  X509_ALGOR_get0(&alg, &ptype, &pval, algor);
  void* params = nullptr;
  if (ptype == V_ASN1_OBJECT) {
    params = OBJ_dup(static_cast<const ASN1_OBJECT*>(pval));
  } else if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL && pval != nullptr) {
    params = ASN1_STRING_dup(static_cast<const ASN1_STRING*>(pval));
  }
  ASN1_OBJECT* alg_copy = OBJ_dup(alg);
  auto* bits_copy =
      static_cast<unsigned char*>(OPENSSL_memdup(bits, static_cast<std::size_t>(bits_len)));
  const bool have_params = ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL || params != nullptr;
  if (alg_copy == nullptr || bits_copy == nullptr || !have_params ||
      X509_PUBKEY_set0_param(to, alg_copy, ptype, params, bits_copy, bits_len) != 1) {
    ASN1_OBJECT_free(alg_copy);
    OPENSSL_free(bits_copy);
    if (ptype == V_ASN1_OBJECT) {
      ASN1_OBJECT_free(static_cast<ASN1_OBJECT*>(params));
    } else {
      ASN1_STRING_free(static_cast<ASN1_STRING*>(params));
    }
    return Status::Internal("copying the public key: " + ossl::ErrorText());
  }
  return Status::Ok();
}

}  // namespace

Result<ossl::X509Ptr> BuildCertificate(const CertificateSpec& spec, const CaIdentity& ca) {
  if (spec.public_key == nullptr) {
    return Status::InvalidArgument("certificate has no public key");
  }
  if (spec.subject == nullptr) return Status::InvalidArgument("certificate has no subject");
  Result<ossl::Asn1IntegerPtr> serial = internal::SerialToAsn1(spec.serial);
  if (!serial.ok()) return serial.status();

  std::vector<ossl::Asn1ObjectPtr> oids;
  bool has_ski = false;
  bool has_aki = false;
  for (const CertificateExtension& e : spec.extensions) {
    ossl::Asn1ObjectPtr oid = internal::DottedOid(e.oid);
    if (oid == nullptr) return Status::InvalidArgument("bad extension OID '" + e.oid + "'");
    for (const ossl::Asn1ObjectPtr& seen : oids) {
      if (OBJ_cmp(seen.get(), oid.get()) == 0) {
        return Status::InvalidArgument("extension " + e.oid + " appears twice");
      }
    }
    has_ski = has_ski || OBJ_obj2nid(oid.get()) == NID_subject_key_identifier;
    has_aki = has_aki || OBJ_obj2nid(oid.get()) == NID_authority_key_identifier;
    oids.push_back(std::move(oid));
  }

  ossl::X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_serialNumber(cert.get(), serial->get()) != 1 ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.certificate())) != 1 ||
      X509_set_subject_name(cert.get(), spec.subject) != 1) {
    return Status::Internal("filling the certificate: " + ossl::ErrorText());
  }
  OPENADCS_RETURN_IF_ERROR(internal::SetValidity(cert.get(), spec.not_before, spec.not_after));
  OPENADCS_RETURN_IF_ERROR(CopyPublicKey(spec.public_key, X509_get_X509_PUBKEY(cert.get())));
  if (!has_ski) {
    Result<Bytes> key_id = internal::KeyIdentifier(spec.public_key);
    if (!key_id.ok()) return key_id.status();
    OPENADCS_RETURN_IF_ERROR(internal::AddExtension(cert.get(),
                                                    OBJ_nid2obj(NID_subject_key_identifier), false,
                                                    internal::SubjectKeyIdValue(*key_id)));
  }
  if (!has_aki) {
    Result<Bytes> ca_key_id = internal::IssuerKeyIdentifier(ca.certificate());
    if (!ca_key_id.ok()) return ca_key_id.status();
    OPENADCS_RETURN_IF_ERROR(
        internal::AddExtension(cert.get(), OBJ_nid2obj(NID_authority_key_identifier), false,
                               internal::AuthorityKeyIdValue(*ca_key_id)));
  }
  for (std::size_t i = 0; i < spec.extensions.size(); ++i) {
    OPENADCS_RETURN_IF_ERROR(internal::AddExtension(
        cert.get(), oids[i].get(), spec.extensions[i].critical, spec.extensions[i].value));
  }
  OPENADCS_RETURN_IF_ERROR(ca.SignCertificate(cert.get()));
  return cert;
}

}  // namespace openadcs::pki
