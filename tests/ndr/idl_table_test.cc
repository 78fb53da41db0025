// The generated interface table (proto-idl/gen_interfaces.py) against the
// ids and opnums the specs give.
#include <gtest/gtest.h>

#include "openadcs/idl/epm.h"
#include "openadcs/idl/icert_admin_d2.h"
#include "openadcs/idl/icert_passage.h"
#include "openadcs/idl/icert_request_d2.h"
#include "openadcs/idl/iobject_exporter.h"
#include "openadcs/idl/irem_unknown2.h"
#include "openadcs/idl/iremote_scm_activator.h"

namespace openadcs {
namespace {

TEST(IdlTableTest, ICertPassage) {
  namespace ip = idl::icert_passage;
  EXPECT_EQ(ip::kUuid.ToString(), "91ae6020-9e3c-11cf-8d7c-00aa00c091be");
  EXPECT_EQ(ip::kVersionMajor, 0);
  EXPECT_EQ(ip::kVersionMinor, 0);
  EXPECT_EQ(static_cast<int>(ip::Opnum::kCertServerRequest), 0);
  EXPECT_EQ(ip::kOpnumCount, 1);
  EXPECT_EQ(ip::kMethodNames[0], "CertServerRequest");
}

TEST(IdlTableTest, EndpointMapperFollowsC706) {
  namespace e = idl::epm;
  EXPECT_EQ(e::kUuid.ToString(), "e1af8308-5d1f-11c9-91a4-08002b14a0fa");
  EXPECT_EQ(e::kVersionMajor, 3);
  EXPECT_EQ(e::kVersionMinor, 0);
  EXPECT_EQ(static_cast<int>(e::Opnum::kEptInsert), 0);
  EXPECT_EQ(static_cast<int>(e::Opnum::kEptLookup), 2);
  EXPECT_EQ(static_cast<int>(e::Opnum::kEptMap), 3);
  EXPECT_EQ(static_cast<int>(e::Opnum::kEptLookupHandleFree), 4);
  EXPECT_EQ(static_cast<int>(e::Opnum::kEptMgmtDelete), 6);
  EXPECT_EQ(e::kOpnumCount, 7);
}

TEST(IdlTableTest, InheritedInterfacesCountFromTheirBase) {
  namespace r2 = idl::icert_request_d2;
  EXPECT_EQ(r2::kUuid.ToString(), "5422fd3a-d4b8-4cef-a12e-e87d4ca22e90");
  EXPECT_EQ(static_cast<int>(r2::Opnum::kRequest), 3);
  EXPECT_EQ(static_cast<int>(r2::Opnum::kPing), 5);
  EXPECT_EQ(static_cast<int>(r2::Opnum::kRequest2), 6);
  EXPECT_EQ(static_cast<int>(r2::Opnum::kPing2), 9);
  EXPECT_EQ(r2::kOpnumCount, 10);

  namespace a2 = idl::icert_admin_d2;
  EXPECT_EQ(a2::kUuid.ToString(), "7fe0d935-dda6-443f-85d0-1cfb58fe41dd");
  EXPECT_EQ(static_cast<int>(a2::Opnum::kSetExtension), 3);
  EXPECT_EQ(static_cast<int>(a2::Opnum::kGetServerState), 19);
  EXPECT_EQ(static_cast<int>(a2::Opnum::kRestoreGetDatabaseLocations), 30);
  EXPECT_EQ(static_cast<int>(a2::Opnum::kPublishCRLs), 31);
  EXPECT_EQ(static_cast<int>(a2::Opnum::kGetConfigEntry), 44);
  EXPECT_EQ(static_cast<int>(a2::Opnum::kDeleteRow), 48);
  EXPECT_EQ(a2::kOpnumCount, 49);
}

TEST(IdlTableTest, Dcom) {
  EXPECT_EQ(idl::iremote_scm_activator::kUuid.ToString(), "000001a0-0000-0000-c000-000000000046");
  EXPECT_EQ(static_cast<int>(idl::iremote_scm_activator::Opnum::kRemoteCreateInstance), 4);
  EXPECT_EQ(idl::iobject_exporter::kUuid.ToString(), "99fcfec4-5260-101b-bbcb-00aa0021347a");
  EXPECT_EQ(static_cast<int>(idl::iobject_exporter::Opnum::kServerAlive2), 5);
  EXPECT_EQ(idl::irem_unknown2::kUuid.ToString(), "00000143-0000-0000-c000-000000000046");
  EXPECT_EQ(static_cast<int>(idl::irem_unknown2::Opnum::kRemRelease), 5);
  EXPECT_EQ(static_cast<int>(idl::irem_unknown2::Opnum::kRemQueryInterface2), 6);
}

}  // namespace
}  // namespace openadcs
