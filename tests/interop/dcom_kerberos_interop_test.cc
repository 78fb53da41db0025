// Kerberos (through SPNEGO, auth type 9, as impacket speaks it) against the
// real daemon: Samba's KDC issues the tickets, the daemon holds the keytab of
// the CA's service account, and Debian's python3-impacket enrolls over
// ICertPassage and over DCOM at packet privacy, which tshark decodes without
// complaint. impacket cannot sign with Kerberos, so our own initiator checks
// integrity (and header signing) against the acceptor in-process, and that
// the identity's SIDs (a group of the user's among them) come from the PAC.
// The `openadcs` CLI with -k (raw Kerberos, auth type 16) enrolls over both
// protocols at privacy. Tickets for another service, tickets the keytab has
// no key for, a keytab with the right key versions but other keys, and an
// expired ticket are refused.
//
// Samba's and the DCOM ports are fixed (88, 389, 135), so this lives in the
// dcom_interop_test binary, whose tests each run in a network namespace of
// their own. Provisioning Samba takes up to a minute, so one test walks
// through every case on one domain.
//
// The expired ticket is forged (kerberos_forge.py): Samba's KDC issues
// tickets no shorter than its minimum lifetime and no clock can be moved
// here, so the test re-encrypts a real ticket with the service key from the
// keytab and an end time in the past.
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "openadcs/auth/kerberos_acceptor.h"
#include "openadcs/auth/kerberos_initiator.h"
#include "openadcs/db/sqlite_store.h"
#include "openadcs/util/bytes.h"
#include "testing/daemon_process.h"
#include "testing/interop_daemon.h"
#include "testing/ldap_samba.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using testing::JsonField;
using testing::RunTshark;
using testing::WaitForText;

constexpr const char* kCaName = testing::InteropDaemon::kCaName;
constexpr const char* kCaHost = "ca.example.com";
constexpr const char* kOtherHost = "other.example.com";
constexpr const char* kUserPassword = "Alice.Kerberos-1";
constexpr const char* kServicePassword = "Ca.Service-Acct-1";

Result<std::unique_ptr<auth::SecurityContext>> NewServerContext(
    const std::filesystem::path& keytab) {
  auth::KerberosAcceptorOptions options;
  options.keytab = keytab;
  options.realm = "EXAMPLE.COM";
  options.netbios_domain_name = "EXAMPLE";
  Result<std::unique_ptr<auth::Acceptor>> acceptor = auth::NewKerberosAcceptor(options);
  if (!acceptor.ok()) return acceptor.status();
  return (*acceptor)->NewContext();
}

// Our initiator (the client library's) with the ticket to
// host/ca.example.com in `ccache`.
Result<std::unique_ptr<auth::SecurityContext>> NewClientContext(
    const std::filesystem::path& ccache) {
  auth::KerberosInitiatorOptions initiator;
  initiator.ccache = ccache.string();
  initiator.target = std::string("host/") + kCaHost;
  return auth::NewKerberosClientContext(initiator);
}

// Our initiator against the acceptor in this process: the three DCE-style
// legs, then PDUs both ways at integrity and privacy, and tampered ones
// refused. With `header_signing` (PFC_SUPPORT_HEADER_SIGN) the header and
// trailer are signed too. The identity's SIDs come from the ticket's PAC,
// with `group_sid` among them.
void ExpectInitiatorInterworks(const std::filesystem::path& keytab,
                               const std::filesystem::path& ccache, bool header_signing,
                               const std::string& group_sid) {
  auth::KerberosAcceptorOptions options;
  options.keytab = keytab;
  options.realm = "EXAMPLE.COM";
  options.netbios_domain_name = "EXAMPLE";
  Result<std::unique_ptr<auth::Acceptor>> acceptor = auth::NewKerberosAcceptor(options);
  ASSERT_TRUE(acceptor.ok()) << acceptor.status().message();
  // MIT reads files for every AP-REQ, and never asks the KDC: the RPC
  // runtime runs the legs off its io thread, without waiting for logons that
  // ask a domain controller.
  EXPECT_EQ((*acceptor)->StepWaitFor({}), auth::StepWait::kLocal);
  Result<std::unique_ptr<auth::SecurityContext>> server = NewServerContext(keytab);
  ASSERT_TRUE(server.ok()) << server.status().message();
  auth::SecurityContext& s = **server;
  Result<std::unique_ptr<auth::SecurityContext>> client = NewClientContext(ccache);
  ASSERT_TRUE(client.ok()) << client.status().message();
  auth::SecurityContext& c = **client;
  s.set_header_signing(header_signing);
  c.set_header_signing(header_signing);

  Result<Bytes> ap_req = c.Step({});
  ASSERT_TRUE(ap_req.ok()) << ap_req.status().message();
  Result<Bytes> ap_rep = s.Step(*ap_req);
  ASSERT_TRUE(ap_rep.ok()) << ap_rep.status().message();
  ASSERT_FALSE(s.established());
  Result<Bytes> third = c.Step(*ap_rep);
  ASSERT_TRUE(third.ok()) << third.status().message();
  ASSERT_TRUE(c.established());
  EXPECT_FALSE(third->empty());
  Result<Bytes> last = s.Step(*third);
  ASSERT_TRUE(last.ok()) << last.status().message();
  EXPECT_TRUE(last->empty());
  ASSERT_TRUE(s.established());
  EXPECT_EQ(s.identity().Qualified(), "EXAMPLE\\alice");
  EXPECT_EQ(c.identity().Qualified(), "EXAMPLE.COM\\alice");
  EXPECT_TRUE(s.identity().sids_from_pac);
  EXPECT_TRUE(s.identity().sid.starts_with("S-1-5-21-")) << s.identity().sid;
  EXPECT_NE(std::find(s.identity().group_sids.begin(), s.identity().group_sids.end(), group_sid),
            s.identity().group_sids.end())
      << group_sid;

  // A PDU: 16 header bytes, a 32-byte body, an 8-byte trailer.
  constexpr std::size_t kBody = 16;
  constexpr std::size_t kBodyLength = 32;
  Bytes pdu(kBody + kBodyLength + 8);
  for (std::size_t i = 0; i < pdu.size(); ++i) pdu[i] = static_cast<std::uint8_t>(i);
  const Bytes plain = pdu;
  for (auth::AuthLevel level : {auth::AuthLevel::kIntegrity, auth::AuthLevel::kPrivacy}) {
    SCOPED_TRACE(static_cast<int>(level));
    ASSERT_EQ(c.signature_size(level), s.signature_size(level));
    for (auto [from, to] : {std::pair(&c, &s), std::pair(&s, &c)}) {
      Bytes signature(from->signature_size(level));
      Status st = from->Protect(level, pdu, kBody, kBodyLength, signature);
      ASSERT_TRUE(st.ok()) << st.message();
      EXPECT_EQ(pdu != plain, level == auth::AuthLevel::kPrivacy);
      st = to->Unprotect(level, pdu, kBody, kBodyLength, signature);
      ASSERT_TRUE(st.ok()) << st.message();
      EXPECT_EQ(pdu, plain);
    }
  }

  // A flipped header byte under a good MIC: refused with header signing,
  // not looked at without (which a flipped body byte then is).
  Bytes signature(c.signature_size(auth::AuthLevel::kIntegrity));
  ASSERT_TRUE(c.Protect(auth::AuthLevel::kIntegrity, pdu, kBody, kBodyLength, signature).ok());
  pdu[2] ^= 1;
  const Status header =
      s.Unprotect(auth::AuthLevel::kIntegrity, pdu, kBody, kBodyLength, signature);
  pdu[2] ^= 1;
  if (header_signing) {
    EXPECT_EQ(header.code(), StatusCode::kPermissionDenied);
    return;
  }
  ASSERT_TRUE(header.ok()) << header.message();
  ASSERT_TRUE(c.Protect(auth::AuthLevel::kIntegrity, pdu, kBody, kBodyLength, signature).ok());
  pdu[kBody] ^= 1;
  EXPECT_EQ(s.Unprotect(auth::AuthLevel::kIntegrity, pdu, kBody, kBodyLength, signature).code(),
            StatusCode::kPermissionDenied);
}

// The right principals and key versions with other keys: MIT cannot decrypt
// the ticket and the acceptor refuses it.
void ExpectWrongKeytabRefused(const std::filesystem::path& keytab,
                              const std::filesystem::path& ccache) {
  const std::filesystem::path wrong = keytab.parent_path() / "wrong.keytab";
  const std::string json = testing::RunInteropScript(
      "kerberos_forge.py", {"rekey", "--keytab", keytab.string(), "--out", wrong.string()});
  ASSERT_EQ(JsonField(json, "error"), "") << json;
  Result<std::unique_ptr<auth::SecurityContext>> server = NewServerContext(wrong);
  ASSERT_TRUE(server.ok()) << server.status().message();
  Result<std::unique_ptr<auth::SecurityContext>> client = NewClientContext(ccache);
  ASSERT_TRUE(client.ok()) << client.status().message();
  Result<Bytes> ap_req = (*client)->Step({});
  ASSERT_TRUE(ap_req.ok()) << ap_req.status().message();
  Result<Bytes> ap_rep = (*server)->Step(*ap_req);
  ASSERT_FALSE(ap_rep.ok());
  EXPECT_EQ(ap_rep.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(ap_rep.status().message().find("Kerberos authentication failed"), std::string::npos)
      << ap_rep.status().message();
}

// A copy of `ccache` whose ticket to host/ca.example.com ended two hours ago,
// re-encrypted with the service key, so only its times are wrong.
std::filesystem::path ExpiredTicketCache(const std::filesystem::path& keytab,
                                         const std::filesystem::path& ccache) {
  std::filesystem::path expired = ccache.parent_path() / "expired.ccache";
  const std::string json = testing::RunInteropScript(
      "kerberos_forge.py",
      {"expire", "--keytab", keytab.string(), "--ccache", ccache.string(), "--service",
       std::string("host/") + kCaHost, "--out", expired.string()});
  EXPECT_EQ(JsonField(json, "error"), "") << json;
  return expired;
}

class KerberosInteropTest : public testing::InteropTest {
 protected:
  // impacket as alice with the tickets of `ccache`, to host/`host_name`.
  static std::string Icpr(const std::filesystem::path& ccache, const std::string& host_name,
                          const std::string& csr_cn, const std::string& level = "privacy") {
    return testing::RunInteropScript(
        "icpr_client.py",
        {"--epm-port", "135", "--authority", kCaName, "--domain", "EXAMPLE.COM", "--user", "alice",
         "--kerberos", host_name, "--ccache", ccache.string(), "--level", level, "--template",
         "AutoIssueSubject", "--csr", CsrFile(csr_cn).string()});
  }

  // The CLI with Samba's krb5.conf, KRB5CCNAME naming `krb5ccname` and no
  // password anywhere.
  static testing::CommandResult RunKerberosCli(const testing::SambaServer& samba,
                                               const std::filesystem::path& krb5ccname,
                                               const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "-u",
                                     "OPENADCS_PASSWORD",
                                     "KRB5_CONFIG=" + samba.krb5_conf().string(),
                                     "KRB5CCNAME=FILE:" + krb5ccname.string(),
                                     std::string(OPENADCS_BINARY_DIR) + "/openadcs"};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunCommand(argv, "", std::chrono::seconds(60));
  }

  // `openadcs request -k` (at privacy, the default) as alice, over
  // ICertPassage with the cache that KRB5CCNAME names, or over DCOM with
  // --ccache (KRB5CCNAME then names no cache). Checks that the certificate
  // is issued and that the CA recorded EXAMPLE\\alice as its requester.
  static void ExpectCliEnrolls(const testing::SambaServer& samba,
                               const std::filesystem::path& ccache, bool icpr) {
    const std::string name = icpr ? "kerberos-cli-icpr" : "kerberos-cli-dcom";
    const std::filesystem::path pem = daemon_->dir() / (name + ".pem");
    const std::filesystem::path key = daemon_->dir() / (name + ".key");
    std::vector<std::string> args = {
        "request",   "-k",         "--spn",     std::string("host/") + kCaHost,
        "--ca",      kCaName,      "-t",        "AutoIssueSubject",
        "--subject", "CN=" + name, "--key-out", key.string(),
        "-o",        pem.string()};
    if (icpr) {
      args.emplace_back("--icpr");
    } else {
      args.insert(args.end(), {"--ccache", ccache.string()});
    }
    const testing::CommandResult issued =
        RunKerberosCli(samba, icpr ? ccache : daemon_->dir() / "none.ccache", args);
    ASSERT_EQ(issued.exit_code, 0) << issued.output << DaemonLog();

    const std::optional<Bytes> der = Base64Decode(testing::ReadTextFile(pem));
    ASSERT_TRUE(der.has_value());
    ossl::X509Ptr cert = testing::ParseCertDer(*der);
    ASSERT_NE(cert, nullptr);
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
    Result<std::unique_ptr<db::CaStore>> store =
        db::OpenSqliteStore({daemon_->state_dir() / "ca.db"});
    ASSERT_TRUE(store.ok()) << store.status().message();
    Result<db::RequestRecord> row = (*store)->GetRequestBySerial(HexLower(
        {ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial))}));
    ASSERT_TRUE(row.ok()) << row.status().message();
    EXPECT_EQ(row->requester_name, "EXAMPLE\\alice");
  }

  static std::string Dcom(const std::filesystem::path& ccache, const std::string& host_name,
                          const std::string& csr_cn) {
    return testing::RunInteropScript(
        "dcom_client.py", {"request", "--authority", kCaName, "--domain", "EXAMPLE.COM", "--user",
                           "alice", "--kerberos", host_name, "--ccache", ccache.string(),
                           "--template", "AutoIssueSubject", "--csr", CsrFile(csr_cn).string()});
  }
};

TEST_F(KerberosInteropTest, ImpacketEnrollsWithKerberosAndWrongTicketsAreRefused) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "samba");
  std::string error;
  std::unique_ptr<testing::SambaServer> samba =
      testing::SambaServer::Start(dir.path() / "samba", &error);
  ASSERT_NE(samba, nullptr) << error;
  ASSERT_EQ(samba->AddUser("alice", kUserPassword), "");
  ASSERT_EQ(samba->AddUser("caacct", kServicePassword), "");
  ASSERT_EQ(samba->AddSpn("caacct", std::string("HOST/") + kCaHost), "");
  // Another password: accounts without msDS-SupportedEncryptionTypes get
  // RC4 tickets, whose key is the password's NT hash, salted with nothing.
  ASSERT_EQ(samba->AddUser("otheracct", "Other.Service-Acct-1"), "");
  ASSERT_EQ(samba->AddSpn("otheracct", std::string("HOST/") + kOtherHost), "");
  const std::filesystem::path keytab = dir.path() / "ca.keytab";
  // The account's keys (AES and RC4, salted with its name); tickets to any
  // of its SPNs are encrypted with them.
  ASSERT_EQ(samba->ExportKeytab(keytab, "caacct"), "");
  // A group of alice's, which the KDC puts in her tickets' PAC.
  const std::string group_dn = testing::SambaServer::UserDn("caenrollers");
  ASSERT_EQ(samba->CreateGroup("caenrollers"), "");
  ASSERT_EQ(samba->AddMember(group_dn, testing::SambaServer::UserDn("alice")), "");
  const std::string group_sid = samba->ObjectSid(group_dn);
  ASSERT_FALSE(group_sid.empty());

  ASSERT_TRUE(
      StartDaemon("[rpc]\naddress = \"127.0.0.1\"\nepm_port = 135\nicpr_port = 0\n"
                  "netbios_domain_name = \"EXAMPLE\"\n[dcom]\nport = 0\n[kerberos]\nkeytab = \"" +
                  keytab.string() + "\"\nrealm = \"EXAMPLE.COM\"\n"));

  const std::filesystem::path ccache = dir.path() / "alice.ccache";
  ASSERT_EQ(samba->GetTickets("alice", kUserPassword, ccache,
                              {std::string("host/") + kCaHost, std::string("host/") + kOtherHost}),
            "");

  // tshark, an independent decoder, watches the first enrollment.
  const std::uint16_t icpr_port = daemon_->Port("icpr");
  const std::filesystem::path capture = dir.path() / "kerberos.pcapng";
  const std::filesystem::path capture_log = dir.path() / "tshark.log";
  std::unique_ptr<testing::ChildProcess> tshark = testing::ChildProcess::Spawn(
      {"/usr/bin/tshark", "-i", "lo", "-f", "tcp port 135 or tcp port " + std::to_string(icpr_port),
       "-w", capture.string()},
      {}, capture_log, &error);
  ASSERT_NE(tshark, nullptr) << error;
  ASSERT_TRUE(WaitForText(capture_log, "Capturing on", std::chrono::seconds(30)))
      << testing::ReadTextFile(capture_log);

  std::string json = Icpr(ccache, kCaHost, "kerberos-icpr");
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "disposition"), "3") << json << DaemonLog();
  EXPECT_NE(DaemonLog().find("authenticated EXAMPLE\\alice"), std::string::npos) << DaemonLog();

  ASSERT_NO_FATAL_FAILURE(testing::StopCaptureAfterFin(*tshark, capture, icpr_port));
  const std::vector<std::string> decode = {"/usr/bin/tshark",
                                           "-r",
                                           capture.string(),
                                           "-d",
                                           "tcp.port==" + std::to_string(icpr_port) + ",dcerpc",
                                           "-o",
                                           "kerberos.decrypt:TRUE",
                                           "-o",
                                           "kerberos.file:" + keytab.string()};
  std::vector<std::string> types = decode;
  types.insert(types.end(), {"-Y", "dcerpc", "-T", "fields", "-e", "dcerpc.pkt_type"});
  // Endpoint mapper: bind, bind_ack, request, response; ICertPassage: the
  // same with the third leg in an ALTER_CONTEXT and its (empty) answer.
  EXPECT_EQ(RunTshark(types), "11\n12\n0\n2\n11\n12\n14\n15\n0\n2\n");
  std::vector<std::string> malformed = decode;
  malformed.insert(malformed.end(), {"-Y", "_ws.malformed || _ws.expert.severity >= error"});
  EXPECT_EQ(RunTshark(malformed), "");

  // impacket 0.10 cannot sign with Kerberos (its AES GSS_GetMIC mixes str
  // and bytes): our initiator checks integrity, and privacy again.
  ExpectInitiatorInterworks(keytab, ccache, false, group_sid);
  ExpectInitiatorInterworks(keytab, ccache, true, group_sid);
  ExpectWrongKeytabRefused(keytab, ccache);
  // The CLI with -k, over both protocols.
  ExpectCliEnrolls(*samba, ccache, true);
  ExpectCliEnrolls(*samba, ccache, false);
  // A service the KDC does not know: the CLI says why and exits with 2.
  const testing::CommandResult unknown =
      RunKerberosCli(*samba, ccache, {"ca-info", "-k", "--spn", "host/nowhere.example.com"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("Kerberos authentication as alice@EXAMPLE.COM failed"),
            std::string::npos)
      << unknown.output;

  json = Dcom(ccache, kCaHost, "kerberos-dcom");
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "disposition"), "3") << json << DaemonLog();

  // A ticket to another account's service: no key for it in the keytab.
  json = Icpr(ccache, kOtherHost, "kerberos-other");
  EXPECT_NE(JsonField(json, "error"), "") << json;
  EXPECT_EQ(JsonField(json, "disposition"), "") << json;

  // A ticket that ended two hours ago.
  json = Icpr(ExpiredTicketCache(keytab, ccache), kCaHost, "kerberos-expired");
  EXPECT_NE(JsonField(json, "error"), "") << json;
  EXPECT_EQ(JsonField(json, "disposition"), "") << json;
  EXPECT_NE(DaemonLog().find("Ticket expired"), std::string::npos) << DaemonLog();

  // A new password gives the account new keys: tickets are encrypted with
  // a key version the daemon's keytab lacks.
  ASSERT_EQ(samba->SetPassword("caacct", "Ca.Service-Acct-2"), "");
  const std::filesystem::path fresh = dir.path() / "fresh.ccache";
  ASSERT_EQ(samba->GetTickets("alice", kUserPassword, fresh, {std::string("host/") + kCaHost}), "");
  json = Icpr(fresh, kCaHost, "kerberos-stale");
  EXPECT_NE(JsonField(json, "error"), "") << json;
  EXPECT_EQ(JsonField(json, "disposition"), "") << json;
  EXPECT_NE(DaemonLog().find("Kerberos authentication failed"), std::string::npos) << DaemonLog();
}

}  // namespace
}  // namespace openadcs
