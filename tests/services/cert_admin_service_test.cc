// The CCertAdminD object on a real engine (SQLite file, the sample LDIF
// templates, a generated CA key), called with stubs from the client-side
// encoders, as the DCOM runtime would call it: the MS-CSRA sequencing and
// error rules, each with the HRESULT it answers and nothing changed.
#include "openadcs/services/cert_admin_service.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/db/column_catalogue.h"
#include "openadcs/idl/icert_admin_d2.h"
#include "openadcs/ndr/cert_view.h"
#include "openadcs/ndr/icert_admin.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/util/filetime.h"
#include "openadcs/util/hresult.h"
#include "openadcs/util/utf16.h"
#include "testing/cert_admin_fixture.h"
#include "testing/pki.h"
#include "testing/test_callers.h"

namespace openadcs::services {
namespace {

namespace wire = ndr::icert_admin;
namespace view = ndr::cert_view;

constexpr const char16_t* kAuthority = u"openadcs-CA";

std::uint32_t Column(std::string_view name) {
  const db::ColumnInfo* c = db::FindColumn(name);
  return c != nullptr ? c->id : 0;
}

Bytes Long(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}

class CertAdminServiceTest : public testing::CertAdminTestBase {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CertAdminTestBase::SetUp());
    key_ = testing::MakeRsaKey(2048);
  }

  CertAdminOptions Options() const override {
    CertAdminOptions options;
    options.max_open_views_per_client = 2;
    return options;
  }
  ca::Caller InitialCaller() const override { return testing::TestOfficer(); }

  // A pending request of alice's on the approval template; its id.
  std::uint32_t Pending(const std::string& cn) {
    testing::CsrSpec s;
    s.subject = {{"CN", cn}};
    ca::SubmitRequest r;
    r.request = testing::MakeCsrDer(key_.get(), s);
    r.attributes = "CertificateTemplate:OfficerApproval";
    r.caller = testing::TestRequester();
    r.authority = "openadcs-CA";
    ca::SubmitResult result = engine_->Submit(r);
    EXPECT_EQ(result.disposition, ca::WireDisposition::kUnderSubmission) << result.message;
    return result.request_id;
  }

  wire::DwordBlobOut OpenView(std::vector<wire::Restriction> restrictions,
                              std::vector<std::uint32_t> columns, std::uint32_t ielt,
                              std::uint32_t celt) {
    wire::OpenViewIn in;
    in.authority = kAuthority;
    in.restrictions = std::move(restrictions);
    in.columns = std::move(columns);
    in.ielt = ielt;
    in.celt = celt;
    rpc::CallResult r = Call(Op::kOpenView, wire::EncodeOpenViewRequest(in));
    EXPECT_EQ(r.fault_status, 0u);
    auto out = wire::DecodeDwordBlobResponse(r.stub);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : wire::DwordBlobOut{};
  }

  wire::DwordBlobOut EnumView(std::uint32_t ielt, std::uint32_t celt) {
    wire::EnumViewIn in;
    in.authority = kAuthority;
    in.ielt = ielt;
    in.celt = celt;
    rpc::CallResult r = Call(Op::kEnumView, wire::EncodeEnumViewRequest(in));
    EXPECT_EQ(r.fault_status, 0u);
    auto out = wire::DecodeDwordBlobResponse(r.stub);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : wire::DwordBlobOut{};
  }

  std::uint32_t CloseView() {
    wire::AuthorityIn in;
    in.authority = kAuthority;
    return HresultOf(Op::kCloseView, wire::EncodeAuthorityRequest(in));
  }

  std::uint32_t Resubmit(std::uint32_t id, std::uint32_t* disposition) {
    wire::AuthorityDwordIn in;
    in.authority = kAuthority;
    in.value = id;
    rpc::CallResult r = Call(Op::kResubmitRequest, wire::EncodeAuthorityDwordRequest(in));
    EXPECT_EQ(r.fault_status, 0u);
    auto out = wire::DecodeDwordResponse(r.stub);
    EXPECT_TRUE(out.ok());
    *disposition = out.ok() ? out->value : 0;
    return out.ok() ? out->hresult : 0xFFFFFFFF;
  }

  std::uint32_t SetExtension(std::uint32_t id, const std::string& text) {
    wire::SetExtensionIn in;
    in.authority = kAuthority;
    in.request_id = id;
    in.extension_name = u"1.3.6.1.4.1.99999.5";
    in.type = 4;
    in.value = view::MakeStringValue(std::u16string(text.begin(), text.end()));
    return HresultOf(Op::kSetExtension, wire::EncodeSetExtensionRequest(in));
  }

  std::vector<std::uint32_t> RowIds(const wire::DwordBlobOut& out) {
    auto rows = view::DecodeResultRows(out.blob);
    EXPECT_TRUE(rows.ok());
    std::vector<std::uint32_t> ids;
    if (rows.ok()) {
      for (const view::ResultRow& row : rows->rows) ids.push_back(row.rowid);
    }
    return ids;
  }

  auth::Identity other_;
  ossl::PKeyPtr key_;
};

TEST_F(CertAdminServiceTest, ViewsPageFromIeltOneWithTheEndMarker) {
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Pending("view-" + std::to_string(i)));
  const std::vector<wire::Restriction> pending = {{Column("Request.Disposition"), 1, 0, Long(9)}};
  wire::DwordBlobOut first = OpenView(pending, {Column("Request.RequestID")}, 1, 2);
  ASSERT_EQ(first.hresult, hr::kOk);
  EXPECT_EQ(first.value, 2u);
  EXPECT_EQ(RowIds(first), (std::vector<std::uint32_t>{ids[0], ids[1]}));
  wire::DwordBlobOut rest = EnumView(3, 10);
  ASSERT_EQ(rest.hresult, hr::kOk);
  EXPECT_EQ(rest.value, 3u);
  EXPECT_EQ(RowIds(rest), (std::vector<std::uint32_t>{ids[2], ids[3], ids[4]}));
  auto rows = view::DecodeResultRows(rest.blob);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->end_total, std::optional<std::uint32_t>(5));
  EXPECT_EQ(CloseView(), hr::kOk);
}

// An officer approving from a pending view: the next EnumView goes on after
// the last row it served, though the approved rows left the view.
TEST_F(CertAdminServiceTest, EnumViewContinuesAfterTheLastRowServed) {
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(Pending("approve-" + std::to_string(i)));
  const std::vector<wire::Restriction> pending = {{Column("Request.Disposition"), 1, 0, Long(9)}};
  wire::DwordBlobOut first = OpenView(pending, {Column("Request.RequestID")}, 1, 2);
  ASSERT_EQ(RowIds(first), (std::vector<std::uint32_t>{ids[0], ids[1]}));
  std::uint32_t disposition = 0;
  for (int i = 0; i < 2; ++i) ASSERT_EQ(Resubmit(ids[i], &disposition), hr::kOk);

  EXPECT_EQ(RowIds(EnumView(3, 2)), (std::vector<std::uint32_t>{ids[2], ids[3]}));
  wire::DwordBlobOut last = EnumView(5, 10);
  EXPECT_EQ(RowIds(last), (std::vector<std::uint32_t>{ids[4], ids[5]}));
  auto rows = view::DecodeResultRows(last.blob);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->end_total, std::optional<std::uint32_t>(6));
  // Any other ielt counts rows from the start of the view as it is now.
  EXPECT_EQ(RowIds(EnumView(1, 10)), (std::vector<std::uint32_t>{ids[2], ids[3], ids[4], ids[5]}));
  EXPECT_EQ(CloseView(), hr::kOk);
}

TEST_F(CertAdminServiceTest, ViewSequencingRules) {
  // EnumView and CloseView without a view: E_HANDLE.
  EXPECT_EQ(EnumView(1, 10).hresult, hr::kHandle);
  EXPECT_EQ(CloseView(), hr::kHandle);
  // A second OpenView on the object: E_UNEXPECTED.
  ASSERT_EQ(OpenView({}, {Column("Request.RequestID")}, 1, 1).hresult, hr::kOk);
  EXPECT_EQ(OpenView({}, {Column("Request.RequestID")}, 1, 1).hresult, hr::kUnexpected);
  EXPECT_EQ(CloseView(), hr::kOk);
  EXPECT_EQ(CloseView(), hr::kHandle);
}

TEST_F(CertAdminServiceTest, BadViewsAreInvalidArguments) {
  // An unknown column, in the output and in a restriction.
  EXPECT_EQ(OpenView({}, {0x7777}, 1, 1).hresult, hr::kInvalidArg);
  EXPECT_EQ(OpenView({{0x7777, 1, 0, Long(1)}}, {Column("Request.RequestID")}, 1, 1).hresult,
            hr::kInvalidArg);
  // Columns of two tables.
  EXPECT_EQ(OpenView({}, {Column("Request.RequestID"), Column("CRLNumber")}, 1, 1).hresult,
            hr::kInvalidArg);
  // A LONG column with a 2-byte value; a BINARY column with LT; two sorts.
  EXPECT_EQ(OpenView({{Column("Request.Disposition"), 1, 0, Bytes{9, 0}}},
                     {Column("Request.RequestID")}, 1, 1)
                .hresult,
            hr::kInvalidArg);
  EXPECT_EQ(OpenView({{Column("Request.RawRequest"), 2, 0, Bytes{1}}},
                     {Column("Request.RequestID")}, 1, 1)
                .hresult,
            hr::kInvalidArg);
  EXPECT_EQ(OpenView({{Column("Request.RequestID"), 8, 1, Long(0)},
                      {Column("Request.Disposition"), 8, 2, Long(0)}},
                     {Column("Request.RequestID")}, 1, 1)
                .hresult,
            hr::kInvalidArg);
  // None of these left a view open.
  EXPECT_EQ(EnumView(1, 1).hresult, hr::kHandle);
}

TEST_F(CertAdminServiceTest, OpenViewsPerClientAreLimited) {
  CertAdminObject second(*engine_, CertAdminOptions{}, views_);
  CertAdminObject third(*engine_, CertAdminOptions{}, views_);
  ASSERT_EQ(OpenView({}, {Column("Request.RequestID")}, 1, 1).hresult, hr::kOk);
  wire::OpenViewIn in;
  in.authority = kAuthority;
  in.columns = {Column("Request.RequestID")};
  in.ielt = 1;
  in.celt = 1;
  const Bytes stub = wire::EncodeOpenViewRequest(in);
  auto open = [&](CertAdminObject& o) {
    auto out = wire::DecodeDwordBlobResponse(
        o.Call(ctx_, o.interfaces()[1], static_cast<std::uint16_t>(Op::kOpenView), stub).stub);
    return out.ok() ? out->hresult : 0xFFFFFFFF;
  };
  EXPECT_EQ(open(second), hr::kOk);
  EXPECT_EQ(open(third), hr::kOutOfMemory);
  // Closing one frees its place.
  EXPECT_EQ(CloseView(), hr::kOk);
  EXPECT_EQ(open(third), hr::kOk);
}

TEST_F(CertAdminServiceTest, OfficerWorkOnTheWrongStateChangesNothing) {
  const std::uint32_t id = Pending("wrong-state");
  std::uint32_t disposition = 0;
  ASSERT_EQ(Resubmit(id, &disposition), hr::kOk);
  ASSERT_EQ(disposition, 3u);
  const auto issued = store_->GetRequest(id);
  ASSERT_TRUE(issued.ok());
  // Approving an issued request: BAD_REQUESTSTATUS in the disposition.
  EXPECT_EQ(Resubmit(id, &disposition), hr::kOk);
  EXPECT_EQ(disposition, hr::kBadRequestStatus);
  // SetExtension on it: BAD_REQUESTSTATUS.
  EXPECT_EQ(SetExtension(id, "late"), hr::kBadRequestStatus);
  // An unknown request: PROPERTY_EMPTY as the HRESULT.
  EXPECT_EQ(Resubmit(9999, &disposition), hr::kPropertyEmpty);
  EXPECT_EQ(disposition, 0u);
  const auto after = store_->GetRequest(id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->certificate->serial_number, issued->certificate->serial_number);
  auto extensions = store_->ListExtensions(id);
  ASSERT_TRUE(extensions.ok());
  for (const db::ExtensionRow& e : *extensions) EXPECT_NE(e.name, "1.3.6.1.4.1.99999.5");
}

TEST_F(CertAdminServiceTest, RequesterIsRefusedAndNothingChanges) {
  const std::uint32_t id = Pending("refused");
  ActAs(other_, testing::TestRequester());
  std::uint32_t disposition = 0;
  EXPECT_EQ(Resubmit(id, &disposition), hr::kAccessDenied);
  EXPECT_EQ(SetExtension(id, "mine"), hr::kAccessDenied);
  wire::AuthorityDwordIn deny;
  deny.authority = kAuthority;
  deny.value = id;
  EXPECT_EQ(HresultOf(Op::kDenyRequest, wire::EncodeAuthorityDwordRequest(deny)),
            hr::kAccessDenied);
  wire::AuthorityBlobIn sd;
  sd.authority = kAuthority;
  sd.blob = security_->Descriptor();
  EXPECT_EQ(HresultOf(Op::kSetCASecurity, wire::EncodeAuthorityBlobRequest(sd)), hr::kAccessDenied);
  const auto rec = store_->GetRequest(id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->disposition, db::Disposition::kPending);
  auto extensions = store_->ListExtensions(id);
  ASSERT_TRUE(extensions.ok());
  for (const db::ExtensionRow& e : *extensions) EXPECT_NE(e.name, "1.3.6.1.4.1.99999.5");
}

TEST_F(CertAdminServiceTest, BelowPrivacyOrAnotherAuthorityIsRefused) {
  ctx_.auth_level = auth::AuthLevel::kIntegrity;
  EXPECT_EQ(CloseView(), hr::kAccessDenied);
  ctx_.auth_level = auth::AuthLevel::kPrivacy;
  wire::AuthorityIn in;
  in.authority = u"Another CA";
  EXPECT_EQ(HresultOf(Op::kCloseView, wire::EncodeAuthorityRequest(in)), hr::kInvalidArg);
}

// DeleteRow needs Administrator and Officer: the administrator, in a group
// the officers' SID names, holds both.
ca::Caller AdminAndOfficer() {
  ca::Caller c = testing::TestAdmin();
  c.group_sids.push_back(testing::TestOfficer().sid);
  return c;
}

wire::DwordOut DwordCall(const rpc::CallResult& r) {
  EXPECT_EQ(r.fault_status, 0u);
  auto out = wire::DecodeDwordResponse(r.stub);
  EXPECT_TRUE(out.ok());
  return out.ok() ? *out : wire::DwordOut{{}, 0, 0xFFFFFFFF};
}

TEST_F(CertAdminServiceTest, ImportCertificateAndDeleteRow) {
  // A certificate of this CA's, not in the database: issue one, delete its
  // row, import it back.
  testing::CsrSpec spec;
  spec.subject = {{"CN", "www.example.com"}};
  ca::SubmitRequest submit;
  submit.request = testing::MakeCsrDer(key_.get(), spec);
  submit.attributes = "CertificateTemplate:AutoIssueSubject";
  submit.caller = testing::TestRequester();
  submit.authority = "openadcs-CA";
  const ca::SubmitResult issued = engine_->Submit(submit);
  ASSERT_EQ(issued.disposition, ca::WireDisposition::kIssued) << issued.message;

  wire::ImportCertificateIn import;
  import.authority = kAuthority;
  import.certificate = issued.certificate;
  wire::DwordOut out =
      DwordCall(Call(Op::kImportCertificate, wire::EncodeImportCertificateRequest(import)));
  EXPECT_EQ(out.hresult, hr::kObjectExists);

  auth::Identity boss;
  ActAs(boss, AdminAndOfficer());
  wire::DeleteRowIn del;
  del.authority = kAuthority;
  del.row_id = issued.request_id;
  out = DwordCall(Call(Op::kDeleteRow, wire::EncodeDeleteRowRequest(del)));
  EXPECT_EQ(out.hresult, hr::kOk);
  EXPECT_EQ(out.value, 1u);
  // Once more: an unknown row deletes nothing and succeeds.
  out = DwordCall(Call(Op::kDeleteRow, wire::EncodeDeleteRowRequest(del)));
  EXPECT_EQ(out.hresult, hr::kOk);
  EXPECT_EQ(out.value, 0u);
  // No such table, and both a row id and a date.
  del.table = 0x2000;
  EXPECT_EQ(DwordCall(Call(Op::kDeleteRow, wire::EncodeDeleteRowRequest(del))).hresult,
            hr::kInvalidArg);
  del.table = 0;
  del.file_time = 0x01d9'0000'0000'0001;
  EXPECT_EQ(DwordCall(Call(Op::kDeleteRow, wire::EncodeDeleteRowRequest(del))).hresult,
            hr::kInvalidArg);

  ActAs(testing::TestOfficer());
  out = DwordCall(Call(Op::kImportCertificate, wire::EncodeImportCertificateRequest(import)));
  ASSERT_EQ(out.hresult, hr::kOk);
  auto rec = store_->GetRequest(out.value);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->disposition, db::Disposition::kIssued);
  EXPECT_EQ(rec->certificate->raw_certificate, issued.certificate);
  import.certificate = {0x30, 0x03, 0x02, 0x01, 0x01};
  EXPECT_EQ(
      DwordCall(Call(Op::kImportCertificate, wire::EncodeImportCertificateRequest(import))).hresult,
      hr::kInvalidData);
}

TEST_F(CertAdminServiceTest, DeleteRowAndImportRefuseTheRequester) {
  const std::uint32_t id = Pending("kept");
  ActAs(other_, testing::TestRequester());
  wire::DeleteRowIn del;
  del.authority = kAuthority;
  del.row_id = id;
  wire::DwordOut out = DwordCall(Call(Op::kDeleteRow, wire::EncodeDeleteRowRequest(del)));
  EXPECT_EQ(out.hresult, hr::kAccessDenied);
  EXPECT_EQ(out.value, 0u);
  // The officer alone may not delete either.
  ActAs(testing::TestOfficer());
  EXPECT_EQ(DwordCall(Call(Op::kDeleteRow, wire::EncodeDeleteRowRequest(del))).hresult,
            hr::kAccessDenied);
  EXPECT_TRUE(store_->GetRequest(id).ok());
  ActAs(other_, testing::TestRequester());
  wire::ImportCertificateIn import;
  import.authority = kAuthority;
  import.certificate = {0x30, 0x00};
  EXPECT_EQ(
      DwordCall(Call(Op::kImportCertificate, wire::EncodeImportCertificateRequest(import))).hresult,
      hr::kAccessDenied);
}

// A delete by date stops at its limit and says so with ERROR_OUT_OF_MEMORY
// and the count; the next call takes the rest.
TEST_F(CertAdminServiceTest, BulkDeleteReportsRowsThatRemain) {
  const std::uint32_t total = db::kMaxDeleteRowsPerCall + 1;
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (std::uint32_t i = static_cast<std::uint32_t>(t); i < total; i += 4) {
        db::RequestRecord r;
        r.disposition = db::Disposition::kError;
        r.submitted_when = r.resolved_when = 1'000'000'000;
        EXPECT_TRUE(store_->InsertRequest(r, {}, {}, {0, "", "fail", 0, ""}).ok());
      }
    });
  }
  for (std::thread& w : writers) w.join();
  auth::Identity boss;
  ActAs(boss, AdminAndOfficer());
  wire::DeleteRowIn del;
  del.authority = kAuthority;
  del.flags = 2;
  del.file_time = UnixToFiletime(1'500'000'000);
  wire::DwordOut out = DwordCall(Call(Op::kDeleteRow, wire::EncodeDeleteRowRequest(del)));
  EXPECT_EQ(out.hresult, hr::kOutOfMemory);
  EXPECT_EQ(out.value, db::kMaxDeleteRowsPerCall);
  out = DwordCall(Call(Op::kDeleteRow, wire::EncodeDeleteRowRequest(del)));
  EXPECT_EQ(out.hresult, hr::kOk);
  EXPECT_EQ(out.value, 1u);
}

TEST_F(CertAdminServiceTest, UnservedMethodsAnswerNotImplementedInTheirShape) {
  wire::AuthorityIn in;
  in.authority = kAuthority;
  rpc::CallResult r = Call(Op::kGetArchivedKey, wire::EncodeAuthorityRequest(in));
  ASSERT_EQ(r.fault_status, 0u);
  auto blob = wire::DecodeBlobResponse(r.stub);
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->hresult, hr::kNotImpl);
  // An undecodable stub still faults.
  EXPECT_EQ(Call(Op::kGetArchivedKey, Bytes{1, 2}).fault_status, rpc::fault::kBadStubData);
}

// PublishCRL(s) with delta CRLs enabled: the flags choose the kinds, GetCRL
// stays on the base and GetCAProperty(CR_PROP_DELTACRL) serves the delta;
// a requester, REPUBLISH and bad flags change nothing.
TEST_F(CertAdminServiceTest, PublishCrlsHonoursTheDeltaFlag) {
  object_.reset();
  ca::EngineOptions options;
  options.crl_delta_period = std::chrono::hours(24);
  engine_ =
      std::make_unique<ca::Engine>(options, *identity_, *store_, *templates_, nullptr, *security_);
  object_ = std::make_unique<CertAdminObject>(*engine_, CertAdminOptions{}, views_);
  auto publish = [&](std::uint32_t flags) {
    wire::PublishCrlIn in;
    in.authority = kAuthority;
    in.flags = flags;
    return HresultOf(Op::kPublishCRLs, wire::EncodePublishCrlsRequest(in));
  };
  auto blob = [&](Op op, const Bytes& stub) {
    rpc::CallResult r = Call(op, stub);
    auto out = wire::DecodeBlobResponse(r.stub);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : wire::BlobOut{};
  };

  ActAs(other_, testing::TestRequester());
  EXPECT_EQ(publish(ca::crl_kind::kBase | ca::crl_kind::kDelta), hr::kAccessDenied);
  auth::Identity admin;
  ActAs(admin, testing::TestAdmin());
  EXPECT_EQ(publish(0x10 | ca::crl_kind::kBase), hr::kNotImpl);  // CA_CRL_REPUBLISH
  EXPECT_EQ(publish(0), hr::kInvalidArg);
  EXPECT_EQ(publish(0x4), hr::kInvalidArg);
  auto none = store_->LatestCrl();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  EXPECT_EQ(publish(ca::crl_kind::kDelta), hr::kOk);  // the first delta brings its base
  wire::PublishCrlIn in;
  in.authority = kAuthority;
  EXPECT_EQ(HresultOf(Op::kPublishCRL, wire::EncodePublishCrlRequest(in)), hr::kOk);
  auto base = store_->LatestCrl(db::CrlKind::kBase);
  auto delta = store_->LatestCrl(db::CrlKind::kDelta);
  ASSERT_TRUE(base.ok() && *base && delta.ok() && *delta);
  EXPECT_EQ((*base)->number, 3u);   // PublishCRL: a base ...
  EXPECT_EQ((*delta)->number, 4u);  // ... and a delta with it

  wire::AuthorityIn get_crl;
  get_crl.authority = kAuthority;
  wire::BlobOut crl = blob(Op::kGetCRL, wire::EncodeAuthorityRequest(get_crl));
  EXPECT_EQ(crl.hresult, hr::kOk);
  EXPECT_EQ(crl.blob, (*base)->raw_crl);
  wire::GetCaPropertyIn prop;
  prop.authority = kAuthority;
  prop.prop_id = 0x12;  // CR_PROP_DELTACRL
  prop.prop_type = 3;   // PROPTYPE_BINARY
  wire::BlobOut got = blob(Op::kGetCAProperty, wire::EncodeGetCaPropertyRequest(prop));
  EXPECT_EQ(got.hresult, hr::kOk);
  EXPECT_EQ(got.blob, (*delta)->raw_crl);
}

// SetCAProperty (MS-CSRA 3.1.4.2.3) on the LDIF templates: every check of
// the adapter answers its HRESULT; a good list reaches the source, which
// refuses to rewrite files.
TEST_F(CertAdminServiceTest, SetCaPropertyChecksThenTheLdifSourceRefuses) {
  const Bytes list = *Utf8ToUtf16LeBytes("User\n1.3.6.1.4.1.311.21.8.1.1\nSubCA\n\n");
  auto set = [&](std::int32_t id, std::int32_t index, std::int32_t type, const Bytes& value) {
    wire::SetCaPropertyIn in;
    in.authority = kAuthority;
    in.prop_id = id;
    in.prop_index = index;
    in.prop_type = type;
    in.value = value;
    return HresultOf(Op::kSetCAProperty, wire::EncodeSetCaPropertyRequest(in));
  };
  EXPECT_EQ(set(0x1D, 0, 4, list), hr::kAccessDenied);  // an officer
  ActAs(other_, testing::TestAdmin());
  EXPECT_EQ(set(0x1C, 0, 4, list), hr::kInvalidArg);       // not a settable property
  EXPECT_EQ(set(0x19, 0, 1, Long(1)), hr::kNotSupported);  // KRA count: no key archival
  EXPECT_EQ(set(0x1D, 1, 4, list), hr::kInvalidArg);
  EXPECT_EQ(set(0x1D, 0, 3, list), hr::kInvalidArg);
  EXPECT_EQ(set(0x1D, 0, 4, Bytes{'U', 0, 's'}), hr::kInvalidArg);  // odd length
  EXPECT_EQ(set(0x1D, 0, 4, *Utf8ToUtf16LeBytes("User\n")), hr::kInvalidArg);
  auto before = store_->ListAudit(0, db::kMaxAuditListRows);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->size(), 1u);  // init-ca-security: no refusal above wrote a row

  EXPECT_EQ(set(0x1D, 0, 4, list), hr::kNotSupported);
  auto after = store_->ListAudit(1, db::kMaxAuditListRows);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].event.action, "set-templates");
  EXPECT_EQ((*after)[0].event.detail, "User, SubCA");
  EXPECT_EQ((*after)[1].event.action, "set-templates-failed");
}

}  // namespace
}  // namespace openadcs::services
