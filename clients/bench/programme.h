// The bench's principals and programme, made through the real API for one run: names carry a run
// id (from the clock), so the bench can run again and again against the same server.
//
// Thread-safety: CreateBenchProgramme is not; RecordActivity is thread-safe.
#pragma once

#include <string>
#include <vector>

#include "bench/bench.h"
#include "proeftuin/v1/commands.pb.h"

namespace proeftuin::bench {

struct BenchProgramme {
  std::string run_id;        // e.g. "mfz3q0x1a2"
  std::string programme_id;  // "bench-<run id>"
  std::vector<std::string> experiments;  // running: RecordActivity is accepted on each
  std::vector<v1::Command> activities;   // a RecordActivity per experiment
  std::string pm_token;      // a programme manager of this run
  std::string reader_token;  // an integration reader of this run
  int principals = 0;
  int setup_commands = 0;
};

// Creates the principals of the run (programme manager, proposer, college, council clerk,
// integration reader) with the administrator token, and the programme bench-<run id> with
// `experiments` running experiments: drafted, proposed, selected, sent to the council, adopted,
// started. Exits when the server refuses a step.
BenchProgramme CreateBenchProgramme(Server& server, int experiments);

// Records an activity on experiment `e` as the programme manager, on connection `channel`.
// False (after printing the status and the rule) when the server refused it or wrote nothing.
bool RecordActivity(Server& server, const BenchProgramme& p, int channel, size_t e, const std::string& request_id);

// The stream prefix of the programme's experiments: "experiment-<programme id>.".
std::string ExperimentStreamPrefix(const BenchProgramme& p);

}  // namespace proeftuin::bench
