#include "src/subscription.h"

#include <algorithm>

#include "src/reader.h"

namespace proeftuin::eventstore {
namespace {
constexpr size_t kBatch = 512;
}

LogSubscription::LogSubscription(std::shared_ptr<StoreCore> core, SubscribeOptions options)
    : core_(std::move(core)),
      options_(std::move(options)),
      next_(std::max<uint64_t>(options_.from_position, 1)),
      last_reported_(next_ - 1),
      last_message_time_(absl::Now()) {
  core_->live_subscriptions.fetch_add(1);
}

LogSubscription::~LogSubscription() { core_->live_subscriptions.fetch_sub(1); }

void LogSubscription::Cancel() {
  cancelled_.store(true);
  core_->feed.Poke();
}

SubscriptionMessage LogSubscription::Mark(SubscriptionMessage::Kind kind) {
  SubscriptionMessage m;
  m.kind = kind;
  m.position = next_ - 1;
  last_reported_ = m.position;
  last_message_time_ = absl::Now();
  return m;
}

absl::Status LogSubscription::Fill(uint64_t committed) {
  std::vector<EventPtr> live;
  if (core_->feed.Get(next_, kBatch, &live) == LiveFeed::Fetch::kOk) {
    for (auto& e : live) {
      next_ = e->position() + 1;
      if (options_.filter.Matches(e->header)) buffer_.push_back(std::move(e));
    }
  } else {
    auto db = core_->AcquireDb();
    if (!db.ok()) return db.status();
    std::vector<RecordedEvent> events;
    ScanLimits limits{kBatch, kBatch * 8, committed, true};
    bool end = false;
    uint64_t next = next_;
    if (absl::Status s = ScanLog(**db, next_, options_.filter, limits, nullptr, &events, &next, &end);
        !s.ok()) {
      return s;
    }
    next_ = std::max(next_, std::min(next, committed + 1));
    for (auto& e : events) buffer_.push_back(std::make_shared<RecordedEvent>(std::move(e)));
  }
  return absl::OkStatus();
}

absl::StatusOr<SubscriptionMessage> LogSubscription::Next(absl::Time deadline) {
  for (;;) {
    if (cancelled_.load()) return absl::CancelledError("subscription cancelled");
    if (!buffer_.empty()) {
      SubscriptionMessage m;
      m.event = std::move(buffer_.front());
      buffer_.pop_front();
      m.position = m.event->position();
      last_reported_ = m.position;
      last_message_time_ = absl::Now();
      return m;
    }
    // Positions passed over without a message since the last one (the filter skipped them).
    bool moved = next_ - 1 > last_reported_;
    if (moved && next_ - 1 - last_reported_ >= options_.checkpoint_every_events) {
      return Mark(SubscriptionMessage::Kind::kCheckpoint);
    }
    uint64_t committed = core_->committed_position.load();
    if (next_ <= committed) {
      if (absl::Status s = Fill(committed); !s.ok()) return s;
      continue;
    }
    if (!caught_up_sent_) {
      caught_up_sent_ = true;
      return Mark(SubscriptionMessage::Kind::kCaughtUp);
    }
    absl::Time checkpoint_at = last_message_time_ + options_.checkpoint_interval;
    if (moved && absl::Now() >= checkpoint_at) return Mark(SubscriptionMessage::Kind::kCheckpoint);
    if (core_->feed.closed()) return absl::UnavailableError("the store closed");
    absl::Time until = moved ? std::min(deadline, checkpoint_at) : deadline;
    if (until <= absl::Now()) {
      // A poll (deadline passed): nothing to wait for, and the committed position above is as
      // new as the feed's head (the writer stores it before publishing).
      if (core_->committed_position.load() >= next_) continue;
      // Without a message: a status with one is a heap allocation, and a fan-out polls every
      // live subscription after every commit.
      if (absl::Now() >= deadline) return absl::Status(absl::StatusCode::kDeadlineExceeded, "");
      continue;  // the checkpoint time came: report it
    }
    if (!core_->feed.WaitFor(next_, until, &cancelled_) && !cancelled_.load() &&
        absl::Now() >= deadline && core_->committed_position.load() < next_) {
      return absl::DeadlineExceededError("no event before the deadline");
    }
  }
}

}  // namespace proeftuin::eventstore
