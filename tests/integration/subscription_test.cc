// Subscriptions: catch-up from disk, CaughtUp, live delivery with no gap or duplicate across
// the switch, filters, checkpoints, slow consumers, cancellation.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "integration/store_fixture.h"

namespace proeftuin::eventstore::testing {
namespace {

using MessageKind = SubscriptionMessage::Kind;

void AppendMany(EventStore& store, const std::string& prefix, int n, const std::string& stream) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(store.Append(OneEvent(prefix + std::to_string(i), stream)).ok());
  }
}

TEST(Subscription, CatchesUpThenGoesLiveWithNoGapOrDuplicate) {
  TempDir dir;
  RocksStoreOptions o;
  o.live_feed_events = 64;  // small: the writer outruns it, forcing disk fall-backs too
  auto store = OpenStore(dir.path(), o);
  AppendMany(*store, "old-", 500, "s");
  auto sub = store->Subscribe(SubscribeOptions{});
  std::thread writer([&] { AppendMany(*store, "new-", 1500, "s"); });
  std::vector<uint64_t> seen;
  int caught_up = 0;
  size_t caught_up_after = 0;
  while (seen.size() < 2000) {
    auto m = sub->Next(absl::Now() + absl::Seconds(10));
    ASSERT_TRUE(m.ok()) << m.status();
    if (m->kind == MessageKind::kCaughtUp) {
      ++caught_up;
      caught_up_after = seen.size();
    } else if (m->kind == MessageKind::kEvent) {
      seen.push_back(m->event->position());
    }
  }
  writer.join();
  EXPECT_EQ(caught_up, 1);
  EXPECT_GE(caught_up_after, 500u);
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i + 1);
}

TEST(Subscription, FiltersByStreamPrefixAndTypeAndSendsCheckpoints) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  for (int i = 0; i < 300; ++i) {
    // Only the first 30 positions hold programme events; 270 filtered ones follow.
    std::string stream = i % 3 == 0 && i < 30 ? "programme-x" : "experiment-x.y";
    ASSERT_TRUE(store->Append(OneStream("f" + std::to_string(i), stream, ExpectedVersion::Any(),
                                        {Event("p", i % 2 ? "t.Odd" : "t.Even")}))
                    .ok());
  }
  SubscribeOptions so;
  so.filter.stream_prefix = "programme-";
  so.filter.types = {"t.Even"};
  so.checkpoint_every_events = 50;
  auto sub = store->Subscribe(so);
  int events = 0, checkpoints = 0;
  for (;;) {
    auto m = sub->Next(absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(m.ok()) << m.status();
    if (m->kind == MessageKind::kCaughtUp) {
      EXPECT_EQ(m->position, 300u);
      break;
    }
    if (m->kind == MessageKind::kCheckpoint) {
      ++checkpoints;
      continue;
    }
    EXPECT_EQ(m->event->header.stream(), "programme-x");
    EXPECT_EQ(m->event->header.type(), "t.Even");
    ++events;
  }
  EXPECT_EQ(events, 5);  // i % 6 == 0 and i < 30
  EXPECT_GT(checkpoints, 0);
}

TEST(Subscription, IdleSubscriberGetsCheckpointWhenOnlyFilteredEventsArrive) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  SubscribeOptions so;
  so.filter.stream_prefix = "wanted-";
  so.checkpoint_interval = absl::Milliseconds(100);
  auto sub = store->Subscribe(so);
  auto first = sub->Next(absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->kind, MessageKind::kCaughtUp);
  AppendMany(*store, "other-", 5, "other");
  auto m = sub->Next(absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->kind, MessageKind::kCheckpoint);
  EXPECT_EQ(m->position, 5u);
}

TEST(Subscription, NextTimesOutAndCancelWakesIt) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto sub = store->Subscribe(SubscribeOptions{});
  ASSERT_EQ(sub->Next(absl::Now() + absl::Seconds(1))->kind, MessageKind::kCaughtUp);
  EXPECT_EQ(sub->Next(absl::Now() + absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(50));
    sub->Cancel();
  });
  absl::Time start = absl::Now();
  auto m = sub->Next(absl::Now() + absl::Seconds(30));
  canceller.join();
  EXPECT_EQ(m.status().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(Subscription, SlowConsumerFallsBackToDiskAndMissesNothing) {
  TempDir dir;
  RocksStoreOptions o;
  o.live_feed_events = 16;
  auto store = OpenStore(dir.path(), o);
  auto sub = store->Subscribe(SubscribeOptions{});
  ASSERT_EQ(sub->Next(absl::Now() + absl::Seconds(1))->kind, MessageKind::kCaughtUp);
  AppendMany(*store, "burst-", 400, "s");  // far more than the feed holds
  for (uint64_t want = 1; want <= 400; ++want) {
    auto m = sub->Next(absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_EQ(m->kind, MessageKind::kEvent);
    ASSERT_EQ(m->position, want);
  }
}

TEST(Subscription, ClosingTheStoreEndsSubscriptions) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto sub = store->Subscribe(SubscribeOptions{});
  ASSERT_EQ(sub->Next(absl::Now() + absl::Seconds(1))->kind, MessageKind::kCaughtUp);
  store->Close();
  EXPECT_EQ(sub->Next(absl::Now() + absl::Seconds(5)).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
