#include "openadcs/util/random.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <set>
#include <vector>

namespace openadcs {
namespace {

using Draw = std::array<std::uint8_t, 16>;

Draw Next() {
  Draw d{};
  EXPECT_TRUE(RandomBytes(d).ok());
  return d;
}

// Several blocks' worth of small draws, and draws of the sizes around the
// pooled limit: no two alike.
TEST(RandomBytesTest, DrawsNeverRepeat) {
  std::set<Draw> seen;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.insert(Next()).second);
  std::set<std::vector<std::uint8_t>> big;
  for (std::size_t n : {63u, 64u, 65u, 300u}) {
    std::vector<std::uint8_t> b(n);
    ASSERT_TRUE(RandomBytes(b).ok());
    EXPECT_NE(b, std::vector<std::uint8_t>(n, 0));
    EXPECT_TRUE(big.insert(b).second);
  }
}

// A forked child does not hand out what its parent will: the parent's
// block is forgotten in the child.
TEST(RandomBytesTest, AForkedChildDrawsAfresh) {
  (void)Next();  // a block with bytes left in it
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const Draw d = Next();
    const bool written = ::write(pipe_fds[1], d.data(), d.size()) == static_cast<ssize_t>(d.size());
    ::_exit(written ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  Draw from_child{};
  EXPECT_EQ(::read(pipe_fds[0], from_child.data(), from_child.size()),
            static_cast<ssize_t>(from_child.size()));
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(Next(), from_child);
}

}  // namespace
}  // namespace openadcs
