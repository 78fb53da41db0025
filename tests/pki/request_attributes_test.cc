#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "openadcs/pki/request_parser.h"

namespace openadcs::pki {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(ParseRequestAttributesTest, TemplateAndSan) {
  EXPECT_THAT(
      ParseRequestAttributes("CertificateTemplate:User\nSAN:dns=a.example&dns=b.example"),
      ElementsAre(Pair("CertificateTemplate", "User"), Pair("SAN", "dns=a.example&dns=b.example")));
}

TEST(ParseRequestAttributesTest, SpacesAndMinusRemovedFromNames) {
  EXPECT_THAT(ParseRequestAttributes("Certificate Template:User\nValidity-Period : Weeks\n"
                                     " Validity - Period Units:3"),
              ElementsAre(Pair("CertificateTemplate", "User"), Pair("ValidityPeriod", "Weeks"),
                          Pair("ValidityPeriodUnits", "3")));
}

TEST(ParseRequestAttributesTest, CrlfLineEndings) {
  EXPECT_THAT(ParseRequestAttributes("CertificateTemplate:User\r\nrmd:host.example\r\n"),
              ElementsAre(Pair("CertificateTemplate", "User"), Pair("rmd", "host.example")));
}

TEST(ParseRequestAttributesTest, ValuesTrimmedButInnerBlanksKept) {
  EXPECT_THAT(ParseRequestAttributes("ExpirationDate:  Tue, 21 Nov 2000 01:06:53 GMT  "),
              ElementsAre(Pair("ExpirationDate", "Tue, 21 Nov 2000 01:06:53 GMT")));
}

TEST(ParseRequestAttributesTest, MalformedLinesSkipped) {
  EXPECT_THAT(ParseRequestAttributes("no separator here\n:value without name\n - :dashes only\n"
                                     "\n\r\nGood:yes"),
              ElementsAre(Pair("Good", "yes")));
}

TEST(ParseRequestAttributesTest, EmptyValuesKept) {
  EXPECT_THAT(ParseRequestAttributes("rmd:\nccm:   \n"),
              ElementsAre(Pair("rmd", ""), Pair("ccm", "")));
}

TEST(ParseRequestAttributesTest, OnlyFirstColonSeparates) {
  EXPECT_THAT(ParseRequestAttributes("certfile:c:\\mycert.cer"),
              ElementsAre(Pair("certfile", "c:\\mycert.cer")));
}

TEST(ParseRequestAttributesTest, OrderAndDuplicatesKept) {
  EXPECT_THAT(ParseRequestAttributes("a:1\nb:2\na:3"),
              ElementsAre(Pair("a", "1"), Pair("b", "2"), Pair("a", "3")));
}

TEST(ParseRequestAttributesTest, EmptyInput) {
  EXPECT_THAT(ParseRequestAttributes(""), IsEmpty());
  EXPECT_THAT(ParseRequestAttributes("\n\n"), IsEmpty());
}

}  // namespace
}  // namespace openadcs::pki
