// The database maintenance of MS-CSRA: DeleteRow (3.1.4.2.18) and
// ImportCertificate (3.1.4.1.26).
#include <openssl/err.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "ca/certificate_columns.h"
#include "ca/engine_impl.h"
#include "openadcs/ca/access.h"
#include "openadcs/pki/name.h"
#include "openadcs/util/hresult.h"

namespace openadcs::ca {
namespace {

using db::Disposition;
using db::Table;
using engine_internal::Hex32;

// Raw_Certificate's cbMax in MS-CSRA 3.1.1.1.2 (the column catalogue's).
constexpr std::size_t kMaxImportBytes = 16384;

std::string_view TableName(Table t) {
  switch (t) {
    case Table::kRequestCertificate: return "request";
    case Table::kExtension: return "extension";
    case Table::kAttribute: return "attribute";
    case Table::kCrl: return "CRL";
  }
  return "?";
}

Status BadDelete(const std::string& why) {
  spdlog::warn("ca: DeleteRow refused: {}", why);
  return Status::InvalidArgument(why, hr::kInvalidArg);
}

// The flags MS-CSRA 3.1.4.2.18 allows for `r`'s table and form (one row or
// by date), and the rows a date selects.
Result<db::BulkDelete> CheckDelete(const DeleteRowsRequest& r) {
  using R = DeleteRowsRequest;
  if ((r.row_id == 0) == (r.before == 0)) {
    return BadDelete("exactly one of the row id and the date must be given");
  }
  switch (r.table) {
    case Table::kRequestCertificate:
      if (r.flags != 0 && r.flags != R::kDeleteExpired && r.flags != R::kDeleteStale) {
        return BadDelete("flags " + Hex32(r.flags) + " are not 0, 1 or 2");
      }
      if (r.before != 0 && r.flags == 0) {
        return BadDelete("a delete by date needs flag 1 (expired) or 2 (last changed)");
      }
      return r.flags == R::kDeleteExpired ? db::BulkDelete::kExpiredCertificates
                                          : db::BulkDelete::kStaleRequests;
    case Table::kExtension:
    case Table::kAttribute:
      if (r.row_id == 0) return BadDelete("the extension and attribute tables delete by id only");
      if (r.flags != 0) return BadDelete("flags must be 0 for the extension and attribute tables");
      return db::BulkDelete::kStaleRequests;  // not used: by id
    case Table::kCrl:
      if (r.flags != 0 && r.flags != R::kDeleteExpired) {
        return BadDelete("flags " + Hex32(r.flags) + " are not 0 or 1 for the CRL table");
      }
      return db::BulkDelete::kExpiredCrls;
  }
  return BadDelete("unknown table " + Hex32(static_cast<std::uint32_t>(r.table)));
}

}  // namespace

Result<db::DeleteCount> Engine::Impl::DeleteRows(const Caller& admin, const DeleteRowsRequest& r) {
  // MS-CSRA 3.1.1.7: Administrator and Officer must both be held.
  OPENADCS_RETURN_IF_ERROR(security_.Require(admin, rights::kAdmin, "delete database rows"));
  OPENADCS_RETURN_IF_ERROR(security_.Require(admin, rights::kOfficer, "delete database rows"));
  Result<db::BulkDelete> which = CheckDelete(r);
  if (!which.ok()) return which.status();
  const std::string table(TableName(r.table));
  db::DeleteCount count;
  if (r.row_id != 0) {
    Result<std::uint32_t> n = store_.DeleteRow(
        r.table, r.row_id,
        Audit(admin.name, "delete-row", r.table == Table::kCrl ? 0 : r.row_id, table + " row"));
    if (!n.ok()) return MapOfficerStatus(n.status(), r.row_id);
    count.deleted = *n;
  } else {
    std::string detail = table + " rows " +
                         (*which == db::BulkDelete::kExpiredCertificates ? "expired"
                          : *which == db::BulkDelete::kStaleRequests     ? "last changed"
                                                                         : "with nextUpdate") +
                         " before " + std::to_string(r.before);
    Result<db::DeleteCount> n = store_.DeleteRowsBefore(*which, r.before, db::kMaxDeleteRowsPerCall,
                                                        Audit(admin.name, "delete-row", 0, detail));
    if (!n.ok()) return MapOfficerStatus(n.status(), 0);
    count = *n;
  }
  spdlog::info(
      "ca: {} deleted {} {} row(s){}{}", admin.name, count.deleted, table,
      r.row_id != 0 ? " of id " + std::to_string(r.row_id) : " before " + std::to_string(r.before),
      count.more ? "; more remain" : "");
  return count;
}

Result<std::uint32_t> Engine::Impl::ImportCertificate(const Caller& officer,
                                                      std::span<const std::uint8_t> der,
                                                      std::uint32_t flags) {
  OPENADCS_RETURN_IF_ERROR(security_.Require(officer, rights::kOfficer, "import a certificate"));
  if ((flags & kImportExistingRow) != 0) {
    spdlog::warn("ca: {} asked to import into an existing row (ICF_EXISTINGROW): not supported",
                 officer.name);
    return Status::Error(StatusCode::kInvalidArgument,
                         "importing into an existing request row is not supported", hr::kNotImpl);
  }
  if ((flags & ~kImportAllowForeign) != 0) {
    spdlog::warn("ca: {} sent ImportCertificate flags {}", officer.name, Hex32(flags));
    return Status::InvalidArgument("unknown ImportCertificate flags " + Hex32(flags),
                                   hr::kInvalidArg);
  }
  const unsigned char* p = der.data();
  ossl::X509Ptr cert;
  if (der.size() <= kMaxImportBytes) {
    cert.reset(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  }
  if (cert == nullptr || p != der.data() + der.size()) {
    spdlog::warn("ca: {} tried to import {} bytes that are not one DER certificate", officer.name,
                 der.size());
    return Status::InvalidArgument(
        "not a DER certificate of at most " + std::to_string(kMaxImportBytes) + " bytes",
        hr::kInvalidData);
  }
  // Signed by this CA's key, and naming it as issuer. Foreign certificates
  // are refused even with ICF_ALLOWFOREIGN, as Windows does unless its
  // KRAFlags allow them (MS-CSRA note <71>): a CA's database lists what the
  // CA issued.
  X509* ca_cert = identity_.certificate();
  if (X509_verify(cert.get(), X509_get0_pubkey(ca_cert)) != 1 ||
      X509_NAME_cmp(X509_get_issuer_name(cert.get()), X509_get_subject_name(ca_cert)) != 0) {
    ERR_clear_error();
    spdlog::warn("ca: {} tried to import a certificate not issued by this CA (flags {})",
                 officer.name, Hex32(flags));
    return Status::FailedPrecondition("the certificate was not issued by this CA",
                                      hr::kIssuerChaining);
  }
  db::RequestRecord rec;
  rec.disposition = Disposition::kIssued;
  rec.status_code = 0;
  rec.disposition_message = "Imported by " + officer.name;
  rec.submitted_when = rec.resolved_when = clock_();
  rec.requester_name = rec.caller_name = officer.name;
  rec.requester_sid = officer.sid;
  rec.officer = officer.name;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  rec.distinguished_name = pki::FormatDistinguishedName(subject);
  rec.raw_name = ossl::ToDer(subject, i2d_X509_NAME);
  rec.subject = SubjectPartsOf(subject);
  rec.certificate = CertificateColumnsOf(cert.get(), X509_get0_pubkey(cert.get()), {});
  const std::string serial = rec.certificate->serial_number;
  Result<std::uint32_t> id = store_.InsertRequest(
      rec, {}, {},
      Audit(officer.name, "import", 0, "serial " + serial + "; subject " + rec.distinguished_name));
  if (!id.ok()) {
    if (id.status().code() == StatusCode::kAlreadyExists) {
      spdlog::warn("ca: {} tried to import serial {}, which is already in the database",
                   officer.name, serial);
      return Status::Error(StatusCode::kAlreadyExists,
                           "serial number " + serial + " is already in the database",
                           hr::kObjectExists);
    }
    return MapOfficerStatus(id.status(), 0);
  }
  spdlog::info("[req {}] imported by {}: serial {}", *id, officer.name, serial);
  return *id;
}

}  // namespace openadcs::ca
