// Backup and restore (issue 7): an online backup taken under load, restored elsewhere with
// ops/restore.sh, holds every event acknowledged before the backup began, a valid chain, and
// views equal to a rebuild; ops/backup.sh keeps the newest N backups and records the last good
// one for the metrics.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "domain/example_programme.h"
#include "e2e/e2e_support.h"
#include "integration/store_fixture.h"
#include "lib/command_client.h"
#include "ops/ops_support.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"
#include "proeftuin/v1/audit_service.grpc.pb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::ops_test {
namespace {

namespace fs = std::filesystem;

// Knowledge sessions from `threads` clients until stop; every acknowledgement is recorded.
class Load {
 public:
  Load(std::shared_ptr<grpc::Channel> channel, std::string token, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, channel, token, t] {
        for (int i = 0; !stop_.load(); ++i) {
          std::string id = "load-" + std::to_string(t) + "-" + std::to_string(i);
          v1::CommandOptions o;
          o.set_request_id(id);
          v1::CommandResult r;
          if (clients::SendCommand(channel.get(), e2e::Ctx(token, 5000).get(), KnowledgeSession(id, ""), o, &r).ok()) {
            std::lock_guard<std::mutex> l(mu_);
            acked_[id] = r.first_position();
          }
        }
      });
    }
  }
  ~Load() { Stop(); }
  void Stop() {
    stop_.store(true);
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  std::map<std::string, uint64_t> Acked() {
    std::lock_guard<std::mutex> l(mu_);
    return acked_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, uint64_t> acked_;
  std::vector<std::thread> threads_;
};

// request id -> position of every event in the log, checking positions are 1..N without gaps.
std::map<std::string, uint64_t> ReadLog(e2e::ServerProcess& server, const std::string& token, uint64_t* last) {
  auto events = v1::EventService::NewStub(server.Channel());
  std::map<std::string, uint64_t> stored;
  v1::ReadAllRequest all;
  all.set_max_count(1000);
  uint64_t expected = 1;
  for (uint64_t from = 1;;) {
    all.set_from_position(from);
    v1::ReadAllResponse page;
    grpc::Status s = events->ReadAll(e2e::Ctx(token).get(), all, &page);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    for (const auto& e : page.events()) {
      EXPECT_EQ(e.header().position(), expected++);
      stored.emplace(e.header().request_id(), e.header().position());
    }
    if (page.end_of_log()) break;
    from = page.next_position();
  }
  *last = expected - 1;
  return stored;
}

// What the views answer about the example programme.
std::string Views(e2e::ServerProcess& server, const std::string& token) {
  auto programmes = v1::ProgrammeService::NewStub(server.Channel());
  v1::GetProgrammeRequest get;
  get.set_programme_id(domain::kExampleProgrammeId);
  v1::GetProgrammeResponse programme;
  EXPECT_TRUE(programmes->GetProgramme(e2e::Ctx(token).get(), get, &programme).ok());
  v1::ListExperimentsRequest list;
  list.set_programme_id(domain::kExampleProgrammeId);
  v1::ListExperimentsResponse experiments;
  EXPECT_TRUE(programmes->ListExperiments(e2e::Ctx(token).get(), list, &experiments).ok());
  v1::GetProgressReportRequest report_req;
  report_req.set_programme_id(domain::kExampleProgrammeId);
  v1::GetProgressReportResponse report;
  EXPECT_TRUE(programmes->GetProgressReport(e2e::Ctx(token).get(), report_req, &report).ok());
  EXPECT_GT(experiments.experiments_size(), 0);
  return programme.DebugString() + experiments.DebugString() + report.DebugString();
}

TEST(OpsBackupRestore, OnlineBackupUnderLoadRestoresEveryAcknowledgedEventAValidChainAndRebuiltViews) {
  eventstore::testing::TempDir dir;
  e2e::ServerProcess live(dir.Sub("data"));
  live.Start();
  std::map<std::string, std::string> tokens = ExamplePrincipals(live);
  RunExampleSteps(live, tokens, "draft");
  RunExampleSteps(live, tokens, "propose-");
  const std::string admin_token = tokens["administrator"];

  Load load(live.Channel(), tokens["programme_manager"], 6);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  std::map<std::string, uint64_t> before = load.Acked();  // acknowledged before the backup began
  v1::BackupRequest req;
  req.set_directory(dir.Sub("backups/b1"));
  v1::BackupResponse backup;
  auto admin = v1::AdminService::NewStub(live.Channel());
  grpc::Status s = admin->Backup(e2e::Ctx(admin_token, 60000).get(), req, &backup);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  load.Stop();
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(backup.verified());
  ASSERT_GT(before.size(), 10u) << "too little load to mean anything";
  EXPECT_GT(load.Acked().size(), before.size()) << "the load did not continue during the backup";
  EXPECT_EQ(live.Stop(SIGTERM), 0);

  Output restored = RunCommand({SourceDir() + "/ops/restore.sh", dir.Sub("backups/b1"), "--data-dir", dir.Sub("restored"),
                         "--no-service"},
                        {{"PROEFTUIN_CLI", CliPath()}});
  ASSERT_EQ(restored.exit_code, 0) << restored.out;
  std::string digest = std::to_string(backup.position()) + ":" + backup.head_hash();
  EXPECT_NE(restored.out.find(digest), std::string::npos) << restored.out;

  e2e::ServerProcess copy(dir.Sub("restored"));
  copy.Start();
  uint64_t last = 0;
  std::map<std::string, uint64_t> stored = ReadLog(copy, admin_token, &last);
  EXPECT_EQ(last, backup.position());
  for (const auto& [id, position] : before) {
    auto it = stored.find(id);
    ASSERT_NE(it, stored.end()) << "acknowledged before the backup began, missing from it: " << id;
    EXPECT_EQ(it->second, position) << id;
  }

  auto audit = v1::AuditService::NewStub(copy.Channel());
  v1::VerifyRequest verify;
  verify.set_from_position(1);
  v1::VerifyResponse verified;
  ASSERT_TRUE(audit->Verify(e2e::Ctx(admin_token).get(), verify, &verified).ok());
  EXPECT_TRUE(verified.outcome().ok()) << verified.outcome().problem();
  EXPECT_EQ(verified.outcome().to_position(), backup.position());
  EXPECT_EQ(verified.outcome().head_hash(), backup.head_hash());

  std::string views_before = Views(copy, admin_token);
  auto restored_admin = v1::AdminService::NewStub(copy.Channel());
  v1::GetStatisticsResponse stats;
  ASSERT_TRUE(restored_admin->GetStatistics(e2e::Ctx(admin_token).get(), {}, &stats).ok());
  ASSERT_GT(stats.projections_size(), 0);
  for (const auto& p : stats.projections()) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + admin_token);
    v1::RebuildProjectionRequest rebuild;
    rebuild.set_name(p.name());
    auto reader = restored_admin->RebuildProjection(&ctx, rebuild);
    v1::RebuildProjectionResponse progress;
    bool done = false;
    while (reader->Read(&progress)) done = progress.done();
    ASSERT_TRUE(reader->Finish().ok()) << p.name();
    EXPECT_TRUE(done) << p.name();
  }
  EXPECT_EQ(Views(copy, admin_token), views_before) << "views of the restored store differ from a rebuild";
  EXPECT_EQ(copy.Stop(SIGTERM), 0);
}

TEST(OpsBackupRestore, BackupScriptKeepsTheNewestBackupsAndRecordsTheLastGoodOne) {
  eventstore::testing::TempDir dir;
  e2e::ServerProcess live(dir.Sub("data"), {"--metrics-listen", "127.0.0.1:0"});
  live.Start();
  std::map<std::string, std::string> env = {{"PROEFTUIN_CLI", CliPath()},
                                            {"PROEFTUIN_SERVER", live.address()},
                                            {"PROEFTUIN_BACKUP_DIR", dir.Sub("backups")},
                                            {"PROEFTUIN_BACKUP_KEEP", "2"},
                                            {"PROEFTUIN_DATA_DIR", live.data_dir()}};
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    Output o = RunCommand({SourceDir() + "/ops/backup.sh"}, env);
    ASSERT_EQ(o.exit_code, 0) << o.out;
  }
  for (const auto& f : fs::directory_iterator(dir.Sub("backups"))) {
    if (f.is_directory()) names.push_back(f.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 2u);
  for (const auto& n : names) EXPECT_TRUE(fs::exists(dir.Sub("backups/" + n + ".json"))) << n;

  std::ifstream in(live.data_dir() + "/last-backup");
  int64_t when = 0;
  std::string name;
  in >> when >> name;
  EXPECT_EQ(name, names.back());
  EXPECT_NEAR(static_cast<double>(when), absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()), 120);

  // A failed backup (the server cannot be reached) removes nothing and exits 1.
  env["PROEFTUIN_SERVER"] = "127.0.0.1:1";
  Output failed = RunCommand({SourceDir() + "/ops/backup.sh"}, env);
  EXPECT_EQ(failed.exit_code, 1) << failed.out;
  size_t after = 0;
  for (const auto& f : fs::directory_iterator(dir.Sub("backups"))) after += f.is_directory();
  EXPECT_EQ(after, 2u);

  int port = LoggedPort(live, "metrics_port");
  std::string metrics = HttpGet(port, "/metrics");
  EXPECT_NE(metrics.find("proeftuin_backup_last_success_timestamp_seconds{source=\"file\"} " + std::to_string(when)),
            std::string::npos)
      << metrics;
  EXPECT_EQ(live.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace proeftuin::ops_test
