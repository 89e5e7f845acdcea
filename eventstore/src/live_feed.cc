#include "src/live_feed.h"

namespace proeftuin::eventstore {

void LiveFeed::Publish(const std::vector<EventPtr>& events) {
  if (events.empty()) return;
  absl::MutexLock l(&mu_);
  if (!recent_.empty() && events.front()->position() != head_ + 1) recent_.clear();
  for (const auto& e : events) recent_.push_back(e);
  while (recent_.size() > capacity_) recent_.pop_front();
  head_ = events.back()->position();
  changed_.SignalAll();
}

LiveFeed::Fetch LiveFeed::Get(uint64_t from, size_t max, std::vector<EventPtr>* out) const {
  absl::MutexLock l(&mu_);
  if (from > head_) return Fetch::kNotYet;
  if (recent_.empty() || from < recent_.front()->position()) return Fetch::kTooOld;
  size_t i = from - recent_.front()->position();
  for (; i < recent_.size() && max > 0; ++i, --max) out->push_back(recent_[i]);
  return Fetch::kOk;
}

bool LiveFeed::WaitFor(uint64_t position, absl::Time deadline,
                       const std::atomic<bool>* cancelled) const {
  absl::MutexLock l(&mu_);
  // A deadline already passed must not wait: CondVar::WaitWithDeadline enqueues and sleeps in
  // the kernel even then (LogSubscription::Next no longer calls this for a poll at all).
  while (head_ < position && !closed_.load() && !cancelled->load() && absl::Now() < deadline) {
    if (changed_.WaitWithDeadline(&mu_, deadline)) break;  // timed out
  }
  return head_ >= position;
}

void LiveFeed::Reset(uint64_t head) {
  absl::MutexLock l(&mu_);
  if (head == head_) return;
  recent_.clear();
  head_ = head;
  changed_.SignalAll();
}

void LiveFeed::Poke() {
  absl::MutexLock l(&mu_);  // a waiter that saw its flag unset is waiting by now
  changed_.SignalAll();
}

void LiveFeed::Close() {
  absl::MutexLock l(&mu_);
  closed_.store(true);
  changed_.SignalAll();
}

bool LiveFeed::closed() const { return closed_.load(); }

}  // namespace proeftuin::eventstore
