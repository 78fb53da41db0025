#include "openadcs/ndr/remote_scm_activator.h"

#include <gtest/gtest.h>

namespace openadcs::ndr::remote_scm_activator {
namespace {

ActivationRequest Sample() {
  ActivationRequest in;
  in.orpcthis.flags = 1;
  in.orpcthis.cid = *Uuid::Parse("11223344-5566-7788-99aa-bbccddeeff00");
  in.orpcthis.extensions.push_back({*Uuid::Parse("f1f19680-4d2a-11ce-a66a-0020af6e72f4"), {1, 2}});
  in.activation_properties = {0x4d, 0x45, 0x4f, 0x57, 9, 9, 9};
  return in;
}

TEST(RemoteScmActivatorTest, CreateInstanceRoundTrips) {
  ActivationRequest in = Sample();
  auto back = DecodeRemoteCreateInstanceRequest(EncodeRemoteCreateInstanceRequest(in));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, in);

  in.unk_outer_present = true;  // aggregation request: decoded so it can be refused
  back = DecodeRemoteCreateInstanceRequest(EncodeRemoteCreateInstanceRequest(in));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->unk_outer_present);
}

TEST(RemoteScmActivatorTest, GetClassObjectRoundTripsAndHasNoOuterUnknown) {
  ActivationRequest in = Sample();
  Bytes stub = EncodeRemoteGetClassObjectRequest(in);
  EXPECT_EQ(stub.size() + 4, EncodeRemoteCreateInstanceRequest(in).size());
  auto back = DecodeRemoteGetClassObjectRequest(stub);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, in);
}

TEST(RemoteScmActivatorTest, NullActivationPropertiesDecodeEmpty) {
  ActivationRequest in = Sample();
  in.activation_properties.clear();
  auto back = DecodeRemoteCreateInstanceRequest(EncodeRemoteCreateInstanceRequest(in));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->activation_properties.empty());
}

TEST(RemoteScmActivatorTest, ResponseRoundTripsWithAndWithoutProperties) {
  ActivationResponse out;
  out.hresult = 0x80070005;
  Bytes stub = EncodeActivationResponse(out);
  // ORPCTHAT {flags, NULL extensions}, NULL ppActProperties, HRESULT.
  EXPECT_EQ(HexLower(stub),
            "000000000000000000000000"
            "05000780");
  auto back = DecodeActivationResponse(stub);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, out);

  out.hresult = 0;
  out.activation_properties = {1, 2, 3};
  back = DecodeActivationResponse(EncodeActivationResponse(out));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, out);
}

TEST(RemoteScmActivatorTest, TruncationsFail) {
  Bytes stub = EncodeRemoteCreateInstanceRequest(Sample());
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(
        DecodeRemoteCreateInstanceRequest(std::span<const std::uint8_t>(stub).first(n)).ok())
        << n;
  }
  ActivationResponse out;
  out.activation_properties = {1, 2, 3};
  stub = EncodeActivationResponse(out);
  for (std::size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(DecodeActivationResponse(std::span<const std::uint8_t>(stub).first(n)).ok()) << n;
  }
}

TEST(RemoteScmActivatorTest, RejectsInterfacePointerCountMismatch) {
  Bytes stub = EncodeRemoteGetClassObjectRequest(Sample());
  // ulCntData 7 then max_count 7: make ulCntData 8.
  const std::size_t count_offset = stub.size() - 7 - 8;
  ASSERT_EQ(stub[count_offset], 7);
  stub[count_offset] = 8;
  EXPECT_FALSE(DecodeRemoteGetClassObjectRequest(stub).ok());
}

TEST(RemoteScmActivatorTest, HonoursLimits) {
  ActivationRequest in = Sample();
  in.activation_properties.assign(100, 0);
  NdrLimits limits;
  limits.max_element_count = 99;
  EXPECT_FALSE(
      DecodeRemoteCreateInstanceRequest(EncodeRemoteCreateInstanceRequest(in), limits).ok());
}

}  // namespace
}  // namespace openadcs::ndr::remote_scm_activator
