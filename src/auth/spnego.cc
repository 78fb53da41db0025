#include "openadcs/auth/spnego.h"

#include <algorithm>
#include <string>
#include <utility>

#include "openadcs/util/der.h"

namespace openadcs::auth::spnego {
namespace {

constexpr std::uint8_t kTagOid = 0x06;
constexpr std::uint8_t kTagOctetString = 0x04;
constexpr std::uint8_t kTagEnumerated = 0x0a;
constexpr std::uint8_t kTagBitString = 0x03;
constexpr std::uint8_t kTagSequence = 0x30;
constexpr std::uint8_t kTagApplication0 = 0x60;
constexpr std::uint8_t kContext0 = 0xa0;
constexpr std::uint8_t kContext1 = 0xa1;
// Longest OID accepted (mechanism OIDs are about ten bytes).
constexpr std::size_t kMaxOidBytes = 32;

Status Malformed(const std::string& what) {
  return Status::InvalidArgument("malformed SPNEGO token: " + what);
}

// One DER TLV: tag, contents. Definite lengths only, minimal or not (we are
// lenient about BER long forms, never about overruns).
struct Tlv {
  std::uint8_t tag = 0;
  std::span<const std::uint8_t> value;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : rest_(bytes) {}
  bool empty() const { return rest_.empty(); }

  Result<Tlv> Next() {
    if (rest_.size() < 2) return Malformed("truncated element");
    Tlv t;
    t.tag = rest_[0];
    if ((t.tag & 0x1f) == 0x1f) return Malformed("multi-byte tag");
    std::size_t length = rest_[1];
    std::size_t header = 2;
    if ((length & 0x80) != 0) {
      const std::size_t n = length & 0x7f;
      // Four length bytes already exceed every bound we accept.
      if (n == 0 || n > 4) return Malformed("unsupported length form");
      if (rest_.size() < 2 + n) return Malformed("truncated length");
      length = 0;
      for (std::size_t i = 0; i < n; ++i) length = (length << 8) | rest_[2 + i];
      header += n;
    }
    if (length > rest_.size() - header) return Malformed("element overruns its container");
    t.value = rest_.subspan(header, length);
    rest_ = rest_.subspan(header + length);
    return t;
  }

  Result<Tlv> Expect(std::uint8_t tag, const char* what) {
    Result<Tlv> t = Next();
    if (!t.ok()) return t.status();
    if (t->tag != tag) return Malformed(std::string("expected ") + what);
    return t;
  }

 private:
  std::span<const std::uint8_t> rest_;
};

// The one element `value` holds, of type `tag`.
Result<Tlv> Only(std::span<const std::uint8_t> value, std::uint8_t tag, const char* what) {
  Reader r(value);
  Result<Tlv> inner = r.Expect(tag, what);
  if (!inner.ok()) return inner.status();
  if (!r.empty()) return Malformed(std::string("trailing bytes after ") + what);
  return inner;
}

// The contents of the single element inside an explicit context tag.
Result<Bytes> Explicit(std::span<const std::uint8_t> value, std::uint8_t tag, const char* what) {
  Result<Tlv> inner = Only(value, tag, what);
  if (!inner.ok()) return inner.status();
  return Bytes(inner->value.begin(), inner->value.end());
}

// Hands each field of a SEQUENCE of context-tagged fields (NegTokenInit,
// NegTokenResp) to `on_field`, refusing fields out of order and fields that
// are not context-tagged; `on_field` skips tags it does not know
// (extensibility, RFC 4178 4.2).
template <typename OnField>
Status ForEachField(std::span<const std::uint8_t> fields, const char* what, OnField on_field) {
  int last_tag = -1;
  Reader r(fields);
  while (!r.empty()) {
    Result<Tlv> field = r.Next();
    if (!field.ok()) return field.status();
    if (static_cast<int>(field->tag) <= last_tag) {
      return Malformed(std::string(what) + " fields out of order");
    }
    if ((field->tag & 0xe0) != kContext0)
      return Malformed(std::string("unexpected ") + what + " field");
    last_tag = field->tag;
    OPENADCS_RETURN_IF_ERROR(on_field(*field));
  }
  return Status::Ok();
}

Status CheckOid(std::span<const std::uint8_t> oid) {
  if (oid.empty() || oid.size() > kMaxOidBytes) return Malformed("OID length");
  if ((oid.back() & 0x80) != 0) return Malformed("OID ends inside a sub-identifier");
  return Status::Ok();
}

Result<NegTokenInit> DecodeNegTokenInit(std::span<const std::uint8_t> value) {
  Result<Tlv> seq = Only(value, kTagSequence, "NegTokenInit SEQUENCE");
  if (!seq.ok()) return seq.status();
  NegTokenInit init;
  bool have_mechs = false;
  Status fields = ForEachField(seq->value, "NegTokenInit", [&](const Tlv& field) -> Status {
    switch (field.tag) {
      case kContext0: {
        Result<Tlv> mechs = Only(field.value, kTagSequence, "MechTypeList");
        if (!mechs.ok()) return mechs.status();
        Reader oids(mechs->value);
        while (!oids.empty()) {
          Result<Tlv> oid = oids.Expect(kTagOid, "mechanism OID");
          if (!oid.ok()) return oid.status();
          OPENADCS_RETURN_IF_ERROR(CheckOid(oid->value));
          if (init.mech_types.size() >= kMaxMechTypes) return Malformed("too many mechanisms");
          init.mech_types.emplace_back(oid->value.begin(), oid->value.end());
        }
        have_mechs = true;
        return Status::Ok();
      }
      case 0xa1:  // reqFlags: ignored (RFC 4178 4.2.1), but well-formed
        return Explicit(field.value, kTagBitString, "reqFlags BIT STRING").status();
      case 0xa2: {
        Result<Bytes> token = Explicit(field.value, kTagOctetString, "mechToken OCTET STRING");
        if (!token.ok()) return token.status();
        init.mech_token = std::move(*token);
        return Status::Ok();
      }
      case 0xa3:
      case 0xa4: {
        // [3] is mechListMIC in RFC 4178 and negHints (a SEQUENCE) in
        // MS-SPNG's NegTokenInit2, whose mechListMIC is [4].
        Reader inner(field.value);
        Result<Tlv> t = inner.Next();
        if (!t.ok()) return t.status();
        if (t->tag == kTagOctetString) {
          if (!inner.empty()) return Malformed("trailing bytes after mechListMIC");
          init.mech_list_mic = Bytes(t->value.begin(), t->value.end());
        }
        return Status::Ok();
      }
      default: return Status::Ok();
    }
  });
  if (!fields.ok()) return fields;
  if (!have_mechs || init.mech_types.empty()) return Malformed("NegTokenInit offers no mechanism");
  return init;
}

}  // namespace

Result<NegTokenInit> DecodeInitialToken(std::span<const std::uint8_t> token) {
  if (token.size() > kMaxTokenBytes) return Malformed("token too large");
  Result<Tlv> app = Only(token, kTagApplication0, "[APPLICATION 0] framing");
  if (!app.ok()) return app.status();
  Reader r(app->value);
  Result<Tlv> oid = r.Expect(kTagOid, "mechanism OID");
  if (!oid.ok()) return oid.status();
  if (!std::ranges::equal(oid->value, kOidSpnego)) return Malformed("not a SPNEGO token");
  Result<Tlv> choice = r.Expect(kContext0, "[0] NegTokenInit");
  if (!choice.ok()) return choice.status();
  if (!r.empty()) return Malformed("trailing bytes after NegTokenInit");
  return DecodeNegTokenInit(choice->value);
}

Result<NegTokenResp> DecodeNegTokenResp(std::span<const std::uint8_t> token) {
  if (token.size() > kMaxTokenBytes) return Malformed("token too large");
  Result<Tlv> choice = Only(token, kContext1, "[1] NegTokenResp");
  if (!choice.ok()) return choice.status();
  Result<Tlv> seq = Only(choice->value, kTagSequence, "NegTokenResp SEQUENCE");
  if (!seq.ok()) return seq.status();
  NegTokenResp resp;
  Status fields = ForEachField(seq->value, "NegTokenResp", [&](const Tlv& field) -> Status {
    switch (field.tag) {
      case kContext0: {
        Result<Bytes> state = Explicit(field.value, kTagEnumerated, "negState ENUMERATED");
        if (!state.ok()) return state.status();
        if (state->size() != 1 || (*state)[0] > static_cast<std::uint8_t>(NegState::kRequestMic)) {
          return Malformed("negState out of range");
        }
        resp.neg_state = static_cast<NegState>((*state)[0]);
        return Status::Ok();
      }
      case kContext1: {
        Result<Bytes> oid = Explicit(field.value, kTagOid, "supportedMech OID");
        if (!oid.ok()) return oid.status();
        OPENADCS_RETURN_IF_ERROR(CheckOid(*oid));
        resp.supported_mech = std::move(*oid);
        return Status::Ok();
      }
      case 0xa2:
      case 0xa3: {
        const bool is_token = field.tag == 0xa2;
        Result<Bytes> t =
            Explicit(field.value, kTagOctetString,
                     is_token ? "responseToken OCTET STRING" : "mechListMIC OCTET STRING");
        if (!t.ok()) return t.status();
        (is_token ? resp.response_token : resp.mech_list_mic) = std::move(*t);
        return Status::Ok();
      }
      default: return Status::Ok();
    }
  });
  if (!fields.ok()) return fields;
  return resp;
}

Bytes EncodeMechTypeList(const std::vector<Bytes>& mech_types) {
  Bytes oids;
  for (const Bytes& oid : mech_types) der::AppendTlv(oids, kTagOid, oid);
  return der::Tlv(kTagSequence, oids);
}

Bytes EncodeInitialToken(const NegTokenInit& init) {
  Bytes fields = der::Tlv(kContext0, EncodeMechTypeList(init.mech_types));
  if (init.mech_token) der::AppendTlv(fields, 0xa2, der::Tlv(kTagOctetString, *init.mech_token));
  if (init.mech_list_mic) {
    der::AppendTlv(fields, 0xa3, der::Tlv(kTagOctetString, *init.mech_list_mic));
  }
  Bytes inner = der::Tlv(kTagOid, kOidSpnego);
  der::AppendTlv(inner, kContext0, der::Tlv(kTagSequence, fields));
  return der::Tlv(kTagApplication0, inner);
}

Bytes EncodeNegTokenResp(const NegTokenResp& resp) {
  Bytes fields;
  if (resp.neg_state) {
    const std::uint8_t state = static_cast<std::uint8_t>(*resp.neg_state);
    der::AppendTlv(fields, kContext0, der::Tlv(kTagEnumerated, std::span(&state, 1)));
  }
  if (resp.supported_mech)
    der::AppendTlv(fields, kContext1, der::Tlv(kTagOid, *resp.supported_mech));
  if (resp.response_token) {
    der::AppendTlv(fields, 0xa2, der::Tlv(kTagOctetString, *resp.response_token));
  }
  if (resp.mech_list_mic) {
    der::AppendTlv(fields, 0xa3, der::Tlv(kTagOctetString, *resp.mech_list_mic));
  }
  return der::Tlv(kContext1, der::Tlv(kTagSequence, fields));
}

Result<std::span<const std::uint8_t>> StripGssFraming(std::span<const std::uint8_t> token,
                                                      std::span<const std::uint8_t> oid) {
  if (token.empty() || token[0] != kTagApplication0) return token;
  if (token.size() > kMaxTokenBytes) return Malformed("token too large");
  // The inner token is not DER, so only the outer length and the OID are
  // read as TLVs.
  Reader outer(token);
  Result<Tlv> app = outer.Expect(kTagApplication0, "[APPLICATION 0] framing");
  if (!app.ok()) return app.status();
  if (!outer.empty()) return Malformed("trailing bytes after the framed token");
  Reader r(app->value);
  Result<Tlv> framed_oid = r.Expect(kTagOid, "mechanism OID");
  if (!framed_oid.ok()) return framed_oid.status();
  if (!std::ranges::equal(framed_oid->value, oid)) {
    return Status::InvalidArgument("GSS token of another mechanism");
  }
  return app->value.subspan(framed_oid->value.data() + framed_oid->value.size() -
                            app->value.data());
}

}  // namespace openadcs::auth::spnego
