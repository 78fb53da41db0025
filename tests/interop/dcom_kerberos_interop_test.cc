// Kerberos (through SPNEGO, auth type 9, as impacket speaks it) against the
// real daemon: Samba's KDC issues the tickets, the daemon holds the keytab of
// the CA's service account, and Debian's python3-impacket enrolls over
// ICertPassage and over DCOM at packet privacy, which tshark decodes without
// complaint. impacket cannot sign with Kerberos, so MIT's initiator checks
// integrity (and header signing) against the acceptor in-process, and that
// the identity's SIDs (a group of the user's among them) come from the PAC.
// Tickets for another service, tickets the keytab has no key for, a keytab
// with the right key versions but other keys, and an expired ticket are
// refused.
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
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "openadcs/auth/kerberos_acceptor.h"
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

// Releases a GSSAPI handle at scope exit.
struct GssRelease {
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  gss_name_t name = GSS_C_NO_NAME;
  gss_ctx_id_t context = GSS_C_NO_CONTEXT;
  ~GssRelease() {
    OM_uint32 minor = 0;
    gss_release_cred(&minor, &cred);
    gss_release_name(&minor, &name);
    gss_delete_sec_context(&minor, &context, GSS_C_NO_BUFFER);
  }
};

Bytes TakeBuffer(gss_buffer_desc& buffer) {
  Bytes out(static_cast<const std::uint8_t*>(buffer.value),
            static_cast<const std::uint8_t*>(buffer.value) + buffer.length);
  OM_uint32 minor = 0;
  gss_release_buffer(&minor, &buffer);
  return out;
}

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

// MIT's initiator, DCE style as Windows uses it, with the ticket to
// host/ca.example.com in `ccache`: credential and target name into `gss`.
void StartMitInitiator(const std::filesystem::path& ccache, GssRelease& gss) {
  OM_uint32 minor = 0;
  const std::string cache = ccache.string();
  std::array<gss_key_value_element_desc, 1> elements = {{{"ccache", cache.c_str()}}};
  gss_key_value_set_desc store{1, elements.data()};
  gss_OID_set_desc mechs = {1, const_cast<gss_OID>(gss_mech_krb5)};
  ASSERT_FALSE(
      GSS_ERROR(gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                      GSS_C_INITIATE, &store, &gss.cred, nullptr, nullptr)));
  std::string target = std::string("host/") + kCaHost + "@EXAMPLE.COM";
  gss_buffer_desc target_buffer{target.size(), target.data()};
  ASSERT_FALSE(GSS_ERROR(gss_import_name(
      &minor, &target_buffer, const_cast<gss_OID>(GSS_KRB5_NT_PRINCIPAL_NAME), &gss.name)));
}

// One initiator leg: `in` empty for the first.
OM_uint32 MitInitiatorStep(GssRelease& gss, const Bytes& in, Bytes& out) {
  const OM_uint32 flags = GSS_C_MUTUAL_FLAG | GSS_C_DCE_STYLE | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG |
                          GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
  OM_uint32 minor = 0;
  gss_buffer_desc input{in.size(), const_cast<std::uint8_t*>(in.data())};
  gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
  const OM_uint32 major = gss_init_sec_context(
      &minor, gss.cred, &gss.context, gss.name, const_cast<gss_OID>(gss_mech_krb5), flags, 0,
      GSS_C_NO_CHANNEL_BINDINGS, in.empty() ? GSS_C_NO_BUFFER : &input, nullptr, &output, nullptr,
      nullptr);
  out = TakeBuffer(output);
  return major;
}

// MIT's initiator against the acceptor in this process: the three legs,
// then PDUs both ways at integrity (gss_get_mic over the body) and privacy
// (gss_wrap_iov), and a tampered one refused. With `header_signing`
// (PFC_SUPPORT_HEADER_SIGN) the header and trailer are signed too. The
// identity's SIDs come from the ticket's PAC, with `group_sid` among them.
void ExpectMitInitiatorInterworks(const std::filesystem::path& keytab,
                                  const std::filesystem::path& ccache, bool header_signing,
                                  const std::string& group_sid) {
  Result<std::unique_ptr<auth::SecurityContext>> server = NewServerContext(keytab);
  ASSERT_TRUE(server.ok()) << server.status().message();
  auth::SecurityContext& s = **server;
  s.set_header_signing(header_signing);

  GssRelease gss;
  OM_uint32 minor = 0;
  ASSERT_NO_FATAL_FAILURE(StartMitInitiator(ccache, gss));
  auto init = [&gss](const Bytes& in, Bytes& out) { return MitInitiatorStep(gss, in, out); };
  Bytes ap_req;
  ASSERT_EQ(init({}, ap_req), static_cast<OM_uint32>(GSS_S_CONTINUE_NEEDED));
  Result<Bytes> ap_rep = s.Step(ap_req);
  ASSERT_TRUE(ap_rep.ok()) << ap_rep.status().message();
  ASSERT_FALSE(s.established());
  Bytes third;
  ASSERT_EQ(init(*ap_rep, third), static_cast<OM_uint32>(GSS_S_COMPLETE));
  Result<Bytes> last = s.Step(third);
  ASSERT_TRUE(last.ok()) << last.status().message();
  EXPECT_TRUE(last->empty());
  ASSERT_TRUE(s.established());
  EXPECT_EQ(s.identity().Qualified(), "EXAMPLE\\alice");
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
  // In PDU order, as the acceptor (and Windows) checksum them.
  auto iov = [&](Bytes& header) {
    auto buffer = [](OM_uint32 type, std::uint8_t* data, std::size_t length) {
      gss_iov_buffer_desc b{};
      b.type = type;
      b.buffer = {length, data};
      return b;
    };
    std::vector<gss_iov_buffer_desc> v = {
        buffer(GSS_IOV_BUFFER_TYPE_HEADER, header.data(), header.size())};
    if (header_signing) v.push_back(buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, pdu.data(), kBody));
    v.push_back(buffer(GSS_IOV_BUFFER_TYPE_DATA, pdu.data() + kBody, kBodyLength));
    if (header_signing) {
      v.push_back(buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, pdu.data() + kBody + kBodyLength,
                         pdu.size() - kBody - kBodyLength));
    }
    return v;
  };
  // What a MIC covers.
  auto signed_part = [&] {
    return header_signing ? gss_buffer_desc{pdu.size(), pdu.data()}
                          : gss_buffer_desc{kBodyLength, pdu.data() + kBody};
  };
  for (auth::AuthLevel level : {auth::AuthLevel::kIntegrity, auth::AuthLevel::kPrivacy}) {
    SCOPED_TRACE(static_cast<int>(level));
    // Client to server.
    Bytes signature;
    if (level == auth::AuthLevel::kPrivacy) {
      std::vector<gss_iov_buffer_desc> v = iov(signature);
      ASSERT_FALSE(GSS_ERROR(gss_wrap_iov_length(&minor, gss.context, 1, GSS_C_QOP_DEFAULT, nullptr,
                                                 v.data(), static_cast<int>(v.size()))));
      signature.resize(v[0].buffer.length);
      v = iov(signature);
      ASSERT_FALSE(GSS_ERROR(gss_wrap_iov(&minor, gss.context, 1, GSS_C_QOP_DEFAULT, nullptr,
                                          v.data(), static_cast<int>(v.size()))));
      EXPECT_NE(pdu, plain);
    } else {
      gss_buffer_desc body = signed_part();
      gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
      ASSERT_FALSE(GSS_ERROR(gss_get_mic(&minor, gss.context, GSS_C_QOP_DEFAULT, &body, &mic)));
      signature = TakeBuffer(mic);
    }
    Status st = s.Unprotect(level, pdu, kBody, kBodyLength, signature);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(pdu, plain);

    // Server to client.
    signature.assign(s.signature_size(level), 0);
    st = s.Protect(level, pdu, kBody, kBodyLength, signature);
    ASSERT_TRUE(st.ok()) << st.message();
    if (level == auth::AuthLevel::kPrivacy) {
      EXPECT_NE(pdu, plain);
      std::vector<gss_iov_buffer_desc> v = iov(signature);
      ASSERT_EQ(gss_unwrap_iov(&minor, gss.context, nullptr, nullptr, v.data(),
                               static_cast<int>(v.size())),
                static_cast<OM_uint32>(GSS_S_COMPLETE));
    } else {
      gss_buffer_desc body = signed_part();
      gss_buffer_desc mic{signature.size(), signature.data()};
      ASSERT_EQ(gss_verify_mic(&minor, gss.context, &body, &mic, nullptr),
                static_cast<OM_uint32>(GSS_S_COMPLETE));
    }
    EXPECT_EQ(pdu, plain);
  }

  // A flipped body byte under a good MIC.
  gss_buffer_desc body = signed_part();
  gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
  ASSERT_FALSE(GSS_ERROR(gss_get_mic(&minor, gss.context, GSS_C_QOP_DEFAULT, &body, &mic)));
  Bytes signature = TakeBuffer(mic);
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
  GssRelease gss;
  ASSERT_NO_FATAL_FAILURE(StartMitInitiator(ccache, gss));
  Bytes ap_req;
  ASSERT_EQ(MitInitiatorStep(gss, {}, ap_req), static_cast<OM_uint32>(GSS_S_CONTINUE_NEEDED));
  Result<Bytes> ap_rep = (*server)->Step(ap_req);
  ASSERT_FALSE(ap_rep.ok());
  EXPECT_EQ(ap_rep.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(ap_rep.status().message().find("Kerberos authentication failed"), std::string::npos)
      << ap_rep.status().message();
}

// A copy of `ccache` whose ticket to host/ca.example.com ended two hours ago,
// re-encrypted with the service key, so only its times are wrong.
std::filesystem::path ExpiredTicketCache(const std::filesystem::path& keytab,
                                         const std::filesystem::path& ccache) {
  const std::filesystem::path expired = ccache.parent_path() / "expired.ccache";
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
  // and bytes): MIT's initiator checks integrity, and privacy again.
  ExpectMitInitiatorInterworks(keytab, ccache, false, group_sid);
  ExpectMitInitiatorInterworks(keytab, ccache, true, group_sid);
  ExpectWrongKeytabRefused(keytab, ccache);

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
