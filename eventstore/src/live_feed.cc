#include "src/live_feed.h"

namespace proeftuin::eventstore {

void LiveFeed::Publish(const std::vector<EventPtr>& events) {
  if (events.empty()) return;
  absl::MutexLock l(&mu_);
  if (!recent_.empty() && events.front()->position() != head_ + 1) recent_.clear();
  for (const auto& e : events) recent_.push_back(e);
  while (recent_.size() > capacity_) recent_.pop_front();
  head_ = events.back()->position();
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
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return head_ >= position || closed_ || cancelled->load();
  };
  mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  return head_ >= position;
}

void LiveFeed::Reset(uint64_t head) {
  absl::MutexLock l(&mu_);
  if (head == head_) return;
  recent_.clear();
  head_ = head;
}

void LiveFeed::Poke() {
  absl::MutexLock l(&mu_);
  ++pokes_;  // any change under mu_ makes waiters re-evaluate their conditions
}

void LiveFeed::Close() {
  absl::MutexLock l(&mu_);
  closed_ = true;
}

bool LiveFeed::closed() const {
  absl::MutexLock l(&mu_);
  return closed_;
}

}  // namespace proeftuin::eventstore
