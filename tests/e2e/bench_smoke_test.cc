// proeftuin-bench (issue 8), briefly, against a real proeftuind started by the test: every phase
// runs and prints its RESULT lines with positive figures (the empty-call reference and the CPU
// per operation among them), the writes it reports equal the appends
// the server counted, the raw reference cleans up after itself, and a refused call ends the run
// with the server's status instead of being counted, also when the server goes away while the
// clients are in their timed loop.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "e2e/pki.h"
#include "e2e/server_process.h"
#include "integration/store_fixture.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"

namespace proeftuin::e2e {
namespace {

constexpr int kClients = 4;

std::map<std::string, double> Results(const std::string& out) {
  std::map<std::string, double> r;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("RESULT ", 0) != 0) continue;
    size_t eq = line.find('=');
    if (eq != std::string::npos) r[line.substr(7, eq - 7)] = std::stod(line.substr(eq + 1));
  }
  return r;
}

class BenchSmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.Sub("data"));
    server_->Start();
    ASSERT_GT(server_->port(), 0);
  }

  v1::GetStatisticsResponse Statistics() {
    v1::GetStatisticsResponse stats;
    auto admin = v1::AdminService::NewStub(server_->Channel());
    grpc::Status s = admin->GetStatistics(Ctx(server_->AdminToken()).get(), {}, &stats);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return stats;
  }

  Output RunBench(const std::string& token_file, std::vector<std::string> more = {},
                  const std::string& seconds = "0.5") {
    std::vector<std::string> args = {PROEFTUIN_BENCH_BINARY,
                                     "--server",
                                     server_->address(),
                                     "--token-file",
                                     token_file,
                                     "--raw-dir",
                                     dir_.Sub("raw"),
                                     "--clients",
                                     std::to_string(kClients),
                                     "--seconds",
                                     seconds,
                                     "--repeats",
                                     "1",
                                     "--subscribers",
                                     "5",
                                     "--subscribe-rate",
                                     "200",
                                     "--subscribe-seconds",
                                     seconds};
    args.insert(args.end(), more.begin(), more.end());
    return RunCommand(args);
  }

  eventstore::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(BenchSmokeTest, EveryPhaseReportsPositiveFiguresAndTheServerCountedEveryWrite) {
  const v1::GetStatisticsResponse before = Statistics();
  Output run = RunBench(server_->data_dir() + "/admin.token");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  const v1::GetStatisticsResponse after = Statistics();
  std::map<std::string, double> r = Results(run.out);

  const std::string n = "_" + std::to_string(kClients);
  for (const std::string& name : {"command_per_s" + n,
                                  "command_p50_ms" + n,
                                  "command_p99_ms" + n,
                                  "raw_per_s" + n,
                                  "command_ratio_vs_raw" + n,
                                  std::string("command_p50_ms_1"),
                                  std::string("raw_p50_ms_1"),
                                  std::string("command_per_s_1"),
                                  std::string("closed_loop_get_programme_per_s"),
                                  std::string("closed_loop_get_programme_p99_ms"),
                                  std::string("subscribe_delivery_p99_ms"),
                                  std::string("server_rss_mb"),
                                  std::string("events_in_store"),
                                  std::string("writes_acknowledged"),
                                  "empty_call_per_s" + n,
                                  std::string("empty_call_p50_ms_1"),
                                  "command_ratio_vs_empty_call" + n,
                                  "command_server_cpu_us" + n,
                                  "command_client_cpu_us" + n,
                                  "empty_call_server_cpu_us" + n,
                                  "empty_call_client_cpu_us" + n,
                                  "raw_cpu_us" + n,
                                  std::string("command_server_cpu_us_1"),
                                  "bound_empty_call_plus_raw_per_s" + n,
                                  "stream_command_per_s" + n,
                                  "stream_command_p99_ms" + n,
                                  "stream_command_ratio_vs_raw" + n,
                                  "stream_command_server_cpu_us" + n,
                                  "stream_command_client_cpu_us" + n,
                                  std::string("stream_command_per_s_1"),
                                  std::string("stream_command_p50_ms_1")}) {
    ASSERT_TRUE(r.count(name)) << name << " missing in\n" << run.out;
    EXPECT_GT(r[name], 0) << name << "\n" << run.out;
  }
  EXPECT_TRUE(r.count("command_p50_minus_raw_ms_1")) << run.out;
  EXPECT_NEAR(r["command_p50_minus_raw_ms_1"], r["command_p50_ms_1"] - r["raw_p50_ms_1"], 0.002);
  EXPECT_EQ(r["subscribe_deliveries"], 5 * 100) << "5 streams, 200 commands/s for 0.5 s";
  // The tail by 100 ms window of commit time: 0.5 s of commits spans a few windows, and the
  // slowest delivery is at least the p99.
  EXPECT_GE(r["subscribe_windows"], 1) << run.out;
  EXPECT_LE(r["subscribe_p99_tail_windows"], r["subscribe_windows"]) << run.out;
  EXPECT_GE(r["subscribe_delivery_max_ms"], r["subscribe_delivery_p99_ms"]) << run.out;
  EXPECT_NEAR(r["command_ratio_vs_empty_call" + n], r["command_per_s" + n] / r["empty_call_per_s" + n], 0.002);
  EXPECT_NEAR(r["stream_command_ratio_vs_raw" + n],
              r["stream_command_per_s" + n] / r["raw_per_s" + n], 0.002);
  EXPECT_NEAR(r["stream_command_p50_minus_raw_ms_1"],
              r["stream_command_p50_ms_1"] - r["raw_p50_ms_1"], 0.002);
  // A command does everything an empty call does and more, on the server and in the client.
  EXPECT_GT(r["command_server_cpu_us" + n], r["empty_call_server_cpu_us" + n]) << run.out;
  // The bounds: the cores over the empty call's CPU (server and client, or server only) plus a
  // raw put's. The figures are printed rounded, hence the tolerance.
  const double cores = r["bench_machine_cores"];
  EXPECT_GE(cores, 1) << run.out;
  const double with_client =
      r["empty_call_server_cpu_us" + n] + r["empty_call_client_cpu_us" + n] + r["raw_cpu_us" + n];
  const double server_only = r["empty_call_server_cpu_us" + n] + r["raw_cpu_us" + n];
  EXPECT_NEAR(r["bound_empty_call_plus_raw_per_s" + n], cores * 1e6 / with_client,
              0.02 * cores * 1e6 / with_client);
  EXPECT_NEAR(r["bound_server_only_empty_call_plus_raw_per_s" + n], cores * 1e6 / server_only,
              0.02 * cores * 1e6 / server_only);
  EXPECT_FALSE(r.count("bound_empty_call_plus_raw_per_s_1")) << "one client is bound by latency";

  // Nothing else wrote: every write the bench counted, and only those, is an append the server counted.
  EXPECT_EQ(r["writes_acknowledged"], static_cast<double>(after.appends() - before.appends())) << run.out;
  EXPECT_EQ(r["server_appends_during_run"], r["writes_acknowledged"]);
  EXPECT_EQ(r["events_in_store"], static_cast<double>(after.last_position()));
  EXPECT_GT(after.resident_memory_bytes(), 1u << 20);
  EXPECT_NE(run.out.find("RecordActivity (command)"), std::string::npos) << run.out;
  EXPECT_LT(run.out.find("RecordActivity (command)"), run.out.find("RESULT ")) << "table first";
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("raw"))) << "the raw reference's folder is removed";

  // Names carry a run id: a second run against the same server works too, here with a blocked
  // thread per client instead of the callback API.
  const v1::GetStatisticsResponse before_again = Statistics();
  Output again = RunBench(server_->data_dir() + "/admin.token", {"--driver", "threads", "--phases", "commands,queries"});
  ASSERT_EQ(again.exit_code, 0) << again.out;
  std::map<std::string, double> r2 = Results(again.out);
  for (const std::string& name :
       {"command_per_s" + n, "stream_command_per_s" + n, "empty_call_per_s" + n,
        std::string("closed_loop_get_programme_per_s")}) {
    EXPECT_GT(r2[name], 0) << name << "\n" << again.out;
  }
  EXPECT_EQ(r2["writes_acknowledged"], static_cast<double>(Statistics().appends() - before_again.appends()))
      << again.out;

  // Only the streams: their figures and both references, none of the unary RPC's.
  Output streams = RunBench(server_->data_dir() + "/admin.token",
                            {"--phases", "commands", "--command-rpcs", "stream"});
  ASSERT_EQ(streams.exit_code, 0) << streams.out;
  std::map<std::string, double> r3 = Results(streams.out);
  for (const std::string& name :
       {"stream_command_per_s" + n, "raw_per_s" + n, "empty_call_per_s" + n}) {
    EXPECT_GT(r3[name], 0) << name << "\n" << streams.out;
  }
  EXPECT_FALSE(r3.count("command_per_s" + n)) << streams.out;
  EXPECT_EQ(streams.out.find("RecordActivity (command)"), std::string::npos) << streams.out;
}

// The server goes away while the callback driver's clients are recording activities: the calls in
// flight fail, each client stops, and the run ends with exit code 1 and the status, no figures.
TEST_F(BenchSmokeTest, AServerThatGoesAwayMidRunEndsTheRunWithAFailure) {
  const uint64_t appends = Statistics().appends();
  Output run;
  std::thread bench([&] {
    run = RunBench(server_->data_dir() + "/admin.token", {"--phases", "commands"}, "30");
  });
  // The setup writes about 25 events; past 200 the clients are in the timed loop.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Statistics().appends() < appends + 200 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  server_->Kill();
  bench.join();
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find("RecordActivity"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("UNAVAILABLE"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("a call failed during the measurement"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("RESULT "), std::string::npos) << run.out;
}

TEST_F(BenchSmokeTest, ARefusedCallEndsTheRunWithTheServersStatus) {
  const std::string bad = dir_.Sub("bad.token");
  std::ofstream(bad) << "not-a-token\n";
  const uint64_t appends = Statistics().appends();
  Output run = RunBench(bad);
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find("UNAUTHENTICATED"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("RESULT "), std::string::npos) << run.out;
  EXPECT_EQ(Statistics().appends(), appends);
}

}  // namespace
}  // namespace proeftuin::e2e
