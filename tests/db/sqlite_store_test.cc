// Behaviour of the SQLite CaStore through its interface: round trips of
// every column, conditional updates, uniqueness, paging, revocation lists
// and CRLs.
#include "openadcs/db/sqlite_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/util/bytes.h"
#include "testing/pki.h"

namespace openadcs::db {
namespace {

SubjectParts MakeSubject(const std::string& p) {
  SubjectParts s;
  s.common_name = p + "cn";
  s.country = p + "c";
  s.organization = p + "o";
  s.org_unit = p + "ou";
  s.locality = p + "l";
  s.state = p + "st";
  s.email = p + "e@example.com";
  s.domain_component = p + "dc";
  s.street_address = p + "street";
  s.title = p + "title";
  s.given_name = p + "given";
  s.surname = p + "sur";
  return s;
}

// Every field set, to a value no other field has.
RequestRecord FullRequest() {
  RequestRecord r;
  r.raw_request = {0x30, 0x82, 0x00, 0x01};
  r.request_attributes = "CertificateTemplate:User\nccm:host";
  r.request_type = 0x100;
  r.request_flags = 0x4;
  r.status_code = 0x80094012;
  r.disposition = Disposition::kPending;
  r.disposition_message = "Taken under submission";
  r.submitted_when = 1700000000;
  r.resolved_when = 0;
  r.requester_name = "CORP\\alice";
  r.caller_name = "CORP\\agent";
  r.requester_sid = "S-1-5-21-1-2-3-1104";
  r.officer = "";
  r.distinguished_name = "CN=alice,O=Corp";
  r.raw_name = {0x30, 0x00};
  r.subject = MakeSubject("req-");
  r.template_name = "User";
  r.certificate_template = "1.3.6.1.4.1.311.21.8.1.2";
  return r;
}

CertificateColumns FullCertificate(const std::string& serial) {
  CertificateColumns c;
  c.raw_certificate = {0x30, 0x82, 0x04, 0x00, 0xff};
  c.certificate_hash = "0123456789abcdef0123456789abcdef01234567";
  c.enrollment_flags = 0x29;
  c.general_flags = 0x10220;
  c.private_key_flags = 0x10;
  c.serial_number = serial;
  c.not_before = 1700000000;
  c.not_after = 1800000000;
  c.subject_key_identifier = "aabbcc";
  c.raw_public_key = {0x30, 0x59, 0x01};
  c.public_key_length = 256;
  c.public_key_algorithm = "1.2.840.10045.2.1";
  c.upn = "alice@corp.example";
  c.distinguished_name = "CN=alice issued";
  c.subject = MakeSubject("cert-");
  return c;
}

void ExpectSubjectEq(const SubjectParts& a, const SubjectParts& b) {
  EXPECT_EQ(a.common_name, b.common_name);
  EXPECT_EQ(a.country, b.country);
  EXPECT_EQ(a.organization, b.organization);
  EXPECT_EQ(a.org_unit, b.org_unit);
  EXPECT_EQ(a.locality, b.locality);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.email, b.email);
  EXPECT_EQ(a.domain_component, b.domain_component);
  EXPECT_EQ(a.street_address, b.street_address);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.given_name, b.given_name);
  EXPECT_EQ(a.surname, b.surname);
}

void ExpectRecordEq(const RequestRecord& a, const RequestRecord& b) {
  EXPECT_EQ(a.request_id, b.request_id);
  EXPECT_EQ(a.raw_request, b.raw_request);
  EXPECT_EQ(a.request_attributes, b.request_attributes);
  EXPECT_EQ(a.request_type, b.request_type);
  EXPECT_EQ(a.request_flags, b.request_flags);
  EXPECT_EQ(a.status_code, b.status_code);
  EXPECT_EQ(a.disposition, b.disposition);
  EXPECT_EQ(a.disposition_message, b.disposition_message);
  EXPECT_EQ(a.submitted_when, b.submitted_when);
  EXPECT_EQ(a.resolved_when, b.resolved_when);
  ASSERT_EQ(a.revocation.has_value(), b.revocation.has_value());
  if (a.revocation) {
    EXPECT_EQ(a.revocation->revoked_when, b.revocation->revoked_when);
    EXPECT_EQ(a.revocation->revoked_effective_when, b.revocation->revoked_effective_when);
    EXPECT_EQ(a.revocation->reason, b.revocation->reason);
  }
  EXPECT_EQ(a.requester_name, b.requester_name);
  EXPECT_EQ(a.caller_name, b.caller_name);
  EXPECT_EQ(a.requester_sid, b.requester_sid);
  EXPECT_EQ(a.officer, b.officer);
  EXPECT_EQ(a.distinguished_name, b.distinguished_name);
  EXPECT_EQ(a.raw_name, b.raw_name);
  ExpectSubjectEq(a.subject, b.subject);
  EXPECT_EQ(a.template_name, b.template_name);
  EXPECT_EQ(a.certificate_template, b.certificate_template);
  ASSERT_EQ(a.certificate.has_value(), b.certificate.has_value());
  if (a.certificate) {
    const CertificateColumns& x = *a.certificate;
    const CertificateColumns& y = *b.certificate;
    EXPECT_EQ(x.raw_certificate, y.raw_certificate);
    EXPECT_EQ(x.certificate_hash, y.certificate_hash);
    EXPECT_EQ(x.enrollment_flags, y.enrollment_flags);
    EXPECT_EQ(x.general_flags, y.general_flags);
    EXPECT_EQ(x.private_key_flags, y.private_key_flags);
    EXPECT_EQ(x.serial_number, y.serial_number);
    EXPECT_EQ(x.not_before, y.not_before);
    EXPECT_EQ(x.not_after, y.not_after);
    EXPECT_EQ(x.subject_key_identifier, y.subject_key_identifier);
    EXPECT_EQ(x.raw_public_key, y.raw_public_key);
    EXPECT_EQ(x.public_key_length, y.public_key_length);
    EXPECT_EQ(x.public_key_algorithm, y.public_key_algorithm);
    EXPECT_EQ(x.upn, y.upn);
    EXPECT_EQ(x.distinguished_name, y.distinguished_name);
    ExpectSubjectEq(x.subject, y.subject);
  }
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions options;
    options.path = dir_.path() / "ca.db";
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  std::uint32_t Insert(const RequestRecord& r) {
    auto id = store_->InsertRequest(r, {}, {}, {});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  // Inserts a pending request and issues it with `serial`.
  std::uint32_t InsertIssued(const std::string& serial, std::int64_t not_after = 1800000000) {
    RequestRecord r = FullRequest();
    r.request_id = Insert(r);
    r.disposition = Disposition::kIssued;
    r.certificate = FullCertificate(serial);
    r.certificate->not_after = not_after;
    Status s = store_->UpdateRequest(r, Disposition::kPending, {}, {});
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r.request_id;
  }

  void Revoke(std::uint32_t id, std::int64_t effective, std::uint32_t reason = 1) {
    auto r = store_->GetRequest(id);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    r->disposition = Disposition::kRevoked;
    r->revocation = Revocation{effective - 5, effective, reason};
    ASSERT_TRUE(store_->UpdateRequest(*r, Disposition::kIssued, {}, {}).ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<CaStore> store_;
};

TEST_F(SqliteStoreTest, RequestIdsStartAtOneAndIncrease) {
  EXPECT_EQ(Insert(FullRequest()), 1u);
  EXPECT_EQ(Insert(FullRequest()), 2u);
}

TEST_F(SqliteStoreTest, PendingRequestRoundTripsEveryColumn) {
  RequestRecord r = FullRequest();
  r.request_id = Insert(r);
  auto got = store_->GetRequest(r.request_id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectRecordEq(*got, r);
  EXPECT_FALSE(got->certificate.has_value());
  EXPECT_FALSE(got->revocation.has_value());
}

TEST_F(SqliteStoreTest, IssuedAndRevokedRequestRoundTripsEveryColumn) {
  RequestRecord r = FullRequest();
  r.request_id = Insert(r);
  r.disposition = Disposition::kRevoked;
  r.status_code = 0;
  r.disposition_message = "Revoked";
  r.resolved_when = 1700000100;
  r.officer = "CORP\\officer";
  r.template_name = "UserV2";
  r.revocation = Revocation{1700000200, 1700000300, 6};
  r.certificate = FullCertificate("1a2b3c");
  ASSERT_TRUE(store_->UpdateRequest(r, Disposition::kPending, {}, {}).ok());
  auto got = store_->GetRequest(r.request_id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectRecordEq(*got, r);
  auto by_serial = store_->GetRequestBySerial("1a2b3c");
  ASSERT_TRUE(by_serial.ok()) << by_serial.status().ToString();
  ExpectRecordEq(*by_serial, r);
}

TEST_F(SqliteStoreTest, EmptyCertificateFieldsStayPresent) {
  RequestRecord r = FullRequest();
  r.request_id = Insert(r);
  r.disposition = Disposition::kIssued;
  r.certificate = CertificateColumns{};  // every field empty or zero
  ASSERT_TRUE(store_->UpdateRequest(r, Disposition::kPending, {}, {}).ok());
  auto got = store_->GetRequest(r.request_id);
  ASSERT_TRUE(got.ok());
  ExpectRecordEq(*got, r);
}

TEST_F(SqliteStoreTest, UpdateKeepsImmutableColumns) {
  RequestRecord r = FullRequest();
  r.request_id = Insert(r);
  RequestRecord changed = r;
  changed.raw_request = {1, 2, 3};
  changed.requester_name = "CORP\\mallory";
  changed.subject.common_name = "other";
  changed.disposition = Disposition::kDenied;
  ASSERT_TRUE(store_->UpdateRequest(changed, Disposition::kPending, {}, {}).ok());
  auto got = store_->GetRequest(r.request_id);
  ASSERT_TRUE(got.ok());
  r.disposition = Disposition::kDenied;
  ExpectRecordEq(*got, r);
}

TEST_F(SqliteStoreTest, UpdateInWrongStateChangesNothing) {
  RequestRecord r = FullRequest();
  r.request_id = Insert(r);
  RequestRecord changed = r;
  changed.disposition = Disposition::kIssued;
  changed.certificate = FullCertificate("01");
  Status s =
      store_->UpdateRequest(changed, Disposition::kIssued, {{0, "2.5.29.17", 0, {0x30, 0x00}}}, {});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  auto got = store_->GetRequest(r.request_id);
  ASSERT_TRUE(got.ok());
  ExpectRecordEq(*got, r);
  auto ext = store_->ListExtensions(r.request_id);
  ASSERT_TRUE(ext.ok());
  EXPECT_TRUE(ext->empty());
}

TEST_F(SqliteStoreTest, UnknownIdsAreNotFound) {
  RequestRecord r = FullRequest();
  r.request_id = 42;
  EXPECT_EQ(store_->UpdateRequest(r, Disposition::kPending, {}, {}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetRequest(42).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetRequestBySerial("abcd").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetRequestBySerial("").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->PutExtension({42, "2.5.29.15", 0, {1}}, Disposition::kPending, {}).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->PutAttributes(42, {{42, "a", "b"}}, Disposition::kPending, {}).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->ListExtensions(42).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListAttributes(42).status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, InsertWritesAttributesAndExtensions) {
  std::vector<AttributeRow> attrs = {{0, "CertificateTemplate", "User"}, {0, "ccm", "host"}};
  std::vector<ExtensionRow> exts = {
      {0, "2.5.29.17", extension_flag::kOriginRequest, {0x30, 0x03, 0x82, 0x01, 0x61}},
      {0, "2.5.29.15", extension_flag::kCritical | extension_flag::kOriginRequest, {0x03, 0x01}},
      {0, "1.2.3.4", extension_flag::kOriginRequest, {}}};
  auto id = store_->InsertRequest(FullRequest(), attrs, exts, {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();

  auto got_attrs = store_->ListAttributes(*id);
  ASSERT_TRUE(got_attrs.ok());
  ASSERT_EQ(got_attrs->size(), 2u);
  for (std::size_t i = 0; i < attrs.size(); ++i) {
    EXPECT_EQ((*got_attrs)[i].request_id, *id);
    EXPECT_EQ((*got_attrs)[i].name, attrs[i].name);
    EXPECT_EQ((*got_attrs)[i].value, attrs[i].value);
  }
  auto got_exts = store_->ListExtensions(*id);
  ASSERT_TRUE(got_exts.ok());
  ASSERT_EQ(got_exts->size(), 3u);
  for (std::size_t i = 0; i < exts.size(); ++i) {
    EXPECT_EQ((*got_exts)[i].request_id, *id);
    EXPECT_EQ((*got_exts)[i].name, exts[i].name);
    EXPECT_EQ((*got_exts)[i].flags, exts[i].flags);
    EXPECT_EQ((*got_exts)[i].value, exts[i].value);
  }
}

// As PutExtension on a stored request would: the name stays at its first
// place and takes the later flags and value.
TEST_F(SqliteStoreTest, InsertKeepsANameGivenTwiceOnceAtItsFirstPlace) {
  const std::vector<ExtensionRow> exts = {
      {0, "2.5.29.15", extension_flag::kOriginRequest, {0x03, 0x01}},
      {0, "2.5.29.17", extension_flag::kOriginRequest, {0x30, 0x00}},
      {0, "2.5.29.15", extension_flag::kCritical | extension_flag::kOriginPolicy, {0x03, 0x02}},
      {0, "1.2.3.4", extension_flag::kOriginRequest, {0x05, 0x00}}};
  auto id = store_->InsertRequest(FullRequest(), {}, exts, {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto got = store_->ListExtensions(*id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].name, "2.5.29.15");
  EXPECT_EQ((*got)[0].flags, exts[2].flags);
  EXPECT_EQ((*got)[0].value, exts[2].value);
  EXPECT_EQ((*got)[1].name, "2.5.29.17");
  EXPECT_EQ((*got)[2].name, "1.2.3.4");
  // A later PutExtension of a new name goes after them.
  ASSERT_TRUE(
      store_->PutExtension({*id, "1.2.3.5", 0, {0x05, 0x00}}, Disposition::kPending, {}).ok());
  got = store_->ListExtensions(*id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[3].name, "1.2.3.5");
}

// More extensions than one insert statement carries: every one is stored,
// in order, and a name repeated in a later statement keeps its first place.
TEST_F(SqliteStoreTest, InsertStoresManyExtensionsInOrder) {
  std::vector<ExtensionRow> exts;
  for (int i = 1; i <= 19; ++i) {
    exts.push_back({0,
                    "1.2.3." + std::to_string(i),
                    extension_flag::kOriginRequest,
                    {0x02, 0x01, static_cast<std::uint8_t>(i)}});
  }
  exts.push_back({0, "1.2.3.2", extension_flag::kOriginPolicy, {0x05, 0x00}});
  auto id = store_->InsertRequest(FullRequest(), {}, exts, {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto got = store_->ListExtensions(*id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 19u);
  for (std::size_t i = 0; i < got->size(); ++i) {
    EXPECT_EQ((*got)[i].name, exts[i].name) << i;
    EXPECT_EQ((*got)[i].value, i == 1 ? exts.back().value : exts[i].value) << i;
  }
  EXPECT_EQ((*got)[1].flags, extension_flag::kOriginPolicy);
}

TEST_F(SqliteStoreTest, UpdateUpsertsExtensionsByName) {
  auto id = store_->InsertRequest(FullRequest(), {},
                                  {{0, "2.5.29.17", extension_flag::kOriginRequest, {1}},
                                   {0, "2.5.29.15", extension_flag::kOriginRequest, {2}}},
                                  {});
  ASSERT_TRUE(id.ok());
  RequestRecord r = FullRequest();
  r.request_id = *id;
  r.disposition = Disposition::kIssued;
  r.certificate = FullCertificate("05");
  ASSERT_TRUE(store_
                  ->UpdateRequest(r, Disposition::kPending,
                                  {{0, "2.5.29.17", extension_flag::kOriginPolicy, {9, 9}},
                                   {0, "2.5.29.37", extension_flag::kOriginPolicy, {7}}},
                                  {})
                  .ok());
  auto exts = store_->ListExtensions(*id);
  ASSERT_TRUE(exts.ok());
  ASSERT_EQ(exts->size(), 3u);
  EXPECT_EQ((*exts)[0].name, "2.5.29.17");
  EXPECT_EQ((*exts)[0].flags, extension_flag::kOriginPolicy);
  EXPECT_EQ((*exts)[0].value, (Bytes{9, 9}));
  EXPECT_EQ((*exts)[1].name, "2.5.29.15");
  EXPECT_EQ((*exts)[1].value, (Bytes{2}));
  EXPECT_EQ((*exts)[2].name, "2.5.29.37");
}

TEST_F(SqliteStoreTest, PutExtensionAndAttributesOnlyInRequiredState) {
  std::uint32_t id = Insert(FullRequest());
  ExtensionRow ext{id, "1.3.6.1.4.1.311.20.2", extension_flag::kOriginAdmin, {0x1e, 0x00}};
  EXPECT_EQ(store_->PutExtension(ext, Disposition::kIssued, {}).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->PutAttributes(id, {{id, "x", "1"}}, Disposition::kDenied, {}).code(),
            StatusCode::kFailedPrecondition);
  auto exts = store_->ListExtensions(id);
  auto attrs = store_->ListAttributes(id);
  ASSERT_TRUE(exts.ok() && attrs.ok());
  EXPECT_TRUE(exts->empty());
  EXPECT_TRUE(attrs->empty());

  ASSERT_TRUE(store_->PutExtension(ext, Disposition::kPending, {}).ok());
  ext.flags |= extension_flag::kDisable;
  ASSERT_TRUE(store_->PutExtension(ext, Disposition::kPending, {}).ok());
  ASSERT_TRUE(
      store_->PutAttributes(id, {{id, "x", "1"}, {id, "x", "2"}}, Disposition::kPending, {}).ok());
  exts = store_->ListExtensions(id);
  attrs = store_->ListAttributes(id);
  ASSERT_TRUE(exts.ok() && attrs.ok());
  ASSERT_EQ(exts->size(), 1u);
  EXPECT_EQ((*exts)[0].flags, extension_flag::kOriginAdmin | extension_flag::kDisable);
  ASSERT_EQ(attrs->size(), 2u);  // names may repeat
  EXPECT_EQ((*attrs)[1].value, "2");
}

TEST_F(SqliteStoreTest, SerialCollisionOnInsertWritesNothing) {
  InsertIssued("0abc");
  RequestRecord r = FullRequest();
  r.disposition = Disposition::kIssued;
  r.certificate = FullCertificate("0abc");
  auto id = store_->InsertRequest(r, {{0, "a", "b"}}, {{0, "2.5.29.15", 0, {1}}}, {});
  EXPECT_EQ(id.status().code(), StatusCode::kAlreadyExists) << id.status().ToString();
  auto all = store_->ListRequests({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  // The failed insert consumed no id that anything refers to; the next is new.
  EXPECT_GT(Insert(FullRequest()), 1u);
}

TEST_F(SqliteStoreTest, SerialCollisionOnUpdateWritesNothing) {
  InsertIssued("77");
  RequestRecord r = FullRequest();
  r.request_id = Insert(r);
  RequestRecord issued = r;
  issued.disposition = Disposition::kIssued;
  issued.certificate = FullCertificate("77");
  Status s = store_->UpdateRequest(issued, Disposition::kPending, {{0, "2.5.29.15", 0, {1}}}, {});
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  auto got = store_->GetRequest(r.request_id);
  ASSERT_TRUE(got.ok());
  ExpectRecordEq(*got, r);
  auto exts = store_->ListExtensions(r.request_id);
  ASSERT_TRUE(exts.ok());
  EXPECT_TRUE(exts->empty());
  // A fresh serial then succeeds.
  issued.certificate->serial_number = "78";
  EXPECT_TRUE(store_->UpdateRequest(issued, Disposition::kPending, {}, {}).ok());
}

TEST_F(SqliteStoreTest, ListRequestsPagesByIdAndFiltersByDisposition) {
  std::vector<std::uint32_t> pending;
  for (int i = 0; i < 7; ++i) {
    std::uint32_t id = Insert(FullRequest());
    if (i % 3 == 0) {
      RequestRecord r = FullRequest();
      r.request_id = id;
      r.disposition = Disposition::kDenied;
      ASSERT_TRUE(store_->UpdateRequest(r, Disposition::kPending, {}, {}).ok());
    } else {
      pending.push_back(id);
    }
  }
  std::vector<std::uint32_t> seen;
  RequestQuery q;
  q.disposition = Disposition::kPending;
  q.limit = 2;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store_->ListRequests(q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_LE(page->size(), 2u);
    if (page->empty()) break;
    for (const RequestRecord& r : *page) {
      EXPECT_EQ(r.disposition, Disposition::kPending);
      seen.push_back(r.request_id);
    }
    q.after_request_id = page->back().request_id;
  }
  EXPECT_EQ(seen, pending);

  auto all = store_->ListRequests({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 7u);
  for (std::size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].request_id, i + 1);
}

TEST_F(SqliteStoreTest, ListRevokedHonoursEffectiveTimeAndExpiry) {
  const std::int64_t now = 1750000000;
  std::uint32_t past = InsertIssued("01");
  Revoke(past, now - 100);
  std::uint32_t at_now = InsertIssued("02");
  Revoke(at_now, now);
  std::uint32_t future = InsertIssued("03");
  Revoke(future, now + 100);
  std::uint32_t expired = InsertIssued("04", now - 1);
  Revoke(expired, now - 200);
  std::uint32_t expires_now = InsertIssued("05", now);
  Revoke(expires_now, now - 50, 6);
  InsertIssued("06");  // issued, never revoked

  auto listed = store_->ListRevoked(now);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::uint32_t> ids;
  for (const RevokedCertificate& r : *listed) ids.push_back(r.request_id);
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{past, at_now, expires_now}));
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[2].revocation.reason, 6u);
  EXPECT_EQ((*listed)[2].revocation.revoked_effective_when, now - 50);
  EXPECT_EQ((*listed)[2].serial_number, "05");

  auto later = store_->ListRevoked(now + 100);
  ASSERT_TRUE(later.ok());
  ids.clear();
  for (const RevokedCertificate& r : *later) ids.push_back(r.request_id);
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{past, at_now, future}));
}

TEST_F(SqliteStoreTest, RevocationChangesSinceABase) {
  const std::int64_t since = 1750000000;
  const std::int64_t now = since + 1000;
  std::uint32_t before = InsertIssued("01");
  Revoke(before, since - 100);  // in the base
  std::uint32_t after = InsertIssued("02");
  Revoke(after, since + 100);
  std::uint32_t backdated = InsertIssued("03");
  Revoke(backdated, since - 100);  // recorded after the base, effective before it
  {
    auto r = store_->GetRequest(backdated);
    ASSERT_TRUE(r.ok());
    r->revocation->revoked_when = since + 10;
    ASSERT_TRUE(store_->UpdateRequest(*r, Disposition::kRevoked, {}, {}).ok());
  }
  std::uint32_t future = InsertIssued("04");
  Revoke(future, now + 100);  // not effective yet
  std::uint32_t released = InsertIssued("05");
  Revoke(released, since - 100, 6);
  std::uint32_t released_earlier = InsertIssued("06");
  Revoke(released_earlier, since - 100, 6);
  for (auto [id, when] :
       {std::pair{released, since + 50}, std::pair{released_earlier, since - 1}}) {
    auto r = store_->GetRequest(id);
    ASSERT_TRUE(r.ok());
    r->disposition = Disposition::kIssued;
    r->revocation = Revocation{when, when, kReleasedFromHold};
    ASSERT_TRUE(store_->UpdateRequest(*r, Disposition::kRevoked, {}, {}).ok());
  }
  std::uint32_t expired = InsertIssued("07", now - 1);
  Revoke(expired, since + 100);

  auto changes = store_->ListRevocationChanges(since, now);
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  std::vector<std::uint32_t> ids;
  for (const RevokedCertificate& r : *changes) ids.push_back(r.request_id);
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{after, backdated, released}));
  ASSERT_EQ(changes->size(), 3u);
  EXPECT_EQ((*changes)[1].revocation.revoked_when, since + 10);
  EXPECT_EQ((*changes)[2].serial_number, "05");
  EXPECT_EQ((*changes)[2].revocation.reason, kReleasedFromHold);
  EXPECT_EQ((*changes)[2].revocation.revoked_when, since + 50);
}

TEST_F(SqliteStoreTest, BaseAndDeltaCrlsAreToldApartByTheirFlags) {
  CrlRow base{0, 1, 0, 0, 0, 100, 900, 100, 200, 0, {0x30, 0x01}, crl_publish_flag::kBase};
  CrlRow delta{0, 2, 1, 0, 0, 150, 400, 100, 160, 0, {0x30, 0x02}, crl_publish_flag::kDelta};
  CrlRow old_base{0, 3, 3, 0, 0, 300, 900, 300, 500, 0, {0x30, 0x03}};  // flags NULL: a base
  for (const CrlRow& c : {base, delta, old_base}) ASSERT_TRUE(store_->InsertCrl(c, {}).ok());

  auto latest_base = store_->LatestCrl(CrlKind::kBase);
  auto latest_delta = store_->LatestCrl(CrlKind::kDelta);
  ASSERT_TRUE(latest_base.ok() && *latest_base && latest_delta.ok() && *latest_delta);
  EXPECT_EQ((*latest_base)->number, 3u);
  EXPECT_EQ((*latest_delta)->number, 2u);
  EXPECT_EQ((*latest_delta)->min_base, 1u);
  EXPECT_EQ((*latest_delta)->publish_flags, crl_publish_flag::kDelta);

  auto propagated = store_->LatestPropagatedBaseCrl(499);
  ASSERT_TRUE(propagated.ok() && *propagated);
  EXPECT_EQ((*propagated)->number, 1u);  // not the delta, and base 3 only from 500
  propagated = store_->LatestPropagatedBaseCrl(500);
  ASSERT_TRUE(propagated.ok() && *propagated);
  EXPECT_EQ((*propagated)->number, 3u);
  propagated = store_->LatestPropagatedBaseCrl(199);
  ASSERT_TRUE(propagated.ok());
  EXPECT_FALSE(propagated->has_value());
}

TEST_F(SqliteStoreTest, CrlNumbersAreUniqueAndLatestIsHighest) {
  auto none = store_->LatestCrl();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  CrlRow first{0, 1, 1, 0, 3, 100, 200, 100, 150, 0, {0x30, 0x01}};
  CrlRow second{0, 2, 2, 0, 4, 300, 400, 300, 350, 0x80070005, {0x30, 0x02, 0x03}};
  auto id1 = store_->InsertCrl(first, {});
  auto id2 = store_->InsertCrl(second, {});
  ASSERT_TRUE(id1.ok() && id2.ok()) << id1.status().ToString() << id2.status().ToString();
  EXPECT_LT(*id1, *id2);
  EXPECT_EQ(store_->InsertCrl(first, {}).status().code(), StatusCode::kAlreadyExists);

  auto latest = store_->LatestCrl();
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  const CrlRow& c = **latest;
  EXPECT_EQ(c.row_id, *id2);
  EXPECT_EQ(c.number, 2u);
  EXPECT_EQ(c.min_base, 2u);
  EXPECT_EQ(c.name_id, 0u);
  EXPECT_EQ(c.count, 4u);
  EXPECT_EQ(c.this_update, 300);
  EXPECT_EQ(c.next_update, 400);
  EXPECT_EQ(c.effective, 300);
  EXPECT_EQ(c.propagation_complete, 350);
  EXPECT_EQ(c.publish_status_code, 0x80070005u);
  EXPECT_EQ(c.raw_crl, second.raw_crl);
}

TEST_F(SqliteStoreTest, DataSurvivesReopen) {
  std::uint32_t id = InsertIssued("deadbeef");
  store_.reset();
  SqliteStoreOptions options;
  options.path = dir_.path() / "ca.db";
  auto reopened = OpenSqliteStore(options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto got = (*reopened)->GetRequestBySerial("deadbeef");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->request_id, id);
}

}  // namespace
}  // namespace openadcs::db

namespace openadcs::db {
namespace {

// An issued request with every field set and certificate serial `serial`.
RequestRecord IssuedRequest(const std::string& serial) {
  RequestRecord r = FullRequest();
  r.disposition = Disposition::kIssued;
  r.certificate = FullCertificate(serial);
  return r;
}

// Concurrent writers share commits (group commit); a writer whose insert
// collides on a serial number is undone alone, and its batch-mates are kept.
TEST(SqliteStoreGroupCommitTest, ConcurrentWritersFailAloneAndKeepTheRest) {
  testing::TempDir dir;
  auto opened = OpenSqliteStore({dir.path() / "ca.db"});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  CaStore& store = **opened;
  constexpr int kThreads = 16;
  constexpr int kPerThread = 20;
  constexpr int kSerials = 40;  // fewer serials than inserts: about half collide
  std::atomic<int> ok{0};
  std::atomic<int> collided{0};
  std::atomic<int> other_errors{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto id = store.InsertRequest(
            IssuedRequest(HexLower(std::vector<std::uint8_t>{
                static_cast<std::uint8_t>(1 + (t * kPerThread + i) % kSerials)})),
            {{0, "writer", std::to_string(t)}}, {}, {});
        if (id.ok()) {
          ++ok;
        } else if (id.status().code() == StatusCode::kAlreadyExists) {
          ++collided;
        } else {
          ++other_errors;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_EQ(ok.load(), kSerials);
  EXPECT_EQ(collided.load(), kThreads * kPerThread - kSerials);
  auto all = store.ListRequests({std::nullopt, 0, 10000});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), static_cast<std::size_t>(kSerials));
  for (const auto& r : *all) {
    auto attrs = store.ListAttributes(r.request_id);
    ASSERT_TRUE(attrs.ok());
    EXPECT_EQ(attrs->size(), 1u) << "request " << r.request_id;
  }
}

// The WAL is checkpointed off the write path: under concurrent writers it
// stays near its threshold (without a checkpoint it would hold every frame
// written), the database file receives the rows, and they survive a reopen.
TEST(SqliteStoreCheckpointTest, WalStaysBoundedUnderConcurrentWriters) {
  testing::TempDir dir;
  SqliteStoreOptions options;
  options.path = dir.path() / "ca.db";
  options.wal_checkpoint_frames = 16;
  auto opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const auto db_size_before = std::filesystem::file_size(options.path);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::atomic<int> failures{0};
  std::uintmax_t wal_peak = 0;
  std::mutex peak_mu;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!(*opened)
                 ->InsertRequest(IssuedRequest("c0de" + std::to_string(t * kPerThread + i)),
                                 {{0, "writer", std::to_string(t)}}, {}, {})
                 .ok()) {
          ++failures;
        }
        std::error_code ec;
        const auto wal = std::filesystem::file_size(dir.path() / "ca.db-wal", ec);
        std::lock_guard lock(peak_mu);
        if (!ec) wal_peak = std::max(wal_peak, wal);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  // Each commit writes about a dozen 4 KiB pages (the request row, its blob
  // row, the indexes, audit, usage); all of them would be 10+ MiB.
  EXPECT_LT(wal_peak, std::uintmax_t{4} << 20) << "peak " << wal_peak;
  EXPECT_GT(std::filesystem::file_size(options.path), db_size_before);
  opened->reset();
  auto reopened = OpenSqliteStore(options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  auto all = (*reopened)->ListRequests({std::nullopt, 0, 10000});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace openadcs::db
