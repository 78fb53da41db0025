#include "openadcs/pki/name.h"

#include <openssl/objects.h>

#include <vector>

namespace openadcs::pki {
namespace {

struct Ava {
  std::string type;
  std::string value;
  bool joined_to_previous = false;  // '+' before it: same RDN as the previous AVA
};

std::string_view TrimType(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits RFC 4514 text into AVAs in textual order (least significant first).
Result<std::vector<Ava>> Split(std::string_view text) {
  std::vector<Ava> out;
  Ava cur;
  bool in_value = false;
  bool next_joined = false;
  auto finish = [&]() -> Status {
    std::string_view type = TrimType(cur.type);
    if (type.empty()) return Status::InvalidArgument("distinguished name: empty attribute type");
    cur.type = std::string(type);
    // Unescaped trailing spaces are not part of the value (RFC 4514 2.4).
    while (!cur.value.empty() && cur.value.back() == ' ') cur.value.pop_back();
    cur.joined_to_previous = next_joined;
    out.push_back(std::move(cur));
    cur = Ava{};
    in_value = false;
    return Status::Ok();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!in_value) {
      if (c == '=') {
        in_value = true;
        while (i + 1 < text.size() && text[i + 1] == ' ') ++i;
      } else {
        cur.type.push_back(c);
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) return Status::InvalidArgument("distinguished name: dangling '\\'");
      int hi = HexNibble(text[i + 1]);
      int lo = i + 2 < text.size() ? HexNibble(text[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        cur.value.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
      } else {
        cur.value.push_back(text[++i]);
      }
      continue;
    }
    if (c == ',' || c == ';' || c == '+') {
      OPENADCS_RETURN_IF_ERROR(finish());
      next_joined = (c == '+');
      while (i + 1 < text.size() && text[i + 1] == ' ') ++i;
      continue;
    }
    cur.value.push_back(c);
  }
  if (in_value) {
    OPENADCS_RETURN_IF_ERROR(finish());
  } else if (!TrimType(cur.type).empty()) {
    return Status::InvalidArgument("distinguished name: '" + cur.type + "' has no '='");
  }
  return out;
}

}  // namespace

Result<ossl::X509NamePtr> ParseDistinguishedName(std::string_view text) {
  auto avas = Split(text);
  if (!avas.ok()) return avas.status();
  ossl::X509NamePtr name(X509_NAME_new());
  if (!name) return Status::Internal("X509_NAME_new failed");
  // RFC 4514 text lists the most significant RDN last; X509_NAME keeps it
  // first, so walk backwards. AVAs joined with '+' share one RDN: the one
  // after it in text order was added just before, so append to that set.
  const std::vector<Ava>& list = *avas;
  for (std::size_t k = list.size(); k-- > 0;) {
    const Ava& ava = list[k];
    std::string type = ava.type == "E" ? "emailAddress" : ava.type;
    ossl::Asn1ObjectPtr obj(OBJ_txt2obj(type.c_str(), 0));
    if (!obj) {
      return Status::InvalidArgument("distinguished name: unknown attribute type '" + ava.type +
                                     "'");
    }
    bool same_rdn = k + 1 < list.size() && list[k + 1].joined_to_previous;
    int nid = OBJ_obj2nid(obj.get());
    int string_type = MBSTRING_UTF8;
    if (nid == NID_countryName) string_type = V_ASN1_PRINTABLESTRING;
    if (nid == NID_domainComponent || nid == NID_pkcs9_emailAddress) string_type = V_ASN1_IA5STRING;
    if (X509_NAME_add_entry_by_OBJ(name.get(), obj.get(), string_type,
                                   reinterpret_cast<const unsigned char*>(ava.value.data()),
                                   static_cast<int>(ava.value.size()), -1,
                                   same_rdn ? -1 : 0) != 1) {
      return Status::InvalidArgument("distinguished name: bad value for '" + ava.type +
                                     "': " + ossl::ErrorText());
    }
  }
  return name;
}

std::string FormatDistinguishedName(const X509_NAME* name) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace openadcs::pki
