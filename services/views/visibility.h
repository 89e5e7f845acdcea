// EventVisibility: whether EventService may hand a reader an event whole, or only redacted
// (position, stream, version, type and chain fields; docs/ROLES.md, "Clearance").
//
// An event goes out whole when its recorded level is within the reader's clearance and nothing
// it is about is above the clearance *now*: not its programme, not its experiment (also when a
// level was raised after the event was recorded, or when the experiment belongs to a programme
// above the clearance, whatever the experiment's own level), and, for a programme event, no
// experiment it names (a budget allocation or release, council input, a knowledge session).
// The same rule as the audit trail's, so that a reader cannot get through the log what Get,
// List and the audit trail hide from it. Principal events keep their recorded level (intern).
//
// The levels now come from a LevelsCache that every reader of the store shares: one scan of the
// decider-state rows, read again only once a change of a level has been committed after it.
// Nothing keeps a view of the store open between reads (a held view would keep the store from
// reopening after a write error).
//
// Thread-safety: LevelsCache is thread-safe; an EventVisibility belongs to one request or
// subscription at a time.
#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "app/decider_projection.h"
#include "eventstore/event_store.h"
#include "proeftuin/v1/common.pb.h"
#include "proeftuin/v1/store.pb.h"

namespace proeftuin::views {

// The levels of every programme and experiment as of one position of the log.
struct Levels {
  uint64_t position = 0;  // of the view they were read from
  app::StoredLevels stored;
};

class LevelsCache {
 public:
  // `newest_change`: the position of the store's newest level change (the store's
  // DeciderStateCaches::level_change, set before that event is committed). Null: the levels
  // are read again after every commit.
  LevelsCache(eventstore::EventStore* store, const std::atomic<uint64_t>* newest_change);

  // The levels now, for judging an event at `position`: those read last, unless a level change
  // came after them and the log (or the event, which a read of the log may return before its
  // group is counted as committed) has passed them; then read again. The store's status when
  // they cannot be read (UNAVAILABLE while it reopens).
  absl::StatusOr<std::shared_ptr<const Levels>> Current(uint64_t position);
  // True when `levels` are still the levels now for an event at `position` (two atomic loads,
  // no lock): Current would return them.
  bool Fresh(const Levels& levels, uint64_t position) const;

 private:
  eventstore::EventStore* const store_;
  const std::atomic<uint64_t>* const newest_change_;
  absl::Mutex mu_;
  std::shared_ptr<const Levels> levels_ ABSL_GUARDED_BY(mu_);
};

class EventVisibility {
 public:
  EventVisibility(LevelsCache* cache, v1::Confidentiality clearance)
      : cache_(cache), clearance_(clearance) {}

  // True when the event with this header and payload may go out whole. An error only when the
  // levels cannot be read (LevelsCache::Current).
  absl::StatusOr<bool> Whole(const v1::EventHeader& header, std::string_view payload);

 private:
  LevelsCache* const cache_;
  const v1::Confidentiality clearance_;
  std::shared_ptr<const Levels> levels_;  // the cache's, kept while fresh (no lock per event)
};

}  // namespace proeftuin::views
