// Closed-loop clients on gRPC's callback API: client t sends its next call when the answer to its
// previous one has arrived, as a blocking client does, but no thread of the bench waits on a
// call: gRPC's own threads run the answers and start the next calls. With 64 clients on a
// 2-core machine this is how an integrating program that sends many commands at once would
// drive the server (a thread per outstanding call costs a thread switch per answer), and the
// bench's own CPU counts against the targets (docs/PERFORMANCE.md).
//
// Thread-safety: RunCallers may be called from one thread at a time; `start` is called from the
// caller's thread for each client's first call and from gRPC's threads after that, at most once
// at a time per client.
#pragma once

#include <cstdint>
#include <functional>

#include "bench/workload.h"

namespace proeftuin::bench {

// Starts client t's call number n; the call must end by calling `done(ok)` exactly once (from any
// thread, typically gRPC's callback). ok = false ends the measurement with a failure.
using StartCall = std::function<void(int t, uint64_t n, std::function<void(bool ok)> done)>;

// Runs `clients` closed-loop clients for `seconds` and times every call, as
// eventstore::bench::RunWriters does for blocking calls (same RunResult: every latency, per
// second over the time until the last call in flight has ended, this process's CPU per call).
// Exits the program when a call fails.
eventstore::bench::RunResult RunCallers(int clients, double seconds, const StartCall& start);

}  // namespace proeftuin::bench
