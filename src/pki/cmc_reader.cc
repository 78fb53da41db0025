// CMC PKIData (RFC 5272 section 3.2; the module uses IMPLICIT TAGS) as
// MS-WCCE 3.2.1.4.2.1.4.1.3 accepts it: exactly one TaggedRequest, a tcr
// holding a PKCS#10, plus controls that add extensions and attributes.
#include <openssl/asn1t.h>
#include <openssl/x509.h>

#include <string>

#include "pki/request_parts.h"

namespace openadcs::pki::reqparse {

namespace {

// clang-format off
// TaggedAttribute ::= SEQUENCE { bodyPartID BodyPartID, attrType OBJECT IDENTIFIER,
//                                attrValues SET OF AttributeValue }
struct CmcTaggedAttribute {
  ASN1_INTEGER* body_part_id;
  ASN1_OBJECT* attr_type;
  STACK_OF(ASN1_TYPE) * attr_values;
};
DECLARE_ASN1_ITEM(CmcTaggedAttribute)
ASN1_SEQUENCE(CmcTaggedAttribute) = {
    ASN1_SIMPLE(CmcTaggedAttribute, body_part_id, ASN1_INTEGER),
    ASN1_SIMPLE(CmcTaggedAttribute, attr_type, ASN1_OBJECT),
    ASN1_SET_OF(CmcTaggedAttribute, attr_values, ASN1_ANY),
} ASN1_SEQUENCE_END(CmcTaggedAttribute)
DEFINE_STACK_OF(CmcTaggedAttribute)

// TaggedCertificationRequest ::= SEQUENCE { bodyPartID BodyPartID,
//                                           certificationRequest CertificationRequest }
// The request is kept as raw DER so the PKCS#10 reader sees the bytes as sent.
struct CmcTaggedCertRequest {
  ASN1_INTEGER* body_part_id;
  ASN1_TYPE* certification_request;
};
DECLARE_ASN1_ITEM(CmcTaggedCertRequest)
ASN1_SEQUENCE(CmcTaggedCertRequest) = {
    ASN1_SIMPLE(CmcTaggedCertRequest, body_part_id, ASN1_INTEGER),
    ASN1_SIMPLE(CmcTaggedCertRequest, certification_request, ASN1_ANY),
} ASN1_SEQUENCE_END(CmcTaggedCertRequest)

// TaggedRequest ::= CHOICE { tcr [0] TaggedCertificationRequest, crm [1] CertReqMsg,
//                            orm [2] SEQUENCE { ... } }
// crm and orm are only recognised (as SEQUENCE OF ANY) so they can be refused.
struct CmcTaggedRequest {
  int type;
  union {
    CmcTaggedCertRequest* tcr;
    STACK_OF(ASN1_TYPE) * crm;
    STACK_OF(ASN1_TYPE) * orm;
  } d;
};
constexpr int kTcr = 0;
DECLARE_ASN1_ITEM(CmcTaggedRequest)
ASN1_CHOICE(CmcTaggedRequest) = {
    ASN1_IMP(CmcTaggedRequest, d.tcr, CmcTaggedCertRequest, 0),
    ASN1_IMP_SEQUENCE_OF(CmcTaggedRequest, d.crm, ASN1_ANY, 1),
    ASN1_IMP_SEQUENCE_OF(CmcTaggedRequest, d.orm, ASN1_ANY, 2),
} ASN1_CHOICE_END(CmcTaggedRequest)
DEFINE_STACK_OF(CmcTaggedRequest)

// PKIData ::= SEQUENCE { controlSequence SEQUENCE OF TaggedAttribute,
//   reqSequence SEQUENCE OF TaggedRequest, cmsSequence SEQUENCE OF TaggedContentInfo,
//   otherMsgSequence SEQUENCE OF OtherMsg }
struct CmcPkiData {
  STACK_OF(CmcTaggedAttribute) * controls;
  STACK_OF(CmcTaggedRequest) * requests;
  STACK_OF(ASN1_TYPE) * cms;
  STACK_OF(ASN1_TYPE) * other_msgs;
};
DECLARE_ASN1_ITEM(CmcPkiData)
ASN1_SEQUENCE(CmcPkiData) = {
    ASN1_SEQUENCE_OF(CmcPkiData, controls, CmcTaggedAttribute),
    ASN1_SEQUENCE_OF(CmcPkiData, requests, CmcTaggedRequest),
    ASN1_SEQUENCE_OF(CmcPkiData, cms, ASN1_ANY),
    ASN1_SEQUENCE_OF(CmcPkiData, other_msgs, ASN1_ANY),
} ASN1_SEQUENCE_END(CmcPkiData)

// AddExtensions ::= SEQUENCE { pkiDataReference BodyPartID,
//   certReferences SEQUENCE OF BodyPartID, extensions SEQUENCE OF Extension }
struct CmcAddExtensions {
  ASN1_INTEGER* pki_data_reference;
  STACK_OF(ASN1_INTEGER) * cert_references;
  STACK_OF(X509_EXTENSION) * extensions;
};
DECLARE_ASN1_ITEM(CmcAddExtensions)
ASN1_SEQUENCE(CmcAddExtensions) = {
    ASN1_SIMPLE(CmcAddExtensions, pki_data_reference, ASN1_INTEGER),
    ASN1_SEQUENCE_OF(CmcAddExtensions, cert_references, ASN1_INTEGER),
    ASN1_SEQUENCE_OF(CmcAddExtensions, extensions, X509_EXTENSION),
} ASN1_SEQUENCE_END(CmcAddExtensions)

// Windows' CMC_ADD_ATTRIBUTES_INFO (szOID_CMC_ADD_ATTRIBUTES): the same shape
// with SET OF Attribute in place of the extensions.
struct CmcAddAttributes {
  ASN1_INTEGER* pki_data_reference;
  STACK_OF(ASN1_INTEGER) * cert_references;
  STACK_OF(X509_ATTRIBUTE) * attributes;
};
DECLARE_ASN1_ITEM(CmcAddAttributes)
ASN1_SEQUENCE(CmcAddAttributes) = {
    ASN1_SIMPLE(CmcAddAttributes, pki_data_reference, ASN1_INTEGER),
    ASN1_SEQUENCE_OF(CmcAddAttributes, cert_references, ASN1_INTEGER),
    ASN1_SET_OF(CmcAddAttributes, attributes, X509_ATTRIBUTE),
} ASN1_SEQUENCE_END(CmcAddAttributes)

// A control applies to our request when it names this PKIData (reference 0;
// nested PKIData is not supported) and either no request or only ours.
Status CheckReferences(const ASN1_INTEGER* pki_data_reference,
                       const STACK_OF(ASN1_INTEGER) * cert_references,
                       const ASN1_INTEGER* request_id) {
  if (ASN1_INTEGER_get(pki_data_reference) != 0) {
    return InvalidData("CMC control refers to a nested PKIData");
  }
  for (int i = 0; i < sk_ASN1_INTEGER_num(cert_references); ++i) {
    if (ASN1_INTEGER_cmp(sk_ASN1_INTEGER_value(cert_references, i), request_id) != 0) {
      return InvalidData("CMC control refers to a request that is not in the PKIData");
    }
  }
  return Status::Ok();
}
// clang-format on

Status ReadControl(const CmcTaggedAttribute& control, const ASN1_INTEGER* request_id,
                   const RequestParserLimits& limits, ParsedRequest& out) {
  Result<std::string> type = OidText(control.attr_type);
  if (!type.ok()) return type.status();
  for (int i = 0; i < sk_ASN1_TYPE_num(control.attr_values); ++i) {
    const ASN1_TYPE* value = sk_ASN1_TYPE_value(control.attr_values, i);
    if (*type == kOidCmcAddExtensions) {
      auto add = internal::ItemFromDer<CmcAddExtensions, CmcAddExtensions_it>(SequenceDer(value));
      if (add == nullptr) return InvalidData("malformed CMC addExtensions control");
      OPENADCS_RETURN_IF_ERROR(
          CheckReferences(add->pki_data_reference, add->cert_references, request_id));
      OPENADCS_RETURN_IF_ERROR(AppendExtensions(add->extensions, limits, out));
    } else if (*type == kOidMsCmcAddAttributes) {
      auto add = internal::ItemFromDer<CmcAddAttributes, CmcAddAttributes_it>(SequenceDer(value));
      if (add == nullptr) return InvalidData("malformed CMC addAttributes control");
      OPENADCS_RETURN_IF_ERROR(
          CheckReferences(add->pki_data_reference, add->cert_references, request_id));
      for (int j = 0; j < sk_X509_ATTRIBUTE_num(add->attributes); ++j) {
        OPENADCS_RETURN_IF_ERROR(
            AppendNameValueAttribute(sk_X509_ATTRIBUTE_value(add->attributes, j), limits, out));
      }
    } else if (*type == kOidCmcRegInfo) {
      if (value->type != V_ASN1_OCTET_STRING) {
        return InvalidData("CMC regInfo is not an OCTET STRING");
      }
      const ASN1_OCTET_STRING* text = value->value.octet_string;
      OPENADCS_RETURN_IF_ERROR(
          AppendRegInfo(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                                         static_cast<std::size_t>(ASN1_STRING_length(text))),
                        limits, out));
    } else if (*type == kOidNameValuePair) {
      OPENADCS_RETURN_IF_ERROR(AppendNameValuePairs(value, limits, out));
    }
    // Other controls (transactionId, nonces, client info) carry nothing the
    // request record needs.
  }
  return Status::Ok();
}

}  // namespace

Status ReadPkiData(std::span<const std::uint8_t> der, const RequestParserLimits& limits,
                   ParsedRequest& out) {
  auto pki_data = internal::ItemFromDer<CmcPkiData, CmcPkiData_it>(der);
  if (pki_data == nullptr) return InvalidData("malformed CMC PKIData: " + ossl::ErrorText());
  if (sk_CmcTaggedRequest_num(pki_data->requests) != 1) {
    return InvalidData("CMC PKIData must hold exactly one request, not " +
                       std::to_string(sk_CmcTaggedRequest_num(pki_data->requests)));
  }
  const CmcTaggedRequest* request = sk_CmcTaggedRequest_value(pki_data->requests, 0);
  if (request->type != kTcr) return InvalidData("CMC request is not a PKCS#10 (tcr)");
  if (sk_ASN1_TYPE_num(pki_data->cms) != 0) {
    return InvalidData("nested CMC content (cmsSequence) is not supported");
  }
  auto controls = static_cast<std::size_t>(sk_CmcTaggedAttribute_num(pki_data->controls));
  if (controls > limits.max_cmc_controls) {
    return LimitExceeded("CMC controls", limits.max_cmc_controls);
  }

  const CmcTaggedCertRequest& tcr = *request->d.tcr;
  std::span<const std::uint8_t> pkcs10_der = SequenceDer(tcr.certification_request);
  if (pkcs10_der.empty()) return InvalidData("CMC tcr does not hold a PKCS#10");
  Result<DecodedPkcs10> req = DecodePkcs10(pkcs10_der);
  if (!req.ok()) return req.status();
  OPENADCS_RETURN_IF_ERROR(AdoptPkcs10(std::move(*req), pkcs10_der, /*wrapped=*/true, limits, out));

  for (std::size_t i = 0; i < controls; ++i) {
    OPENADCS_RETURN_IF_ERROR(
        ReadControl(*sk_CmcTaggedAttribute_value(pki_data->controls, static_cast<int>(i)),
                    tcr.body_part_id, limits, out));
  }
  return Status::Ok();
}

}  // namespace openadcs::pki::reqparse
