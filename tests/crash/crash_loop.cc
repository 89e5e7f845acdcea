// crash_loop: the real proeftuind killed with SIGKILL under load, round after round, on one data
// directory (issue 8). Each round starts concurrent clients sending real commands (CommandLoad:
// drafts, proposals, selections that write two streams atomically, knowledge sessions), kills
// the server at a random moment, restarts it and checks, through the API:
//   - every acknowledged command of every round is in the log where its answer said;
//   - positions run 1..head without a gap; no append is half-written; nothing was invented;
//   - the whole hash chain verifies (AuditService.Verify);
//   - the programme and experiment views equal a rebuild (every inline projection rebuilt
//     through AdminService.RebuildProjection, the views fetched again, byte for byte).
// One line per round, a summary line at the end; exit 0 when every check held.
//
//   crash_loop [--rounds N] [--seed S] [--clients C] [GoogleTest flags]
//
// ops/crash-loop.sh runs 100 rounds; CTest runs 10 (crash_loop_10_rounds).
#include <gtest/gtest.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crash/command_load.h"
#include "crash/log_check.h"
#include "e2e/server_process.h"
#include "integration/store_fixture.h"

namespace proeftuin::crash {
namespace {

int g_rounds = 100;
int g_clients = 6;
uint64_t g_seed = 0;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The views to compare: every programme of the loop, the experiments of this round.
std::set<std::string> ViewStreams(const LogIndex& log, const std::string& round_prefix) {
  std::set<std::string> streams;
  for (const std::string& s : log.streams) {
    if (s.rfind("programme-crash-", 0) == 0 || s.rfind("experiment-" + round_prefix, 0) == 0) streams.insert(s);
  }
  return streams;
}

class CrashLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<e2e::ServerProcess>(dir_.Sub("data"));
    server_->Start();
    admin_ = server_->AdminToken();
    tokens_ = CreateLoadPrincipals(*server_);
  }

  // Load, SIGKILL after a random delay, restart. Adds the load's outcomes to all_.
  void LoadKillRestart(int round) {
    CommandLoad load(server_->Channel(), tokens_, "crash-r" + std::to_string(round), g_clients);
    load.Start();
    delay_ms_ = std::uniform_int_distribution<int>(100, 1500)(rng_);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    load.set_phase(1);
    server_->Kill();
    load.Stop();
    auto restart = std::chrono::steady_clock::now();
    server_->Start();
    ASSERT_TRUE(server_->running()) << "proeftuind did not restart after round " << round;
    restart_s_ = SecondsSince(restart);
    for (const Outcome& o : load.outcomes()) {
      EXPECT_TRUE(o.status.ok() || o.phase_ended == 1)
          << o.request_id << " failed before the kill: " << o.status.error_code() << " " << o.status.error_message();
      all_.push_back(o);
    }
  }

  // Every check on the restarted server; prints the round's line.
  void Check(int round, std::chrono::steady_clock::time_point started) {
    LogIndex log = ReadLog(server_->Channel().get(), admin_);
    EXPECT_GE(log.head, head_) << "the log shrank";
    Durability d = CheckDurability(log, all_, "crash-r");
    ExpectChainVerifies(server_->Channel().get(), admin_, log.head);
    std::set<std::string> views = ViewStreams(log, "crash-r" + std::to_string(round) + "-");
    int rebuilt = ExpectViewsEqualRebuild(server_->Channel().get(), admin_, views);
    std::printf(
        "round %d/%d: killed after %d ms; %zu commands acknowledged (%zu in all), %zu unacknowledged landed "
        "whole; head %" PRIu64 ", no gaps, chain verified; %d inline projections rebuilt, %zu views equal; "
        "restart %.2f s, round %.2f s%s\n",
        round, g_rounds, delay_ms_, d.acknowledged - total_.acknowledged, d.acknowledged,
        d.landed_unacknowledged - total_.landed_unacknowledged, log.head, rebuilt, views.size(), restart_s_,
        SecondsSince(started), HasFailure() ? "  FAILED" : "");
    std::fflush(stdout);
    total_ = d;
    head_ = log.head;
  }

  void PrintSummary(int rounds_run) {
    if (HasFailure()) {
      std::printf("crash-loop: FAILED in round %d of %d (seed %" PRIu64 "); the failures are above\n", rounds_run,
                  g_rounds, g_seed);
      return;
    }
    std::printf("crash-loop: ok: %d rounds, %zu acknowledged commands, 0 lost, %zu unacknowledged landed whole, "
                "%" PRIu64 " events, no gaps, chain valid, views = rebuild (seed %" PRIu64 ")\n",
                rounds_run, total_.acknowledged, total_.landed_unacknowledged, head_, g_seed);
  }

  eventstore::testing::TempDir dir_;
  std::unique_ptr<e2e::ServerProcess> server_;
  std::string admin_;
  LoadTokens tokens_;
  std::mt19937_64 rng_{g_seed};
  std::vector<Outcome> all_;  // every outcome of every round
  Durability total_;
  uint64_t head_ = 0;
  int delay_ms_ = 0;
  double restart_s_ = 0;
};

TEST_F(CrashLoop, EveryAcknowledgedCommandSurvivesKillNine) {
  std::printf("crash-loop: %d rounds, %d clients, seed %" PRIu64 "\n", g_rounds, g_clients, g_seed);
  int round = 0;
  while (round < g_rounds && !HasFailure()) {
    auto started = std::chrono::steady_clock::now();
    ++round;
    LoadKillRestart(round);
    if (HasFatalFailure()) break;
    Check(round, started);
  }
  PrintSummary(round);
  if (server_->running()) {
    EXPECT_EQ(server_->Stop(), 0) << server_->Log();
  }
}

}  // namespace
}  // namespace proeftuin::crash

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  using proeftuin::crash::g_clients;
  using proeftuin::crash::g_rounds;
  using proeftuin::crash::g_seed;
  g_seed = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    bool has_value = i + 1 < argc;
    if (flag == "--rounds" && has_value) {
      g_rounds = std::atoi(argv[++i]);
    } else if (flag == "--clients" && has_value) {
      g_clients = std::atoi(argv[++i]);
    } else if (flag == "--seed" && has_value) {
      g_seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: crash_loop [--rounds N] [--seed S] [--clients C] [GoogleTest flags]\n");
      return 2;
    }
  }
  if (g_rounds < 1 || g_clients < 1) {
    std::fprintf(stderr, "crash_loop: --rounds and --clients must be at least 1\n");
    return 2;
  }
  return RUN_ALL_TESTS();
}
