// An open-loop load for views_bench: `threads` threads, each firing on its own schedule (offset
// so that together they fire at `rate` per second), never waiting for answers before the next
// send. Latency is measured from the scheduled send time, so a stall counts against every
// request it delays (no coordinated omission), and a client that falls behind shows as late.
//
// Thread-safety: RunPaced calls `fire` from its threads and `done` may be called from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace proeftuin::views::bench {

struct PacedResult {
  // Of every request, sorted; a failed one counts with the time it took to fail: its deadline
  // when the server fell behind (which can only make the percentiles worse), less for a refusal
  // or a lost server (failed_before_deadline: views_bench then reports no percentiles).
  std::vector<double> latency_ms;
  // The same latencies in the order of their scheduled sends (request i at i / rate).
  std::vector<double> latency_by_send_ms;
  uint64_t sent = 0, ok = 0, failed = 0;
  uint64_t failed_before_deadline = 0;  // of `failed`: with another status than DEADLINE_EXCEEDED
  std::string first_error;
  double seconds = 0;      // from the first scheduled send to the last answer
  double max_late_ms = 0;  // how far behind its schedule a send went out at worst
  double start_monotonic_s = 0;  // the first scheduled send, on CLOCK_MONOTONIC (steady_clock)
  double achieved_per_s() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

// Starts request `i` on `thread` asynchronously; `done` must be called exactly once with its status.
using Fire = std::function<void(int thread, uint64_t i, std::function<void(const grpc::Status&)> done)>;

// Fires rate * seconds requests and waits for every answer.
PacedResult RunPaced(int threads, double rate, double seconds, const Fire& fire);

}  // namespace proeftuin::views::bench
