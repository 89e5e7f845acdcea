#include "bench/workload.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <latch>
#include <memory>
#include <sstream>
#include <thread>

#include "eventstore/record.h"
#include "rocksdb/db.h"
#include "rocksdb/statistics.h"

namespace proeftuin::eventstore::bench {
namespace {

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
  static const char* const kWords[] = {
      "inwoners",     "buurt",  "gesprek",   "wijkraad", "college",  "raad",  "experiment",
      "participatie", "budget", "evaluatie", "criteria", "bewoners", "plein", "groen"};
  std::string s;
  while (s.size() < bytes) {
    s += kWords[rng() % std::size(kWords)];
    s.push_back(' ');
  }
  s.resize(bytes);
  return s;
}

std::string UuidLike(uint64_t a, uint64_t b) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(a & 0xffffffff),
                static_cast<unsigned long long>(b & 0xffffffffffff));
  return buf;
}

}  // namespace

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

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

std::vector<std::string> MakePayloads(size_t count, size_t bytes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) out.push_back(MakePayload(rng, bytes));
  return out;
}

NewEvent MakeEvent(std::string payload) {
  NewEvent e;
  e.type = "proeftuin.v1.ExperimentProposed";
  e.payload = std::move(payload);
  return e;
}

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

std::string StreamName(int n) { return "experiment-lv-2024-2027.bench-" + std::to_string(n); }

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
  if (r.occurred_on) *h.mutable_occurred_on() = *r.occurred_on;
  *h.mutable_actor() = r.actor;
  h.set_reason(r.reason);
  h.set_request_id(r.request_id);
  h.set_correlation_id(r.correlation_id);
  h.set_causation_id(r.causation_id);
  h.set_confidentiality(e.confidentiality);
  h.set_previous_hash(std::string(32, '\x5a'));
  return EncodeRecord(h.SerializeAsString(), e.payload, EmptyDigest(), EmptyDigest());
}

size_t PayloadSizeFor(size_t value_size) {
  if (value_size == 0) return 250;
  std::mt19937_64 rng(1);
  auto r = MakeRequest(StreamName(0), 0, 0, {MakeEvent(MakePayload(rng, 250))});
  size_t overhead = EncodeLikeStore(r).size() - r.appends[0].events[0].payload.size();
  return value_size > overhead + 40 ? value_size - overhead : 40;
}

std::string ValueLikeStore(size_t payload_size) {
  std::mt19937_64 rng(1);
  return EncodeLikeStore(
      MakeRequest(StreamName(0), 0, 0, {MakeEvent(MakePayload(rng, payload_size))}));
}

size_t StoredRecordBytes(const v1::EventHeader& header, size_t payload_bytes) {
  return 1 + 4 + header.ByteSizeLong() + 4 + payload_bytes + 64;
}

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
  const double cpu_before = ThreadTime::Now().process_cpu;
  auto start = Clock::now();
  go.store(true);
  go.notify_all();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  for (auto& th : pool) th.join();
  double elapsed = Seconds(start, Clock::now());
  const double cpu = ThreadTime::Now().process_cpu - cpu_before;
  if (failed) Die("an operation failed during the measurement");
  return ResultOf(lat, elapsed, cpu);
}

RunResult ResultOf(const std::vector<std::vector<double>>& latency_us, double elapsed_s, double process_cpu_s) {
  RunResult r;
  for (const auto& v : latency_us) r.latency_us.insert(r.latency_us.end(), v.begin(), v.end());
  r.ops = r.latency_us.size();
  r.per_s = static_cast<double>(r.ops) / elapsed_s;
  r.process_cpu_us = r.ops > 0 ? process_cpu_s * 1e6 / static_cast<double>(r.ops) : 0;
  return r;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(q * double(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

std::unique_ptr<rocksdb::DB> OpenRawDb(const std::string& path, rocksdb::Options o) {
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, path, &raw);
  if (!s.ok()) Die("opening raw RocksDB in " + path + ": " + s.ToString());
  return std::unique_ptr<rocksdb::DB>(raw);
}

RunResult RawRun(const std::string& path, int threads, double seconds, const std::string& value) {
  rocksdb::Options o;
  o.statistics = rocksdb::CreateDBStatistics();
  o.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  std::unique_ptr<rocksdb::DB> db = OpenRawDb(path, o);
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
  std::filesystem::remove_all(path);
  return r;
}

ThreadTime ThreadTime::Now() {
  ThreadTime t;
  t.wall = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  unsigned long long cpu = 0, runq = 0;
  if (std::FILE* f = std::fopen("/proc/thread-self/schedstat", "r")) {
    if (std::fscanf(f, "%llu %llu", &cpu, &runq) != 2) cpu = runq = 0;
    std::fclose(f);
  }
  t.cpu = double(cpu) / 1e9;
  t.runq = double(runq) / 1e9;
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
    t.process_cpu = double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
  return t;
}

ThreadTime ThreadTime::operator-(const ThreadTime& o) const {
  return {wall - o.wall, cpu - o.cpu, runq - o.runq, process_cpu - o.process_cpu};
}

double ProcessCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t end = stat.rfind(')');  // the command name may contain spaces
  if (pid <= 0 || end == std::string::npos || end + 2 > stat.size()) return -1;
  std::istringstream fields(stat.substr(end + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::strtod(field.c_str(), nullptr);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double LoadAverage() {
  double load = -1;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1;
    std::fclose(f);
  }
  return load;
}

void Die(const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::exit(1);
}

}  // namespace proeftuin::eventstore::bench
