#include "cli/credentials.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>

namespace openadcs::cli {
namespace {

// One line from the controlling terminal with echo off; nullopt without one.
// /dev/tty rather than stdin, so a password never comes from a pipe by accident.
std::optional<std::string> PromptHidden(const std::string& prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  termios saved{};
  const bool is_tty = ::tcgetattr(fd, &saved) == 0;
  if (is_tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &saved);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return line;
}

}  // namespace

Result<std::string> ReadPassword(const std::string& password_file, const std::string& prompt,
                                 bool confirm) {
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      return Status::IOError("cannot read a password from " + password_file);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read once, before any thread exists.
  if (const char* env = std::getenv(kPasswordEnvironmentVariable)) return std::string(env);
  std::optional<std::string> first = PromptHidden(prompt);
  if (!first) {
    return Status::InvalidArgument(std::string("no terminal to ask for the password; use "
                                               "--password-file or ") +
                                   kPasswordEnvironmentVariable);
  }
  if (confirm) {
    std::optional<std::string> second = PromptHidden("Repeat: ");
    const bool same = second && *second == *first;
    if (second) std::fill(second->begin(), second->end(), '\0');
    if (!same) return Status::InvalidArgument("the passwords differ");
  }
  return *first;
}

}  // namespace openadcs::cli
