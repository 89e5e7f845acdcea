// views_bench (issue 5): how fast the views are rebuilt from the log, and how fast proeftuind
// starts and answers over it. Phases run one after another over one store under --dir (its
// contents are removed at start):
//   generate          a realistic log of --events events (bench/views_workload.h)
//   replay            RebuildAll() of the inline projections the views read: the deciders' state
//                     ("decider_state") and the views' rows ("view_programmes"; the streams'
//                     history is read from the log),
//                     in one pass over the log (RESULT replay_events_per_s); then Rebuild() of
//                     each alone (RESULT rebuild_<name>_events_per_s)
//   replay_in_memory  the same projectors applied to the decoded log with an in-memory row map
//                     (their CPU cost without RocksDB; for profiling)
//   floor             Rebuild() of a projector that writes nothing and of one that writes one
//                     small row per event: what the store's rebuild costs by itself
//   rebuild_wait      the longest wait of an append made while RebuildAll runs, with the
//                     inline replay on the writer thread and beside it
//                     (RESULT rebuild_all_longest_append_wait_s_on_writer / _beside)
//   query             in-process p50/p99 of GetProgrammeView and GetExperimentView (after replay),
//                     and of the whole answer of the GetExperiment RPC (api::Queries: the
//                     experiment's state with its correctable events, and its view)
//   audit             catch-up of the async "audit_index" after open, then its Rebuild();
//                     RESULT audit_index_rebuild_events_per_s
//   cold_start        the real proeftuind on a copy of the store: exec to SERVING after SIGTERM
//                     and after kill -9 under writes (RESULT cold_start_s, cold_start_after_kill_s)
//   get_programme     GetProgramme over loopback, open loop at --rate/s, no writes
//                     (RESULT get_programme_p99_ms); bench/serve_phases.h
//   stalls            how the machine itself takes CPUs away: threads that only read the clock,
//                     one alone and then one per core; a gap over 1 ms between two readings is
//                     time the thread was not run (RESULT stalls_*). Last: the figures above
//                     are read against it (docs/PERFORMANCE.md, twelfth session)
//
// A program, not a test (ENGINEERING.md §7). Ends with `RESULT <name>=<value>` lines.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <algorithm>
#include <map>
#include <set>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_split.h"
#include "api/queries.h"
#include "app/decider_projection.h"
#include "eventstore/rocks_store.h"
#include "views/bench/bench_common.h"
#include "views/bench/serve_phases.h"
#include "views/bench/views_workload.h"
#include "views/views.h"

namespace proeftuin::views::bench {
namespace {

namespace fs = std::filesystem;
constexpr char kMarker[] = ".views_bench";

std::unique_ptr<eventstore::RocksStore> Open(const Context& c,
                                             std::vector<std::shared_ptr<eventstore::Projector>> inline_p,
                                             std::vector<std::shared_ptr<eventstore::Projector>> async_p,
                                             const std::string& sub = "store") {
  eventstore::RocksStoreOptions o;
  o.path = c.config.dir + "/" + sub;
  o.inline_projectors = std::move(inline_p);
  o.async_projectors = std::move(async_p);
  auto store = eventstore::RocksStore::Open(std::move(o));
  if (!store.ok()) Die("open: " + store.status().ToString());
  return *std::move(store);
}

std::vector<std::shared_ptr<eventstore::Projector>> ViewProjectors() {
  std::vector<std::shared_ptr<eventstore::Projector>> all = {
      std::make_shared<app::DeciderStateProjector>()};
  for (auto& p : InlineViewProjectors()) all.push_back(p);
  return all;
}

void Generate(Context& c) {
  auto store = Open(c, {}, {});
  const auto start = Clock::now();
  WorkloadOptions w;
  w.events = c.config.events;
  w.rounds = c.config.rounds;
  auto n = FillLog(*store, w);
  if (!n.ok()) Die("generate: " + n.status().ToString());
  c.events = *n;
  const double s = Since(start);
  std::printf("generate: %llu events in %.2f s (%.0f events/s, domain decisions included)\n",
              static_cast<unsigned long long>(c.events), s, c.events / s);
  store->Close();
}

void Replay(Context& c) {
  auto start = Clock::now();
  auto store = Open(c, ViewProjectors(), {});  // a store without them builds them at open
  std::printf("replay: open with the view projections (built at open): %.2f s\n", Since(start));
  c.events = store->LastPosition();
  // What AdminService's rebuild of every projection does: all in one pass over the log.
  start = Clock::now();
  const double cpu_start = OwnCpuSeconds();
  if (absl::Status s = store->RebuildAll(nullptr); !s.ok()) Die("rebuild all: " + s.ToString());
  const double all = Since(start);
  // The CPU it took on all its threads (RocksDB's flushes included): on a shared machine a
  // steadier measure of the work than the time.
  const double cpu = OwnCpuSeconds() - cpu_start;
  std::printf(
      "replay: RebuildAll (decider_state and view_programmes in one pass) %.2f s, %.0f events/s; "
      "CPU %.2f s, %.2f us an event\n",
      all, c.events / all, cpu, cpu * 1e6 / c.events);
  c.results["replay_events_per_s"] = c.events / all;
  c.results["replay_cpu_us_per_event"] = cpu * 1e6 / c.events;
  // Each on its own, for where the time goes.
  for (const char* name :
       {app::kDeciderStateProjection, kProgrammeRowsProjection}) {
    start = Clock::now();
    absl::Status s = store->Rebuild(name, nullptr);
    if (!s.ok()) Die(std::string("rebuild ") + name + ": " + s.ToString());
    const double seconds = Since(start);
    std::printf("replay: Rebuild(%s) %.2f s, %.0f events/s\n", name, seconds, c.events / seconds);
    c.results[std::string("rebuild_") + name + "_events_per_s"] = c.events / seconds;
  }
  store->Close();
}

// A projector's rows in memory: what the projectors cost without RocksDB.
class MemoryRows : public eventstore::ProjectionWriter {
 public:
  explicit MemoryRows(eventstore::EventStore* store) : store_(store) {}
  std::optional<std::string> Get(std::string_view key) override {
    auto it = rows_.find(std::string(key));
    return it == rows_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  void Put(std::string_view key, std::string_view value) override { rows_[std::string(key)] = value; }
  void Delete(std::string_view key) override { rows_.erase(std::string(key)); }
  std::optional<eventstore::RecordedEvent> EventAt(uint64_t position) override {
    auto page = store_->ReadAll(position, 1, eventstore::EventFilter{});
    if (!page.ok() || page->events.empty() || page->events[0].position() != position) {
      return std::nullopt;
    }
    return std::move(page->events[0]);
  }

 private:
  eventstore::EventStore* store_;
  std::unordered_map<std::string, std::string> rows_;
};

void ReplayInMemory(Context& c) {
  auto store = Open(c, ViewProjectors(), {});  // registered, so that the store keeps them
  std::vector<std::shared_ptr<eventstore::Projector>> projectors = ViewProjectors();
  std::vector<MemoryRows> rows(projectors.size(), MemoryRows(store.get()));
  double apply_seconds = 0;
  uint64_t from = 1, applied = 0;
  for (;;) {
    auto page = store->ReadAll(from, 10'000, eventstore::EventFilter{});
    if (!page.ok()) Die("read: " + page.status().ToString());
    const auto start = Clock::now();
    for (const eventstore::RecordedEvent& e : page->events) {
      for (size_t i = 0; i < projectors.size(); ++i) projectors[i]->Apply(e, rows[i]);
    }
    for (size_t i = 0; i < projectors.size(); ++i) projectors[i]->Flush(rows[i]);  // a chunk's end
    apply_seconds += Since(start);
    applied += page->events.size();
    from = page->next_position;
    if (page->end_of_log || page->events.empty()) break;
  }
  std::printf("replay_in_memory: %llu events through decider_state and the views' projectors in %.2f s\n",
              static_cast<unsigned long long>(applied), apply_seconds);
  c.results["replay_in_memory_events_per_s"] = applied / apply_seconds;
  store->Close();
}

// What any inline projection costs to rebuild: reading and decoding the log, the overlay, the
// write batches. "bench_null" writes nothing; "bench_one_row" one 8-byte key per event.
class FloorProjector : public eventstore::Projector {
 public:
  explicit FloorProjector(bool put) : put_(put) {}
  std::string Name() const override { return put_ ? "bench_one_row" : "bench_null"; }
  uint32_t Version() const override { return 1; }
  void Apply(const eventstore::RecordedEvent& e, eventstore::ProjectionWriter& rows) override {
    if (!put_) return;
    char key[8];
    for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(e.position() >> (56 - 8 * i));
    rows.Put(std::string_view(key, 8), "");
  }

 private:
  bool put_;
};

// On a checkpoint of the store (<dir>/floor, removed afterwards), so that the store, which
// cold_start copies into a proeftuind data dir, keeps only the projections proeftuind knows.
// (A store drops, at open, the projections not registered with it: the phases register the
// views wherever they can, so that they are not rebuilt again and again.)
void Floor(Context& c) {
  const std::string floor_dir = c.config.dir + "/floor";
  std::error_code ec;
  fs::remove_all(floor_dir, ec);
  {
    auto store = Open(c, ViewProjectors(), {});
    if (absl::Status s = store->Checkpoint(floor_dir); !s.ok()) Die("checkpoint: " + s.ToString());
    store->Close();
  }
  auto store = Open(c, {std::make_shared<FloorProjector>(false), std::make_shared<FloorProjector>(true)}, {}, "floor");
  c.events = store->LastPosition();
  for (const char* name : {"bench_null", "bench_one_row"}) {
    const auto start = Clock::now();
    absl::Status s = store->Rebuild(name, nullptr);
    if (!s.ok()) Die(std::string("rebuild ") + name + ": " + s.ToString());
    const double seconds = Since(start);
    std::printf("floor: Rebuild(%s) %.2f s, %.0f events/s\n", name, seconds, c.events / seconds);
    c.results[std::string("floor_rebuild_") + name + "_events_per_s"] = c.events / seconds;
  }
  store->Close();
  fs::remove_all(floor_dir, ec);
}

// Hides the wrapped projector's NewInstance: its rebuild replays on the writer thread with
// appends waiting, as every inline rebuild did before NewInstance.
class OnTheWriter : public eventstore::Projector {
 public:
  explicit OnTheWriter(std::shared_ptr<eventstore::Projector> p) : p_(std::move(p)) {}
  std::string Name() const override { return p_->Name(); }
  uint32_t Version() const override { return p_->Version(); }
  void Apply(const eventstore::RecordedEvent& e, eventstore::ProjectionWriter& rows) override {
    p_->Apply(e, rows);
  }
  void Flush(eventstore::ProjectionWriter& rows) override { p_->Flush(rows); }

 private:
  std::shared_ptr<eventstore::Projector> p_;
};

// How long appends wait while RebuildAll runs: one thread appends an event (to a stream no
// projector reads) every millisecond and times each. Once with the replay on the writer thread
// (OnTheWriter), once beside it (the projectors' own NewInstance). On a checkpoint of the store
// (<dir>/wait, removed afterwards), so that these appends stay out of the log the other phases
// use.
void RebuildWait(Context& c) {
  const std::string wait_dir = c.config.dir + "/wait";
  std::error_code ec;
  fs::remove_all(wait_dir, ec);
  {
    auto store = Open(c, ViewProjectors(), {});
    if (absl::Status s = store->Checkpoint(wait_dir); !s.ok()) Die("checkpoint: " + s.ToString());
    store->Close();
  }
  for (const bool beside : {false, true}) {
    std::vector<std::shared_ptr<eventstore::Projector>> projectors = ViewProjectors();
    if (!beside) {
      for (auto& p : projectors) p = std::make_shared<OnTheWriter>(p);
    }
    auto store = Open(c, projectors, {}, "wait");
    const uint64_t events = store->LastPosition();
    std::atomic<bool> stop{false};
    std::vector<double> waits;
    std::thread appender([&] {
      for (int i = 0; !stop.load(); ++i) {
        eventstore::AppendRequest r;
        r.request_id = std::string(beside ? "beside-" : "writer-") + std::to_string(i);
        r.fingerprint = "views_bench";
        eventstore::NewEvent e;
        e.type = "proeftuin.bench.Wait";
        r.appends.push_back({"bench-wait", eventstore::ExpectedVersion::Any(), {std::move(e)}});
        const auto start = Clock::now();
        auto result = store->Append(r);
        waits.push_back(Since(start));
        if (!result.ok()) Die("append during the rebuild: " + result.status().ToString());
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto start = Clock::now();
    absl::Status s = store->RebuildAll(nullptr);
    const double seconds = Since(start);
    stop.store(true);
    appender.join();
    if (!s.ok()) Die("rebuild all: " + s.ToString());
    std::sort(waits.begin(), waits.end());
    const char* where = beside ? "beside" : "on_writer";
    std::printf(
        "rebuild_wait: RebuildAll %s the writer over %llu events %.2f s; appends meanwhile %zu, "
        "longest wait %.3f s, p99 %.3f s\n",
        beside ? "beside" : "on", static_cast<unsigned long long>(events), seconds, waits.size(),
        waits.back(), Quantile(waits, 0.99));
    c.results[std::string("rebuild_all_seconds_") + where] = seconds;
    c.results[std::string("rebuild_all_longest_append_wait_s_") + where] = waits.back();
    store->Close();
  }
  fs::remove_all(wait_dir, ec);
}

// In-process latency of the views over the replayed store (the gRPC path adds the rest).
void Query(Context& c) {
  auto store = Open(c, ViewProjectors(), {});
  auto view = store->OpenReadView();
  if (!view.ok()) Die("view: " + view.status().ToString());
  const std::vector<std::string> ids = ProgrammeIds(**view);
  std::mt19937_64 rng(42);
  std::vector<double> programme_us, experiment_us, answer_us, unmemoised_us;
  const absl::Time now = absl::FromCivil(absl::CivilDay(2025, 6, 1), absl::UTCTimeZone());
  api::Queries queries(store.get());
  api::QueryScope scope;
  scope.clearance = v1::CONFIDENTIALITY_ZEER_GEHEIM;
  scope.view = std::shared_ptr<eventstore::ReadView>(std::move(*view));
  eventstore::ReadView& v = *scope.view;
  for (int i = 0; i < c.config.queries; ++i) {
    const std::string& pid = ids[rng() % ids.size()];
    auto start = Clock::now();
    auto pv = GetProgrammeView(v, pid, v1::CONFIDENTIALITY_ZEER_GEHEIM, now);
    programme_us.push_back(Since(start) * 1e6);
    if (!pv.ok()) Die("GetProgrammeView " + pid + ": " + pv.status().ToString());
    const std::string eid = "e" + std::to_string(rng() % 5);
    start = Clock::now();
    auto ev = GetExperimentView(v, pid, eid, v1::CONFIDENTIALITY_ZEER_GEHEIM, now);
    experiment_us.push_back(Since(start) * 1e6);
    if (!ev.ok()) Die("GetExperimentView: " + ev.status().ToString());
    v1::GetExperimentRequest request;
    request.set_programme_id(pid);
    request.set_experiment_id(eid);
    auto answer = [&] {
      const auto t = Clock::now();
      auto got = queries.GetExperiment(request, scope);
      answer_us.push_back(Since(t) * 1e6);
      if (!got.ok()) Die("GetExperiment: " + got.status().ToString());
    };
    // The reads the answer took before the stream memo (the programme's state read twice, the
    // experiment's stream twice), for the ratio in the same run; the two take turns going first.
    auto unmemoised = [&] {
      const auto t = Clock::now();
      auto p = app::LoadProgramme(v, pid, app::Correctables::kOneOff);
      auto e = app::LoadExperiment(v, pid, eid);
      auto ev2 = GetExperimentView(v, pid, eid, v1::CONFIDENTIALITY_ZEER_GEHEIM, now);
      unmemoised_us.push_back(Since(t) * 1e6);
      if (!p.ok() || !e.ok() || !ev2.ok()) Die("GetExperiment's reads without the memo failed");
    };
    if (i % 2 == 0) {
      answer();
      unmemoised();
    } else {
      unmemoised();
      answer();
    }
  }
  for (auto* q : {&programme_us, &experiment_us, &answer_us, &unmemoised_us}) std::sort(q->begin(), q->end());
  std::printf(
      "query: GetProgrammeView p50 %.0f us p99 %.0f us; GetExperimentView p50 %.0f us p99 %.0f us; "
      "GetExperiment (the RPC's answer) p50 %.0f us p99 %.0f us, its reads without the stream memo "
      "p50 %.0f us p99 %.0f us\n",
      Quantile(programme_us, 0.5), Quantile(programme_us, 0.99), Quantile(experiment_us, 0.5),
      Quantile(experiment_us, 0.99), Quantile(answer_us, 0.5), Quantile(answer_us, 0.99),
      Quantile(unmemoised_us, 0.5), Quantile(unmemoised_us, 0.99));
  c.results["get_programme_view_p99_us"] = Quantile(programme_us, 0.99);
  c.results["get_experiment_view_p99_us"] = Quantile(experiment_us, 0.99);
  c.results["get_experiment_answer_p99_us"] = Quantile(answer_us, 0.99);
  scope.view.reset();
  store->Close();
}

void Audit(Context& c) {
  Open(c, ViewProjectors(), {})->Close();  // builds the views if they are missing, outside the timing
  auto start = Clock::now();
  auto store = Open(c, ViewProjectors(), AsyncViewProjectors());
  c.events = store->LastPosition();
  absl::Status s = store->WaitForProjection(kAuditIndexProjection, c.events,
                                            absl::Now() + absl::Hours(1));
  if (!s.ok()) Die("audit catch-up: " + s.ToString());
  const double follow = Since(start);
  std::printf("audit: follower caught up from empty in %.2f s (%.0f events/s)\n", follow,
              c.events / follow);
  start = Clock::now();
  s = store->Rebuild(kAuditIndexProjection, nullptr);
  if (!s.ok()) Die("audit rebuild: " + s.ToString());
  const double seconds = Since(start);
  std::printf("audit: Rebuild(audit_index) %.2f s\n", seconds);
  c.results["audit_index_rebuild_events_per_s"] = c.events / seconds;
  store->Close();
}

// One spinning thread per `threads` for `seconds`: the gaps over 1 ms between two of its
// clock readings (the longest, how many over 10 ms, and the share of the time in them).
struct Stalled {
  double longest_ms = 0, share = 0;
  int over_10ms = 0;
};
Stalled Spin(unsigned threads, double seconds) {
  std::vector<Stalled> each(threads);
  std::vector<std::thread> spinners;
  for (unsigned t = 0; t < threads; ++t) {
    spinners.emplace_back([&each, t, seconds] {
      Stalled& s = each[t];
      const auto start = Clock::now();
      double gaps = 0;
      for (auto last = start;;) {
        const auto now = Clock::now();
        const double gap = std::chrono::duration<double, std::milli>(now - last).count();
        last = now;
        if (gap > 1) {
          gaps += gap;
          s.longest_ms = std::max(s.longest_ms, gap);
          if (gap > 10) ++s.over_10ms;
        }
        if (Since(start) >= seconds) break;
      }
      s.share = gaps / (seconds * 1000);
    });
  }
  for (auto& t : spinners) t.join();
  Stalled all;
  for (const Stalled& s : each) {
    all.longest_ms = std::max(all.longest_ms, s.longest_ms);
    all.over_10ms += s.over_10ms;
    all.share += s.share / threads;
  }
  return all;
}

void Stalls(Context& c) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  for (const char* which : {"one_thread", "every_core"}) {
    const unsigned threads = std::string_view(which) == "one_thread" ? 1 : cores;
    const Stalled s = Spin(threads, c.config.stall_seconds);
    std::printf("stalls: %u spinning thread(s) for %.1f s: longest gap %.1f ms, %d over 10 ms, %.1f %% "
                "of the time in gaps over 1 ms\n", threads, c.config.stall_seconds, s.longest_ms,
                s.over_10ms, 100 * s.share);
    c.results[std::string("stalls_longest_ms_") + which] = s.longest_ms;
    c.results[std::string("stalls_share_") + which] = s.share;
  }
}

struct Phase {
  const char* name;
  std::function<void(Context&)> run;
};

const std::vector<Phase> kPhases = {{"generate", Generate},
                                    {"replay", Replay},
                                    {"replay_in_memory", ReplayInMemory},
                                    {"floor", Floor},
                                    {"rebuild_wait", RebuildWait},
                                    {"query", Query},
                                    {"audit", Audit},
                                    {"cold_start", ColdStart},
                                    {"get_programme", GetProgrammeLoad},
                                    {"stalls", Stalls}};

void PrepareDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_empty(dir, ec) && !fs::exists(fs::path(dir) / kMarker)) {
    Die(dir + " is not empty and was not made by views_bench; refusing to clear it");
  }
  for (const auto& entry : fs::directory_iterator(dir)) fs::remove_all(entry.path());
  if (std::FILE* f = std::fopen((fs::path(dir) / kMarker).c_str(), "w")) std::fclose(f);
}

int Main(Config config) {
  if (config.quick) {
    config.events = std::min<uint64_t>(config.events, 100'000);
    config.starts = 1;
    config.load_seconds = std::min(config.load_seconds, 2.0);
    config.warmup_seconds = std::min(config.warmup_seconds, 0.5);
    config.stall_seconds = std::min(config.stall_seconds, 0.5);
  }
  Context c;
  c.config = config;
  const std::set<std::string> wanted = absl::StrSplit(config.phases, ',');
  for (const std::string& name : wanted) {
    if (std::none_of(kPhases.begin(), kPhases.end(), [&](const Phase& p) { return name == p.name; })) {
      Die("unknown phase " + name);
    }
  }
  if (wanted.contains("generate")) {
    PrepareDir(config.dir);
  } else if (std::any_of(wanted.begin(), wanted.end(),
                         [](const std::string& name) { return name != "stalls"; }) &&
             !fs::exists(fs::path(config.dir) / "store")) {
    // Every phase but stalls reads the log that generate writes.
    Die("no store in " + (fs::path(config.dir) / "store").string() +
        ": generate one first (views_bench --dir " + config.dir +
        " --phases generate, or add generate to --phases)");
  }
  std::printf("views_bench: dir %s, %llu events, phases %s, load average %.2f\n",
              fs::absolute(config.dir).lexically_normal().c_str(),
              static_cast<unsigned long long>(config.events), config.phases.c_str(), LoadAverage());
  for (const Phase& p : kPhases) {
    if (!wanted.contains(p.name)) continue;
    std::fflush(stdout);
    p.run(c);
  }
  std::printf("views_bench: load average at the end %.2f\n", LoadAverage());
  for (const auto& [name, value] : c.results) {
    std::printf(value < 100 ? "RESULT %s=%.3f\n" : "RESULT %s=%.0f\n", name.c_str(), value);
  }
  return c.failed ? 1 : 0;
}

}  // namespace
}  // namespace proeftuin::views::bench

int main(int argc, char** argv) {
  proeftuin::views::bench::Config config;
  CLI::App app{"views_bench: rebuild rates of the views' projections, proeftuind cold start and GetProgramme latency (issue 5)"};
  app.add_option("--dir", config.dir, "Working directory (cleared at start)");
  app.add_option("--events", config.events, "Events in the generated log");
  app.add_option("--rounds", config.rounds, "Activity/expenditure rounds per programme");
  app.add_option("--phases", config.phases, "Comma-separated phases to run");
  app.add_option("--queries", config.queries, "Queries of the query phase");
  app.add_option("--starts", config.starts, "cold_start: starts of each kind (the median is reported)");
  app.add_option("--rate", config.rate, "get_programme: requests per second (open loop)");
  app.add_option("--load-seconds", config.load_seconds, "get_programme: seconds measured");
  app.add_option("--warmup-seconds", config.warmup_seconds, "get_programme: seconds of load before measuring");
  app.add_option("--stall-seconds", config.stall_seconds, "stalls: seconds each spin lasts");
  app.add_option("--client-threads", config.client_threads, "get_programme: sending threads (one connection each)");
  app.add_flag("--reuse-server", config.reuse_server,
               "cold_start, get_programme: reuse <dir>/server from an earlier run instead of rebuilding it");
  app.add_flag("--list-episodes", config.list_episodes,
               "get_programme: print each episode of answers over 2 ms, with the schedule's start on "
               "CLOCK_MONOTONIC (to line them up with `perf record -k CLOCK_MONOTONIC`)");
  app.add_flag("--quick", config.quick, "At most 100k events, one start of each kind, 2 s of load");
  CLI11_PARSE(app, argc, argv);
  return proeftuin::views::bench::Main(config);
}
