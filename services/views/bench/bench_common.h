// What the phases of views_bench share: the options, the results so far, and small helpers.
//
// Thread-safety: none; the phases run one after another on the main thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <string>
#include <vector>

namespace proeftuin::views::bench {

using Clock = std::chrono::steady_clock;

struct Config {
  std::string dir = "./var/views-bench";
  uint64_t events = 1'000'000;
  int rounds = 50;
  std::string phases = "generate,replay,replay_in_memory,floor,rebuild_wait,query,audit,cold_start,get_programme,stalls";
  bool quick = false;
  int queries = 2000;
  // Cold starts of proeftuind (each of the two kinds) and the GetProgramme load over gRPC.
  int starts = 3;
  double rate = 2000;          // GetProgramme requests per second, open loop
  double load_seconds = 10;    // measured, after `warmup_seconds`
  double warmup_seconds = 2;
  double stall_seconds = 3;     // stalls: how long each spin lasts
  int client_threads = 4;      // each with its own connection, firing on its own schedule
  bool reuse_server = false;   // keep <dir>/server from an earlier run (profiling)
  bool list_episodes = false;  // get_programme: print every episode of slow answers
};

// Filled by the phases that prepare and start proeftuind (serve_phases.cc).
struct ServerState {
  bool prepared = false;
  std::string bench_token;                 // a programme manager with clearance zeer geheim
  std::vector<std::string> programme_ids;  // the generated programmes
};

struct Context {
  Config config;
  uint64_t events = 0;  // in the log
  std::map<std::string, double> results;
  ServerState server;
  bool failed = false;  // a phase could not give its figures: exit 1 after printing the rest
};

[[noreturn]] inline void Die(const std::string& what) {
  std::fprintf(stderr, "views_bench: %s\n", what.c_str());
  std::exit(1);
}

inline double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The q-quantile (0..1) of sorted values (nearest rank below).
inline double Quantile(const std::vector<double>& sorted, double q) {
  return sorted.empty() ? 0 : sorted[static_cast<size_t>(q * static_cast<double>(sorted.size() - 1))];
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// CPU seconds (user + system) of this process, all threads.
inline double OwnCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The 1-minute load average (-1 when unknown).
inline double LoadAverage() {
  double load[1] = {-1};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

}  // namespace proeftuin::views::bench
