#include "cli/maintenance_commands.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>

#include "cli/admin_args.h"
#include "cli/connection.h"
#include "cli/exit_codes.h"
#include "openadcs/client/cert_admin_client.h"

namespace openadcs::cli {
namespace {

// Above any certificate a CA database holds (MS-CSRA Raw_Certificate: 16 KiB).
constexpr std::size_t kMaxCertificateFileBytes = std::size_t{64} * 1024;
// Calls of one delete by date: at the server's 1000 rows a call, a million
// rows; a CA that keeps saying "more" is not believed past that.
constexpr int kMaxDeleteCalls = 1000;

struct DeleteFlags {
  ConnectionFlags connection;
  std::uint32_t row_id = 0;
  std::string table;
  std::string expired_before;
  std::string changed_before;
};

int RunDelete(const DeleteFlags& f) {
  const int forms = (f.row_id != 0 ? 1 : 0) + (f.expired_before.empty() ? 0 : 1) +
                    (f.changed_before.empty() ? 0 : 1);
  if (forms != 1) {
    return UsageError(
        Status::InvalidArgument("give one of ID, --expired-before and --changed-before"));
  }
  Result<std::uint32_t> table = ParseTable(f.table.empty() ? "request" : f.table);
  if (!table.ok()) return UsageError(table.status());
  std::uint32_t flags = 0;
  client::FileTime before;
  if (f.row_id == 0) {
    const bool expired = !f.expired_before.empty();
    Result<client::FileTime> date = ParseIso8601(expired ? f.expired_before : f.changed_before);
    if (!date.ok()) return UsageError(date.status());
    before = *date;
    // The CRL table knows only expiry; the rest select requests.
    if (*table == client::kTableCrl && expired) {
      flags = 0;
    } else if (*table == client::kTableRequest) {
      flags = expired ? client::kDeleteExpired : client::kDeleteLastChanged;
    } else {
      return UsageError(
          Status::InvalidArgument(expired ? "--expired-before applies to the request and crl tables"
                                          : "--changed-before applies to the request table"));
    }
  }
  return WithAdmin(f.connection, [&](client::CertAdminClient& c) {
    std::uint64_t total = 0;
    for (int call = 0; call < kMaxDeleteCalls; ++call) {
      Result<client::DeletedRows> n = c.DeleteRow(*table, flags, before, f.row_id);
      if (!n.ok()) {
        if (total != 0) std::cerr << "deleted: " << total << " row(s) before the error\n";
        return FailCall("deleting rows", n.status());
      }
      total += n->count;
      if (!n->more) {
        std::cout << "deleted: " << total << " row(s)\n";
        return kExitOk;
      }
    }
    std::cerr << fmt::format(
        "openadcs: deleted {} row(s); the CA still reports more after {} "
        "calls\n",
        total, kMaxDeleteCalls);
    return kExitFailure;
  });
}

}  // namespace

void RegisterMaintenanceCommands(CLI::App& app, int* exit_code) {
  auto df = std::make_shared<DeleteFlags>();
  CLI::App* del = app.add_subcommand(
      "delete-row", "delete a database row, or rows by date (DeleteRow), over DCOM");
  AddConnectionFlags(del, &df->connection, false);
  del->add_option("id", df->row_id, "row id: a request id, or a CRL row id with --table crl")
      ->check(CLI::PositiveNumber);
  del->add_option("--table", df->table, "request (default), extension, attribute or crl");
  del->add_option("--expired-before", df->expired_before,
                  "delete certificates (or CRLs) that expired before this ISO 8601 UTC date");
  del->add_option("--changed-before", df->changed_before,
                  "delete pending, failed and denied requests last changed before this date");
  del->callback([df, exit_code] { *exit_code = RunDelete(*df); });

  struct ImportFlags {
    ConnectionFlags connection;
    std::string file;
  };
  auto imf = std::make_shared<ImportFlags>();
  CLI::App* import = app.add_subcommand(
      "import-cert", "import a certificate this CA issued (ImportCertificate), over DCOM");
  AddConnectionFlags(import, &imf->connection, false);
  import->add_option("file", imf->file, "the certificate, DER or PEM")->required();
  import->callback([imf, exit_code] {
    Result<Bytes> der = ReadDerOrPemFile(imf->file, kMaxCertificateFileBytes);
  if (!der.ok()) {
    *exit_code = der.status().code() == StatusCode::kIOError
                     ? Fail("reading " + imf->file, der.status())
                     : UsageError(der.status());
    return;
  }
  *exit_code = WithAdmin(imf->connection, [&](client::CertAdminClient& c) {
    Result<std::uint32_t> id = c.ImportCertificate(*der, 0);
    if (!id.ok()) return FailCall("importing " + imf->file, id.status());
    std::cout << "imported: request " << *id << '\n';
    return kExitOk;
  });
});
}  // namespace openadcs::cli

}  // namespace openadcs::cli
