// LiveFeed: the most recent committed events, in memory, for live subscriptions. The writer
// publishes each committed group; subscribers read by position and fall back to disk when they
// ask for something older than the feed still holds (a slow consumer never grows memory).
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"

namespace proeftuin::eventstore {

class LiveFeed {
 public:
  explicit LiveFeed(size_t capacity) : capacity_(capacity) {}

  // Appends committed events (consecutive positions, in order) and wakes waiters.
  void Publish(const std::vector<EventPtr>& events);

  enum class Fetch { kOk, kTooOld, kNotYet };
  // Copies up to `max` events from position `from` into `out`.
  Fetch Get(uint64_t from, size_t max, std::vector<EventPtr>* out) const;

  // Waits until an event at `position` was published, `*cancelled` turns true (after Poke()),
  // the feed closes, or `deadline`. True when the event is there.
  bool WaitFor(uint64_t position, absl::Time deadline, const std::atomic<bool>* cancelled) const;

  // Moves the head to `head` without events (after a recovery found a batch that landed):
  // subscribers read those from disk.
  void Reset(uint64_t head);
  // Makes waiters re-check their cancel flags.
  void Poke();
  void Close();
  bool closed() const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  // Signalled on every change waiters look at. A condition variable, not absl::Condition: with a
  // Condition every unlock of mu_ (each subscriber's Get) evaluated every waiter's condition.
  mutable absl::CondVar changed_;
  std::deque<EventPtr> recent_ ABSL_GUARDED_BY(mu_);
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;  // last published position
  std::atomic<bool> closed_{false};  // written under mu_; read without it by closed()
};

}  // namespace proeftuin::eventstore
