// IPv6: the daemon on one dual-stack listener ("::"), enrolled over ::1 by
// Debian's python3-impacket (ICertPassage through the endpoint mapper, DCOM
// activation and ICertRequestD), by our C++ client and by the CLI; and the
// addresses it hands out checked in each family: IPv6 string bindings
// without brackets, IPv4 ones without ::ffff:, the endpoint mapper's tower
// (IPv4 only on the wire) with 0.0.0.0 for an IPv6 client
// (docs/protocols.md, "IPv6").
//
// impacket's DCOM client dials port 135, so this runs in a network namespace
// of its own (tests/CMakeLists.txt), where lo has 127.0.0.1 and ::1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "openadcs/client/cert_passage_client.h"
#include "openadcs/client/cert_request_client.h"
#include "openadcs/idl/epm.h"
#include "openadcs/idl/icert_passage.h"
#include "openadcs/idl/iobject_exporter.h"
#include "openadcs/ndr/epm.h"
#include "openadcs/ndr/oxid_resolver.h"
#include "openadcs/rpc/client_channel.h"
#include "testing/daemon_process.h"
#include "testing/interop_daemon.h"
#include "testing/pki.h"

namespace openadcs {
namespace {

using ::testing::HasSubstr;
using testing::JsonField;

constexpr const char* kCaName = testing::InteropDaemon::kCaName;
constexpr const char* kPassword = testing::InteropDaemon::kPassword;
constexpr std::uint32_t kCrInPkcs10 = 0x100;

class DcomIpv6InteropTest : public testing::InteropTest {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(
        StartDaemon("[rpc]\naddress = \"::\"\nepm_port = 135\nicpr_port = 0\n"
                    "netbios_domain_name = \"EXAMPLE\"\n[dcom]\nport = 0\n"));
    icpr_port_ = daemon_->Port("icpr");
    dcom_port_ = daemon_->Port("dcom");
    ASSERT_NE(dcom_port_, 0) << "no endpoints in the STATUS line: " << DaemonLog();
  }

  static std::vector<std::string> Alice(const std::string& host) {
    return {"--host",  host,     "--authority", kCaName,      "--domain",
            "EXAMPLE", "--user", "alice",       "--password", kPassword};
  }

  static client::ConnectOptions CppClient(const std::string& host) {
    client::ConnectOptions options;
    options.host = host;
    options.credentials.domain = "EXAMPLE";
    options.credentials.user = "alice";
    options.credentials.password = kPassword;
    return options;
  }

  static std::unique_ptr<rpc::ClientChannel> Dial(const std::string& host, std::uint16_t port) {
    rpc::ClientOptions options;
    options.timeout = std::chrono::seconds(10);
    Result<std::unique_ptr<rpc::ClientChannel>> ch =
        rpc::ClientChannel::Connect(host, port, options);
    EXPECT_TRUE(ch.ok()) << host << ": " << ch.status().ToString();
    return ch.ok() ? std::move(*ch) : nullptr;
  }

  // ept_map for ICertPassage over `host`, as impacket's hept_map asks it.
  static std::optional<ndr::epm::TcpTower> MapIcpr(const std::string& host) {
    namespace epm = ndr::epm;
    std::unique_ptr<rpc::ClientChannel> ch = Dial(host, 135);
    if (ch == nullptr) return std::nullopt;
    Result<rpc::Binding> b =
        ch->Bind({idl::epm::kUuid, idl::epm::kVersionMajor, idl::epm::kVersionMinor});
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) return std::nullopt;
    epm::TcpTower wanted;
    wanted.interface = {idl::icert_passage::kUuid, idl::icert_passage::kVersionMajor,
                        idl::icert_passage::kVersionMinor};
    wanted.transfer_syntax = {
        Uuid{0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}}, 2, 0};
    epm::EptMapRequest in;
    in.object = Uuid{};
    in.tower = epm::EncodeTcpTower(wanted);
    in.max_towers = 1;
    Result<rpc::CallResult> r = ch->Call(*b, static_cast<std::uint16_t>(idl::epm::Opnum::kEptMap),
                                         epm::EncodeEptMapRequest(in));
    EXPECT_TRUE(r.ok() && r->fault_status == 0);
    if (!r.ok()) return std::nullopt;
    Result<epm::EptMapResponse> out = epm::DecodeEptMapResponse(r->stub);
    EXPECT_TRUE(out.ok() && out->towers.size() == 1);
    if (!out.ok() || out->towers.size() != 1) return std::nullopt;
    Result<epm::TcpTower> tower = epm::DecodeTcpTower(out->towers[0]);
    EXPECT_TRUE(tower.ok());
    return tower.ok() ? std::optional(*tower) : std::nullopt;
  }

  // ServerAlive2's resolver string binding over `host`.
  static std::u16string ResolverBinding(const std::string& host) {
    std::unique_ptr<rpc::ClientChannel> ch = Dial(host, 135);
    if (ch == nullptr) return {};
    Result<rpc::Binding> b =
        ch->Bind({idl::iobject_exporter::kUuid, idl::iobject_exporter::kVersionMajor,
                  idl::iobject_exporter::kVersionMinor});
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) return {};
    Result<rpc::CallResult> r =
        ch->Call(*b, static_cast<std::uint16_t>(idl::iobject_exporter::Opnum::kServerAlive2), {});
    EXPECT_TRUE(r.ok() && r->fault_status == 0);
    if (!r.ok()) return {};
    Result<ndr::oxid_resolver::ServerAlive2Response> alive =
        ndr::oxid_resolver::DecodeServerAlive2Response(r->stub);
    EXPECT_TRUE(alive.ok() && alive->bindings.string_bindings.size() == 1);
    if (!alive.ok() || alive->bindings.string_bindings.size() != 1) return {};
    return alive->bindings.string_bindings[0].network_address;
  }

  static std::uint16_t icpr_port_;
  static std::uint16_t dcom_port_;
};

std::uint16_t DcomIpv6InteropTest::icpr_port_ = 0;
std::uint16_t DcomIpv6InteropTest::dcom_port_ = 0;

TEST_F(DcomIpv6InteropTest, ImpacketEnrollsOverIcprThroughTheEndpointMapperOnIpv6) {
  std::vector<std::string> args = Alice("::1");
  args.insert(args.end(), {"--epm-port", "135", "--template", "AutoIssueSubject", "--csr",
                           CsrFile("impacket-icpr-v6").string()});
  const std::string json = testing::RunInteropScript("icpr_client.py", args);
  ASSERT_EQ(JsonField(json, "error"), "") << json << DaemonLog();
  EXPECT_EQ(JsonField(json, "binding"), "ncacn_ip_tcp:::1[" + std::to_string(icpr_port_) + "]");
  EXPECT_EQ(JsonField(json, "disposition"), "3") << json << DaemonLog();
  EXPECT_NE(JsonField(json, "certificate"), "");
}

// impacket picks the OXID binding whose address contains the text it
// dialled: "::1[port]" is the one for "::1".
TEST_F(DcomIpv6InteropTest, ImpacketEnrollsOverDcomOnIpv6AndIpv4) {
  for (const std::string host : {"::1", "127.0.0.1"}) {
    std::vector<std::string> args = {"request"};
    const std::vector<std::string> alice = Alice(host);
    args.insert(args.end(), alice.begin(), alice.end());
    args.insert(args.end(),
                {"--template", "AutoIssueSubject", "--csr", CsrFile("impacket-dcom").string()});
    const std::string json = testing::RunInteropScript("dcom_client.py", args);
    ASSERT_EQ(JsonField(json, "error"), "") << host << ": " << json << DaemonLog();
    EXPECT_EQ(JsonField(json, "disposition"), "3") << host << ": " << json << DaemonLog();
    EXPECT_NE(JsonField(json, "certificate"), "") << host;
  }
}

TEST_F(DcomIpv6InteropTest, CppClientsAndCliEnrollOverIpv6) {
  ossl::PKeyPtr key = testing::MakeRsaKey(2048);
  const Bytes csr = testing::MakeCsrDer(key.get(), {{{"CN", "cpp-v6"}}, {}, {}});

  Result<std::unique_ptr<client::CertRequestClient>> dcom =
      client::CertRequestClient::Connect(CppClient("::1"));
  ASSERT_TRUE(dcom.ok()) << dcom.status().ToString() << DaemonLog();
  EXPECT_EQ((*dcom)->endpoint().host, "::1");
  EXPECT_EQ((*dcom)->endpoint().port, dcom_port_);
  Result<client::EnrollResult> issued =
      (*dcom)->Submit(kCrInPkcs10, csr, "CertificateTemplate:AutoIssueSubject", kCaName);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->disposition, client::kDispositionIssued) << issued->message;

  client::ConnectOptions icpr_options = CppClient("::1");
  icpr_options.epm_port = 135;
  Result<std::unique_ptr<client::CertPassageClient>> icpr =
      client::CertPassageClient::Connect(icpr_options);
  ASSERT_TRUE(icpr.ok()) << icpr.status().ToString() << DaemonLog();
  Result<client::EnrollResult> again = (*icpr)->Retrieve(issued->request_id, kCaName);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->certificate, issued->certificate);

  const std::filesystem::path pem = daemon_->dir() / "cli-v6.pem";
  for (const char* transport : {"", "--icpr"}) {
    std::vector<std::string> args = {"request",
                                     "--host",
                                     "::1",
                                     "-u",
                                     "EXAMPLE\\alice",
                                     "-t",
                                     "AutoIssueSubject",
                                     "--subject",
                                     "CN=cli-v6",
                                     "--key-out",
                                     (daemon_->dir() / "cli-v6.key").string(),
                                     "-o",
                                     pem.string()};
    if (*transport != '\0') args.push_back(transport);
    const testing::CommandResult cli = testing::RunInteropCli(args, kPassword);
    EXPECT_EQ(cli.exit_code, 0) << transport << ": " << cli.output << DaemonLog();
    EXPECT_THAT(testing::ReadTextFile(pem), HasSubstr("BEGIN CERTIFICATE"));
    std::filesystem::remove(pem);
    std::filesystem::remove(daemon_->dir() / "cli-v6.key");
  }
}

// What a client is told, in the family it came in on.
TEST_F(DcomIpv6InteropTest, AddressesHandedOutAreInTheClientsFamily) {
  EXPECT_EQ(ResolverBinding("::1"), u"::1");
  EXPECT_EQ(ResolverBinding("127.0.0.1"), u"127.0.0.1");  // not ::ffff:127.0.0.1

  std::optional<ndr::epm::TcpTower> v4 = MapIcpr("127.0.0.1");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->ipv4, (std::array<std::uint8_t, 4>{127, 0, 0, 1}));
  EXPECT_EQ(v4->port, icpr_port_);
  std::optional<ndr::epm::TcpTower> v6 = MapIcpr("::1");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->ipv4, (std::array<std::uint8_t, 4>{0, 0, 0, 0}));
  EXPECT_EQ(v6->port, icpr_port_);
}

}  // namespace
}  // namespace openadcs
