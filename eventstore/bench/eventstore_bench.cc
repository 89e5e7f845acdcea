// eventstore_bench: durable append throughput of the RocksDB EventStore next to raw RocksDB
// Put(sync=true) at 1, 8 and 64 concurrent writers (runs interleaved, median of three), events
// per fsync at 64 writers, and ReadAll / Verify throughput over a filled log (issue 2).
//
// Everything lives under --dir (default ./var/bench: the file system the store uses); the
// folder's contents are removed at start. Ends with `RESULT <name>=<value>` lines.
//
// A program, not a test (docs: ENGINEERING.md §7). Single-threaded main; worker threads only
// inside one measurement.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "eventstore/record.h"
#include "eventstore/rocks_store.h"
#include "rocksdb/db.h"
#include "rocksdb/statistics.h"

namespace proeftuin::eventstore {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kConcurrency[] = {1, 8, 64};
constexpr int kRepeats = 3;
constexpr size_t kFillEventsPerAppend = 1000;
constexpr size_t kReadPage = 10000;
constexpr char kMarker[] = ".eventstore_bench";

struct Config {
  std::string dir = "./var/bench";
  bool quick = false;
  uint64_t events = 1'000'000;
  double seconds = 3;
  size_t value_size = 0;  // 0: the average stored event record
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "eventstore_bench: %s\n", what.c_str());
  std::exit(1);
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// --- Representative events --------------------------------------------------------------

void PutVarint(std::string* out, uint64_t v) {
  for (; v >= 0x80; v >>= 7) out->push_back(static_cast<char>(v | 0x80));
  out->push_back(static_cast<char>(v));
}

void PutField(std::string* out, int field, std::string_view bytes) {
  PutVarint(out, static_cast<uint64_t>(field) << 3 | 2);
  PutVarint(out, bytes.size());
  out->append(bytes);
}

std::string Words(std::mt19937_64& rng, size_t bytes) {
  static const char* const kWords[] = {"inwoners", "buurt", "gesprek", "wijkraad", "college",
                                       "raad", "experiment", "participatie", "budget",
                                       "evaluatie", "criteria", "bewoners", "plein", "groen"};
  std::string s;
  while (s.size() < bytes) {
    s += kWords[rng() % std::size(kWords)];
    s.push_back(' ');
  }
  s.resize(bytes);
  return s;
}

// A protobuf-encoded payload shaped like an ExperimentProposed event, about `bytes` long.
std::string MakePayload(std::mt19937_64& rng, size_t bytes) {
  std::string p;
  PutField(&p, 1, "lv-2024-2027");
  PutField(&p, 2, "buurtgesprek-" + std::to_string(rng() % 100000));
  PutField(&p, 3, Words(rng, 40));
  PutVarint(&p, 4 << 3);
  PutVarint(&p, 25000 + rng() % 100000);
  std::string date;
  for (int f = 1; f <= 3; ++f) {
    PutVarint(&date, static_cast<uint64_t>(f) << 3);
    PutVarint(&date, f == 1 ? 2025 : 1 + rng() % 12);
  }
  PutField(&p, 5, date);
  size_t used = p.size() + 3;  // tag and two length bytes of the description
  PutField(&p, 6, Words(rng, bytes > used ? bytes - used : 1));
  return p;
}

std::string UuidLike(uint64_t a, uint64_t b) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(a & 0xffffffff),
                static_cast<unsigned long long>(b & 0xffffffffffff));
  return buf;
}

// An append as a command handler would send it: one stream, ANY, the usual envelope.
AppendRequest MakeRequest(const std::string& stream, uint64_t a, uint64_t b,
                          std::vector<NewEvent> events) {
  AppendRequest r;
  r.request_id = UuidLike(a, b);
  r.fingerprint = std::string(32, 'f');
  r.actor.set_principal_id("pm-jansen");
  r.actor.set_display_name("J. Jansen");
  r.actor.set_role("programme_manager");
  r.actor.set_application("proeftuin-web");
  r.reason = "Voorstel ingediend na overleg met de wijkraad";
  r.correlation_id = r.request_id;
  r.causation_id = r.request_id;
  r.occurred_on.emplace();
  r.occurred_on->set_year(2025);
  r.occurred_on->set_month(3);
  r.occurred_on->set_day(14);
  r.appends.push_back({stream, ExpectedVersion::Any(), std::move(events)});
  return r;
}

NewEvent MakeEvent(std::string payload) {
  NewEvent e;
  e.type = "proeftuin.v1.ExperimentProposed";
  e.payload = std::move(payload);
  return e;
}

// The record the store writes for the first event of `r` (header fields as the writer fills
// them; a UUID event id, a mid-log position and version).
std::string EncodeLikeStore(const AppendRequest& r) {
  const NewEvent& e = r.appends[0].events[0];
  v1::EventHeader h;
  h.set_position(500'000);
  h.set_stream(r.appends[0].stream);
  h.set_stream_version(1000);
  h.set_event_id(UuidLike(0x12345678, 0x9abcdef01234));
  h.set_type(e.type);
  h.set_schema_version(e.schema_version);
  h.set_recorded_at_us(std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count());
  *h.mutable_occurred_on() = *r.occurred_on;
  *h.mutable_actor() = r.actor;
  h.set_reason(r.reason);
  h.set_request_id(r.request_id);
  h.set_correlation_id(r.correlation_id);
  h.set_causation_id(r.causation_id);
  h.set_confidentiality(e.confidentiality);
  h.set_previous_hash(std::string(32, '\x5a'));
  return EncodeRecord(h.SerializeAsString(), e.payload, EmptyDigest(), EmptyDigest());
}

std::string StreamName(int thread) { return "experiment-lv-2024-2027.bench-" + std::to_string(thread); }

// The payload size that makes the stored record `value_size` bytes (0: ~250 bytes).
size_t PayloadSizeFor(size_t value_size) {
  if (value_size == 0) return 250;
  std::mt19937_64 rng(1);
  auto r = MakeRequest(StreamName(0), 0, 0, {MakeEvent(MakePayload(rng, 250))});
  size_t overhead = EncodeLikeStore(r).size() - r.appends[0].events[0].payload.size();
  return value_size > overhead + 40 ? value_size - overhead : 40;
}

// --- Timed concurrent loops ---------------------------------------------------------------

struct RunResult {
  double per_s = 0;
  uint64_t ops = 0;
  std::vector<double> latency_us;  // every operation, all threads
  double per_fsync = 0;            // events (or puts) per WAL sync
};

// Runs op(thread, n) on `threads` threads for `seconds`; op returns false to abort.
RunResult RunWriters(int threads, double seconds, const std::function<bool(int, uint64_t)>& op) {
  std::latch ready(threads + 1);
  std::atomic<bool> go{false}, stop{false}, failed{false};
  std::vector<std::vector<double>> lat(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      lat[t].reserve(1 << 15);
      ready.count_down();
      go.wait(false);
      for (uint64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        auto a = Clock::now();
        if (!op(t, n)) return failed.store(true);
        lat[t].push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
      }
    });
  }
  ready.arrive_and_wait();
  auto start = Clock::now();
  go.store(true);
  go.notify_all();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  for (auto& th : pool) th.join();
  double elapsed = Seconds(start, Clock::now());
  if (failed) Die("an operation failed during the measurement");
  RunResult r;
  for (auto& v : lat) r.latency_us.insert(r.latency_us.end(), v.begin(), v.end());
  r.ops = r.latency_us.size();
  r.per_s = static_cast<double>(r.ops) / elapsed;
  return r;
}

std::unique_ptr<RocksStore> OpenStore(const std::string& path) {
  RocksStoreOptions o;
  o.path = path;
  auto s = RocksStore::Open(std::move(o));
  if (!s.ok()) Die("opening the store in " + path + ": " + s.status().ToString());
  return *std::move(s);
}

// Single-event appends through the EventStore, each thread on its own stream.
RunResult StoreRun(const std::string& path, int threads, double seconds, size_t payload_size) {
  auto store = OpenStore(path);
  std::vector<std::string> payloads;
  for (int t = 0; t < threads; ++t) {
    std::mt19937_64 rng(t + 1);
    payloads.push_back(MakePayload(rng, payload_size));
  }
  StoreStats before = store->Stats();
  RunResult r = RunWriters(threads, seconds, [&](int t, uint64_t n) {
    auto res = store->Append(MakeRequest(StreamName(t), t, n, {MakeEvent(payloads[t])}));
    if (!res.ok()) std::fprintf(stderr, "append: %s\n", res.status().ToString().c_str());
    return res.ok();
  });
  StoreStats after = store->Stats();
  uint64_t groups = after.groups_committed - before.groups_committed;
  r.per_fsync = groups ? double(after.events_appended - before.events_appended) / groups : 0;
  store->Close();
  store.reset();
  fs::remove_all(path);
  return r;
}

// Raw RocksDB Put with sync=true: RocksDB's own group commit at the same concurrency.
RunResult RawRun(const std::string& path, int threads, double seconds, const std::string& value) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.statistics = rocksdb::CreateDBStatistics();
  o.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, path, &raw);
  if (!s.ok()) Die("opening raw RocksDB in " + path + ": " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions w;
  w.sync = true;
  RunResult r = RunWriters(threads, seconds, [&](int t, uint64_t n) {
    std::string key;
    PutBigEndian64(&key, static_cast<uint64_t>(t));
    PutBigEndian64(&key, n);
    rocksdb::Status ps = db->Put(w, key, value);
    if (!ps.ok()) std::fprintf(stderr, "put: %s\n", ps.ToString().c_str());
    return ps.ok();
  });
  uint64_t syncs = o.statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  r.per_fsync = syncs ? double(r.ops) / double(syncs) : 0;
  db->Close().PermitUncheckedError();
  db.reset();
  fs::remove_all(path);
  return r;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(q * double(v.size())));
  std::nth_element(v.begin(), v.begin() + i, v.end());
  return v[i];
}

template <typename T>
T Median(std::vector<T> v, double T::*key) {
  std::sort(v.begin(), v.end(), [key](const T& a, const T& b) { return a.*key < b.*key; });
  return v[v.size() / 2];
}

// --- Reads ----------------------------------------------------------------------------------

// Fills a store with `n` events, kFillEventsPerAppend per append, from two threads.
void Fill(EventStore& store, uint64_t n, size_t payload_size) {
  uint64_t appends = (n + kFillEventsPerAppend - 1) / kFillEventsPerAppend;
  std::atomic<uint64_t> next{0};
  auto fill = [&](int t) {
    std::mt19937_64 rng(100 + t);
    std::string payload = MakePayload(rng, payload_size);
    for (uint64_t a; (a = next.fetch_add(1)) < appends;) {
      size_t count = std::min<uint64_t>(kFillEventsPerAppend, n - a * kFillEventsPerAppend);
      std::vector<NewEvent> events(count, MakeEvent(payload));
      auto r = store.Append(MakeRequest(StreamName(int(a % 500)), 0xf111, a, std::move(events)));
      if (!r.ok()) Die("fill: " + r.status().ToString());
    }
  };
  std::thread other(fill, 1);
  fill(0);
  other.join();
}

// Average size of the stored records (header as stored + payload + framing and digests).
double AverageRecordSize(EventStore& store) {
  auto r = store.ReadAll(1, kReadPage, EventFilter{});
  if (!r.ok() || r->events.empty()) Die("reading back the filled store");
  double sum = 0;
  for (const auto& e : r->events) sum += double(1 + 4 + e.header.ByteSizeLong() + 4 + e.payload.size() + 64);
  return sum / double(r->events.size());
}

// Where the calling thread's time went (Linux schedstat): on a CPU, waiting for one, or
// blocked (I/O, locks). Tells a slow store from a busy machine.
struct ThreadTime {
  double wall = 0, cpu = 0, runq = 0;
  static ThreadTime Now() {
    ThreadTime t;
    t.wall = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
    unsigned long long cpu = 0, runq = 0;
    if (std::FILE* f = std::fopen("/proc/thread-self/schedstat", "r")) {
      if (std::fscanf(f, "%llu %llu", &cpu, &runq) != 2) cpu = runq = 0;
      std::fclose(f);
    }
    t.cpu = double(cpu) / 1e9;
    t.runq = double(runq) / 1e9;
    return t;
  }
  ThreadTime operator-(const ThreadTime& o) const { return {wall - o.wall, cpu - o.cpu, runq - o.runq}; }
};

struct ReadRate {
  double per_s = 0, per_cpu_s = 0;  // events per wall second, per second on a CPU
  ThreadTime spent;
};

ReadRate Rate(uint64_t events, const ThreadTime& start) {
  ReadRate r;
  r.spent = ThreadTime::Now() - start;
  r.per_s = double(events) / r.spent.wall;
  r.per_cpu_s = r.spent.cpu > 0 ? double(events) / r.spent.cpu : 0;
  return r;
}

ReadRate TimeReadAll(EventStore& store, uint64_t expected) {
  ThreadTime start = ThreadTime::Now();
  uint64_t from = 1, seen = 0;
  for (;;) {
    auto r = store.ReadAll(from, kReadPage, EventFilter{});
    if (!r.ok()) Die("ReadAll: " + r.status().ToString());
    seen += r->events.size();
    from = r->next_position;
    if (r->end_of_log) break;
  }
  ReadRate rate = Rate(seen, start);
  if (seen != expected) Die("ReadAll returned " + std::to_string(seen) + " events");
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

void PrintRate(const char* what, const ReadRate& r) {
  std::printf("  %-8s %10.0f events/s  (%.2f s: %.2f s on a CPU, %.2f s waiting for one, %.2f s "
              "blocked; %.0f events per CPU-second)\n",
              what, r.per_s, r.spent.wall, r.spent.cpu, r.spent.runq,
              std::max(0.0, r.spent.wall - r.spent.cpu - r.spent.runq), r.per_cpu_s);
  std::fflush(stdout);
}

// --- Main -----------------------------------------------------------------------------------

void PrepareDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) Die("cannot create " + dir + ": " + ec.message());
  bool empty = fs::is_empty(dir, ec);
  if (!empty && !fs::exists(fs::path(dir) / kMarker)) {
    Die(dir + " is not empty and was not made by eventstore_bench; refusing to clear it");
  }
  for (const auto& entry : fs::directory_iterator(dir)) fs::remove_all(entry.path());
  std::FILE* f = std::fopen((fs::path(dir) / kMarker).c_str(), "w");
  if (f != nullptr) std::fclose(f);
}

using Results = std::map<std::string, double>;

// The 1-minute load average: these machines are shared, so say how busy this one was.
double LoadAverage() {
  double load = -1;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1;
    std::fclose(f);
  }
  return load;
}

void AppendPhase(const Config& c, size_t payload_size, const std::string& value, Results& out) {
  std::map<int, std::vector<RunResult>> store, raw;
  for (int rep = 0; rep < kRepeats; ++rep) {
    for (int t : kConcurrency) {
      std::string tag = std::to_string(t) + "-" + std::to_string(rep);
      store[t].push_back(StoreRun(c.dir + "/store-" + tag, t, c.seconds, payload_size));
      raw[t].push_back(RawRun(c.dir + "/raw-" + tag, t, c.seconds, value));
      std::printf("  run %d, %2d writers: store %8.0f/s (%.1f events/fsync)   raw %8.0f/s (%.1f puts/fsync)\n",
                  rep + 1, t, store[t].back().per_s, store[t].back().per_fsync,
                  raw[t].back().per_s, raw[t].back().per_fsync);
      std::fflush(stdout);
    }
  }
  std::printf("\nmedian of %d        appends/s   p50 ms   p99 ms  per fsync\n", kRepeats);
  for (int t : kConcurrency) {
    RunResult s = Median(store[t], &RunResult::per_s), r = Median(raw[t], &RunResult::per_s);
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
}

void ReadPhase(const Config& c, size_t payload_size, Results& out) {
  std::string path = c.dir + "/read";
  auto store = OpenStore(path);
  auto start = Clock::now();
  Fill(*store, c.events, payload_size);
  double fill_secs = Seconds(start, Clock::now());
  std::printf("\nfilled %llu events in %.1f s (%.0f events/s, %zu per append); "
              "average stored record %.0f bytes\n",
              static_cast<unsigned long long>(c.events), fill_secs, double(c.events) / fill_secs,
              kFillEventsPerAppend, AverageRecordSize(*store));
  std::vector<ReadRate> reads, verifies;
  for (int rep = 0; rep < kRepeats; ++rep) {
    std::printf("run %d\n", rep + 1);
    std::fflush(stdout);
    reads.push_back(TimeReadAll(*store, c.events));
    PrintRate("ReadAll", reads.back());
    verifies.push_back(TimeVerify(*store, c.events));
    PrintRate("Verify", verifies.back());
  }
  ReadRate read = Median(reads, &ReadRate::per_s), verify = Median(verifies, &ReadRate::per_s);
  out["fill_events_per_s"] = double(c.events) / fill_secs;
  out["readall_events_per_s"] = read.per_s;
  out["readall_events_per_cpu_s"] = read.per_cpu_s;
  out["verify_events_per_s"] = verify.per_s;
  out["verify_events_per_cpu_s"] = verify.per_cpu_s;
  store->Close();
  store.reset();
  fs::remove_all(path);
}

int Main(const Config& c) {
  auto start = Clock::now();
  PrepareDir(c.dir);
  size_t payload_size = PayloadSizeFor(c.value_size);
  std::mt19937_64 rng(1);
  std::string value = EncodeLikeStore(MakeRequest(StreamName(0), 0, 0, {MakeEvent(MakePayload(rng, payload_size))}));
  std::printf("eventstore_bench: dir %s, %s, %.1f s per append run, %llu events for reads\n",
              fs::absolute(c.dir).lexically_normal().c_str(), c.quick ? "quick" : "full",
              c.seconds, static_cast<unsigned long long>(c.events));
  std::printf("value size %zu bytes (a stored event record, payload %zu bytes); runs interleaved,"
              " median of %d\n\n", value.size(), payload_size, kRepeats);
  Results out;
  out["load_avg_start"] = LoadAverage();
  AppendPhase(c, payload_size, value, out);
  ReadPhase(c, payload_size, out);
  out["value_size_bytes"] = double(value.size());
  out["total_seconds"] = Seconds(start, Clock::now());
  out["load_avg_end"] = LoadAverage();
  std::printf("\nload average %.2f at start, %.2f at end (%u CPUs)\n", out["load_avg_start"],
              out["load_avg_end"], std::thread::hardware_concurrency());
  std::printf("\n");
  for (const auto& [name, v] : out) std::printf("RESULT %s=%.*f\n", name.c_str(), v < 100 ? 3 : 0, v);
  return 0;
}

}  // namespace
}  // namespace proeftuin::eventstore

int main(int argc, char** argv) {
  proeftuin::eventstore::Config c;
  CLI::App app{"Durable append, ReadAll and Verify throughput of the Proeftuin event store"};
  app.add_option("--dir", c.dir, "working folder (its contents are removed at start)");
  app.add_flag("--quick", c.quick, "small sizes (finishes in well under 20 s)");
  auto* events = app.add_option("--events", c.events, "events for the ReadAll/Verify phase");
  auto* seconds = app.add_option("--seconds", c.seconds, "seconds per append measurement");
  app.add_option("--value-size", c.value_size, "value bytes (default: an average stored event)");
  CLI11_PARSE(app, argc, argv);
  if (c.quick && events->count() == 0) c.events = 100'000;
  if (c.quick && seconds->count() == 0) c.seconds = 0.3;
  if (c.events == 0 || c.seconds <= 0) {
    std::fprintf(stderr, "--events and --seconds must be positive\n");
    return 2;
  }
  return proeftuin::eventstore::Main(c);
}
