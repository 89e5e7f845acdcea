// StoreCore: the state the parts of the RocksDB store share (writer, readers, subscriptions,
// projections). Private to the eventstore module.
//
// Thread-safety: the Db pointer is guarded by db_mu; counters are atomics; ProjectionSlot has
// its own lock for the column family it serves from.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "eventstore/rocks_store.h"
#include "src/db.h"
#include "src/live_feed.h"

namespace proeftuin::eventstore {

// One registered projector and the column family that currently serves it.
struct ProjectionSlot {
  std::shared_ptr<Projector> projector;
  std::string name;
  bool is_inline = true;
  mutable absl::Mutex mu;
  std::string cf_name ABSL_GUARDED_BY(mu);  // "proj/<name>/<generation>"
  uint64_t applied ABSL_GUARDED_BY(mu) = 0;  // async: last position applied (its checkpoint)
  // Counts the changes of cf_name after open (rebuilds swapped in), changed with it under mu
  // and read without it: a read view checks that none happened while it took its snapshot.
  std::atomic<uint64_t> swaps{0};

  std::string CurrentFamily() const {
    absl::MutexLock l(&mu);
    return cf_name;
  }
};

struct StoreCore {
  explicit StoreCore(RocksStoreOptions o)
      : options(std::move(o)), feed(options.live_feed_events) {}

  // Set by StopRebuilds and Close: a rebuild in progress stops at its next chunk (failing with
  // UNAVAILABLE; the current generation keeps serving) and no new one starts.
  std::atomic<bool> rebuilds_stopped{false};

  // The open database. While the writer reopens it (after a fatal write error) callers wait
  // up to five seconds; UNAVAILABLE when the store is closed or could not be reopened, not even
  // read-only (a failed reopen for writing serves reads from a read-only instance).
  absl::StatusOr<std::shared_ptr<Db>> AcquireDb() const {
    absl::MutexLock l(&db_mu);
    auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu) { return !reopening; };
    db_mu.AwaitWithTimeout(absl::Condition(&settled), absl::Seconds(5));
    if (db == nullptr) return absl::UnavailableError("the store is closed or reopening");
    return db;
  }

  // True when `d` is the instance appends go to (not one replaced by a reopen).
  bool IsCurrent(const Db* d) const {
    absl::MutexLock l(&db_mu);
    return db.get() == d;
  }

  absl::Status Health() const {
    absl::MutexLock l(&health_mu);
    return health;
  }
  void SetHealth(absl::Status s) {
    absl::MutexLock l(&health_mu);
    health = std::move(s);
  }

  ProjectionSlot* FindSlot(std::string_view name) const {
    for (const auto& s : slots) {
      if (s->name == name) return s.get();
    }
    return nullptr;
  }

  int64_t Now() const { return options.clock_us(); }

  const RocksStoreOptions options;
  mutable absl::Mutex db_mu;
  std::shared_ptr<Db> db ABSL_GUARDED_BY(db_mu);
  bool reopening ABSL_GUARDED_BY(db_mu) = false;
  LiveFeed feed;
  std::vector<std::unique_ptr<ProjectionSlot>> slots;  // fixed after open

  std::atomic<uint64_t> committed_position{0};
  // A sequence lock over the events family, so that a read view learns its position without
  // seeking to the newest record. Even: no write in flight, and `committed_position` is the
  // newest event in the database. Odd: the writer has a batch in flight, or a write failed and
  // the position is not reloaded yet, or no writer runs (read-only, or not started): readers
  // then seek to the newest record themselves.
  std::atomic<uint64_t> write_seq{1};
  // The newest position of the batch in flight, stored before `write_seq` turns odd for it. A
  // batch is one atomic RocksDB write, so a snapshot taken while it is in flight holds all of
  // it or none: a reader that finds this position's record in its snapshot is at it, and one
  // that does not is at `committed_position` (one point lookup instead of a seek to the end).
  // 0 after a failed write, until the store is reloaded.
  std::atomic<uint64_t> inflight_position{0};
  std::atomic<uint64_t> appends{0}, events_appended{0}, groups{0};
  std::atomic<uint64_t> live_subscriptions{0};
  std::atomic<uint64_t> read_views_during_write{0}, read_views_seeked{0};  // StoreStats
  std::atomic<uint64_t> answers_picked_up_awake{0};                          // StoreStats
  std::atomic<uint64_t> appends_picked_up_awake{0};                          // StoreStats
  std::atomic<uint64_t> writer_spins_given_up{0};                            // StoreStats
  std::atomic<uint64_t> async_steps_from_feed{0}, async_steps_from_log{0};   // StoreStats

  mutable absl::Mutex health_mu;
  absl::Status health ABSL_GUARDED_BY(health_mu);
};

}  // namespace proeftuin::eventstore
