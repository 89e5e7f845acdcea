// Chain verification over a range of the log (docs/FORMAT.md, "Verifying"), and the store's
// whole verification around it: the log's end against the store's other rows (log_end.h) and
// the stream index both ways (verify_index.cc). Private to the eventstore module. Thread-safe
// (RocksDB reads).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "eventstore/event_store.h"
#include "src/db.h"
#include "src/log_end.h"

namespace proeftuin::eventstore {

// A running tally of (stream, version, position) triples that is the same whichever order they
// are added in: the log's events tallied by the chain check, the stream index's entries by its
// scan. Equal tallies mean equal sets (up to a 128-bit hash collision: a consistency check of
// the index, whose every entry a read checks again; the chain is the proof).
struct StreamTally {
  uint64_t count = 0, sum_a = 0, sum_b = 0;
  void Add(std::string_view stream, uint64_t version, uint64_t position);
  void Merge(const StreamTally& other);
  bool operator==(const StreamTally&) const = default;
};

// Checks [from, to] (clamped to the log; to = 0: to its end) at `snapshot` (nullptr: the
// latest); `probe` > 0 also reports the recomputed hash there; `tally`, when given, gets every
// event checked. The Status is an error only when the store cannot be read.
absl::StatusOr<VerifyResult> VerifyRange(Db& db, uint64_t from, uint64_t to, uint64_t probe,
                                         Digest* probe_hash,
                                         const rocksdb::Snapshot* snapshot = nullptr,
                                         StreamTally* tally = nullptr);

// The same result as VerifyRange, computed by up to `threads` threads over consecutive parts of
// the range (each part is anchored on the stored hash of the record before it, which the part
// before it checks). Ranges under kParallelVerifyMin events run on the calling thread.
inline constexpr uint64_t kParallelVerifyMin = 50'000;
// One thread per core, at most four.
unsigned VerifyThreads();
absl::StatusOr<VerifyResult> VerifyRangeParallel(Db& db, uint64_t from, uint64_t to, uint64_t probe,
                                                 Digest* probe_hash, unsigned threads,
                                                 const rocksdb::Snapshot* snapshot = nullptr,
                                                 StreamTally* tally = nullptr);

// The streams family against the log whose events `log` tallied (all of them, up to `last`):
// every event has its index entry and every entry names an event of its stream and version,
// the versions of each stream run from 0 without a gap, and each head (`h/<stream>`) names its
// stream's last entry. The pass over the family runs on a thread of its own from construction,
// beside the chain check that makes the tally; Finish waits for it and compares: nullopt when
// they agree, otherwise the lowest position concerned (the end of the log + 1 for a row that
// names no event of it), found only then by a second pass of point reads. The snapshot must
// outlive the object. Thread-compatible: Finish once, from the thread that made it.
class StreamIndexCheck {
 public:
  struct Scan;  // what the pass found
  StreamIndexCheck(Db& db, const rocksdb::Snapshot* snapshot, uint64_t last);
  ~StreamIndexCheck();
  StreamIndexCheck(const StreamIndexCheck&) = delete;
  StreamIndexCheck& operator=(const StreamIndexCheck&) = delete;
  absl::StatusOr<std::optional<Discrepancy>> Finish(const StreamTally& log);

 private:
  Db& db_;
  const rocksdb::Snapshot* const snapshot_;
  const uint64_t last_;
  std::unique_ptr<Scan> scan_;
  absl::Status scanned_;  // the pass's outcome, set on its thread
  std::thread thread_;
};

// EventStore::Verify (published == nullptr) and VerifyExtends (from 1 to the end), on one
// snapshot: the chain of [from, to]; when the range reaches the end of the log, the end against
// the store's other rows (CheckLogEnd); when it is the whole log, the stream index
// (StreamIndexCheck). INVALID_ARGUMENT: to before from, a published digest at position 0 whose
// hash is not 32 zero bytes. OUT_OF_RANGE: a range past the end of the log (naming
// from_position or to_position; an empty log has nothing to verify), unless the log lost events
// there (then the verdict says so).
absl::StatusOr<VerifyResult> VerifyLog(Db& db, uint64_t from, uint64_t to,
                                       const ChainDigest* published);

}  // namespace proeftuin::eventstore
