// eventstore_bench: durable append throughput of the RocksDB EventStore next to raw RocksDB
// Put(sync=true) at 1, 8 and 64 concurrent writers (runs interleaved, median of three), events
// per fsync, ReadAll (decoded events, a reused page, a page of views) / Verify throughput over a
// filled log (issue 2, ENGINEERING.md §7), and the latency of a raw synced put after the disk was
// idle (phase idle).
//
// Everything lives under --dir (default ./var/bench, on the file system the store uses); the
// folder's contents are removed at start. Human-readable lines first, then `RESULT name=value`.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/workload.h"
#include "eventstore/record.h"
#include "eventstore/rocks_store.h"
#include "rocksdb/db.h"

namespace proeftuin::eventstore::bench {
namespace {

namespace fs = std::filesystem;

constexpr int kConcurrency[] = {1, 8, 64};
constexpr int kRepeats = 3;
constexpr size_t kFillEventsPerAppend = 1000;
constexpr size_t kReadPage = 1000;
constexpr size_t kPayloadsPerThread = 64;
constexpr char kMarker[] = ".eventstore_bench";

struct Config {
  std::string dir = "./var/bench";
  bool quick = false;
  uint64_t events = 1'000'000;
  double seconds = 3;
  size_t value_size = 0;  // 0: the average stored event record
  bool append = true, read = true, idle = true;  // which phases run (--phases)
};

using Results = std::map<std::string, double>;

std::unique_ptr<RocksStore> OpenStore(const std::string& path) {
  RocksStoreOptions o;
  o.path = path;
  auto s = RocksStore::Open(std::move(o));
  if (!s.ok()) Die("opening the store in " + path + ": " + s.status().ToString());
  return *std::move(s);
}

// --- Appends ----------------------------------------------------------------------------------

// Single-event appends through the EventStore in a fresh store, each thread on its own stream.
RunResult StoreRun(const std::string& path, int threads, double seconds, size_t payload_size) {
  auto store = OpenStore(path);
  std::vector<std::vector<std::string>> payloads;
  for (int t = 0; t < threads; ++t)
    payloads.push_back(MakePayloads(kPayloadsPerThread, payload_size, t + 1));
  StoreStats before = store->Stats();
  RunResult r = RunWriters(threads, seconds, [&](int t, uint64_t n) {
    NewEvent e = MakeEvent(payloads[t][n % kPayloadsPerThread]);
    auto res = store->Append(MakeRequest(StreamName(t), t, n, {std::move(e)}));
    if (!res.ok()) std::fprintf(stderr, "append: %s\n", res.status().ToString().c_str());
    return res.ok();
  });
  StoreStats after = store->Stats();
  uint64_t groups = after.groups_committed - before.groups_committed;
  uint64_t events = after.events_appended - before.events_appended;
  if (events != r.ops)
    Die("the store counted " + std::to_string(events) + " events, not " + std::to_string(r.ops));
  r.per_fsync = groups ? double(events) / double(groups) : 0;
  store->Close();
  store.reset();
  fs::remove_all(path);
  return r;
}

void Summarise(int t, const std::vector<RunResult>& store_runs,
               const std::vector<RunResult>& raw_runs, Results& out) {
  RunResult s = Median(store_runs, &RunResult::per_s), r = Median(raw_runs, &RunResult::per_s);
  std::string n = std::to_string(t);
  out["append_per_s_store_" + n] = s.per_s;
  out["append_per_s_raw_" + n] = r.per_s;
  out["append_ratio_vs_raw_" + n] = s.per_s / r.per_s;
  out["append_p50_ms_" + n] = Percentile(s.latency_us, 0.50) / 1000;
  out["append_p99_ms_" + n] = Percentile(s.latency_us, 0.99) / 1000;
  out["raw_put_p50_ms_" + n] = Percentile(r.latency_us, 0.50) / 1000;
  out["raw_put_p99_ms_" + n] = Percentile(r.latency_us, 0.99) / 1000;
  out["events_per_fsync_" + n] = s.per_fsync;
  out["raw_puts_per_fsync_" + n] = r.per_fsync;
  for (auto [what, m] : {std::pair{"store", &s}, {"raw  ", &r}}) {
    std::printf("%2d writers %s %10.0f %8.3f %8.3f %10.1f\n", t, what, m->per_s,
                Percentile(m->latency_us, 0.50) / 1000, Percentile(m->latency_us, 0.99) / 1000,
                m->per_fsync);
  }
}

void AppendPhase(const Config& c, size_t payload_size, const std::string& value, Results& out) {
  std::map<int, std::vector<RunResult>> store, raw;
  for (int rep = 0; rep < kRepeats; ++rep) {
    for (int t : kConcurrency) {
      std::string tag = std::to_string(t) + "-" + std::to_string(rep);
      store[t].push_back(StoreRun(c.dir + "/store-" + tag, t, c.seconds, payload_size));
      raw[t].push_back(RawRun(c.dir + "/raw-" + tag, t, c.seconds, value));
      std::printf(
          "  run %d, %2d writers: store %8.0f/s (%4.1f events/fsync)   raw %8.0f/s "
          "(%4.1f puts/fsync)\n",
          rep + 1, t, store[t].back().per_s, store[t].back().per_fsync, raw[t].back().per_s,
          raw[t].back().per_fsync);
      std::fflush(stdout);
    }
  }
  std::printf("\nmedian of %d        appends/s   p50 ms   p99 ms  per fsync\n", kRepeats);
  for (int t : kConcurrency) Summarise(t, store[t], raw[t], out);
}

// --- Reads ------------------------------------------------------------------------------------

// Fills a store with `n` events, kFillEventsPerAppend per append, from two threads.
void Fill(EventStore& store, uint64_t n, size_t payload_size) {
  uint64_t appends = (n + kFillEventsPerAppend - 1) / kFillEventsPerAppend;
  std::vector<std::string> payloads = MakePayloads(1024, payload_size, 1000);
  std::atomic<uint64_t> next{0};
  auto fill = [&] {
    for (uint64_t a; (a = next.fetch_add(1)) < appends;) {
      size_t count = std::min<uint64_t>(kFillEventsPerAppend, n - a * kFillEventsPerAppend);
      std::vector<NewEvent> events;
      for (size_t i = 0; i < count; ++i) events.push_back(MakeEvent(payloads[(a * 7 + i) % 1024]));
      auto r = store.Append(MakeRequest(StreamName(int(a % 500)), 0xf111, a, std::move(events)));
      if (!r.ok()) Die("fill: " + r.status().ToString());
    }
  };
  std::thread other(fill);
  fill();
  other.join();
}

// Average size of the stored records (header as stored + payload + framing and digests).
double AverageRecordSize(EventStore& store) {
  auto r = store.ReadAll(1, kReadPage, EventFilter{});
  if (!r.ok() || r->events.empty()) Die("reading back the filled store");
  double sum = 0;
  for (const auto& e : r->events) sum += double(StoredRecordBytes(e.header, e.payload.size()));
  return sum / double(r->events.size());
}

struct ReadRate {
  double per_s = 0, per_cpu_s = 0;  // events per wall second, per second on a CPU
  ThreadTime spent;
};

ReadRate Rate(uint64_t events, const ThreadTime& start) {
  ReadRate r;
  r.spent = ThreadTime::Now() - start;
  r.per_s = double(events) / r.spent.wall;
  r.per_cpu_s = r.spent.process_cpu > 0 ? double(events) / r.spent.process_cpu : 0;
  return r;
}

// Pages through the log as a reader does, kReadPage events at a time (EventService.ReadAll's
// largest page). kFresh: every page a new ReadAll result of decoded events; kReuse: one
// ReadAllInto page whose memory is reused; kViews: one ReadAllViews page of views into the
// stored records, each event's header and payload sizes summed so that every view is read;
// kViewsParsed: the same, each header also parsed (into one reused message), as
// EventService.ReadAll parses each into its response.
enum class ReadMode { kFresh, kReuse, kViews, kViewsParsed };

ReadRate TimeReadAll(EventStore& store, uint64_t expected, ReadMode mode) {
  ThreadTime start = ThreadTime::Now();
  uint64_t from = 1, seen = 0, bytes = 0;
  ReadAllResult page;
  EventPage views;
  v1::EventHeader header;
  for (;;) {
    bool end = false;
    if (mode == ReadMode::kViews || mode == ReadMode::kViewsParsed) {
      if (absl::Status s = store.ReadAllViews(from, kReadPage, EventFilter{}, &views); !s.ok())
        Die("ReadAllViews: " + s.ToString());
      for (const EventView& v : views.events) {
        bytes += v.header_bytes.size() + v.payload.size();
        if (mode == ReadMode::kViewsParsed) {
          if (absl::Status s = v.ParseHeader(&header); !s.ok()) Die(s.ToString());
          bytes += header.stream().size();
        }
      }
      seen += views.events.size();
      from = views.next_position;
      end = views.end_of_log;
    } else {
      if (mode == ReadMode::kReuse) {
        if (absl::Status s = store.ReadAllInto(from, kReadPage, EventFilter{}, &page); !s.ok())
          Die("ReadAllInto: " + s.ToString());
      } else {
        auto r = store.ReadAll(from, kReadPage, EventFilter{});
        if (!r.ok()) Die("ReadAll: " + r.status().ToString());
        page = *std::move(r);
      }
      for (const RecordedEvent& e : page.events) bytes += e.payload.size();
      seen += page.events.size();
      from = page.next_position;
      end = page.end_of_log;
    }
    if (end) break;
  }
  ReadRate rate = Rate(seen, start);
  if (seen != expected || bytes == 0) Die("ReadAll returned " + std::to_string(seen) + " events");
  return rate;
}

ReadRate TimeVerify(EventStore& store, uint64_t expected) {
  ThreadTime start = ThreadTime::Now();
  auto v = store.Verify(1, 0);
  ReadRate rate = Rate(expected, start);
  if (!v.ok()) Die("Verify: " + v.status().ToString());
  if (!v->ok || v->events_checked != expected) Die("Verify failed: " + v->problem);
  return rate;
}

// The floor under both: a bare RocksDB iterator over the `events` family (read-only open beside
// the store, same ReadOptions as the store's scans), touching every value.
ReadRate TimeRawScan(const std::string& path, uint64_t expected) {
  rocksdb::Options o;
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(o, path, &names).ok()) Die("listing column families");
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto events = std::find(names.begin(), names.end(), "events") - names.begin();
  if (events == std::ssize(names)) Die("the store has no events column family");
  // Beside the live store, whose compactions may delete a table file between the read-only
  // instance's reading of the manifest and its opening of the file: a few tries.
  rocksdb::Status opened;
  for (int attempt = 0; attempt < 5; ++attempt) {
    opened = rocksdb::DB::OpenForReadOnly(o, path, descs, &handles, &raw);
    if (opened.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!opened.ok()) Die("read-only open: " + opened.ToString());
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  ro.fill_cache = false;
  ThreadTime start = ThreadTime::Now();
  std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(ro, handles[events]));
  uint64_t seen = 0, bytes = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++seen) bytes += it->value().size();
  ReadRate rate = Rate(seen, start);
  it.reset();
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  if (seen != expected || bytes == 0) Die("raw scan saw " + std::to_string(seen) + " events");
  return rate;
}

void PrintRate(const char* what, const ReadRate& r) {
  std::printf(
      "  %-12s %10.0f events/s  (%.2f s: %.2f s on a CPU, %.2f s waiting for one, %.2f s "
      "blocked; %.0f events per CPU-second of the process)\n",
      what, r.per_s, r.spent.wall, r.spent.cpu, r.spent.runq,
      std::max(0.0, r.spent.wall - r.spent.cpu - r.spent.runq), r.per_cpu_s);
  std::fflush(stdout);
}

void ReadPhase(const Config& c, size_t payload_size, Results& out) {
  std::string path = c.dir + "/read";
  auto store = OpenStore(path);
  auto start = Clock::now();
  Fill(*store, c.events, payload_size);
  double fill_secs = Seconds(start, Clock::now());
  out["fill_events_per_s"] = double(c.events) / fill_secs;
  std::printf(
      "\nfilled %llu events in %.1f s (%.0f events/s, %zu per append); average stored "
      "record %.0f bytes\n",
      static_cast<unsigned long long>(c.events), fill_secs, out["fill_events_per_s"],
      kFillEventsPerAppend, AverageRecordSize(*store));
  std::map<std::string, std::vector<ReadRate>> rates;
  for (int rep = 0; rep < kRepeats; ++rep) {
    std::printf("run %d\n", rep + 1);
    PrintRate("ReadAll",
              rates["readall"].emplace_back(TimeReadAll(*store, c.events, ReadMode::kFresh)));
    PrintRate("ReadAllInto", rates["readall_into"].emplace_back(
                                 TimeReadAll(*store, c.events, ReadMode::kReuse)));
    PrintRate("ReadAllViews", rates["readall_views"].emplace_back(
                                  TimeReadAll(*store, c.events, ReadMode::kViews)));
    PrintRate("  + parse", rates["readall_views_parsed"].emplace_back(
                               TimeReadAll(*store, c.events, ReadMode::kViewsParsed)));
    PrintRate("Verify", rates["verify"].emplace_back(TimeVerify(*store, c.events)));
    PrintRate("raw scan", rates["raw_scan"].emplace_back(TimeRawScan(path, c.events)));
  }
  for (const auto& [name, v] : rates) {
    ReadRate m = Median(v, &ReadRate::per_s);
    out[name + "_events_per_s"] = m.per_s;
    out[name + "_events_per_cpu_s"] = m.per_cpu_s;
  }
  store->Close();
  store.reset();
  fs::remove_all(path);
}

// --- Main -------------------------------------------------------------------------------------

// Creates `dir` and removes its contents; refuses a non-empty folder this program did not make.
void PrepareDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) Die("cannot create " + dir + ": " + ec.message());
  if (!fs::is_empty(dir, ec) && !fs::exists(fs::path(dir) / kMarker)) {
    Die(dir + " is not empty and was not made by eventstore_bench; refusing to clear it");
  }
  for (const auto& entry : fs::directory_iterator(dir)) fs::remove_all(entry.path());
  if (std::FILE* f = std::fopen((fs::path(dir) / kMarker).c_str(), "w")) std::fclose(f);
}

// --- Synced writes after an idle disk ---------------------------------------------------------

// One writer, raw Put(sync=true) of `value`, each after sleeping kIdleGapsUs[g]: a client that
// waits for each answer leaves the disk idle for its round trip, while the raw reference at one
// writer puts back to back. The gaps take turns in rounds, so that a drift of the machine's speed
// touches them alike; p50 and p90 of the put alone (the sleep is not timed), and the p50 of the
// idle time really left (the previous put's end to this one's start: a sleep lasts longer than
// asked).
constexpr int kIdleGapsUs[] = {0, 100, 300, 600, 1000};

void IdlePhase(const Config& c, const std::string& value, Results& out) {
  const std::string path = c.dir + "/raw-idle";
  std::unique_ptr<rocksdb::DB> db = OpenRawDb(path, rocksdb::Options());
  rocksdb::Status s;
  rocksdb::WriteOptions w;
  w.sync = true;
  const int rounds = 5, per_round = c.quick ? 40 : 200;
  std::map<int, std::vector<double>> latency_us, idle_us;
  uint64_t n = 0;
  auto last_end = Clock::now();
  for (int round = 0; round < rounds; ++round) {
    for (int gap : kIdleGapsUs) {
      for (int i = 0; i < per_round; ++i) {
        if (gap > 0) std::this_thread::sleep_for(std::chrono::microseconds(gap));
        std::string key;
        PutBigEndian64(&key, ++n);
        auto a = Clock::now();
        s = db->Put(w, key, value);
        auto b = Clock::now();
        if (!s.ok()) Die("put: " + s.ToString());
        latency_us[gap].push_back(std::chrono::duration<double, std::micro>(b - a).count());
        if (i > 0) idle_us[gap].push_back(std::chrono::duration<double, std::micro>(a - last_end).count());
        last_end = b;
      }
    }
  }
  db->Close().PermitUncheckedError();
  db.reset();
  fs::remove_all(path);
  std::printf("\nraw Put(sync=true), one writer, after an idle gap (%d puts each, in %d rounds)\n",
              rounds * per_round, rounds);
  std::printf("sleep asked µs   idle p50 µs   put p50 µs   put p90 µs\n");
  for (int gap : kIdleGapsUs) {
    const double p50 = Percentile(latency_us[gap], 0.50), p90 = Percentile(latency_us[gap], 0.90);
    const double idle = Percentile(idle_us[gap], 0.50);
    std::printf("%14d %13.0f %12.0f %12.0f\n", gap, idle, p50, p90);
    out["raw_after_idle_p50_us_" + std::to_string(gap)] = p50;
    out["raw_after_idle_p90_us_" + std::to_string(gap)] = p90;
    out["raw_after_idle_idle_p50_us_" + std::to_string(gap)] = idle;
  }
}

int Main(const Config& c) {
  auto start = Clock::now();
  PrepareDir(c.dir);
  size_t payload_size = PayloadSizeFor(c.value_size);
  std::string value = ValueLikeStore(payload_size);
  std::printf("eventstore_bench: dir %s, %s, %.1f s per append run, %llu events for reads\n",
              fs::absolute(c.dir).lexically_normal().c_str(), c.quick ? "quick" : "full", c.seconds,
              static_cast<unsigned long long>(c.events));
  std::printf(
      "value size %zu bytes (a stored event record, payload %zu bytes); runs "
      "interleaved, median of %d\n\n",
      value.size(), payload_size, kRepeats);
  Results out;
  out["load_avg_start"] = LoadAverage();
  if (c.append) AppendPhase(c, payload_size, value, out);
  if (c.read) ReadPhase(c, payload_size, out);
  if (c.idle) IdlePhase(c, value, out);
  out["value_size_bytes"] = double(value.size());
  out["total_seconds"] = Seconds(start, Clock::now());
  out["load_avg_end"] = LoadAverage();
  std::printf("\nload average %.2f at start, %.2f at end (%u CPUs)\n\n", out["load_avg_start"],
              out["load_avg_end"], std::thread::hardware_concurrency());
  for (const auto& [name, v] : out) {
    std::printf("RESULT %s=%.*f\n", name.c_str(), v < 100 ? 3 : 0, v);
  }
  return 0;
}

}  // namespace
}  // namespace proeftuin::eventstore::bench

int main(int argc, char** argv) {
  proeftuin::eventstore::bench::Config c;
  CLI::App app{"Durable append, ReadAll and Verify throughput of the Proeftuin event store"};
  app.add_option("--dir", c.dir, "working folder (its contents are removed at start)");
  app.add_flag("--quick", c.quick, "small sizes (finishes in well under 20 s)");
  auto* events = app.add_option("--events", c.events, "events for the ReadAll/Verify phase");
  auto* seconds = app.add_option("--seconds", c.seconds, "seconds per append measurement");
  app.add_option("--value-size", c.value_size, "value bytes (default: an average stored event)");
  std::vector<std::string> phases;
  app.add_option("--phases", phases, "phases to run: append, read, idle (default all)")
      ->delimiter(',')
      ->check(CLI::IsMember({"append", "read", "idle"}));
  CLI11_PARSE(app, argc, argv);
  if (!phases.empty()) {
    c.append = std::find(phases.begin(), phases.end(), "append") != phases.end();
    c.read = std::find(phases.begin(), phases.end(), "read") != phases.end();
    c.idle = std::find(phases.begin(), phases.end(), "idle") != phases.end();
  }
  if (c.quick && events->count() == 0) c.events = 50'000;
  if (c.quick && seconds->count() == 0) c.seconds = 0.3;
  if (c.events == 0 || c.seconds <= 0) {
    std::fprintf(stderr, "--events and --seconds must be positive\n");
    return 2;
  }
  return proeftuin::eventstore::bench::Main(c);
}
