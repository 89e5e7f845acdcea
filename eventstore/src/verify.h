// Chain verification over a range of the log (docs/FORMAT.md, "Verifying").
// Private to the eventstore module. Thread-safe (RocksDB reads).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "eventstore/event_store.h"
#include "src/db.h"

namespace proeftuin::eventstore {

// Checks [from, to] (clamped to the log); `probe` > 0 also reports the recomputed hash there.
// The Status is an error only when the store cannot be read.
absl::StatusOr<VerifyResult> VerifyRange(Db& db, uint64_t from, uint64_t to, uint64_t probe,
                                         Digest* probe_hash);

// The same result as VerifyRange, computed by up to `threads` threads over consecutive parts of
// the range (each part is anchored on the stored hash of the record before it, which the part
// before it checks). Ranges under kParallelVerifyMin events run on the calling thread.
inline constexpr uint64_t kParallelVerifyMin = 50'000;
// One thread per core, at most four.
unsigned VerifyThreads();
absl::StatusOr<VerifyResult> VerifyRangeParallel(Db& db, uint64_t from, uint64_t to,
                                                 uint64_t probe, Digest* probe_hash,
                                                 unsigned threads);

}  // namespace proeftuin::eventstore
