// The end of the log against what the rest of the store recorded as committed (docs/FORMAT.md,
// "The end of the log"). Private to the eventstore module. Thread-safe (RocksDB reads).
//
// Two kinds of row witness how far the log reached:
// - the commit mark `meta/head` (BE64 position + the hash of that event), which the writer puts
//   in the WriteBatch of every commit group: atomic with the events, so it is never ahead of the
//   log, not after a kill -9 nor after a power cut (a synced batch lands whole or not at all);
// - the checkpoints of the asynchronous projections (`meta/checkpoint/<family>`), written after
//   the events they applied were committed, later in the same write-ahead log: a crash keeps a
//   prefix of that log, so they are never ahead either.
// A log that ends before one of them lost its newest events afterwards (deleted by hand).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "eventstore/sha256.h"
#include "src/db.h"

namespace proeftuin::eventstore {

// The value of `meta/head`: BE64(position) + the 32-byte hash of the event at that position.
std::string EncodeCommitMark(uint64_t position, const Digest& hash);

// Where the log and another part of the store disagree: the first position the log lacks (or
// holds another event at) and what is wrong there, without the "position N: " prefix.
struct Discrepancy {
  uint64_t first_bad_position = 0;
  std::string problem;
};

// Compares the log, whose newest stored position is `last` (0: empty), with the commit mark and
// the projections' checkpoints, at `snapshot` (nullptr: the latest). nullopt when they agree: no
// witness is past `last`, and the event at the commit mark's position has the mark's hash. A
// store written before the commit mark existed has none until its next commit (only the
// checkpoints witness then); a mark behind the log (a build without it appended since) is no
// problem. The Status is an error only when the store cannot be read.
absl::StatusOr<std::optional<Discrepancy>> CheckLogEnd(Db& db, uint64_t last,
                                                       const rocksdb::Snapshot* snapshot);

}  // namespace proeftuin::eventstore
