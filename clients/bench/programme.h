// The bench's principals and programme, made through the real API for one run: names carry a run
// id (from the clock), so the bench can run again and again against the same server.
//
// Thread-safety: CreateBenchProgramme is not; RecordActivity is thread-safe.
#pragma once

#include <string>
#include <vector>

#include "bench/bench.h"
#include "proeftuin/v1/commands.pb.h"
#include "proeftuin/v1/programme_service.pb.h"

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

// Whether an answer to RecordActivity `request_id` wrote events: prints the status and the rule,
// or that it wrote nothing, when not; counts the write when it did.
bool CountedActivity(Server& server, const std::string& request_id, const grpc::Status& s,
                     const grpc::ClientContext& ctx, const v1::CommandResult& result);

// The stream prefix of the programme's experiments: "experiment-<programme id>.".
std::string ExperimentStreamPrefix(const BenchProgramme& p);

}  // namespace proeftuin::bench
