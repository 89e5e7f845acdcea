// proeftuin-bench: drives a running proeftuind over gRPC (issue 8). With an administrator token it
// creates this run's principals and a programme with one running experiment per client, then
// measures, one phase after another: durable commands (RecordActivity) at N clients and at 1,
// interleaved with the raw RocksDB group-commit reference at the same concurrency (median of the
// repeats); GetProgramme queries; live subscribers while commands are written at a fixed rate;
// and the server's resident memory at the end. Human-readable lines first, then `RESULT
// name=value`. Any failed call ends the run with exit code 1 and the server's status and rule.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "bench/bench.h"
#include "bench/phases.h"
#include "bench/programme.h"
#include "bench/workload.h"
#include "absl/synchronization/mutex.h"

namespace proeftuin::bench {
namespace {

namespace fs = std::filesystem;
namespace wl = eventstore::bench;

// The raw reference's folder for this run, <raw dir>/proeftuin-bench-<run id>; removed (with
// <raw dir> when this run created it) by Cleanup.
struct RawDir {
  std::string path;
  std::string created;  // the outermost folder this run created, or ""
};

RawDir MakeRawDir(const std::string& raw_dir, const std::string& run_id) {
  RawDir d;
  std::error_code ec;
  if (!fs::exists(raw_dir, ec)) d.created = raw_dir;
  d.path = (fs::path(raw_dir) / ("proeftuin-bench-" + run_id)).string();
  fs::create_directories(d.path, ec);
  if (ec) wl::Die("--raw-dir: cannot create " + d.path + ": " + ec.message());
  if (d.created.empty()) d.created = d.path;
  return d;
}

void PrintResults(const Results& out) {
  std::printf("\n");
  for (const auto& [name, v] : out) std::printf("RESULT %s=%.*f\n", name.c_str(), v < 100 ? 3 : 0, v);
}

// Phase 5: the server's memory and log at the end, and whether its count of appends matches the
// writes this run had acknowledged.
void EndPhase(Server& server, const v1::GetStatisticsResponse& start, Results& out) {
  v1::GetStatisticsResponse end = server.Statistics();
  out["server_rss_mb"] = double(end.resident_memory_bytes()) / (1 << 20);
  out["events_in_store"] = double(end.last_position());
  out["writes_acknowledged"] = double(server.writes());
  out["server_appends_during_run"] = double(end.appends() - start.appends());
  std::printf("\nserver at the end: resident memory %.1f MiB, %llu events in the store (last position), "
              "%llu appends during the run, %llu writes acknowledged to this bench\n",
              out["server_rss_mb"], static_cast<unsigned long long>(end.last_position()),
              static_cast<unsigned long long>(end.appends() - start.appends()),
              static_cast<unsigned long long>(server.writes()));
  if (end.appends() - start.appends() != server.writes()) {
    std::printf("note: the counts differ: another client wrote during the run, or the server restarted\n");
  }
  if (end.last_position() < 1'000'000) {
    std::printf(
        "note: issue 8's memory target is the RSS after 1M events and all phases; this store holds "
        "%llu: run the bench against a server on a store of 1M events (docs/PERFORMANCE.md)\n",
        static_cast<unsigned long long>(end.last_position()));
  }
}

int Main(const Options& o) {
  Server server(o);
  v1::GetStatisticsResponse start = server.Statistics();
  auto began = wl::Clock::now();
  BenchProgramme p = CreateBenchProgramme(server, o.clients);
  std::printf("proeftuin-bench: server %s (store %s), %d clients, %.1f s per measurement, run %s\n",
              o.server.c_str(), start.store_id().c_str(), o.clients, o.seconds, p.run_id.c_str());
  std::printf("setup: %d principals, programme %s with %zu running experiments (%d commands, %.1f s)\n",
              p.principals, p.programme_id.c_str(), p.experiments.size(), p.setup_commands,
              wl::Seconds(began, wl::Clock::now()));
  Results out;
  out["load_avg_start"] = wl::LoadAverage();
  if (o.phases.count("commands")) {
    RawDir raw = MakeRawDir(o.raw_dir, p.run_id);
    DurablePhase(server, p, o, raw.path, RawReferenceValue(server, p), out);
    std::error_code ec;
    fs::remove_all(raw.created, ec);
  }
  if (o.phases.count("queries")) QueryPhase(server, p, o, out);
  if (o.phases.count("subscribe")) SubscribePhase(server, p, o, out);
  EndPhase(server, start, out);
  out["load_avg_end"] = wl::LoadAverage();
  out["total_seconds"] = wl::Seconds(began, wl::Clock::now());
  std::printf("load average %.2f at start, %.2f at end (%u CPUs, client and server on this machine)\n",
              out["load_avg_start"], out["load_avg_end"], std::thread::hardware_concurrency());
  PrintResults(out);
  return 0;
}

}  // namespace
}  // namespace proeftuin::bench

int main(int argc, char** argv) {
  // As in proeftuind: Debian builds Abseil without NDEBUG, so every absl::Mutex lock (gRPC's
  // included) would update the deadlock detector's lock-order graph; the client measures gRPC,
  // not that.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  proeftuin::bench::Options o;
  CLI::App app{"proeftuin-bench: load benchmark against a running proeftuind (administrator token)"};
  app.add_option("--server", o.server, "HOST:PORT of proeftuind")->capture_default_str();
  app.add_option("--token-file", o.token_file, "File with an administrator's token")->required();
  app.add_option("--raw-dir", o.raw_dir, "Folder for the raw RocksDB reference (same file system as the store)")
      ->capture_default_str();
  app.add_option("--ca", o.ca, "PEM CA of the server's certificate (TLS); plaintext without");
  app.add_option("--clients", o.clients, "Concurrent clients")->capture_default_str()->check(CLI::Range(1, 700));
  app.add_option("--seconds", o.seconds, "Seconds per measurement")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--repeats", o.repeats, "Interleaved command/raw runs (median)")->capture_default_str()->check(CLI::Range(1, 99));
  app.add_option("--subscribers", o.subscribers, "Live Subscribe streams")->capture_default_str()->check(CLI::Range(1, 10000));
  app.add_option("--subscribe-batch", o.subscribe_batch,
                 "Events per Subscribe message when more are ready (max_batch; 1: one each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--subscribe-delay-ms", o.subscribe_delay_ms,
                 "How long the server may hold a live event to batch it with the next (max_delay_ms)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  app.add_option("--subscribe-seconds", o.subscribe_seconds, "Seconds the subscribers listen")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--subscribe-rate", o.subscribe_rate, "Commands/s written while they listen")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--phases", o.phases, "Phases to run (commands, queries, subscribe); all by default")
      ->delimiter(',')
      ->check(CLI::IsMember({"commands", "queries", "subscribe"}));
  app.add_option("--command-rpcs", o.command_rpcs,
                 "Command RPCs the commands phase drives: unary (RecordActivity), stream "
                 "(ExecuteCommands); both by "
                 "default")
      ->delimiter(',')
      ->check(CLI::IsMember({"unary", "stream"}));
  app.add_option("--channels", o.channels, "gRPC connections")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--driver", o.driver,
                 "How clients wait for answers: callback (gRPC's callback API starts each client's next call) "
                 "or threads (a thread per client, blocked in each call)")
      ->capture_default_str()
      ->check(CLI::IsMember({"callback", "threads"}));
  CLI11_PARSE(app, argc, argv);
  return proeftuin::bench::Main(o);
}
