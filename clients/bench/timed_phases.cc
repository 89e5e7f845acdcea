// The phases that time a request loop per client: durable commands through the real command RPC,
// interleaved with the raw RocksDB group-commit reference of eventstore_bench at the same
// concurrency (ENGINEERING.md §7: ratios measured in one run, since these machines are noisy),
// and GetProgramme queries.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <map>
#include <vector>

#include "bench/phases.h"
#include "bench/workload.h"
#include "domain/streams.h"
#include "proeftuin/v1/event_service.grpc.pb.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::bench {
namespace {

namespace wl = eventstore::bench;

// `clients` threads recording activities, thread t on experiment t; events per fsync from the
// server's statistics (exact when nothing else writes meanwhile).
wl::RunResult CommandRun(Server& server, const BenchProgramme& p, int clients, double seconds,
                         const std::string& tag) {
  v1::GetStatisticsResponse before = server.Statistics();
  wl::RunResult r = wl::RunWriters(clients, seconds, [&](int t, uint64_t n) {
    std::string id = p.run_id + "-" + tag + "-" + std::to_string(t) + "-" + std::to_string(n);
    return RecordActivity(server, p, t, static_cast<size_t>(t) % p.experiments.size(), id);
  });
  v1::GetStatisticsResponse after = server.Statistics();
  uint64_t groups = after.groups_committed() - before.groups_committed();
  uint64_t events = after.events_appended() - before.events_appended();
  r.per_fsync = groups > 0 ? double(events) / double(groups) : 0;
  return r;
}

void PrintRow(const char* what, int clients, const wl::RunResult& r) {
  std::printf("%-28s %7d %10.0f %8.3f %8.3f %8.3f", what, clients, r.per_s, Ms(wl::Percentile(r.latency_us, 0.50)),
              Ms(wl::Percentile(r.latency_us, 0.95)), Ms(wl::Percentile(r.latency_us, 0.99)));
  if (r.per_fsync > 0) std::printf(" %9.1f", r.per_fsync);
  std::printf("\n");
}

void Summarise(int n, const std::vector<wl::RunResult>& commands, const std::vector<wl::RunResult>& raws,
               Results& out) {
  wl::RunResult c = wl::Median(commands, &wl::RunResult::per_s);
  wl::RunResult r = wl::Median(raws, &wl::RunResult::per_s);
  const std::string s = "_" + std::to_string(n);
  out["command_per_s" + s] = c.per_s;
  out["command_p50_ms" + s] = Ms(wl::Percentile(c.latency_us, 0.50));
  out["command_p95_ms" + s] = Ms(wl::Percentile(c.latency_us, 0.95));
  out["command_p99_ms" + s] = Ms(wl::Percentile(c.latency_us, 0.99));
  out["command_events_per_fsync" + s] = c.per_fsync;
  out["raw_per_s" + s] = r.per_s;
  out["raw_p50_ms" + s] = Ms(wl::Percentile(r.latency_us, 0.50));
  out["raw_p99_ms" + s] = Ms(wl::Percentile(r.latency_us, 0.99));
  out["raw_puts_per_fsync" + s] = r.per_fsync;
  out["command_ratio_vs_raw" + s] = r.per_s > 0 ? c.per_s / r.per_s : 0;
  out["command_p50_minus_raw_ms" + s] = out["command_p50_ms" + s] - out["raw_p50_ms" + s];
  PrintRow("RecordActivity (command)", n, c);
  PrintRow("raw Put sync=true", n, r);
}

}  // namespace

std::string RawReferenceValue(Server& server, const BenchProgramme& p) {
  if (!RecordActivity(server, p, 0, 0, p.run_id + "-sample")) std::exit(1);
  auto events = v1::EventService::NewStub(server.shared_channel(0));
  v1::ReadStreamRequest req;
  req.set_stream(domain::ExperimentStream(p.programme_id, p.experiments[0]));
  req.set_direction(v1::DIRECTION_BACKWARD);
  req.set_max_count(1);
  v1::ReadStreamResponse resp;
  auto ctx = server.Context(p.reader_token);
  grpc::Status s = events->ReadStream(ctx.get(), req, &resp);
  if (!s.ok()) Fail("EventService.ReadStream " + req.stream(), s, *ctx);
  if (resp.events_size() != 1) wl::Die("ReadStream " + req.stream() + " returned no event");
  const v1::Event& e = resp.events(0);
  size_t stored = wl::StoredRecordBytes(e.header(), e.payload().size());
  std::string value = wl::ValueLikeStore(wl::PayloadSizeFor(stored));
  std::printf("raw reference value: %zu bytes (a stored %s record is %zu bytes)\n", value.size(),
              e.header().type().c_str(), stored);
  return value;
}

void DurablePhase(Server& server, const BenchProgramme& p, const Options& options, const std::string& raw_dir,
                  const std::string& raw_value, Results& out) {
  std::vector<int> levels = {options.clients};
  if (options.clients != 1) levels.push_back(1);
  std::map<int, std::vector<wl::RunResult>> commands, raws;
  std::printf("\ndurable commands vs raw RocksDB group commit, interleaved, %d run(s) of %.1f s each\n",
              options.repeats, options.seconds);
  for (int rep = 0; rep < options.repeats; ++rep) {
    for (int n : levels) {
      std::string tag = "c" + std::to_string(n) + "r" + std::to_string(rep);
      commands[n].push_back(CommandRun(server, p, n, options.seconds, tag));
      raws[n].push_back(wl::RawRun(raw_dir + "/raw-" + tag, n, options.seconds, raw_value));
      std::printf("  run %d, %2d clients: commands %8.0f/s (%5.1f events/fsync)   raw %8.0f/s (%5.1f puts/fsync)\n",
                  rep + 1, n, commands[n].back().per_s, commands[n].back().per_fsync, raws[n].back().per_s,
                  raws[n].back().per_fsync);
      std::fflush(stdout);
    }
  }
  std::printf("\nmedian of %d                 clients      per s   p50 ms   p95 ms   p99 ms per fsync\n",
              options.repeats);
  for (int n : levels) Summarise(n, commands[n], raws[n], out);
}

void QueryPhase(Server& server, const BenchProgramme& p, const Options& options, Results& out) {
  std::vector<std::unique_ptr<v1::ProgrammeService::Stub>> stubs;
  for (int c = 0; c < std::max(1, options.channels); ++c) {
    stubs.push_back(v1::ProgrammeService::NewStub(server.shared_channel(c)));
  }
  v1::GetProgrammeRequest req;
  req.set_programme_id(p.programme_id);
  wl::RunResult r = wl::RunWriters(options.clients, options.seconds, [&](int t, uint64_t) {
    v1::GetProgrammeResponse resp;
    auto ctx = server.Context(p.reader_token);
    grpc::Status s = stubs[static_cast<size_t>(t) % stubs.size()]->GetProgramme(ctx.get(), req, &resp);
    if (!s.ok()) ReportFailure("GetProgramme " + p.programme_id, s, *ctx);
    return s.ok() && resp.programme().programme_id() == p.programme_id;
  });
  std::printf("\nqueries                      clients      per s   p50 ms   p95 ms   p99 ms\n");
  PrintRow("GetProgramme", options.clients, r);
  out["get_programme_per_s"] = r.per_s;
  out["get_programme_p50_ms"] = Ms(wl::Percentile(r.latency_us, 0.50));
  out["get_programme_p95_ms"] = Ms(wl::Percentile(r.latency_us, 0.95));
  out["get_programme_p99_ms"] = Ms(wl::Percentile(r.latency_us, 0.99));
}

}  // namespace proeftuin::bench
