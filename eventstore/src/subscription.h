// LogSubscription: catch-up from disk, one CaughtUp, then live events from the LiveFeed, with
// a fall-back to disk whenever the consumer is behind what the feed still holds (bounded
// memory). Private to the eventstore module.
//
// Thread-safety: Next() from one thread at a time; Cancel() from any thread.
#pragma once

#include <atomic>
#include <deque>
#include <memory>

#include "eventstore/event_store.h"
#include "src/core.h"

namespace proeftuin::eventstore {

class LogSubscription : public Subscription {
 public:
  LogSubscription(std::shared_ptr<StoreCore> core, SubscribeOptions options);
  ~LogSubscription() override;
  absl::StatusOr<SubscriptionMessage> Next(absl::Time deadline) override;
  void Cancel() override;

 private:
  absl::Status Fill(uint64_t committed);
  SubscriptionMessage Mark(SubscriptionMessage::Kind kind);

  std::shared_ptr<StoreCore> core_;
  SubscribeOptions options_;
  std::atomic<bool> cancelled_{false};
  std::deque<EventPtr> buffer_;
  uint64_t next_;               // next position to look at
  uint64_t last_reported_ = 0;  // position of the last message handed out
  absl::Time last_message_time_;
  bool caught_up_sent_ = false;
};

}  // namespace proeftuin::eventstore
