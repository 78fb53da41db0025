#include "cli/user_command.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/credentials.h"
#include "openadcs/auth/user_file.h"

namespace openadcs::cli {
namespace {

struct UserArgs {
  std::string user_file = kDefaultUserFile;
  std::string password_file;
  std::string account;
};

// The password from --password-file, OPENADCS_PASSWORD or the terminal.
// Returns the exit code on failure.
std::optional<std::string> ReadNewPassword(const UserArgs& args, int* exit_code) {
  Result<std::string> password = ReadPassword(args.password_file, "Password: ", true);
  if (!password.ok()) {
    std::cerr << "openadcs user: " << password.status().message() << "\n";
    *exit_code =
        password.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    return std::nullopt;
  }
  return std::move(*password);
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
    auto password = ReadNewPassword(args, &code);
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
