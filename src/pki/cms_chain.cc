// The certificate chain as a degenerate CMS SignedData (RFC 5652 5.1 with no
// signers). Written with our own ASN1_ITEM template because OpenSSL's encoder
// sorts every SET OF, the CMS CertificateSet included, and we want the chain
// in the order the caller gives. The certificates go in as the DER they are:
// parsing them would cost OpenSSL 3.0 a key decoder each, on every issuance.
#include <openssl/asn1t.h>

#include "openadcs/pki/x509_builder.h"
#include "pki/asn1_util.h"

namespace openadcs::pki {
namespace {

// RFC 5652 5.1: version 1 when there are no attribute certificates, no
// signers and the content type is id-data.
constexpr int kSignedDataVersion = 1;

// clang-format off
// EncapsulatedContentInfo without eContent.
struct EncapContentAsn1 {
  ASN1_OBJECT* type;
};
ASN1_SEQUENCE(EncapContentAsn1) = {
    ASN1_SIMPLE(EncapContentAsn1, type, ASN1_OBJECT),
} ASN1_SEQUENCE_END(EncapContentAsn1)

// digestAlgorithms and signerInfos are always empty here, so their element
// type is never encoded; X509_ALGOR stands in for SignerInfo.
struct DegenerateSignedDataAsn1 {
  ASN1_INTEGER* version;
  STACK_OF(X509_ALGOR)* digest_algorithms;
  EncapContentAsn1* encap;
  STACK_OF(ASN1_TYPE)* certificates;  // each a whole DER Certificate
  STACK_OF(X509_ALGOR)* signer_infos;
};
ASN1_SEQUENCE(DegenerateSignedDataAsn1) = {
    ASN1_SIMPLE(DegenerateSignedDataAsn1, version, ASN1_INTEGER),
    ASN1_SET_OF(DegenerateSignedDataAsn1, digest_algorithms, X509_ALGOR),
    ASN1_SIMPLE(DegenerateSignedDataAsn1, encap, EncapContentAsn1),
    // CertificateSet is [0] IMPLICIT SET OF: under the implicit tag a SEQUENCE
    // OF gives the same bytes, and OpenSSL leaves a SEQUENCE OF in order.
    ASN1_IMP_SEQUENCE_OF(DegenerateSignedDataAsn1, certificates, ASN1_ANY, 0),
    ASN1_SET_OF(DegenerateSignedDataAsn1, signer_infos, X509_ALGOR),
} ASN1_SEQUENCE_END(DegenerateSignedDataAsn1)

struct ContentInfoAsn1 {
  ASN1_OBJECT* type;
  DegenerateSignedDataAsn1* signed_data;
};
ASN1_SEQUENCE(ContentInfoAsn1) = {
    ASN1_SIMPLE(ContentInfoAsn1, type, ASN1_OBJECT),
    ASN1_EXP(ContentInfoAsn1, signed_data, DegenerateSignedDataAsn1, 0),
} ASN1_SEQUENCE_END(ContentInfoAsn1)

// True when `der` is exactly one DER SEQUENCE (a Certificate's outer shape).
bool IsOneSequence(const Bytes& der) {
  const unsigned char* p = der.data();
  long length = 0;
  int tag = 0;
  int xclass = 0;
  int ret = ASN1_get_object(&p, &length, &tag, &xclass, static_cast<long>(der.size()));
  return (ret & 0x80) == 0 && ret == V_ASN1_CONSTRUCTED && tag == V_ASN1_SEQUENCE &&
         xclass == V_ASN1_UNIVERSAL &&
         static_cast<std::size_t>(p - der.data()) + static_cast<std::size_t>(length) == der.size();
}
// clang-format on

}  // namespace

Result<Bytes> BuildCertChainCms(std::span<const Bytes> certs) {
  if (certs.empty()) return Status::InvalidArgument("certificate chain is empty");
  // ASN1_item_new fills every non-optional field, empty SET OFs included.
  auto info = internal::NewItem<ContentInfoAsn1, ContentInfoAsn1_it>();
  if (info == nullptr) return Status::Internal("ASN1_item_new: " + ossl::ErrorText());
  ASN1_OBJECT_free(info->type);
  info->type = OBJ_nid2obj(NID_pkcs7_signed);
  DegenerateSignedDataAsn1* sd = info->signed_data;
  ASN1_OBJECT_free(sd->encap->type);
  sd->encap->type = OBJ_nid2obj(NID_pkcs7_data);
  if (ASN1_INTEGER_set(sd->version, kSignedDataVersion) != 1) {
    return Status::Internal("ASN1_INTEGER_set: " + ossl::ErrorText());
  }
  for (std::size_t i = 0; i < certs.size(); ++i) {
    if (!IsOneSequence(certs[i])) {
      return Status::InvalidArgument("chain certificate " + std::to_string(i) +
                                     " is not one DER SEQUENCE");
    }
    // For ANY, OpenSSL keeps a SEQUENCE as its whole encoding, tag included.
    ASN1_TYPE* any = ASN1_TYPE_new();
    ASN1_STRING* whole = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
    if (any == nullptr || whole == nullptr ||
        ASN1_STRING_set(whole, certs[i].data(), static_cast<int>(certs[i].size())) != 1) {
      ASN1_TYPE_free(any);
      ASN1_STRING_free(whole);
      return Status::Internal("ASN1_TYPE: " + ossl::ErrorText());
    }
    ASN1_TYPE_set(any, V_ASN1_SEQUENCE, whole);
    if (sk_ASN1_TYPE_push(sd->certificates, any) <= 0) {
      ASN1_TYPE_free(any);
      return Status::Internal("sk_ASN1_TYPE_push: " + ossl::ErrorText());
    }
  }
  Bytes der = internal::ItemToDer<ContentInfoAsn1, ContentInfoAsn1_it>(info.get());
  if (der.empty()) return Status::Internal("encoding the chain: " + ossl::ErrorText());
  return der;
}

}  // namespace openadcs::pki
