#include "cli/credentials.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace openadcs::cli {

Result<std::string> ReadPassword(const std::string& password_file, const std::string& prompt) {
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      return Status::IOError("cannot read a password from " + password_file);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  if (const char* env = std::getenv(kPasswordEnvironmentVariable)) return std::string(env);
  if (isatty(STDIN_FILENO) == 0) {
    return Status::InvalidArgument(std::string("no password: use --password-file or ") +
                                   kPasswordEnvironmentVariable + ", or run on a terminal");
  }
  std::cerr << prompt << std::flush;
  termios saved{};
  const bool have_tty = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (have_tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (have_tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::cerr << '\n';
  return line;
}

}  // namespace openadcs::cli
