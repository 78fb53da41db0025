// The DCOM client's choice of where to reach the object exporter.
#include "openadcs/client/cert_request_client.h"

#include <gtest/gtest.h>

namespace openadcs::client {
namespace {

using ndr::objref::DualStringArray;
using ndr::objref::StringBinding;

DualStringArray Bindings(std::vector<StringBinding> b) {
  DualStringArray a;
  a.string_bindings = std::move(b);
  return a;
}

TEST(ChooseStringBindingTest, TakesTheBindingOfTheDialledAddress) {
  Result<std::pair<std::string, std::uint16_t>> r = ChooseStringBinding(
      "10.0.0.5", Bindings({{7, u"192.168.1.9[50001]"}, {7, u"10.0.0.5[50002]"}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first, "10.0.0.5");
  EXPECT_EQ(r->second, 50002);
}

// Behind NAT or when dialled by name, the advertised address is not
// reachable as such: keep the dialled host, take the advertised port.
TEST(ChooseStringBindingTest, FallsBackToTheDialledHostWithTheAdvertisedPort) {
  Result<std::pair<std::string, std::uint16_t>> r =
      ChooseStringBinding("ca.example.com", Bindings({{7, u"172.17.0.2[49731]"}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first, "ca.example.com");
  EXPECT_EQ(r->second, 49731);
}

TEST(ChooseStringBindingTest, SkipsOtherTowersAndMalformedBindings) {
  Result<std::pair<std::string, std::uint16_t>> r =
      ChooseStringBinding("h", Bindings({{0x1f, u"h[1]"},
                                         {7, u"h"},
                                         {7, u"h[99999]"},
                                         {7, u"h[12x]"},
                                         {7, u"h[0]"},
                                         {7, u"[5]"},
                                         {7, u"x[4242]"}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first, "h");
  EXPECT_EQ(r->second, 4242);
}

TEST(ChooseStringBindingTest, NoTcpBindingIsNotFound) {
  EXPECT_EQ(ChooseStringBinding("h", Bindings({})).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ChooseStringBinding("h", Bindings({{7, u"h"}})).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace openadcs::client
