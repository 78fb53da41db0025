// The request columns the database derives instead of storing (schema.cc,
// kDerived): the DER walks against OpenSSL's view of the same bytes, and
// the store writing NULL only where the read gives back the same bytes.
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "db/der_fields.h"
#include "openadcs/db/sqlite_store.h"
#include "openadcs/util/bytes.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

Bytes ToBytes(std::span<const std::uint8_t> s) {
  return Bytes(s.begin(), s.end());
}

// How SQLite's quote() shows a blob's bytes.
std::string HexUpper(const Bytes& b) {
  std::string out = HexLower(b);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

template <typename T, typename I2d>
Bytes Der(T* obj, I2d i2d) {
  unsigned char* der = nullptr;
  const int n = i2d(obj, &der);
  Bytes out(der, der + (n > 0 ? n : 0));
  OPENSSL_free(der);
  return out;
}

struct Issued {
  ossl::PKeyPtr key = testing::MakeRsaKey(2048);
  ossl::X509Ptr cert = testing::MakeCaCert(key.get(), "derived.example.com");
  Bytes cert_der = testing::CertDer(cert.get());
  Bytes csr_der = testing::MakeCsrDer(key.get(), {{{"O", "Example"}, {"CN", "derived"}}, {}, {}});
};

TEST(DerFieldsTest, FieldsAreWhatOpenSslReads) {
  Issued x;
  EXPECT_EQ(ToBytes(der_fields::CertificatePublicKeyInfo(x.cert_der)),
            Der(X509_get_X509_PUBKEY(x.cert.get()), i2d_X509_PUBKEY));
  // The extension's value is an OCTET STRING holding the key identifier.
  const Bytes ski = testing::ExtensionValue(x.cert.get(), "2.5.29.14");
  ASSERT_GT(ski.size(), 2u);
  EXPECT_EQ(ToBytes(der_fields::CertificateSubjectKeyId(x.cert_der)),
            Bytes(ski.begin() + 2, ski.end()));
  ossl::X509ReqPtr req =
      testing::MakeCsr(x.key.get(), {{{"O", "Example"}, {"CN", "derived"}}, {}, {}});
  EXPECT_EQ(ToBytes(der_fields::RequestSubject(testing::CsrDer(req.get()))),
            Der(X509_REQ_get_subject_name(req.get()), i2d_X509_NAME));
  // A certificate without the extension, and things that are not what the
  // walk expects, give nothing.
  ossl::X509Ptr plain = testing::MakeSelfSignedCert(x.key.get(), "plain");
  EXPECT_EQ(der_fields::CertificateSubjectKeyId(testing::CertDer(plain.get())).empty(),
            testing::ExtensionValue(plain.get(), "2.5.29.14").empty());
  EXPECT_TRUE(der_fields::RequestSubject(x.cert_der).empty());
  EXPECT_TRUE(der_fields::CertificatePublicKeyInfo(x.csr_der).empty());
}

TEST(DerFieldsTest, ExtensionsByDottedOid) {
  Issued x;
  for (const char* oid : {"2.5.29.19", "2.5.29.15", "2.5.29.14"}) {
    const Bytes value = testing::ExtensionValue(x.cert.get(), oid);
    ASSERT_FALSE(value.empty()) << oid;
    EXPECT_EQ(ToBytes(der_fields::CertificateExtension(x.cert_der, oid)), value) << oid;
  }
  for (const char* oid : {"2.5.29.17", "", "2.5.29.", "2.5..29", "3.1", "1.40", "2.5.29.14x"}) {
    EXPECT_TRUE(der_fields::CertificateExtension(x.cert_der, oid).empty()) << oid;
  }
}

TEST(DerFieldsTest, EveryTruncationOrFlippedByteStaysInBounds) {
  Issued x;
  for (const Bytes& der : {x.cert_der, x.csr_der}) {
    for (std::size_t n = 0; n < der.size(); ++n) {
      const std::span<const std::uint8_t> cut(der.data(), n);
      EXPECT_TRUE(der_fields::CertificatePublicKeyInfo(cut).empty()) << n;
      EXPECT_TRUE(der_fields::CertificateSubjectKeyId(cut).empty()) << n;
      EXPECT_TRUE(der_fields::RequestSubject(cut).empty()) << n;
      Bytes flipped = der;
      flipped[n] ^= 0xff;
      for (auto field :
           {der_fields::CertificatePublicKeyInfo(flipped),
            der_fields::CertificateSubjectKeyId(flipped), der_fields::RequestSubject(flipped)}) {
        if (field.empty()) continue;
        EXPECT_GE(field.data(), flipped.data());
        EXPECT_LE(field.data() + field.size(), flipped.data() + flipped.size());
      }
    }
  }
}

class DerivedColumnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore({dir_.path() / "ca.db"});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  // The stored values (hex, or "null") of one request's derivable columns.
  std::string Stored(std::uint32_t id) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2((dir_.path() / "ca.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    const std::string sql =
        "SELECT quote(b.raw_public_key), quote(b.req_raw_name), quote(r.subject_key_identifier), "
        "quote(r.distinguished_name) FROM request r JOIN request_blob b USING (request_id) WHERE "
        "request_id = " +
        std::to_string(id);
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) {
      for (int i = 0; i < 4; ++i) {
        out +=
            std::string(i ? " " : "") + reinterpret_cast<const char*>(sqlite3_column_text(st, i));
      }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  // The stored raw_value of each extension of a request, by position.
  std::string StoredExtensionValues(std::uint32_t id) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2((dir_.path() / "ca.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    const std::string sql =
        "SELECT quote(raw_value) FROM extension WHERE request_id = " + std::to_string(id) +
        " ORDER BY position";
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    std::string out;
    while (sqlite3_step(st) == SQLITE_ROW) {
      out += std::string(out.empty() ? "" : " ") +
             reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  RequestRecord Request() const {
    RequestRecord r;
    r.raw_request = x_.csr_der;
    r.raw_name = ToBytes(der_fields::RequestSubject(x_.csr_der));
    r.distinguished_name = "O=Example,CN=derived";
    r.caller_name = "EXAMPLE\\alice";
    r.disposition = Disposition::kPending;
    return r;
  }

  CertificateColumns Certificate(std::string serial) const {
    CertificateColumns c;
    c.raw_certificate = x_.cert_der;
    c.serial_number = std::move(serial);
    c.raw_public_key = ToBytes(der_fields::CertificatePublicKeyInfo(x_.cert_der));
    c.subject_key_identifier = HexLower(der_fields::CertificateSubjectKeyId(x_.cert_der));
    c.distinguished_name = "O=Example,CN=derived";
    return c;
  }

  // Inserts `r` pending, then issues it with `cert` through UpdateRequest
  // (`fixed_dn` as the record's request DN, which the update does not
  // replace), and checks both reads give back what was written.
  std::uint32_t IssueAndCheck(RequestRecord r, const CertificateColumns& cert,
                              const std::string& fixed_dn) {
    auto id = store_->InsertRequest(r, {}, {}, {});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    auto pending = store_->GetRequest(*id);
    EXPECT_TRUE(pending.ok());
    EXPECT_EQ(pending->raw_name, r.raw_name);
    EXPECT_FALSE(pending->certificate.has_value());
    RequestRecord issued = *pending;
    issued.distinguished_name = fixed_dn;
    issued.disposition = Disposition::kIssued;
    issued.certificate = cert;
    EXPECT_TRUE(store_->UpdateRequest(issued, Disposition::kPending, {}, {}).ok());
    auto read = store_->GetRequest(*id);
    EXPECT_TRUE(read.ok());
    EXPECT_EQ(read->raw_name, r.raw_name);
    EXPECT_EQ(read->distinguished_name, r.distinguished_name);
    EXPECT_TRUE(read->certificate.has_value());
    if (read->certificate) {
      EXPECT_EQ(read->certificate->raw_public_key, cert.raw_public_key);
      EXPECT_EQ(read->certificate->subject_key_identifier, cert.subject_key_identifier);
      EXPECT_EQ(read->certificate->distinguished_name, cert.distinguished_name);
    }
    return *id;
  }

  Issued x_;
  testing::TempDir dir_;
  std::unique_ptr<CaStore> store_;
};

TEST_F(DerivedColumnsTest, RepeatedValuesAreNotStoredYetReadBack) {
  const std::uint32_t id = IssueAndCheck(Request(), Certificate("01"), "CN=not what is stored");
  EXPECT_EQ(Stored(id), "NULL NULL NULL NULL");
  // A view serves the derived bytes and finds the row by them.
  ViewQuery q;
  q.columns = {FindColumn("RawPublicKey")->id, FindColumn("SubjectKeyIdentifier")->id,
               FindColumn("DistinguishedName")->id};
  q.restrictions.push_back({FindColumn("SubjectKeyIdentifier")->id, SeekOperator::kEq,
                            SortOrder::kNone,
                            ColumnValue::String(Certificate("").subject_key_identifier)});
  q.max_rows = 10;
  auto page = store_->QueryView(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->rows.size(), 1u);
  ASSERT_NE(page->rows[0].values[0].AsBinary(), nullptr);
  EXPECT_EQ(*page->rows[0].values[0].AsBinary(), Certificate("").raw_public_key);
  ASSERT_NE(page->rows[0].values[2].AsString(), nullptr);
  EXPECT_EQ(*page->rows[0].values[2].AsString(), "O=Example,CN=derived");
}

TEST_F(DerivedColumnsTest, OtherValuesAreStoredAsTheyAre) {
  RequestRecord r = Request();
  r.raw_name = {};  // empty although the request has a subject
  CertificateColumns c = Certificate("02");
  c.raw_public_key = {0x30, 0x00};
  c.subject_key_identifier = "";
  c.distinguished_name = "CN=other";
  EXPECT_EQ(Stored(IssueAndCheck(r, c, r.distinguished_name)), "X'3000' X'' '' 'CN=other'");
  // The certificate DN equal to the record's request DN but not the stored one.
  r = Request();
  c = Certificate("03");
  c.distinguished_name = "CN=fixed";
  EXPECT_EQ(Stored(IssueAndCheck(r, c, "CN=fixed")), "NULL NULL NULL 'CN=fixed'");
}

TEST_F(DerivedColumnsTest, ExtensionValuesOfTheCertificateAreReadFromIt) {
  RequestRecord r = Request();
  r.certificate = Certificate("04");
  r.disposition = Disposition::kIssued;
  const Bytes constraints = testing::ExtensionValue(x_.cert.get(), "2.5.29.19");
  const std::vector<ExtensionRow> extensions = {
      {0, "2.5.29.19", 1, constraints},         // the certificate's: not stored
      {0, "2.5.29.15", 0, {0x03, 0x01, 0x00}},  // another value than the certificate's
      {0, "1.2.3.4", 0, {0x05, 0x00}},          // not in the certificate
      {0, "1.2.3.5", 0, {}},
  };
  auto id = store_->InsertRequest(r, {}, extensions, {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto expect_read_back = [&] {
    auto read = store_->ListExtensions(*id);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ASSERT_EQ(read->size(), extensions.size());
    for (std::size_t i = 0; i < extensions.size(); ++i) {
      EXPECT_EQ((*read)[i].name, extensions[i].name);
      EXPECT_EQ((*read)[i].flags, extensions[i].flags);
      EXPECT_EQ((*read)[i].value, extensions[i].value) << extensions[i].name;
    }
  };
  expect_read_back();
  EXPECT_EQ(StoredExtensionValues(*id), "NULL X'030100' X'0500' X''");
  // A view of the Extension table serves the certificate's value.
  ViewQuery q;
  q.table = Table::kExtension;
  q.columns = {FindColumn("ExtensionName")->id, FindColumn("ExtensionRawValue")->id};
  q.max_rows = 10;
  auto page = store_->QueryView(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->rows.size(), extensions.size());
  bool seen = false;
  for (const ViewRow& row : page->rows) {  // by (request id, name)
    if (row.values[0].AsString() == nullptr || *row.values[0].AsString() != "2.5.29.19") continue;
    ASSERT_NE(row.values[1].AsBinary(), nullptr);
    EXPECT_EQ(*row.values[1].AsBinary(), constraints);
    seen = true;
  }
  EXPECT_TRUE(seen);
  // Another certificate replacing this one leaves the values as they were.
  auto rec = store_->GetRequest(*id);
  ASSERT_TRUE(rec.ok());
  ossl::X509Ptr other = testing::MakeSelfSignedCert(x_.key.get(), "other");
  rec->certificate->raw_certificate = testing::CertDer(other.get());
  ASSERT_TRUE(store_->UpdateRequest(*rec, Disposition::kIssued, {}, {}).ok());
  expect_read_back();
  EXPECT_EQ(StoredExtensionValues(*id), "X'" + HexUpper(constraints) + "' X'030100' X'0500' X''");
}

}  // namespace
}  // namespace openadcs::db
