// The certificate chain as a degenerate CMS SignedData (RFC 5652 5.1 with no
// signers), written as DER directly: the structure is fixed but for the
// certificates, which go in as the DER they are, in the order the caller
// gives (OpenSSL's encoder would sort the CertificateSet as a SET OF, and
// parsing the certificates would cost OpenSSL 3.0 a key decoder each).
#include <openssl/asn1.h>

#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/der.h"
#include "pki/asn1_util.h"

namespace openadcs::pki {
namespace {

using der::AppendTlv;

constexpr std::uint8_t kTagSequence = 0x30;
constexpr std::uint8_t kTagContext0 = 0xA0;  // constructed [0]
// id-signedData, and the content of a SignedData without signers: version 1
// (RFC 5652 5.1: no attribute certificates, no signers, id-data content),
// an empty digestAlgorithms SET and EncapsulatedContentInfo { id-data }.
constexpr std::uint8_t kSignedDataOid[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                           0xF7, 0x0D, 0x01, 0x07, 0x02};
constexpr std::uint8_t kSignedDataHead[] = {0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x0B, 0x06, 0x09,
                                            0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01};
constexpr std::uint8_t kNoSignerInfos[] = {0x31, 0x00};

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

}  // namespace

Result<Bytes> BuildCertChainCms(std::span<const Bytes> certs) {
  if (certs.empty()) return Status::InvalidArgument("certificate chain is empty");
  Bytes set;  // CertificateSet: [0] IMPLICIT SET OF, in the given order
  for (std::size_t i = 0; i < certs.size(); ++i) {
    if (!IsOneSequence(certs[i])) {
      return Status::InvalidArgument("chain certificate " + std::to_string(i) +
                                     " is not one DER SEQUENCE");
    }
    set.insert(set.end(), certs[i].begin(), certs[i].end());
  }
  Bytes signed_data(std::begin(kSignedDataHead), std::end(kSignedDataHead));
  signed_data.reserve(signed_data.size() + set.size() + 16);
  AppendTlv(signed_data, kTagContext0, set);
  signed_data.insert(signed_data.end(), std::begin(kNoSignerInfos), std::end(kNoSignerInfos));
  Bytes content(std::begin(kSignedDataOid), std::end(kSignedDataOid));
  AppendTlv(content, kTagContext0, der::Tlv(kTagSequence, signed_data));
  return der::Tlv(kTagSequence, content);
}

}  // namespace openadcs::pki
