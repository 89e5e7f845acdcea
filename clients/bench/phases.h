// The measured phases of proeftuin-bench, run one after another. Each adds its figures to
// `out` (the RESULT names) and prints a line per run; each exits the program when a call fails.
//
// Thread-safety: call one phase at a time.
#pragma once

#include <string>

#include "bench/bench.h"
#include "bench/programme.h"

namespace proeftuin::bench {

// The value the raw reference writes: as large as the stored record of one RecordActivity
// event of this run (one activity is recorded on the first experiment and read back).
std::string RawReferenceValue(Server& server, const BenchProgramme& p);

// Durable commands (RecordActivity, each client on its own experiment) at options.clients and
// at 1 client, interleaved with the raw RocksDB group-commit reference at the same concurrency
// in `raw_dir` (command, raw, command, raw, ...), options.repeats times; the medians.
void DurablePhase(Server& server, const BenchProgramme& p, const Options& options, const std::string& raw_dir,
                  const std::string& raw_value, Results& out);

// ProgrammeService.GetProgramme of the bench programme from options.clients clients.
void QueryPhase(Server& server, const BenchProgramme& p, const Options& options, Results& out);

// options.subscribers live Subscribe streams while a paced writer records options.subscribe_rate
// activities per second; the commit-to-delivery latency at the subscribers.
void SubscribePhase(Server& server, const BenchProgramme& p, const Options& options, Results& out);

}  // namespace proeftuin::bench
