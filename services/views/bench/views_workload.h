// The log views_bench replays: many programmes of a realistic shape (eight proposals, six
// selected, one rejected, one withdrawn, council input and answers, five experiments running
// with activities, expenditure, progress and corrections, then evaluated and closed), decided
// by the domain (Decide / Evolve over an in-memory log per programme), interleaved and appended
// in batches of about a thousand events.
//
// Thread-safety: FillLog uses the store from one thread.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "eventstore/event_store.h"

namespace proeftuin::views::bench {

struct WorkloadOptions {
  uint64_t events = 1'000'000;  // about this many (whole programmes)
  int rounds = 50;              // activity / expenditure rounds per programme (~12 events each)
  int programmes_in_flight = 16;
};

// Appends about `options.events` events to an empty store; returns how many were appended.
absl::StatusOr<uint64_t> FillLog(eventstore::EventStore& store, const WorkloadOptions& options);

}  // namespace proeftuin::views::bench
