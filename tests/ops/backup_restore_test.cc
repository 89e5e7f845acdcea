// Backup and restore (issue 7): an online backup taken under load, restored elsewhere with
// ops/restore.sh, holds every event acknowledged before the backup began, a valid chain, and
// views equal to a rebuild; ops/backup.sh keeps the newest N backups and records the last good
// one for the metrics; ops/restore.sh, with a stand-in for systemctl, restores into the data
// directory the service's environment file names and fails unless the restarted service
// provably serves the restored head.
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

// A stand-in for systemd, first on PATH as `systemctl`: `start UNIT` runs proeftuind with the
// settings of the unit's environment file (as EnvironmentFile= does), `stop UNIT` stops it and
// waits; every call is appended to <dir>/calls. The unit's environment file can differ from the
// one ops/restore.sh is told about (a drop-in the script cannot see).
class FakeSystemd {
 public:
  FakeSystemd(std::string dir, std::string unit_env_file) : dir_(std::move(dir)), unit_env_(std::move(unit_env_file)) {
    fs::create_directories(dir_ + "/bin");
    const std::string script = dir_ + "/bin/systemctl";
    std::ofstream(script) << R"sh(#!/bin/sh
set -eu
state="$FAKE_SYSTEMD_DIR"
echo "$1 $2" >>"$state/calls"
case "$1" in
  stop)
    if [ -f "$state/pid" ]; then
      pid="$(cat "$state/pid")"
      kill "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; do
        sleep 0.1
      done
      rm -f "$state/pid"
    fi ;;
  start)
    (set -a; . "$FAKE_UNIT_ENV_FILE"; set +a; exec "$FAKE_PROEFTUIND") >>"$state/log" 2>&1 </dev/null &
    echo $! >"$state/pid" ;;
  *) exit 1 ;;
esac
)sh";
    fs::permissions(script, fs::perms::owner_all);
  }
  ~FakeSystemd() { Run("stop"); }
  FakeSystemd(const FakeSystemd&) = delete;
  FakeSystemd& operator=(const FakeSystemd&) = delete;

  void set_unit_env_file(std::string path) { unit_env_ = std::move(path); }
  // The environment for ops/restore.sh (and for the fake itself).
  std::map<std::string, std::string> Env() const {
    const char* path = std::getenv("PATH");
    return {{"PATH", dir_ + "/bin:" + (path == nullptr ? "/usr/bin:/bin" : path)},
            {"FAKE_SYSTEMD_DIR", dir_},
            {"FAKE_UNIT_ENV_FILE", unit_env_},
            {"FAKE_PROEFTUIND", e2e::ProeftuindPath()},
            {"PROEFTUIND", e2e::ProeftuindPath()},
            {"PROEFTUIN_CLI", CliPath()}};
  }
  Output Run(const std::string& verb) { return RunCommand({dir_ + "/bin/systemctl", verb, "proeftuind"}, Env()); }
  std::string Calls() const { return e2e::ReadWholeFile(dir_ + "/calls"); }
  std::string Log() const { return e2e::ReadWholeFile(dir_ + "/log"); }

 private:
  std::string dir_;
  std::string unit_env_;
};

v1::BackupResponse BackUp(e2e::ServerProcess& server, const std::string& token, const std::string& to) {
  v1::BackupRequest req;
  req.set_directory(to);
  v1::BackupResponse r;
  grpc::Status s = v1::AdminService::NewStub(server.Channel())->Backup(e2e::Ctx(token, 60000).get(), req, &r);
  EXPECT_TRUE(s.ok() && r.verified()) << s.error_message();
  return r;
}

// The last position of the store the server at `address` serves (0 when it cannot be asked).
uint64_t ServedHead(const std::string& address, const std::string& token) {
  auto admin = v1::AdminService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  v1::GetStatisticsResponse stats;
  grpc::Status s = admin->GetStatistics(e2e::Ctx(token).get(), {}, &stats);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return s.ok() ? stats.last_position() : 0;
}

// A service run in `service_dir` through the example's draft, backed up into `backup_dir`, then
// through the proposals (and backed up again into `later_backup_dir` when given), and stopped.
struct StoppedService {
  int port = 0;
  std::map<std::string, std::string> tokens;
  v1::BackupResponse backup;  // the one in backup_dir
};
StoppedService DraftBackUpProposeAndStop(const std::string& service_dir, const std::string& backup_dir,
                                         const std::string& later_backup_dir = "") {
  fs::create_directories(fs::path(service_dir).parent_path());
  e2e::ServerProcess live(service_dir);
  live.Start();
  StoppedService s;
  s.tokens = ExamplePrincipals(live);
  RunExampleSteps(live, s.tokens, "draft");
  s.backup = BackUp(live, s.tokens["administrator"], backup_dir);
  RunExampleSteps(live, s.tokens, "propose-");
  if (!later_backup_dir.empty()) BackUp(live, s.tokens["administrator"], later_backup_dir);
  s.port = live.port();
  EXPECT_EQ(live.Stop(SIGTERM), 0);
  return s;
}

void WriteEnvFile(const std::string& path, const std::string& data_dir, int port) {
  std::ofstream(path) << "# as /etc/proeftuin/proeftuind.env\n#PROEFTUIND_DATA_DIR=/var/lib/proeftuin/data\n"
                      << "PROEFTUIND_DATA_DIR=" << data_dir << "\nPROEFTUIND_LISTEN=127.0.0.1:" << port << "\n";
}

// The service's data directory is set in its environment file: the script restores there (not
// into the default), and proves, with the container's PROEFTUIN_TOKEN_FILE pointing into the
// very data directory it moves aside, that the restarted service serves the restored head.
TEST(OpsBackupRestore, RestoreScriptRestoresWhereTheServiceReadsItsStoreAndProvesItServesTheRestoredHead) {
  eventstore::testing::TempDir dir;
  const std::string service_dir = dir.Sub("srv/data");
  // The proposals come after the backup: the restore takes them away.
  StoppedService service = DraftBackUpProposeAndStop(service_dir, dir.Sub("backups/b1"));
  ASSERT_FALSE(HasFailure());
  const int port = service.port;
  std::map<std::string, std::string>& tokens = service.tokens;
  const v1::BackupResponse& backup = service.backup;
  const std::string env_file = dir.Sub("proeftuind.env");
  WriteEnvFile(env_file, service_dir, port);
  FakeSystemd systemd(dir.Sub("systemd"), env_file);
  ASSERT_EQ(systemd.Run("start").exit_code, 0);  // the service runs, as before any restore
  const std::string restore = SourceDir() + "/ops/restore.sh";

  // Another directory than the service's is refused before anything stops.
  std::map<std::string, std::string> env = systemd.Env();
  Output elsewhere = RunCommand({restore, dir.Sub("backups/b1"), "--env-file", env_file, "--data-dir", dir.Sub("x")}, env);
  EXPECT_EQ(elsewhere.exit_code, 2) << elsewhere.out;
  EXPECT_NE(elsewhere.out.find("is not the data directory"), std::string::npos) << elsewhere.out;
  EXPECT_EQ(systemd.Calls().find("stop"), std::string::npos) << systemd.Calls();
  EXPECT_FALSE(fs::exists(dir.Sub("x")));

  env["PROEFTUIN_TOKEN_FILE"] = service_dir + "/admin.token";
  Output restored = RunCommand({restore, dir.Sub("backups/b1"), "--env-file", env_file}, env);
  ASSERT_EQ(restored.exit_code, 0) << restored.out << "\nservice log:\n" << systemd.Log();
  const std::string digest = std::to_string(backup.position()) + ":" + backup.head_hash();
  EXPECT_NE(restored.out.find("serves the restored store"), std::string::npos) << restored.out;
  EXPECT_NE(restored.out.find("\n" + digest + "\n"), std::string::npos) << restored.out;
  EXPECT_EQ(ServedHead("127.0.0.1:" + std::to_string(port), tokens["administrator"]), backup.position());
  size_t aside = 0;
  for (const auto& e : fs::directory_iterator(dir.Sub("srv"))) {
    aside += e.path().filename().string().rfind("data.old-", 0) == 0;
  }
  EXPECT_EQ(aside, 1u) << "the service's previous store should be kept beside it";
  EXPECT_EQ(systemd.Calls(), "start proeftuind\nstop proeftuind\nstart proeftuind\n");
}

// The check after the restart is part of the restore: a service that serves another store, or a
// check that cannot be done (the token is refused, or there is none), is a failure, not a note.
TEST(OpsBackupRestore, RestoreScriptFailsUnlessTheServiceProvablyServesTheRestoredHead) {
  eventstore::testing::TempDir dir;
  const std::string service_dir = dir.Sub("srv/data");
  StoppedService service = DraftBackUpProposeAndStop(service_dir, dir.Sub("backups/b0"), dir.Sub("backups/b1"));
  ASSERT_FALSE(HasFailure());
  const int port = service.port;
  std::map<std::string, std::string>& tokens = service.tokens;
  // An older store, which the unit reads through a drop-in that the script cannot see.
  Output older = RunCommand({CliPath(), "admin", "restore", "--from", dir.Sub("backups/b0"), "--data-dir", dir.Sub("older")});
  ASSERT_EQ(older.exit_code, 0) << older.out;
  const std::string env_file = dir.Sub("proeftuind.env"), unit_env_file = dir.Sub("drop-in.env");
  WriteEnvFile(env_file, service_dir, port);
  WriteEnvFile(unit_env_file, dir.Sub("older"), port);
  const std::string admin_token = dir.Sub("admin.token"), bogus_token = dir.Sub("bogus.token");
  std::ofstream(admin_token) << tokens["administrator"] << "\n";
  std::ofstream(bogus_token) << "pt_not-a-token-of-this-store\n";
  FakeSystemd systemd(dir.Sub("systemd"), unit_env_file);
  const std::string restore = SourceDir() + "/ops/restore.sh";

  Output other = RunCommand({restore, dir.Sub("backups/b1"), "--env-file", env_file, "--token-file", admin_token},
                            systemd.Env());
  EXPECT_EQ(other.exit_code, 1) << other.out;
  EXPECT_NE(other.out.find("not the restored store"), std::string::npos) << other.out;
  systemd.Run("stop");

  systemd.set_unit_env_file(env_file);
  Output refused = RunCommand({restore, dir.Sub("backups/b1"), "--env-file", env_file, "--token-file", bogus_token},
                              systemd.Env());
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.out.find("could not be done"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("--token-file"), std::string::npos) << refused.out;
  systemd.Run("stop");

  // No token anywhere: refused before the service is stopped.
  fs::remove(service_dir + "/admin.token");
  const std::string calls = systemd.Calls();
  Output none = RunCommand({restore, dir.Sub("backups/b1"), "--env-file", env_file}, systemd.Env());
  EXPECT_EQ(none.exit_code, 2) << none.out;
  EXPECT_NE(none.out.find("--token-file"), std::string::npos) << none.out;
  EXPECT_EQ(systemd.Calls(), calls) << "nothing may be stopped when the check cannot be done";
}

// A restore without a service stops nothing, so it must never touch a store a server has open:
// the old script moved the running server's directory aside and restored into its path, where the
// server went on writing. Now --no-service needs --data-dir, and a store whose RocksDB lock a
// process holds is refused, naming the process, before anything moves.
TEST(OpsBackupRestore, RestoreScriptRefusesAStoreARunningServerHasOpenAndLosesNothing) {
  eventstore::testing::TempDir dir;
  e2e::ServerProcess live(dir.Sub("data"));
  live.Start();
  std::map<std::string, std::string> tokens = ExamplePrincipals(live);
  RunExampleSteps(live, tokens, "draft");
  BackUp(live, tokens["administrator"], dir.Sub("backups/b1"));
  RunExampleSteps(live, tokens, "propose-");
  ASSERT_FALSE(HasFailure());
  const uint64_t head = ServedHead(live.address(), tokens["administrator"]);
  const int pid = LoggedPid(live);
  ASSERT_GT(pid, 0) << live.Log();
  const std::string restore = SourceDir() + "/ops/restore.sh";
  // PROEFTUIND_DATA_DIR as in a shell where proeftuind was started by hand.
  const std::map<std::string, std::string> env = {{"PROEFTUIN_CLI", CliPath()},
                                                  {"PROEFTUIND_DATA_DIR", live.data_dir()}};

  Output refused = RunCommand(
      {restore, dir.Sub("backups/b1"), "--no-service", "--data-dir", live.data_dir() + "/"}, env);
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_NE(refused.out.find("a proeftuind (pid " + std::to_string(pid) + ") is using " +
                             live.data_dir() + ": stop it first"),
            std::string::npos)
      << refused.out;

  Output no_dir = RunCommand({restore, dir.Sub("backups/b1"), "--no-service"}, env);
  EXPECT_EQ(no_dir.exit_code, 2) << no_dir.out;
  EXPECT_NE(no_dir.out.find("--no-service needs --data-dir"), std::string::npos) << no_dir.out;

  for (const auto& e : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().rfind("data.old-", 0), std::string::npos)
        << "moved aside: " << e.path();
  }
  // The server still serves and writes its own store; stopped, that store verifies to its head.
  EXPECT_EQ(ServedHead(live.address(), tokens["administrator"]), head);
  v1::CommandOptions o;
  o.set_request_id("after-the-refused-restore");
  v1::CommandResult r;
  grpc::Status s =
      clients::SendCommand(live.Channel().get(), e2e::Ctx(tokens["programme_manager"]).get(),
                           KnowledgeSession("after-the-refused-restore", ""), o, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const uint64_t last = r.first_position();
  EXPECT_EQ(live.Stop(SIGTERM), 0);
  Output verified = RunCommand(
      {CliPath(), "--no-color", "audit", "verify", "--data-dir", live.data_dir(), "-o", "json"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_NE(verified.out.find("\"to_position\": \"" + std::to_string(last) + "\""),
            std::string::npos)
      << verified.out;
  EXPECT_GT(last, head);
}

// The names of the backups in `dir` that have a file NAME + `suffix` beside them, oldest first.
std::vector<std::string> BackupsWith(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> names;
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string name = f.path().filename().string();
    if (f.is_directory() && fs::exists(dir + "/" + name + suffix)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Retention removes only backups the new one continues. proeftuind makes a new, empty store in a
// missing data directory (a failed mount): the old script backed that up and, by count, removed
// every backup of the real store. Now a backup of another store, or of the same store restored
// from an older backup and written on, keeps every backup and exits 3, run after run, until the
// real store is back (then retention prunes as before) or the new history is accepted.
TEST(OpsBackupRestore, BackupScriptKeepsEveryBackupWhenTheStoreIsNotTheOneBackedUpBefore) {
  eventstore::testing::TempDir dir;
  const std::string backups = dir.Sub("backups");
  e2e::ServerProcess real(dir.Sub("data"));
  real.Start();
  std::map<std::string, std::string> tokens = ExamplePrincipals(real);
  RunExampleSteps(real, tokens, "draft");
  ASSERT_FALSE(HasFailure());
  std::map<std::string, std::string> env = {{"PROEFTUIN_CLI", CliPath()},
                                            {"PROEFTUIN_SERVER", real.address()},
                                            {"PROEFTUIN_BACKUP_DIR", backups},
                                            {"PROEFTUIN_BACKUP_KEEP", "2"},
                                            {"PROEFTUIN_DATA_DIR", real.data_dir()}};
  const std::string backup = SourceDir() + "/ops/backup.sh";
  // A knowledge session recorded in `server`'s store: the log grows between backups.
  auto record = [&tokens](e2e::ServerProcess& server, const std::string& id) {
    v1::CommandOptions o;
    o.set_request_id(id);
    grpc::Status s =
        clients::SendCommand(server.Channel().get(), e2e::Ctx(tokens["programme_manager"]).get(),
                             KnowledgeSession(id, ""), o, nullptr);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
  };
  for (int i = 0; i < 3; ++i) {
    record(real, "real-" + std::to_string(i));
    Output o = RunCommand({backup}, env);
    ASSERT_EQ(o.exit_code, 0) << o.out;
  }
  const std::vector<std::string> kept = BackupsWith(backups, ".json");
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_NE(e2e::ReadWholeFile(backups + "/" + kept[1] + ".json").find("\"store_id\": \""),
            std::string::npos);
  const std::string last_backup = e2e::ReadWholeFile(real.data_dir() + "/last-backup");
  EXPECT_EQ(real.Stop(SIGTERM), 0);

  // A new, empty store: every backup stays, twice in a row (the first rejected backup must not
  // become the one the next run compares with).
  e2e::ServerProcess fresh(dir.Sub("fresh"));
  fresh.Start();
  env["PROEFTUIN_SERVER"] = fresh.address();
  env["PROEFTUIN_DATA_DIR"] = fresh.data_dir();
  for (size_t i = 1; i <= 2; ++i) {
    Output o = RunCommand({backup}, env);
    EXPECT_EQ(o.exit_code, 3) << o.out;
    EXPECT_NE(o.out.find("the store's identity changed"), std::string::npos) << o.out;
    EXPECT_NE(o.out.find("PROEFTUIN_BACKUP_NEW_HISTORY=1"), std::string::npos) << o.out;
    EXPECT_EQ(BackupsWith(backups, ".json"), kept);
    EXPECT_EQ(BackupsWith(backups, ".new-history.json").size(), i);
  }
  EXPECT_FALSE(fs::exists(fresh.data_dir() + "/last-backup"))
      << "a rejected backup is no good backup";
  EXPECT_EQ(fresh.Stop(SIGTERM), 0);

  // The same store restored from its older backup and written on: another history.
  Output restored = RunCommand({CliPath(), "admin", "restore", "--from", backups + "/" + kept[0],
                                "--data-dir", dir.Sub("older")});
  ASSERT_EQ(restored.exit_code, 0) << restored.out;
  e2e::ServerProcess older(dir.Sub("older"));
  older.Start();
  record(older, "older-0");
  const std::string token_file = dir.Sub("admin.token");
  std::ofstream(token_file) << tokens["administrator"] << "\n";
  env["PROEFTUIN_SERVER"] = older.address();
  env["PROEFTUIN_DATA_DIR"] = older.data_dir();
  env["PROEFTUIN_TOKEN_FILE"] = token_file;
  Output diverged = RunCommand({backup}, env);
  EXPECT_EQ(diverged.exit_code, 3) << diverged.out;
  EXPECT_NE(diverged.out.find("the store's history changed"), std::string::npos) << diverged.out;
  EXPECT_EQ(BackupsWith(backups, ".json"), kept);
  EXPECT_EQ(older.Stop(SIGTERM), 0);

  // The real store back: its next backup continues the previous one, and retention prunes.
  real.Start();
  env["PROEFTUIN_SERVER"] = real.address();
  env["PROEFTUIN_DATA_DIR"] = real.data_dir();
  Output again = RunCommand({backup}, env);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  std::vector<std::string> now = BackupsWith(backups, ".json");
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0], kept[1]);
  EXPECT_FALSE(fs::exists(backups + "/" + kept[0]));
  EXPECT_EQ(BackupsWith(backups, ".new-history.json").size(), 3u)
      << "retention leaves them to the operator";
  EXPECT_NE(e2e::ReadWholeFile(real.data_dir() + "/last-backup"), last_backup);
  EXPECT_EQ(real.Stop(SIGTERM), 0);

  // A deliberate change of history, accepted for one run: that run prunes nothing, the next
  // continues it and prunes as before.
  older.Start();
  env["PROEFTUIN_SERVER"] = older.address();
  env["PROEFTUIN_DATA_DIR"] = older.data_dir();
  env["PROEFTUIN_BACKUP_NEW_HISTORY"] = "1";
  Output accepted = RunCommand({backup}, env);
  ASSERT_EQ(accepted.exit_code, 0) << accepted.out;
  EXPECT_EQ(BackupsWith(backups, ".json").size(), 3u) << accepted.out;
  EXPECT_TRUE(fs::exists(older.data_dir() + "/last-backup"));
  env.erase("PROEFTUIN_BACKUP_NEW_HISTORY");
  Output next = RunCommand({backup}, env);
  ASSERT_EQ(next.exit_code, 0) << next.out;
  now = BackupsWith(backups, ".json");
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(BackupsWith(backups, ".new-history.json").size(), 3u);
  EXPECT_EQ(older.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace proeftuin::ops_test
