// Certificate rotation without downtime (issue 7): proeftuind starts with certificate A, the
// files are replaced with B, SIGHUP, and new TLS connections see B while a connection opened
// before keeps working; a key that does not match is refused and B stays; a changed file is
// also picked up without a signal (--tls-reload-seconds); mTLS still maps a client certificate
// to its principal. Certificates are made with the openssl CLI.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "e2e/e2e_support.h"
#include "integration/store_fixture.h"
#include "ops/ops_support.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::ops_test {
namespace {

namespace fs = std::filesystem;

// Replaces `to` by a copy of `from` the way an operator's tooling would: write, then rename.
void Install(const std::string& from, const std::string& to) {
  fs::copy_file(from, to + ".new", fs::copy_options::overwrite_existing);
  fs::rename(to + ".new", to);
}

class TlsRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_.Ca("ca-a");
    pki_.Ca("ca-b");
    pki_.Ca("clients");
    pki_.Leaf("server-a", "ca-a", "/CN=proeftuin-a");
    pki_.Leaf("server-b", "ca-b", "/CN=proeftuin-b");
    pki_.Leaf("zaaksysteem", "clients", "/O=Gemeente/CN=zaaksysteem");
    fs::create_directories(live_);
    Install(pki_.Pem("server-a"), live_ + "/server.pem");
    Install(pki_.Key("server-a"), live_ + "/server.key");
    Install(pki_.Pem("clients"), live_ + "/clients.pem");
  }

  void StartServer(const std::string& reload_seconds) {
    server_ = std::make_unique<e2e::ServerProcess>(
        dir_.Sub("data"), std::vector<std::string>{"--tls-cert", live_ + "/server.pem", "--tls-key",
                                                   live_ + "/server.key", "--tls-client-ca", live_ + "/clients.pem",
                                                   "--tls-reload-seconds", reload_seconds});
    server_->Start();
    std::smatch m;
    std::string log = server_->Log();
    ASSERT_TRUE(std::regex_search(log, m, std::regex("\"event\":\"start\",\"pid\":([0-9]+)"))) << log;
    pid_ = std::stoi(m[1]);
  }

  void TearDown() override {
    if (server_ != nullptr && server_->running()) {
      EXPECT_EQ(server_->Stop(SIGTERM), 0) << server_->Log();
    }
  }

  // A new channel (a new TLS connection) that trusts only `ca`, optionally with a client certificate.
  std::shared_ptr<grpc::Channel> Channel(const std::string& ca, const std::string& client = "") {
    return pki_.Channel(server_->port(), ca, client);
  }

  grpc::Status Stats(const std::shared_ptr<grpc::Channel>& channel) {
    auto admin = v1::AdminService::NewStub(channel);
    v1::GetStatisticsResponse r;
    return admin->GetStatistics(e2e::Ctx(server_->AdminToken(), 3000).get(), {}, &r);
  }

  // Waits up to 10 s until a new connection trusting `ca` is served.
  bool ServedWith(const std::string& ca) {
    for (int i = 0; i < 100; ++i) {
      if (Stats(Channel(ca)).ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  eventstore::testing::TempDir dir_;
  e2e::Pki pki_{dir_.Sub("pki")};
  std::string live_ = dir_.Sub("tls");
  std::unique_ptr<e2e::ServerProcess> server_;
  int pid_ = 0;
};

TEST_F(TlsRotationTest, SighupServesTheNewCertificateToNewConnectionsWithoutDroppingOpenOnes) {
  StartServer("0");
  auto open = Channel("ca-a");
  ASSERT_TRUE(Stats(open).ok()) << server_->Log();
  EXPECT_FALSE(Stats(Channel("ca-b")).ok()) << "certificate B served before the rotation";

  Install(pki_.Pem("server-b"), live_ + "/server.pem");
  Install(pki_.Key("server-b"), live_ + "/server.key");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  ASSERT_TRUE(ServedWith("ca-b")) << server_->Log();
  EXPECT_FALSE(Stats(Channel("ca-a")).ok()) << "a new connection still gets certificate A";
  EXPECT_TRUE(Stats(open).ok()) << "the connection opened before the rotation was dropped";
  EXPECT_NE(server_->Log().find("\"event\":\"tls_reloaded\",\"subject\":\"CN=proeftuin-b\",\"sha256\":\"" +
                                pki_.Fingerprint("server-b") + "\""),
            std::string::npos)
      << server_->Log();

  // A certificate with a key that is not its own: refused, B stays.
  Install(pki_.Pem("server-a"), live_ + "/server.pem");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  for (int i = 0; i < 50 && server_->Log().find("tls_reload_failed") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(server_->Log().find("the key does not belong to the certificate"), std::string::npos) << server_->Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // longer than gRPC's file refresh
  EXPECT_TRUE(Stats(Channel("ca-b")).ok()) << "a refused reload broke the service";

  // mTLS after the rotation: the client certificate authenticates its principal, no token.
  v1::CreatePrincipalRequest create;
  create.set_request_id("create-zaaksysteem");
  create.set_principal_id("zaaksysteem");
  create.set_display_name("Zaaksysteem");
  create.set_role(v1::ROLE_INTEGRATION_READER);
  create.set_certificate_subject("CN=zaaksysteem,O=Gemeente");
  v1::CreatePrincipalResponse created;
  auto admin = v1::AdminService::NewStub(Channel("ca-b"));
  ASSERT_TRUE(admin->CreatePrincipal(e2e::Ctx(server_->AdminToken()).get(), create, &created).ok());
  auto events = v1::EventService::NewStub(Channel("ca-b", "zaaksysteem"));
  v1::ReadAllRequest read;
  read.set_max_count(1);
  v1::ReadAllResponse page;
  grpc::Status s = events->ReadAll(e2e::Ctx("").get(), read, &page);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(page.events_size(), 1);
}

TEST_F(TlsRotationTest, ChangedFilesAreReloadedWithoutASignal) {
  StartServer("1");
  ASSERT_TRUE(Stats(Channel("ca-a")).ok()) << server_->Log();
  Install(pki_.Key("server-b"), live_ + "/server.key");
  Install(pki_.Pem("server-b"), live_ + "/server.pem");
  EXPECT_TRUE(ServedWith("ca-b")) << server_->Log();
}

}  // namespace
}  // namespace proeftuin::ops_test
