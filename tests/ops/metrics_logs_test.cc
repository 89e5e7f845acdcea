// Metrics and logs of a real proeftuind (issue 7): /metrics passes `promtool check metrics` and
// reports the store, RPCs, fsyncs, subscriptions, projections and backups; the log is JSON lines
// with the principal, method, status and latency of every call, denied calls flagged, and never
// a token or a resident's name.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "domain/example_programme.h"
#include "e2e/e2e_support.h"
#include "integration/store_fixture.h"
#include "lib/command_client.h"
#include "ops/ops_support.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::ops_test {
namespace {

constexpr char kResident[] = "Wilhelmina Zonnebloem-Testbewoner";
constexpr int64_t kFileBackupTime = 1700000000;

// The value of one sample line "<series> <value>" (exact series text), or NaN.
double Sample(const std::string& metrics, const std::string& series) {
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nan("");
}

class OpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<e2e::ServerProcess>(dir_.Sub("data"),
                                                   std::vector<std::string>{"--metrics-listen", "127.0.0.1:0"});
    server_->Start();
    tokens_ = ExamplePrincipals(*server_);
    RunExampleSteps(*server_, tokens_, "draft");
    auto channel = server_->Channel();
    v1::CommandOptions o;
    o.set_request_id("session-with-a-resident");
    ASSERT_TRUE(clients::SendCommand(channel.get(), e2e::Ctx(tokens_["programme_manager"]).get(),
                                     KnowledgeSession("gesprekstafel-test", kResident), o, nullptr)
                    .ok());
    admin_ = v1::AdminService::NewStub(channel);
    v1::GetStatisticsResponse stats;
    denied_ = admin_->GetStatistics(e2e::Ctx(tokens_["programme_manager"]).get(), {}, &stats).error_code();
    unauthenticated_ = admin_->GetStatistics(e2e::Ctx("not-a-token-0123456789").get(), {}, &stats).error_code();
    // A rule of the process refuses this (no council submission yet): a refused command.
    v1::Command adopt;
    for (const auto& step : domain::ExampleProgrammeSteps()) {
      if (step.command.has_adopt_programme() && !adopt.has_adopt_programme()) adopt = step.command;
    }
    o.set_request_id("adopt-too-early");
    refused_ = clients::SendCommand(channel.get(), e2e::Ctx(tokens_["college"]).get(), adopt, o, nullptr);
    // ProgrammeService's calls are told to the log and metrics by the service, not by the
    // interceptor the other services' calls go through: one of each outcome through it too.
    o.set_request_id("auditor-may-not-adopt");
    programme_denied_ =
        clients::SendCommand(channel.get(), e2e::Ctx(tokens_["auditor"]).get(), adopt, o, nullptr).error_code();
    auto programmes = v1::ProgrammeService::NewStub(channel);
    v1::GetProgrammeRequest get;
    get.set_programme_id(domain::kExampleProgrammeId);
    v1::GetProgrammeResponse programme;
    programme_unauthenticated_ =
        programmes->GetProgramme(e2e::Ctx("not-a-token-0123456789").get(), get, &programme).error_code();
    programme_read_ = programmes->GetProgramme(e2e::Ctx(tokens_["auditor"]).get(), get, &programme).error_code();
  }

  void TearDown() override {
    if (server_->running()) {
      EXPECT_EQ(server_->Stop(SIGTERM), 0) << server_->Log();
    }
  }

  eventstore::testing::TempDir dir_;
  std::unique_ptr<e2e::ServerProcess> server_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  grpc::StatusCode denied_ = grpc::StatusCode::OK, unauthenticated_ = grpc::StatusCode::OK;
  grpc::Status refused_;
  grpc::StatusCode programme_denied_ = grpc::StatusCode::OK, programme_unauthenticated_ = grpc::StatusCode::OK,
                   programme_read_ = grpc::StatusCode::UNKNOWN;
};

TEST_F(OpsServerTest, MetricsPassPromtoolAndReportStoreRpcsFsyncsSubscriptionsProjectionsBackups) {
  ASSERT_EQ(denied_, grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_EQ(unauthenticated_, grpc::StatusCode::UNAUTHENTICATED);
  // A live subscription, caught up.
  auto events = v1::EventService::NewStub(server_->Channel());
  grpc::ClientContext sub_ctx;
  sub_ctx.AddMetadata("authorization", "Bearer " + tokens_["integration_reader"]);
  auto reader = events->Subscribe(&sub_ctx, v1::SubscribeRequest());
  v1::SubscribeResponse msg;
  while (reader->Read(&msg) && !msg.has_caught_up()) {
  }
  // One event after it went live (a new principal): its message moves the subscription's sent
  // position to the new head, so the lag below is 0 only if event messages are counted.
  v1::CreatePrincipalRequest extra;
  extra.set_request_id("metrics-extra");
  extra.set_principal_id("metrics-extra");
  extra.set_display_name("Metrics extra");
  extra.set_role(v1::ROLE_AUDITOR);
  v1::CreatePrincipalResponse created;
  ASSERT_TRUE(admin_->CreatePrincipal(e2e::Ctx(tokens_["administrator"]).get(), extra, &created).ok());
  ASSERT_TRUE(reader->Read(&msg));
  ASSERT_TRUE(msg.has_event()) << msg.DebugString();
  // A backup through the API, and one a script recorded in <data dir>/last-backup.
  absl::Time before_backup = absl::Now();
  v1::BackupRequest backup;
  backup.set_directory(dir_.Sub("backup-1"));
  v1::BackupResponse backed_up;
  ASSERT_TRUE(admin_->Backup(e2e::Ctx(tokens_["administrator"]).get(), backup, &backed_up).ok());
  std::ofstream(server_->data_dir() + "/last-backup") << kFileBackupTime << " 20231114T221320.000Z 7\n";
  v1::GetStatisticsResponse stats;
  ASSERT_TRUE(admin_->GetStatistics(e2e::Ctx(tokens_["administrator"]).get(), {}, &stats).ok());

  int port = LoggedPort(*server_, "metrics_port");
  ASSERT_GT(port, 0) << server_->Log();
  std::string metrics;
  for (int i = 0; i < 40; ++i) {  // the commit-group sampler runs every 250 ms
    metrics = HttpGet(port, "/metrics");
    if (Sample(metrics, "proeftuin_commit_group_events_count") > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string file = dir_.Sub("metrics.txt");
  std::ofstream(file) << metrics;
  Output promtool = RunCommand({"sh", "-c", "promtool check metrics < '" + file + "'"});
  EXPECT_EQ(promtool.exit_code, 0) << promtool.out << "\n" << metrics;
  EXPECT_EQ(promtool.out, "") << "promtool lint problems";

  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_EQ(line.rfind("proeftuin_", 0), 0u) << line;
  }
  const uint64_t head = stats.last_position();
  EXPECT_EQ(Sample(metrics, "proeftuin_chain_head_position"), static_cast<double>(head));
  EXPECT_EQ(Sample(metrics, "proeftuin_chain_startup_check_ok"), 1);
  EXPECT_EQ(Sample(metrics, "proeftuin_store_write_healthy"), 1);
  EXPECT_GT(Sample(metrics, "proeftuin_store_size_bytes"), 0);
  EXPECT_GT(Sample(metrics, "proeftuin_process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(stats.resident_memory_bytes(), 1u << 20);
  // The server has started, decided and written: it has used CPU, and the metric, read after the
  // statistics, is not behind them.
  EXPECT_GT(stats.process_cpu_seconds(), 0);
  EXPECT_GE(Sample(metrics, "proeftuin_process_cpu_seconds_total"), stats.process_cpu_seconds());
  EXPECT_GE(Sample(metrics, "proeftuin_commands_appended_total"), 3);  // principals, draft, session
  EXPECT_GE(Sample(metrics, "proeftuin_events_appended_total"), Sample(metrics, "proeftuin_commands_appended_total"));
  EXPECT_GE(Sample(metrics, "proeftuin_commit_groups_total"), 1);
  EXPECT_GE(Sample(metrics, "proeftuin_commit_group_events_count"), 1);
  EXPECT_LE(Sample(metrics, "proeftuin_commit_group_events_sum"), Sample(metrics, "proeftuin_events_appended_total"));
  EXPECT_GE(Sample(metrics, "proeftuin_fsync_duration_seconds_count{file=\"wal\"}"),
            Sample(metrics, "proeftuin_commit_group_events_count"));
  EXPECT_GT(Sample(metrics, "proeftuin_fsync_duration_seconds_sum{file=\"wal\"}"), 0);

  const std::string admin = "service=\"proeftuin.v1.AdminService\",method=\"GetStatistics\"";
  EXPECT_EQ(Sample(metrics, "proeftuin_rpcs_total{" + admin + ",code=\"PERMISSION_DENIED\"}"), 1);
  EXPECT_EQ(Sample(metrics, "proeftuin_rpcs_total{" + admin + ",code=\"UNAUTHENTICATED\"}"), 1);
  EXPECT_EQ(Sample(metrics, "proeftuin_rpcs_total{service=\"proeftuin.v1.ProgrammeService\",method="
                            "\"RecordKnowledgeSession\",code=\"OK\"}"),
            1);
  EXPECT_GE(Sample(metrics, "proeftuin_rpc_duration_seconds_count{service=\"proeftuin.v1.ProgrammeService\","
                            "method=\"DraftProgramme\"}"),
            1);
  ASSERT_EQ(programme_denied_, grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_EQ(programme_unauthenticated_, grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_EQ(programme_read_, grpc::StatusCode::OK);
  const std::string adopt = "service=\"proeftuin.v1.ProgrammeService\",method=\"AdoptProgramme\"";
  EXPECT_EQ(Sample(metrics, "proeftuin_rpcs_total{" + adopt + ",code=\"PERMISSION_DENIED\"}"), 1);
  EXPECT_EQ(Sample(metrics, "proeftuin_rpcs_total{" + adopt + ",code=\"FAILED_PRECONDITION\"}"), 1);
  const std::string get = "service=\"proeftuin.v1.ProgrammeService\",method=\"GetProgramme\"";
  EXPECT_EQ(Sample(metrics, "proeftuin_rpcs_total{" + get + ",code=\"UNAUTHENTICATED\"}"), 1);
  EXPECT_EQ(Sample(metrics, "proeftuin_rpcs_total{" + get + ",code=\"OK\"}"), 1);
  EXPECT_EQ(Sample(metrics, "proeftuin_rpc_duration_seconds_count{" + get + "}"), 2);
  EXPECT_EQ(Sample(metrics, "proeftuin_rpc_duration_seconds_bucket{" + get + ",le=\"+Inf\"}"), 2);
  EXPECT_EQ(Sample(metrics, "proeftuin_rpc_duration_seconds_bucket{" + admin + ",le=\"+Inf\"}"),
            Sample(metrics, "proeftuin_rpc_duration_seconds_count{" + admin + "}"));

  EXPECT_EQ(Sample(metrics, "proeftuin_subscriptions_live"), 1);
  EXPECT_EQ(Sample(metrics, "proeftuin_subscription_lag_events{principal=\"integration-reader\"}"), 0);
  for (const auto& p : stats.projections()) {
    std::string labels = "{projection=\"" + p.name() + "\",kind=\"" + (p.inline_() ? "inline" : "async") + "\"}";
    double position = Sample(metrics, "proeftuin_projection_position" + labels);
    EXPECT_LE(position, static_cast<double>(head)) << p.name();
    if (p.inline_()) {
      EXPECT_EQ(position, static_cast<double>(head)) << p.name();
    }
    EXPECT_EQ(Sample(metrics, "proeftuin_projection_lag_events" + labels), static_cast<double>(head) - position);
  }
  double rpc_backup = Sample(metrics, "proeftuin_backup_last_success_timestamp_seconds{source=\"rpc\"}");
  EXPECT_GE(rpc_backup, absl::ToDoubleSeconds(before_backup - absl::UnixEpoch()) - 1);
  EXPECT_EQ(Sample(metrics, "proeftuin_backup_last_success_timestamp_seconds{source=\"file\"}"), kFileBackupTime);
  EXPECT_LT(Sample(metrics, "proeftuin_backup_age_seconds"), 120);  // the newer of the two
  EXPECT_NE(metrics.find("proeftuin_build_info{version=\""), std::string::npos);
  EXPECT_EQ(HttpGet(port, "/other"), "");
  sub_ctx.TryCancel();
}

TEST_F(OpsServerTest, LogIsJsonLinesWithEveryCallDeniedCallsAndNoTokensOrPersonalData) {
  ASSERT_EQ(denied_, grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_EQ(refused_.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << refused_.error_message();
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  std::vector<nlohmann::json> lines = LogLines(*server_);
  std::map<std::string, int> events;
  bool session = false, denied = false, unauthenticated = false, refused = false;
  bool read = false, programme_denied = false, programme_unauthenticated = false;
  for (const auto& j : lines) {
    ASSERT_TRUE(j.contains("time") && j.contains("level") && j.contains("event")) << j.dump();
    ++events[j["event"].get<std::string>()];
    if (j["event"] == "config") {
      EXPECT_EQ(j["data_dir"], server_->data_dir());
      EXPECT_EQ(j["metrics_listen"], "127.0.0.1:0");
      EXPECT_TRUE(j.contains("tls_cert") && j.contains("rocksdb_memory_mb")) << j.dump();
      EXPECT_EQ(j["ack_spin_us"], 2000) << j.dump();
      EXPECT_EQ(j["writer_spin_us"], 1000) << j.dump();
    }
    if (j["event"] == "rpc" && j["method"] == "/proeftuin.v1.ProgrammeService/RecordKnowledgeSession") {
      session = j["principal"] == "programme-manager" && j["code"] == "OK" && j["latency_ms"].is_number();
    }
    if (j["event"] == "rpc" && j["method"] == "/proeftuin.v1.ProgrammeService/AdoptProgramme") {
      refused = j["code"] == "FAILED_PRECONDITION" && j.value("rule", "").rfind("PT-", 0) == 0;
    }
    if (j["event"] == "rpc" && j["method"] == "/proeftuin.v1.ProgrammeService/GetProgramme") {
      read = j["principal"] == "auditor" && j["code"] == "OK" && j["latency_ms"].is_number() && !j.contains("rule");
    }
    if (j["event"] == "denied") {
      EXPECT_EQ(j["level"], "warning") << j.dump();
      EXPECT_TRUE(j["peer"].is_string() && j["peer"].get<std::string>().find("127.0.0.1") != std::string::npos)
          << j.dump();
      if (j["method"] == "/proeftuin.v1.AdminService/GetStatistics") {
        if (j["code"] == "PERMISSION_DENIED") denied = j["principal"] == "programme-manager";
        if (j["code"] == "UNAUTHENTICATED") unauthenticated = j["principal"].is_null();
      } else if (j["method"] == "/proeftuin.v1.ProgrammeService/AdoptProgramme") {
        programme_denied = j["code"] == "PERMISSION_DENIED" && j["principal"] == "auditor";
      } else if (j["method"] == "/proeftuin.v1.ProgrammeService/GetProgramme") {
        programme_unauthenticated = j["code"] == "UNAUTHENTICATED" && j["principal"].is_null();
      } else {
        ADD_FAILURE() << "an unexpected denied call: " << j.dump();
      }
    }
  }
  EXPECT_TRUE(session) << server_->Log();
  EXPECT_TRUE(refused) << server_->Log();
  EXPECT_TRUE(denied) << server_->Log();
  EXPECT_TRUE(unauthenticated) << server_->Log();
  EXPECT_TRUE(read) << server_->Log();
  EXPECT_TRUE(programme_denied) << server_->Log();
  EXPECT_TRUE(programme_unauthenticated) << server_->Log();
  for (const char* e : {"config", "start", "bootstrap", "signal", "stop"}) EXPECT_EQ(events[e], 1) << e;

  const std::string log = server_->Log();
  EXPECT_EQ(log.find(kResident), std::string::npos) << "a resident's name in the log";
  EXPECT_EQ(log.find("Zonnebloem"), std::string::npos);
  EXPECT_EQ(log.find("not-a-token-0123456789"), std::string::npos);
  for (const auto& [role, token] : tokens_) {
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(log.find(token), std::string::npos) << "the token of " << role << " is in the log";
  }
}

}  // namespace
}  // namespace proeftuin::ops_test
