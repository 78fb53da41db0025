#include "openadcs/util/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <cstring>

namespace openadcs {
namespace {

constexpr std::size_t kBlockSize = 256;
constexpr std::size_t kLargestPooledDraw = 64;

// [kBlockSize - left, kBlockSize) of `bytes` are unused DRBG output; the
// rest is zero.
struct Block {
  std::array<std::uint8_t, kBlockSize> bytes{};
  std::size_t left = 0;
  ~Block() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

thread_local Block block;

// Runs in the child, whose only thread is the one that forked.
void ForgetInChild() {
  OPENSSL_cleanse(block.bytes.data(), block.bytes.size());
  block.left = 0;
}

}  // namespace

Status RandomBytes(std::span<std::uint8_t> out) {
  [[maybe_unused]] static const int registered = pthread_atfork(nullptr, nullptr, ForgetInChild);
  if (out.size() > kLargestPooledDraw) {
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
      return Status::Internal("OpenSSL's random generator failed");
    }
    return Status::Ok();
  }
  if (block.left < out.size()) {
    if (RAND_bytes(block.bytes.data(), static_cast<int>(kBlockSize)) != 1) {
      OPENSSL_cleanse(block.bytes.data(), block.bytes.size());
      block.left = 0;
      return Status::Internal("OpenSSL's random generator failed");
    }
    block.left = kBlockSize;
  }
  std::uint8_t* from = block.bytes.data() + (kBlockSize - block.left);
  std::memcpy(out.data(), from, out.size());
  OPENSSL_cleanse(from, out.size());
  block.left -= out.size();
  return Status::Ok();
}

}  // namespace openadcs
