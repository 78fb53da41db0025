#include "cli/user_command.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "openadcs/auth/user_file.h"

namespace openadcs::cli {
namespace {

struct UserArgs {
  std::string user_file = kDefaultUserFile;
  std::string password_file;
  std::string account;
};

// Reads one line from the terminal with echo off; nullopt without a terminal.
std::optional<std::string> PromptHidden(const char* prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  termios saved{};
  const bool is_tty = ::tcgetattr(fd, &saved) == 0;
  if (is_tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt, std::char_traits<char>::length(prompt));
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &saved);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return line;
}

// The password from --password-file, OPENADCS_PASSWORD or the terminal.
// Returns the exit code on failure.
std::optional<std::string> ReadPassword(const UserArgs& args, int* exit_code) {
  if (!args.password_file.empty()) {
    std::ifstream in(args.password_file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      std::cerr << "openadcs user: cannot read " << args.password_file << "\n";
      *exit_code = kExitFailure;
      return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded command line tool.
  if (const char* env = std::getenv("OPENADCS_PASSWORD"); env != nullptr) return std::string(env);
  auto first = PromptHidden("Password: ");
  if (!first) {
    std::cerr << "openadcs user: no terminal to ask for the password; use --password-file or "
                 "OPENADCS_PASSWORD\n";
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  auto second = PromptHidden("Repeat password: ");
  if (!second || *second != *first) {
    std::cerr << "openadcs user: the passwords differ\n";
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  return first;
}

int Report(const Status& status) {
  if (status.ok()) return kExitOk;
  std::cerr << "openadcs user: " << status.message() << "\n";
  return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

enum class Action { kAdd, kPasswd, kRemove, kList };

int Run(Action action, const UserArgs& args) {
  auto file = auth::UserFile::Load(args.user_file);
  if (!file.ok()) return Report(file.status());
  if (action == Action::kList) {
    for (const auth::UserEntry& e : file->users()) std::cout << e.domain << "\\" << e.user << "\n";
    return kExitOk;
  }
  auto name = auth::SplitQualifiedName(args.account);
  if (!name.ok()) return Report(name.status());
  const auto& [domain, user] = *name;
  Status status;
  if (action == Action::kRemove) {
    status = file->Remove(domain, user);
  } else {
    int code = kExitOk;
    auto password = ReadPassword(args, &code);
    if (!password) return code;
    status = action == Action::kAdd ? file->Add(domain, user, *password)
                                    : file->SetPassword(domain, user, *password);
    std::fill(password->begin(), password->end(), '\0');
  }
  if (status.ok()) status = file->Save();
  return Report(status);
}

}  // namespace

void AddUserCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<UserArgs>();
  CLI::App* user = app.add_subcommand("user", "Manage the NTLM accounts of the user file");
  user->require_subcommand(1);
  user->add_option("--user-file", args->user_file, "The NTLM user file")->capture_default_str();

  auto add_action = [&](const char* name, const char* help, Action action, bool account,
                        bool password) {
    CLI::App* sub = user->add_subcommand(name, help);
    if (account) sub->add_option("account", args->account, "DOMAIN\\user")->required();
    if (password) {
      sub->add_option("--password-file", args->password_file,
                      "Read the password from the first line of this file");
    }
    sub->callback([args, action, exit_code] { *exit_code = Run(action, *args); });
  };
  add_action("add", "Add an account", Action::kAdd, true, true);
  add_action("passwd", "Set an account's password", Action::kPasswd, true, true);
  add_action("remove", "Remove an account", Action::kRemove, true, false);
  add_action("list", "List the accounts", Action::kList, false, false);
}

}  // namespace openadcs::cli
