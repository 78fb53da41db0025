// Delta CRLs end to end: openadcsd with [crl] delta_period_hours set
// publishes a base and a delta at start (and writes both files); impacket
// (tests/interop/admin_client.py) revokes a certificate, publishes a delta
// with ICertAdminD2::PublishCRLs, fetches the base with GetCRL and the delta
// with GetCAProperty(CR_PROP_DELTACRL); OpenSSL applies the delta to the
// base (X509_V_FLAG_USE_DELTAS). The openadcs CLI publishes and fetches
// them too. A requester cannot publish.
//
// Runs in a network namespace per test like dcom_interop_test.cc (impacket
// dials port 135).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <optional>
#include <string>
#include <vector>

#include "openadcs/util/bytes.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/openssl.h"
#include "testing/admin_interop.h"
#include "testing/daemon_process.h"
#include "testing/interop_daemon.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using ::testing::HasSubstr;
using testing::InteropDaemon;
using testing::JsonField;

constexpr const char* kCaName = InteropDaemon::kCaName;
constexpr const char* kPassword = InteropDaemon::kPassword;
constexpr const char* kDeltaUrl = "http://pki.example.com/delta.crl";

ossl::X509CrlPtr ParseCrl(const Bytes& der) {
  const unsigned char* p = der.data();
  return ossl::X509CrlPtr(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
}

Bytes FileBytes(const std::filesystem::path& path) {
  const std::string text = testing::ReadTextFile(path);
  return {text.begin(), text.end()};
}

long IntegerExtension(X509_CRL* crl, int nid) {
  auto* v = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, nid, nullptr, nullptr));
  if (v == nullptr) return -1;
  const long n = ASN1_INTEGER_get(v);
  ASN1_INTEGER_free(v);
  return n;
}

// X509_verify_cert of `cert` against `ca`, `base` and, if set, `delta`,
// with delta CRLs used; the verification error.
int Verify(X509* cert, X509* ca, X509_CRL* base, X509_CRL* delta) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_add_crl(store, base);
  if (delta != nullptr) X509_STORE_add_crl(store, delta);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert, nullptr);
  // Without EXTENDED_CRL_SUPPORT OpenSSL 3 may take a delta for the complete
  // CRL (get_crl_score rejects deltas only in that branch).
  X509_STORE_CTX_set_flags(
      ctx, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_EXTENDED_CRL_SUPPORT | X509_V_FLAG_USE_DELTAS);
  const int error = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return error;
}

class CrlInteropTest : public testing::AdminInteropTest {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(StartDaemon(
        AdminDaemonConfig("[crl]\ndelta_period_hours = 24\ndelta_distribution_points = [\"" +
                          std::string(kDeltaUrl) + "\"]\n")));
  }

  // A certificate issued to alice on AutoIssueSubject; null on failure.
  static ossl::X509Ptr Enroll(const std::string& cn) {
    const std::string json =
        Wcce("alice", "request", {"--template", "AutoIssueSubject", "--csr", CsrFile(cn).string()});
    EXPECT_EQ(JsonField(json, "disposition"), "3") << json << DaemonLog();
    const std::optional<Bytes> der = Base64Decode(JsonField(json, "certificate"));
    return der ? testing::ParseCertDer(*der) : nullptr;
  }

  static std::string SerialHex(X509* cert) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string out(hex);
    OPENSSL_free(hex);
    BN_free(bn);
    return out;
  }

  // The CA certificate, from GetCAProperty(CR_PROP_CASIGCERT).
  static ossl::X509Ptr CaCert() {
    const std::string json =
        Admin("alice", "ca-property", {"--prop-id", "0x0c", "--prop-type", "3"});
    const std::optional<Bytes> der = Base64Decode(JsonField(json, "blob"));
    EXPECT_TRUE(der) << json;
    return der ? testing::ParseCertDer(*der) : nullptr;
  }
};

TEST_F(CrlInteropTest, ImpacketPublishesADeltaThatOpenSslApplies) {
  // At start the daemon wrote a base and a delta.
  EXPECT_TRUE(std::filesystem::exists(daemon_->state_dir() / "ca.crl"));
  EXPECT_TRUE(std::filesystem::exists(daemon_->state_dir() / "ca-delta.crl")) << DaemonLog();

  ossl::X509Ptr cert = Enroll("delta-revoked");
  ossl::X509Ptr kept = Enroll("delta-kept");
  ASSERT_TRUE(cert && kept);
  const std::string revoked = Admin("officer", "revoke", {SerialHex(cert.get()), "--reason", "1"});
  ASSERT_EQ(JsonField(revoked, "return"), "0") << revoked << DaemonLog();

  // A requester cannot publish; REPUBLISH is not served.
  EXPECT_EQ(JsonField(Admin("alice", "publish-crls", {"--flags", "2"}), "return"),
            Unsigned(hr::kAccessDenied));
  EXPECT_EQ(JsonField(Admin("admin", "publish-crls", {"--flags", "0x11"}), "return"),
            Unsigned(hr::kNotImpl));
  const std::string published = Admin("admin", "publish-crls", {"--flags", "2"});
  ASSERT_EQ(JsonField(published, "return"), "0") << published << DaemonLog();

  const std::string base_json = Admin("alice", "get-crl");
  ASSERT_EQ(JsonField(base_json, "return"), "0") << base_json;
  const std::string delta_json =
      Admin("alice", "ca-property", {"--prop-id", "0x12", "--prop-type", "3"});
  ASSERT_EQ(JsonField(delta_json, "return"), "0") << delta_json << DaemonLog();
  const std::optional<Bytes> base_der = Base64Decode(JsonField(base_json, "crl"));
  const std::optional<Bytes> delta_der = Base64Decode(JsonField(delta_json, "blob"));
  ASSERT_TRUE(base_der && delta_der);
  ossl::X509CrlPtr base = ParseCrl(*base_der);
  ossl::X509CrlPtr delta = ParseCrl(*delta_der);
  ASSERT_TRUE(base && delta);
  // The administrator's delta replaced the daemon's file, not only the
  // database's row; the base file is the one the delta refers to.
  EXPECT_EQ(FileBytes(daemon_->state_dir() / "ca-delta.crl"), *delta_der);
  EXPECT_EQ(FileBytes(daemon_->state_dir() / "ca.crl"), *base_der);
  ossl::X509Ptr ca = CaCert();
  ASSERT_TRUE(ca);
  EXPECT_EQ(X509_CRL_verify(delta.get(), X509_get0_pubkey(ca.get())), 1);
  const long base_number = IntegerExtension(base.get(), NID_crl_number);
  EXPECT_EQ(IntegerExtension(delta.get(), NID_delta_crl), base_number);
  EXPECT_GT(IntegerExtension(delta.get(), NID_crl_number), base_number);
  EXPECT_GE(X509_CRL_get_ext_by_NID(base.get(), NID_freshest_crl, -1), 0);

  // The base predates the revocation; the delta carries it.
  EXPECT_EQ(Verify(cert.get(), ca.get(), base.get(), nullptr), X509_V_OK);
  EXPECT_EQ(Verify(cert.get(), ca.get(), base.get(), delta.get()), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(Verify(kept.get(), ca.get(), base.get(), delta.get()), X509_V_OK);

  // The CLI: base and delta in one call, then the delta as PEM.
  const testing::CommandResult both = testing::RunInteropCli(
      {"crl", "publish", "--base", "--delta", "-u", "EXAMPLE\\admin", "--ca", kCaName}, kPassword);
  EXPECT_EQ(both.exit_code, 0) << both.output << DaemonLog();
  EXPECT_THAT(both.output, HasSubstr("base and delta CRLs published"));
  const std::filesystem::path pem = daemon_->dir() / "delta.pem";
  const testing::CommandResult got = testing::RunInteropCli(
      {"crl", "get", "--delta", "-u", "EXAMPLE\\alice", "--ca", kCaName, "-o", pem.string()},
      kPassword);
  ASSERT_EQ(got.exit_code, 0) << got.output;
  const std::string text = testing::ReadTextFile(pem);
  ossl::BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  ossl::X509CrlPtr latest(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(latest) << text;
  EXPECT_GT(IntegerExtension(latest.get(), NID_crl_number),
            IntegerExtension(delta.get(), NID_crl_number));
  EXPECT_GE(IntegerExtension(latest.get(), NID_delta_crl), base_number);
  ossl::X509CrlPtr latest_written = ParseCrl(FileBytes(daemon_->state_dir() / "ca-delta.crl"));
  ASSERT_TRUE(latest_written);
  EXPECT_EQ(IntegerExtension(latest_written.get(), NID_crl_number),
            IntegerExtension(latest.get(), NID_crl_number));
}

}  // namespace
}  // namespace openadcs
