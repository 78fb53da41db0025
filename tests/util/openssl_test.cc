// FetchedDigest: the digests the CA computes per request, fetched once,
// against FIPS 180's test vectors for "abc".
#include "openadcs/util/openssl.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <string>

#include "openadcs/util/bytes.h"

namespace openadcs::ossl {
namespace {

std::string DigestOfAbc(int nid) {
  const EVP_MD* md = FetchedDigest(nid);
  if (md == nullptr) return "(none)";
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest("abc", 3, out, &n, md, nullptr) != 1) return "(failed)";
  return HexLower(std::span<const std::uint8_t>(out, n));
}

TEST(FetchedDigestTest, ComputesTheFipsVectors) {
  EXPECT_EQ(DigestOfAbc(NID_sha1), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(DigestOfAbc(NID_sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(DigestOfAbc(NID_sha384),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(DigestOfAbc(NID_sha512),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(FetchedDigestTest, NoOtherDigest) {
  EXPECT_EQ(FetchedDigest(NID_md5), nullptr);
  EXPECT_EQ(FetchedDigest(NID_undef), nullptr);
}

TEST(FetchedDigestTest, FetchedOnce) {
  EXPECT_EQ(FetchedDigest(NID_sha256), FetchedDigest(NID_sha256));
}

}  // namespace
}  // namespace openadcs::ossl
