// Delta CRLs (MS-CSRA 3.1.4.1.6, RFC 5280 5.2.4) against real parts: a
// SQLite file, the sample templates and a generated CA key. The CRLs are
// checked with OpenSSL: extensions, entries, signatures, and a verification
// of base plus delta with X509_V_FLAG_USE_DELTAS.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <map>

#include "openadcs/ca/engine.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/hresult.h"
#include "testing/engine_fixture.h"
#include "testing/pki.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

constexpr std::int64_t kHour = 3600;
const std::string kDeltaUrl = "http://pki.example.com/ca-delta.crl";

ossl::X509CrlPtr ParseCrl(const Bytes& der) {
  const unsigned char* p = der.data();
  return ossl::X509CrlPtr(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
}

// The CRL's integer extension `nid` (CRL number, delta CRL indicator), -1
// when absent.
long IntegerExtension(X509_CRL* crl, int nid, int* critical = nullptr) {
  auto* v = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, nid, critical, nullptr));
  if (v == nullptr) return -1;
  const long n = ASN1_INTEGER_get(v);
  ASN1_INTEGER_free(v);
  return n;
}

// A serial as the CRL shows it: hex without leading zeros.
std::string Trimmed(const std::string& serial) {
  const std::size_t first = serial.find_first_not_of('0');
  return first == std::string::npos ? "0" : serial.substr(first);
}

// serial (lower-case hex, as Trimmed) -> reason code (0 when the entry has none).
std::map<std::string, long> Entries(X509_CRL* crl) {
  std::map<std::string, long> out;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(r), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string serial(hex);
    for (char& c : serial) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    OPENSSL_free(hex);
    BN_free(bn);
    serial = Trimmed(serial);  // BN_bn2hex writes whole bytes: "0a..."
    auto* reason = static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(r, NID_crl_reason, nullptr, nullptr));
    out[serial] = reason == nullptr ? 0 : ASN1_ENUMERATED_get(reason);
    ASN1_ENUMERATED_free(reason);
  }
  return out;
}

// Records every CRL handed on; fails with `failure` while it is set.
class RecordingSink : public CrlSink {
 public:
  Status Published(const db::CrlRow& crl) override {
    if (!failure.ok()) return failure;
    numbers.push_back(crl.number);
    kinds_delta.push_back((crl.publish_flags & db::crl_publish_flag::kDelta) != 0);
    return Status::Ok();
  }
  Status failure;
  std::vector<std::uint32_t> numbers;
  std::vector<bool> kinds_delta;
};

class DeltaCrlTest : public testing::EngineTestBase {
 protected:
  // Each test starts its engine, with its delta period.
  bool StartsEngine() const override { return false; }

  void MakeEngine(std::chrono::seconds delta_period, CrlSink* sink = nullptr) {
    EngineOptions options;
    options.crl_sink = sink;
    options.crl_delta_period = delta_period;
    options.crl_delta_overlap = std::chrono::hours(1);
    options.delta_crl_distribution_points = {kDeltaUrl};
    StartEngine(options);
  }

  // Issues a certificate; returns its serial (hex) and keeps its DER.
  std::string Issue(const std::string& cn) {
    SubmitRequest r;
    r.request = Csr(cn);
    r.attributes = "CertificateTemplate:AutoIssueSubject";
    r.caller = testing::TestRequester();
    SubmitResult issued = engine_->Submit(r);
    EXPECT_EQ(issued.disposition, WireDisposition::kIssued) << issued.message;
    auto rec = store_->GetRequest(issued.request_id);
    EXPECT_TRUE(rec.ok() && rec->certificate);
    if (!rec.ok() || !rec->certificate) return "";
    certs_[rec->certificate->serial_number] = issued.certificate;
    return rec->certificate->serial_number;
  }

  // X509_verify_cert of the certificate `serial` against the CA, `base` and
  // (if not empty) `delta`, at now_.
  int Verify(const std::string& serial, const Bytes& base, const Bytes& delta) {
    ossl::X509Ptr cert = testing::ParseCertDer(certs_[serial]);
    ossl::X509CrlPtr base_crl = ParseCrl(base);
    ossl::X509CrlPtr delta_crl = delta.empty() ? nullptr : ParseCrl(delta);
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, identity_->certificate());
    X509_STORE_add_crl(store, base_crl.get());
    if (delta_crl) X509_STORE_add_crl(store, delta_crl.get());
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, cert.get(), nullptr);
    // Without EXTENDED_CRL_SUPPORT OpenSSL 3 may take a delta for the complete
    // CRL (get_crl_score rejects deltas only in that branch).
    X509_STORE_CTX_set_flags(
        ctx, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_EXTENDED_CRL_SUPPORT | X509_V_FLAG_USE_DELTAS);
    X509_STORE_CTX_set_time(ctx, 0, static_cast<time_t>(now_));
    const int ok = X509_verify_cert(ctx);
    const int error = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return error;
  }

  std::map<std::string, Bytes> certs_;
};

TEST_F(DeltaCrlTest, DeltaListsChangesSinceItsBaseAndOpenSslAppliesIt) {
  MakeEngine(std::chrono::hours(24));
  const std::string compromised = Issue("a.example.com");
  const std::string held = Issue("b.example.com");
  const std::string later = Issue("c.example.com");
  const std::string good = Issue("d.example.com");
  ASSERT_TRUE(engine_->Revoke(officer_, compromised, 1, 0).ok());
  ASSERT_TRUE(engine_->Revoke(officer_, held, 6, 0).ok());

  now_ += kHour;
  auto first = engine_->PublishCrls(admin_, crl_kind::kBase, 0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->base && first->delta);
  const db::CrlRow& base = *first->base;
  EXPECT_EQ(base.number, 1u);
  EXPECT_EQ(base.min_base, 0u);
  EXPECT_EQ(base.publish_flags, db::crl_publish_flag::kBase | db::crl_publish_flag::kManual);
  EXPECT_EQ(base.count, 2u);
  ossl::X509CrlPtr base_crl = ParseCrl(base.raw_crl);
  ASSERT_TRUE(base_crl);
  EXPECT_EQ(X509_CRL_verify(base_crl.get(), identity_->key()), 1);
  EXPECT_EQ(IntegerExtension(base_crl.get(), NID_delta_crl), -1);
  auto* freshest = static_cast<CRL_DIST_POINTS*>(
      X509_CRL_get_ext_d2i(base_crl.get(), NID_freshest_crl, nullptr, nullptr));
  ASSERT_NE(freshest, nullptr);
  EXPECT_EQ(sk_DIST_POINT_num(freshest), 1);
  CRL_DIST_POINTS_free(freshest);
  // Issued certificates point at the delta too.
  EXPECT_EQ(testing::ExtensionValue(testing::ParseCertDer(certs_[good]).get(), "2.5.29.46"),
            pki::ext::CrlDistributionPoints(std::vector<std::string>{kDeltaUrl}));

  // The delta made with the base: the next number, over that base (none has
  // propagated yet), and nothing changed since its thisUpdate.
  EXPECT_EQ(first->delta->number, 2u);
  EXPECT_EQ(first->delta->min_base, 1u);
  EXPECT_EQ(first->delta->count, 0u);
  EXPECT_EQ(first->delta->publish_flags,
            db::crl_publish_flag::kDelta | db::crl_publish_flag::kManual);

  now_ += kHour;
  ASSERT_TRUE(engine_->Revoke(officer_, later, 4, 0).ok());  // superseded
  ASSERT_TRUE(engine_->Revoke(officer_, held, Engine::kUnrevoke, 0).ok());
  now_ += 60;
  auto second = engine_->PublishCrls(crl_kind::kDelta, 0);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(second->base);
  ASSERT_TRUE(second->delta);
  const db::CrlRow& delta = *second->delta;
  EXPECT_EQ(delta.number, 3u);
  EXPECT_EQ(delta.min_base, 1u);
  EXPECT_EQ(delta.effective, base.this_update);
  EXPECT_EQ(delta.publish_flags, db::crl_publish_flag::kDelta);  // the schedule's: not manual
  EXPECT_EQ(delta.next_update, now_ + 25 * kHour);

  ossl::X509CrlPtr delta_crl = ParseCrl(delta.raw_crl);
  ASSERT_TRUE(delta_crl);
  EXPECT_EQ(X509_CRL_verify(delta_crl.get(), identity_->key()), 1);
  int critical = 0;
  EXPECT_EQ(IntegerExtension(delta_crl.get(), NID_delta_crl, &critical), 1);
  EXPECT_EQ(critical, 1);
  EXPECT_EQ(IntegerExtension(delta_crl.get(), NID_crl_number), 3);
  const std::map<std::string, long> want = {{Trimmed(later), 4}, {Trimmed(held), 8}};
  EXPECT_EQ(Entries(delta_crl.get()), want);

  // OpenSSL combines them: the hold is lifted by the delta's removeFromCRL,
  // the new revocation is seen, the old one stays.
  EXPECT_EQ(Verify(good, base.raw_crl, delta.raw_crl), X509_V_OK);
  EXPECT_EQ(Verify(held, base.raw_crl, delta.raw_crl), X509_V_OK);
  EXPECT_EQ(Verify(held, base.raw_crl, {}), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(Verify(later, base.raw_crl, delta.raw_crl), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(Verify(later, base.raw_crl, {}), X509_V_OK);
  EXPECT_EQ(Verify(compromised, base.raw_crl, delta.raw_crl), X509_V_ERR_CERT_REVOKED);

  // GetCRL stays on the base; CR_PROP_DELTACRL serves the delta.
  auto got = engine_->LatestCrl(testing::TestRequester());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->number, 1u);
  auto got_delta = engine_->LatestDeltaCrl(testing::TestRequester());
  ASSERT_TRUE(got_delta.ok());
  EXPECT_EQ(got_delta->number, 3u);
  auto prop = engine_->properties().Get(prop::kDeltaCrl, 0, 3);
  ASSERT_TRUE(prop.ok()) << prop.status().ToString();
  EXPECT_EQ(prop->bytes, delta.raw_crl);
  auto base_prop = engine_->properties().Get(prop::kBaseCrl, 0, 3);
  ASSERT_TRUE(base_prop.ok());
  EXPECT_EQ(base_prop->bytes, base.raw_crl);

  // One audit event per CRL.
  auto audit = store_->ListAudit(0, 1000);
  ASSERT_TRUE(audit.ok());
  int published = 0;
  for (const auto& row : *audit) published += row.event.action == "publish-crl" ? 1 : 0;
  EXPECT_EQ(published, 3);
}

TEST_F(DeltaCrlTest, DeltaRefersToTheLatestPropagatedBase) {
  MakeEngine(std::chrono::hours(24));
  auto first = engine_->PublishCrls(crl_kind::kBase, 0);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->base->propagation_complete, now_ + 12 * kHour);

  now_ += 13 * kHour;  // base 1 has propagated
  auto second = engine_->PublishCrls(crl_kind::kBase | crl_kind::kDelta, 0);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->base && second->delta);
  EXPECT_EQ(second->base->number, 3u);
  EXPECT_EQ(second->delta->number, 4u);
  EXPECT_EQ(second->delta->min_base, 1u);  // base 3 has not propagated yet

  now_ += 13 * kHour;
  auto third = engine_->PublishCrls(crl_kind::kDelta, 0);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->delta->number, 5u);
  EXPECT_EQ(third->delta->min_base, 3u);
  ossl::X509CrlPtr crl = ParseCrl(third->delta->raw_crl);
  ASSERT_TRUE(crl);
  EXPECT_EQ(IntegerExtension(crl.get(), NID_delta_crl), 3);
}

TEST_F(DeltaCrlTest, FirstDeltaMakesItsBase) {
  MakeEngine(std::chrono::hours(1));
  auto crls = engine_->PublishCrls(crl_kind::kDelta, 0);
  ASSERT_TRUE(crls.ok()) << crls.status().ToString();
  ASSERT_TRUE(crls->base && crls->delta);
  EXPECT_EQ(crls->base->number, 1u);
  EXPECT_EQ(crls->delta->number, 2u);
  EXPECT_EQ(crls->delta->min_base, 1u);
  // Each says when the next of its kind is due (CRLNextPublish, and the
  // CRL Next Publish extension), and is stored with it.
  EXPECT_EQ(crls->base->next_publish, now_ + kHour * 24 * 7);  // EngineOptions::crl_period
  EXPECT_EQ(crls->delta->next_publish, now_ + kHour);
  auto stored = store_->LatestCrl(db::CrlKind::kDelta);
  ASSERT_TRUE(stored.ok() && *stored);
  EXPECT_EQ((*stored)->this_publish, now_);
  EXPECT_EQ((*stored)->next_publish, now_ + kHour);
}

TEST_F(DeltaCrlTest, RefusalsWriteNothing) {
  MakeEngine(std::chrono::seconds(0));  // delta CRLs disabled
  EXPECT_EQ(engine_->PublishCrls(admin_, crl_kind::kDelta, 0).status().hresult(),
            hr::kNotSupported);
  EXPECT_EQ(engine_->PublishCrls(admin_, 0, 0).status().hresult(), hr::kInvalidArg);
  EXPECT_EQ(engine_->PublishCrls(admin_, crl_kind::kBase | 0x10, 0).status().hresult(),
            hr::kInvalidArg);
  EXPECT_EQ(engine_->PublishCrls(testing::TestRequester(), crl_kind::kBase, 0).status().hresult(),
            hr::kAccessDenied);
  auto latest = store_->LatestCrl();
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->has_value());
  EXPECT_EQ(engine_->LatestDeltaCrl(admin_).status().hresult(), hr::kPropertyEmpty);

  // Without deltas a base comes alone and carries no Freshest CRL.
  auto crls = engine_->PublishCrls(admin_, crl_kind::kBase, 0);
  ASSERT_TRUE(crls.ok());
  EXPECT_FALSE(crls->delta);
  ossl::X509CrlPtr crl = ParseCrl(crls->base->raw_crl);
  ASSERT_TRUE(crl);
  EXPECT_EQ(X509_CRL_get_ext_by_NID(crl.get(), NID_freshest_crl, -1), -1);
}

TEST_F(DeltaCrlTest, EveryStoredCrlReachesTheSinkInNumberOrder) {
  RecordingSink sink;
  MakeEngine(std::chrono::hours(1), &sink);
  ASSERT_TRUE(engine_->PublishCrls(crl_kind::kBase, 0).ok());           // the schedule's: 1, 2
  ASSERT_TRUE(engine_->PublishCrls(admin_, crl_kind::kDelta, 0).ok());  // an administrator's: 3
  ASSERT_TRUE(engine_->PublishCrls(admin_, crl_kind::kBase, 0).ok());   // 4, 5
  EXPECT_EQ(sink.numbers, (std::vector<std::uint32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(sink.kinds_delta, (std::vector<bool>{false, true, true, false, true}));
}

TEST_F(DeltaCrlTest, ASinkThatFailsFailsThePublicationAndTheCrlStaysStored) {
  RecordingSink sink;
  MakeEngine(std::chrono::hours(1), &sink);
  sink.failure = Status::IOError("renaming ca.crl.tmp to ca.crl: No space left on device");
  auto crls = engine_->PublishCrls(admin_, crl_kind::kBase, 0);
  ASSERT_FALSE(crls.ok());
  EXPECT_EQ(crls.status().code(), StatusCode::kIOError);
  EXPECT_EQ(crls.status().message(),
            "CRL 1 is stored but not published: renaming ca.crl.tmp to ca.crl: No space left on "
            "device");
  // The base is stored and served; its delta was never made.
  auto base = engine_->LatestCrl(admin_);
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  EXPECT_EQ(base->number, 1u);
  EXPECT_EQ(engine_->LatestDeltaCrl(admin_).status().hresult(), hr::kPropertyEmpty);

  sink.failure = Status::Ok();
  auto next = engine_->PublishCrls(admin_, crl_kind::kBase, 0);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(sink.numbers, (std::vector<std::uint32_t>{2, 3}));
}

}  // namespace
}  // namespace openadcs::ca
