// The workload of the benchmarks (eventstore_bench, proeftuin-bench): appends shaped like the ones
// the command handlers send, the record the store makes of them, timed concurrent loops with
// latency samples, and the raw RocksDB group-commit reference.
//
// Thread-safety: the functions are thread-safe; RunWriters calls `op` from many threads at once.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "eventstore/event_store.h"

namespace rocksdb {
class DB;
struct Options;
}  // namespace rocksdb

namespace proeftuin::eventstore::bench {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b);

// A protobuf-encoded payload shaped like an ExperimentProposed event, about `bytes` long.
std::string MakePayload(std::mt19937_64& rng, size_t bytes);

// `count` different payloads of about `bytes` each (real logs do not repeat one payload).
std::vector<std::string> MakePayloads(size_t count, size_t bytes, uint64_t seed);

NewEvent MakeEvent(std::string payload);

// An append as a command handler sends it: one stream, ANY, the usual envelope; the request id
// is a UUID-like string made from (a, b).
AppendRequest MakeRequest(const std::string& stream, uint64_t a, uint64_t b,
                          std::vector<NewEvent> events);

std::string StreamName(int n);

// The record the store writes for the first event of `r` (docs/FORMAT.md), with the header
// filled as the writer fills it.
std::string EncodeLikeStore(const AppendRequest& r);

// The payload size that makes a stored record `value_size` bytes (0: a ~250-byte payload).
size_t PayloadSizeFor(size_t value_size);

// A stored event record with a payload of about `payload_size` bytes (the raw reference's value).
std::string ValueLikeStore(size_t payload_size);

// The bytes the store keeps for an event with this header and payload size: framing, header as
// stored, payload and the two digests (docs/FORMAT.md).
size_t StoredRecordBytes(const v1::EventHeader& header, size_t payload_bytes);

struct RunResult {
  double per_s = 0;
  uint64_t ops = 0;
  std::vector<double> latency_us;  // every operation, all threads
  double per_fsync = 0;            // events (or puts) per WAL sync
  // CPU of this whole process per operation over the timed loop (user + system, µs): what the
  // client side of a call costs, or all of a raw put. server_cpu_us: the server's, when a caller
  // can read it (proeftuin-bench, from GetStatistics); 0 otherwise.
  double process_cpu_us = 0;
  double server_cpu_us = 0;
};

// Calls op(thread, n) in a loop on `threads` threads for `seconds` and times every call. Exits
// the program when an op returns false.
RunResult RunWriters(int threads, double seconds, const std::function<bool(int, uint64_t)>& op);

// The RunResult of a timed loop: every latency of every client, operations per second over
// `elapsed_s`, and `process_cpu_s` of this process per operation.
RunResult ResultOf(const std::vector<std::vector<double>>& latency_us, double elapsed_s, double process_cpu_s);

double Percentile(std::vector<double> v, double q);

// The element with the median `key` (of an odd count: the middle one).
template <typename T>
T Median(std::vector<T> v, double T::*key) {
  std::sort(v.begin(), v.end(), [key](const T& a, const T& b) { return a.*key < b.*key; });
  return v[v.size() / 2];
}

// The raw reference: RocksDB Put with sync=true (RocksDB's own group commit) of `value` from
// `threads` writers for `seconds`, in a fresh DB at `path` that is removed afterwards. Sets
// per_fsync (puts per WAL sync). Exits the program when the DB cannot be opened or a Put fails.
RunResult RawRun(const std::string& path, int threads, double seconds, const std::string& value);

// A raw RocksDB at `path` opened with `o` (create_if_missing is set); exits when it cannot be
// opened. For the raw references.
std::unique_ptr<rocksdb::DB> OpenRawDb(const std::string& path, rocksdb::Options o);

// Where the calling thread's time went (Linux schedstat): on a CPU, waiting for one, or blocked
// (I/O, locks). Tells a slow store from a busy machine.
struct ThreadTime {
  // cpu and runq: this thread's; process_cpu: every thread of the process (parallel reads).
  double wall = 0, cpu = 0, runq = 0, process_cpu = 0;
  static ThreadTime Now();
  ThreadTime operator-(const ThreadTime& o) const;
};

// The 1-minute load average (-1 when unknown).
double LoadAverage();

// CPU seconds (user + system, all threads) of process `pid`, from /proc/<pid>/stat; -1 when it
// cannot be read.
double ProcessCpuSeconds(int pid);

// Prints "<program>: <what>" to stderr and exits 1.
[[noreturn]] void Die(const std::string& what);

}  // namespace proeftuin::eventstore::bench
