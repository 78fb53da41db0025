// CCertAdminD's settings methods on a real engine (SQLite file, sample
// templates): SetOfficerRights / GetOfficerRights and the refusal they
// cause, SetAuditFilter / GetAuditFilter, GetConfigEntry / SetConfigEntry
// and ServerControl, each with the HRESULT it answers.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "openadcs/idl/icert_admin_d2.h"
#include "openadcs/ndr/icert_admin.h"
#include "openadcs/ndr/orpc.h"
#include "openadcs/security/officer_rights.h"
#include "openadcs/services/cert_admin_service.h"
#include "openadcs/util/hresult.h"
#include "testing/cert_admin_fixture.h"
#include "testing/pki.h"
#include "testing/test_callers.h"

namespace openadcs::services {
namespace {

namespace wire = ndr::icert_admin;

constexpr const char16_t* kAuthority = u"openadcs-CA";

class CertAdminSettingsTest : public testing::CertAdminTestBase {
 protected:
  CertAdminOptions Options() const override {
    CertAdminOptions options;
    options.config_entries = {{"CRLPeriodUnits", 168}, {"CRLPeriod", std::string("Hours")}};
    return options;
  }

  std::uint32_t SetOfficerRights(std::int32_t enable, const Bytes& sd) {
    wire::SetOfficerRightsIn in;
    in.authority = kAuthority;
    in.enable = enable;
    in.security_descriptor = sd;
    return HresultOf(Op::kSetOfficerRights, wire::EncodeSetOfficerRightsRequest(in));
  }

  wire::DwordBlobOut GetOfficerRights() {
    wire::AuthorityIn in;
    in.authority = kAuthority;
    auto out = wire::DecodeDwordBlobResponse(
        Call(Op::kGetOfficerRights, wire::EncodeAuthorityRequest(in)).stub);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : wire::DwordBlobOut{};
  }

  wire::DwordOut Dword(Op op, const Bytes& stub) {
    auto out = wire::DecodeDwordResponse(Call(op, stub).stub);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : wire::DwordOut{};
  }

  wire::VariantOut GetConfigEntry(const std::u16string& node, const std::u16string& entry) {
    wire::ConfigEntryIn in;
    in.authority = kAuthority;
    in.node_path = node;
    in.entry = entry;
    auto out = wire::DecodeVariantResponse(
        Call(Op::kGetConfigEntry, wire::EncodeGetConfigEntryRequest(in)).stub);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : wire::VariantOut{};
  }

  std::uint32_t SetConfigEntry(const std::u16string& entry, wire::Variant value) {
    wire::ConfigEntryIn in;
    in.authority = kAuthority;
    in.node_path = u"";
    in.entry = entry;
    in.value = std::move(value);
    return HresultOf(Op::kSetConfigEntry, wire::EncodeSetConfigEntryRequest(in));
  }

  wire::BlobOut ServerControl(std::uint32_t flags) {
    wire::AuthorityDwordIn in;
    in.authority = kAuthority;
    in.value = flags;
    auto out = wire::DecodeBlobResponse(
        Call(Op::kServerControl, wire::EncodeAuthorityDwordRequest(in)).stub);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : wire::BlobOut{};
  }

  Bytes AliceOnly() {
    const security::OfficerRightsEntry e{
        true,
        security::Sid::Parse(testing::TestOfficer().sid).value(),
        {security::Sid::Parse(testing::TestRequester().sid).value()},
        {},
        0};
    auto sd = security::BuildOfficerRights({&e, 1}, security::well_known::kBuiltinAdministrators);
    return security::EncodeSecurityDescriptor(sd.value()).value();
  }
};

TEST_F(CertAdminSettingsTest, OfficerRightsRoundTripAndRefuseAnotherRequester) {
  // MS-CSRA 2.2.1.11.1 for a server with enrollment agent rights: both
  // disabled is bEARightsDisabled alone.
  const Bytes zero = {0, 0, 0, 0};
  EXPECT_EQ(GetOfficerRights().value, 0u);
  EXPECT_EQ(GetOfficerRights().blob, zero);
  const Bytes sd = AliceOnly();
  EXPECT_EQ(SetOfficerRights(1, sd), hr::kOk);
  wire::DwordBlobOut got = GetOfficerRights();
  EXPECT_EQ(got.hresult, hr::kOk);
  EXPECT_EQ(got.value, 1u);
  EXPECT_EQ(got.blob, security::EncodeMarshaledRights({sd, {}}));

  // A request of Bob's: the officer is refused.
  testing::CsrSpec spec;
  spec.subject = {{"CN", "bob"}};
  auto key = testing::MakeRsaKey(2048);
  ca::SubmitRequest r;
  r.request = testing::MakeCsrDer(key.get(), spec);
  r.attributes = "CertificateTemplate:OfficerApproval";
  r.caller = testing::TestCaller("EXAMPLE\\bob", "S-1-5-21-1-2-3-1106");
  r.authority = "openadcs-CA";
  const std::uint32_t bobs = engine_->Submit(r).request_id;
  ActAs(testing::TestOfficer());
  wire::AuthorityDwordIn resubmit;
  resubmit.authority = kAuthority;
  resubmit.value = bobs;
  wire::DwordOut out = Dword(Op::kResubmitRequest, wire::EncodeAuthorityDwordRequest(resubmit));
  EXPECT_EQ(out.hresult, hr::kRestrictedOfficer);
  EXPECT_EQ(HresultOf(Op::kDenyRequest, wire::EncodeAuthorityDwordRequest(resubmit)),
            hr::kRestrictedOfficer);
  // Officers may read the rights, not set them.
  EXPECT_EQ(GetOfficerRights().value, 1u);
  EXPECT_EQ(SetOfficerRights(0, {}), hr::kAccessDenied);

  ActAs(testing::TestAdmin());
  // Enrollment agent rights (bits 16-31) are a setting of their own.
  EXPECT_EQ(SetOfficerRights(0x10001, sd), hr::kOk);
  EXPECT_TRUE(engine_->security().EnrollmentAgentRights().enabled);
  EXPECT_EQ(engine_->security().EnrollmentAgentRights().descriptor, sd);
  got = GetOfficerRights();
  EXPECT_EQ(got.value, 1u);
  EXPECT_EQ(got.blob, security::EncodeMarshaledRights({sd, sd}));
  EXPECT_EQ(SetOfficerRights(0x10001, Bytes{1, 2, 3}), hr::kInvalidArg);
  EXPECT_EQ(SetOfficerRights(0x10000, {}), hr::kOk);
  EXPECT_FALSE(engine_->security().EnrollmentAgentRights().enabled);
  // Officer rights unchanged.
  EXPECT_EQ(GetOfficerRights().blob, security::EncodeMarshaledRights({sd, {}}));
  EXPECT_EQ(SetOfficerRights(1, Bytes{1, 2, 3}), hr::kInvalidArg);
  // Only bits 0-15 enable: 0x10000 alone would be "disable enrollment agent rights".
  EXPECT_EQ(SetOfficerRights(0, Bytes{1, 2, 3}), hr::kOk);  // the descriptor is ignored
  EXPECT_EQ(GetOfficerRights().value, 0u);
  // Enrollment agent rights alone: pfEnabled 0, bEARightsEnabled first.
  EXPECT_EQ(SetOfficerRights(0x10001, sd), hr::kOk);
  got = GetOfficerRights();
  EXPECT_EQ(got.value, 0u);
  EXPECT_EQ(got.blob, security::EncodeMarshaledRights({{}, sd}));
}

TEST_F(CertAdminSettingsTest, AuditFilterIsStoredAndReported) {
  wire::AuthorityIn get;
  get.authority = kAuthority;
  EXPECT_EQ(Dword(Op::kGetAuditFilter, wire::EncodeAuthorityRequest(get)).value, 0u);
  wire::AuthorityDwordIn set;
  set.authority = kAuthority;
  set.value = 0x0C;
  EXPECT_EQ(HresultOf(Op::kSetAuditFilter, wire::EncodeAuthorityDwordRequest(set)), hr::kOk);
  EXPECT_EQ(Dword(Op::kGetAuditFilter, wire::EncodeAuthorityRequest(get)).value, 0x0Cu);
  set.value = 0x100;
  EXPECT_EQ(HresultOf(Op::kSetAuditFilter, wire::EncodeAuthorityDwordRequest(set)),
            hr::kInvalidArg);
  ActAs(testing::TestOfficer());
  set.value = 0;
  EXPECT_EQ(HresultOf(Op::kSetAuditFilter, wire::EncodeAuthorityDwordRequest(set)),
            hr::kAccessDenied);
  EXPECT_EQ(Dword(Op::kGetAuditFilter, wire::EncodeAuthorityRequest(get)).value, 0x0Cu);
}

TEST_F(CertAdminSettingsTest, ConfigEntriesAreServedReadOnly) {
  wire::VariantOut units = GetConfigEntry(u"", u"crlperiodunits");
  EXPECT_EQ(units.hresult, hr::kOk);
  EXPECT_EQ(units.value, wire::Variant(std::int32_t{168}));
  EXPECT_EQ(GetConfigEntry(u"", u"CRLPeriod").value, wire::Variant(std::u16string(u"Hours")));
  EXPECT_EQ(GetConfigEntry(u"", u"NoSuchEntry").hresult, hr::kFileNotFound);
  EXPECT_EQ(GetConfigEntry(u"CSP", u"Provider").hresult, hr::kFileNotFound);
  EXPECT_EQ(GetConfigEntry(u"", u"").hresult, hr::kNotImpl);

  // AuditFilter is the stored filter, and the one entry that can be set.
  EXPECT_EQ(SetConfigEntry(u"AuditFilter", std::int32_t{0x10}), hr::kOk);
  EXPECT_EQ(GetConfigEntry(u"", u"AuditFilter").value, wire::Variant(std::int32_t{0x10}));
  EXPECT_EQ(security_->AuditFilter(), 0x10u);
  EXPECT_EQ(SetConfigEntry(u"AuditFilter", std::u16string(u"x")), hr::kInvalidArg);
  EXPECT_EQ(SetConfigEntry(u"CRLPeriodUnits", std::int32_t{1}), hr::kNotSupported);
  EXPECT_EQ(GetConfigEntry(u"", u"CRLPeriodUnits").value, wire::Variant(std::int32_t{168}));

  ActAs(testing::TestOfficer());
  EXPECT_EQ(GetConfigEntry(u"", u"CRLPeriod").hresult, hr::kOk);
  EXPECT_EQ(SetConfigEntry(u"AuditFilter", std::int32_t{0}), hr::kAccessDenied);
}

TEST_F(CertAdminSettingsTest, ServerControlRefusesShutdownAndNeedsAdministrator) {
  EXPECT_EQ(ServerControl(1).hresult, hr::kNotSupported);
  EXPECT_EQ(ServerControl(2).hresult, hr::kOk);
  EXPECT_EQ(ServerControl(3).hresult, hr::kOk);
  EXPECT_TRUE(ServerControl(3).blob.empty());
  EXPECT_EQ(ServerControl(4).hresult, hr::kInvalidArg);
  ActAs(testing::TestOfficer());
  EXPECT_EQ(ServerControl(2).hresult, hr::kAccessDenied);
}

}  // namespace
}  // namespace openadcs::services
