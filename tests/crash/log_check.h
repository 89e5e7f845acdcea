// The checks the crash loop and the fault tests make on a recovered or restarted proeftuind,
// all through its gRPC API (an administrator token): the log is whole and gap-free, every
// acknowledged command is in it where its answer said, nothing is half-written, the hash chain
// verifies, and the inline views equal a rebuild from the log. Failures are GoogleTest failures.
//
// Thread-safety: plain functions; run them while no load is running.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "crash/command_load.h"

namespace proeftuin::crash {

// The log as read through EventService.ReadAll.
struct LogIndex {
  uint64_t head = 0;
  std::map<std::string, std::vector<uint64_t>> positions;  // request id -> its events' positions
  std::set<std::string> streams;
};

// Reads the whole log. A gap (positions must run 1, 2, ... head) fails the test.
LogIndex ReadLog(grpc::Channel* channel, const std::string& token);

struct Durability {
  size_t acknowledged = 0;           // distinct requests answered OK
  size_t landed_unacknowledged = 0;  // requests in the log whose every answer was an error
};

// Every request answered OK has its events in the log exactly at the positions its answer named
// (first..last, ExpectedEvents of them; a duplicate answer names the original's) and no others;
// every request id starting with `prefix` in the log has all its events at consecutive
// positions (an append is all or nothing) and was sent by the load (nothing invented).
Durability CheckDurability(const LogIndex& log, const std::vector<Outcome>& outcomes, const std::string& prefix);

// AuditService.Verify over the whole log: ok, and every position 1..head checked.
void ExpectChainVerifies(grpc::Channel* channel, const std::string& token, uint64_t head);

// Fetches the programme and experiment views of `streams` (GetProgramme / GetExperiment at
// the head), rebuilds every inline projection that GetStatistics lists (RebuildProjection),
// fetches them again and expects the same bytes. Returns how many projections were rebuilt.
int ExpectViewsEqualRebuild(grpc::Channel* channel, const std::string& admin_token,
                            const std::set<std::string>& streams);

}  // namespace proeftuin::crash
