// Restricted officers (MS-CSRA officer rights) enforced by the engine on a
// real store: an officer allowed for one requester acts on that requester's
// requests and is refused, with nothing changed and nothing audited, on
// another's; who may set the rights and the audit filter, and that both
// survive a restart.
#include "openadcs/security/officer_rights.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "openadcs/ca/engine.h"
#include "openadcs/util/hresult.h"
#include "testing/engine_fixture.h"
#include "testing/fake_identity_lookup.h"
#include "testing/pki.h"
#include "testing/test_callers.h"

namespace openadcs::ca {
namespace {

using security::OfficerRightsEntry;
using security::Sid;

class OfficerRightsEngineTest : public testing::EngineTestBase {
 protected:
  // A pending request of `requester` (the template needs approval).
  std::uint32_t Pending(const Caller& requester) {
    SubmitResult result =
        SubmitAs(requester, Csr(requester.name.substr(requester.name.find('\\') + 1)),
                 "CertificateTemplate:OfficerApproval");
    EXPECT_EQ(result.disposition, WireDisposition::kUnderSubmission) << result.message;
    return result.request_id;
  }

  std::string SerialOf(std::uint32_t id) {
    auto rec = store_->GetRequest(id);
    EXPECT_TRUE(rec.ok() && rec->certificate);
    return rec.ok() && rec->certificate ? rec->certificate->serial_number : "";
  }

  Bytes Rights(const std::vector<OfficerRightsEntry>& entries) {
    auto sd = security::BuildOfficerRights(entries, security::well_known::kBuiltinAdministrators);
    EXPECT_TRUE(sd.ok());
    return security::EncodeSecurityDescriptor(*sd).value();
  }

  std::size_t AuditRows() { return store_->ListAudit(0, db::kMaxAuditListRows).value().size(); }

  static Sid SidOf(const Caller& c) { return Sid::Parse(c.sid).value(); }

  static void ExpectRestricted(const Status& s) {
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
    EXPECT_EQ(s.hresult(), hr::kRestrictedOfficer);
  }

  const Caller alice_ = testing::TestRequester();
  const Caller bob_ = testing::TestCaller("EXAMPLE\\bob", "S-1-5-21-1-2-3-1106");
};

// An entry may name the requester by a group: the requester's groups come
// from the directory (tokenGroups) when the officer acts. Without a
// directory the group matches no one; with one, an allow entry for it lets
// the officer act for its members only, and a deny entry for it wins over an
// allow for everyone. A directory that cannot tell the groups refuses with
// ERROR_DS_SERVER_DOWN and leaves the request pending.
TEST_F(OfficerRightsEngineTest, RequesterGroupsComeFromTheDirectory) {
  const Sid group = Sid::Parse("S-1-5-21-1-2-3-3001").value();
  const std::uint32_t without_directory = Pending(alice_);
  ASSERT_TRUE(
      security_
          ->ReplaceOfficerRights(admin_, true, Rights({{true, SidOf(officer_), {group}, {}, 0}}))
          .ok());
  EXPECT_EQ(engine_->Resubmit(officer_, without_directory).status, hr::kRestrictedOfficer);

  testing::FakeIdentityLookup directory;
  directory.AddUser(alice_.name, "alice", alice_.sid);
  directory.accounts[alice_.name].group_sids = {"S-1-5-21-1-2-3-513", group.ToString()};
  directory.AddUser(bob_.name, "bob", bob_.sid);
  lookup_ = &directory;
  StartEngine({});
  const std::uint32_t bobs = Pending(bob_);
  ExpectRestricted(engine_->Deny(officer_, bobs));
  EXPECT_EQ(engine_->Resubmit(officer_, without_directory).disposition, WireDisposition::kIssued);

  // A renamed account: the name now belongs to another SID, whose groups are
  // not the requester's.
  const std::uint32_t renamed = Pending(alice_);
  directory.accounts[alice_.name].object_sid = "S-1-5-21-1-2-3-9999";
  ExpectRestricted(engine_->Deny(officer_, renamed));
  directory.accounts[alice_.name].object_sid = alice_.sid;

  ASSERT_TRUE(security_
                  ->ReplaceOfficerRights(
                      admin_, true,
                      Rights({{false, SidOf(officer_), {group}, {}, 0},
                              {true, SidOf(officer_), {security::well_known::kEveryone}, {}, 0}}))
                  .ok());
  ExpectRestricted(engine_->Deny(officer_, renamed));
  EXPECT_TRUE(engine_->Deny(officer_, bobs).ok());

  directory.accounts.clear();
  directory.failure = Status::Unavailable("ldap://dc1: Can't contact LDAP server");
  SubmitResult unavailable = engine_->Resubmit(officer_, renamed);
  EXPECT_EQ(unavailable.status, hr::kDsServerDown) << unavailable.message;
  EXPECT_EQ(store_->GetRequest(renamed)->disposition, db::Disposition::kPending);
}

TEST_F(OfficerRightsEngineTest, RestrictedOfficerActsForItsRequesterOnly) {
  const std::uint32_t alices = Pending(alice_);
  const std::uint32_t bobs = Pending(bob_);
  ASSERT_TRUE(security_
                  ->ReplaceOfficerRights(admin_, true,
                                         Rights({{true, SidOf(officer_), {SidOf(alice_)}, {}, 0}}))
                  .ok());
  const std::size_t rows = AuditRows();
  const std::size_t bobs_attributes = store_->ListAttributes(bobs)->size();

  // Bob's request: every officer operation is refused, nothing changes.
  SubmitResult refused = engine_->Resubmit(officer_, bobs);
  EXPECT_EQ(refused.status, hr::kRestrictedOfficer);
  EXPECT_EQ(refused.disposition, WireDisposition::kError);
  ExpectRestricted(engine_->Deny(officer_, bobs));
  ExpectRestricted(engine_->SetAttributes(officer_, bobs, "Note:x"));
  ExpectRestricted(engine_->SetExtension(officer_, bobs, "1.3.6.1.4.1.99999.1", ValueType::kLong, 0,
                                         Bytes{1, 0, 0, 0}));
  EXPECT_EQ(store_->GetRequest(bobs)->disposition, db::Disposition::kPending);
  EXPECT_EQ(store_->ListAttributes(bobs)->size(), bobs_attributes);
  const std::vector<db::ExtensionRow> extensions = store_->ListExtensions(bobs).value();
  for (const db::ExtensionRow& e : extensions) EXPECT_NE(e.name, "1.3.6.1.4.1.99999.1");
  EXPECT_EQ(AuditRows(), rows);

  // Alice's: allowed.
  ASSERT_TRUE(engine_->SetAttributes(officer_, alices, "Note:checked").ok());
  SubmitResult issued = engine_->Resubmit(officer_, alices);
  ASSERT_EQ(issued.disposition, WireDisposition::kIssued) << issued.message;
  EXPECT_TRUE(engine_->Revoke(officer_, SerialOf(alices), 6, 0).ok());
  EXPECT_TRUE(engine_->Revoke(officer_, SerialOf(alices), Engine::kUnrevoke, 0).ok());
  // An unknown request is still PROPERTY_EMPTY, not a refusal.
  EXPECT_EQ(engine_->Deny(officer_, 9999).hresult(), hr::kPropertyEmpty);

  // Disabled: the officer acts for Bob again.
  ASSERT_TRUE(security_->ReplaceOfficerRights(admin_, false, {}).ok());
  EXPECT_FALSE(security_->OfficerRights().enabled);
  EXPECT_EQ(engine_->Resubmit(officer_, bobs).disposition, WireDisposition::kIssued);
}

TEST_F(OfficerRightsEngineTest, DenyEntryAndGroupsDecideRevocation) {
  const std::uint32_t alices = Pending(alice_);
  const std::uint32_t bobs = Pending(bob_);
  ASSERT_EQ(engine_->Resubmit(officer_, alices).disposition, WireDisposition::kIssued);
  ASSERT_EQ(engine_->Resubmit(officer_, bobs).disposition, WireDisposition::kIssued);
  // Deny the officer Bob, allow it everyone else (Everyone: every
  // requester's implicit group).
  ASSERT_TRUE(security_
                  ->ReplaceOfficerRights(admin_, true,
                                         Rights({{false, SidOf(officer_), {SidOf(bob_)}, {}, 0},
                                                 {true,
                                                  security::well_known::kEveryone,
                                                  {security::well_known::kEveryone},
                                                  {},
                                                  0}}))
                  .ok());
  const std::string bob_serial = SerialOf(bobs);
  ExpectRestricted(engine_->Revoke(officer_, bob_serial, 1, 0));
  EXPECT_EQ(store_->GetRequest(bobs)->disposition, db::Disposition::kIssued);
  EXPECT_TRUE(engine_->Revoke(officer_, SerialOf(alices), 1, 0).ok());
}

TEST_F(OfficerRightsEngineTest, OnlyAdministratorsSetValidRightsAndTheyAreAudited) {
  const Bytes rights = Rights({{true, SidOf(officer_), {SidOf(alice_)}, {}, 0}});
  const std::size_t rows = AuditRows();
  EXPECT_EQ(security_->ReplaceOfficerRights(officer_, true, rights).hresult(), hr::kAccessDenied);
  // The CA's own descriptor is no officer-rights descriptor.
  EXPECT_EQ(security_->ReplaceOfficerRights(admin_, true, security_->Descriptor()).hresult(),
            hr::kInvalidArg);
  EXPECT_EQ(security_->ReplaceOfficerRights(admin_, true, Bytes{1, 2, 3}).hresult(),
            hr::kInvalidArg);
  EXPECT_EQ(security_->ReplaceOfficerRights(admin_, true, {}).hresult(), hr::kInvalidArg);
  EXPECT_FALSE(security_->OfficerRights().enabled);
  EXPECT_EQ(AuditRows(), rows);

  ASSERT_TRUE(security_->ReplaceOfficerRights(admin_, true, rights).ok());
  auto all = store_->ListAudit(0, db::kMaxAuditListRows).value();
  ASSERT_EQ(all.size(), rows + 1);
  EXPECT_EQ(all.back().event.action, "set-officer-rights");
  EXPECT_EQ(all.back().event.actor, admin_.name);
  EXPECT_NE(all.back().event.detail.find("enabled, 1 entries"), std::string::npos);
  EXPECT_EQ(security_->OfficerRights().descriptor, rights);

  // A restart reads them back.
  security_.reset();
  ASSERT_NO_FATAL_FAILURE(testing::OpenTestCaSecurity(*store_, &security_));
  EXPECT_TRUE(security_->OfficerRights().enabled);
  EXPECT_EQ(security_->OfficerRights().descriptor, rights);
}

TEST_F(OfficerRightsEngineTest, AuditFilterNeedsAdministratorOrAuditorAndPersists) {
  EXPECT_EQ(security_->AuditFilter(), 0u);
  EXPECT_EQ(security_->SetAuditFilter(officer_, 0x7F).hresult(), hr::kAccessDenied);
  EXPECT_EQ(security_->SetAuditFilter(admin_, 0x80).hresult(), hr::kInvalidArg);
  EXPECT_EQ(security_->AuditFilter(), 0u);
  ASSERT_TRUE(security_->SetAuditFilter(admin_, 0x14).ok());
  EXPECT_EQ(store_->ListAudit(0, db::kMaxAuditListRows).value().back().event.action,
            "set-audit-filter");
  security_.reset();
  ASSERT_NO_FATAL_FAILURE(testing::OpenTestCaSecurity(*store_, &security_));
  EXPECT_EQ(security_->AuditFilter(), 0x14u);
}

}  // namespace
}  // namespace openadcs::ca
