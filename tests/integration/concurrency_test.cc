// Concurrency: racing writers on one stream, gap-free positions, idempotency within one group
// and against requests in flight.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "integration/store_fixture.h"

namespace proeftuin::eventstore::testing {
namespace {

TEST(StoreConcurrency, SixteenThreadsRacingOnOneStreamGetOneWinnerPerVersion) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  constexpr int kThreads = 16, kRounds = 40;
  std::atomic<int> wins{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        auto info = store->GetStreamInfo("race");
        ExpectedVersion e = info.ok() ? ExpectedVersion::Exact(info->version) : ExpectedVersion::NoStream();
        auto r = store->Append(OneEvent("t" + std::to_string(t) + "-" + std::to_string(i), "race", e));
        if (r.ok()) {
          ++wins;
        } else {
          EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wins + conflicts, kThreads * kRounds);
  EXPECT_GT(conflicts.load(), 0);  // they did race
  auto events = store->ReadStream("race", Direction::kForward, 0, 100000);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), static_cast<size_t>(wins.load()));
  for (size_t v = 0; v < events->size(); ++v) {
    EXPECT_EQ((*events)[v].header.stream_version(), v);  // every version exactly once
  }
}

TEST(StoreConcurrency, PositionsStayGapFreeUnderConcurrentWriters) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  constexpr int kThreads = 8, kPerThread = 300;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> acked(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = store->Append(OneStream("g" + std::to_string(t) + "-" + std::to_string(i),
                                         "stream-" + std::to_string(t), ExpectedVersion::Any(),
                                         {Event("a"), Event("b")}));
        ASSERT_TRUE(r.ok()) << r.status();
        EXPECT_EQ(r->last_position, r->first_position + 1);
        acked[t].push_back(r->first_position);
      }
    });
  }
  for (auto& th : threads) th.join();
  auto all = ReadEverything(*store);
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread * 2));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].position(), i + 1);
  std::set<uint64_t> firsts;
  for (auto& v : acked) firsts.insert(v.begin(), v.end());
  EXPECT_EQ(firsts.size(), static_cast<size_t>(kThreads * kPerThread));
  // Group commit did group: fewer commits than appends.
  StoreStats stats = store->Stats();
  EXPECT_LT(stats.groups_committed, stats.appends);
  auto v = store->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
}

TEST(StoreConcurrency, DuplicatesInFlightAreWrittenOnce) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  for (int round = 0; round < 20; ++round) {
    std::string id = "dup-" + std::to_string(round);
    constexpr int kCopies = 16;
    std::vector<absl::StatusOr<AppendResult>> results(kCopies, absl::UnknownError("unset"));
    std::atomic<int> answered{0};
    for (int c = 0; c < kCopies; ++c) {
      // All copies are queued before the writer can take them: the same group or the next.
      store->AppendAsync(OneEvent(id, "dups"), [&, c](absl::StatusOr<AppendResult> r) {
        results[c] = std::move(r);
        ++answered;
      });
    }
    while (answered.load() < kCopies) std::this_thread::yield();
    int originals = 0;
    for (const auto& r : results) {
      ASSERT_TRUE(r.ok()) << r.status();
      // Each copy gets the whole answer, also one in the original's group.
      EXPECT_EQ(r->first_position, results[0]->first_position);
      EXPECT_EQ(r->last_position, results[0]->last_position);
      ASSERT_EQ(r->stream_versions.size(), 1u);
      EXPECT_EQ(r->stream_versions[0].stream(), "dups");
      EXPECT_EQ(r->stream_versions[0].version(), static_cast<uint64_t>(round));
      originals += !r->duplicate;
    }
    EXPECT_EQ(originals, 1);
  }
  EXPECT_EQ(store->LastPosition(), 20u);
}

TEST(StoreConcurrency, InFlightDuplicateWithOtherFingerprintIsRefused) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::vector<absl::StatusOr<AppendResult>> results(8, absl::UnknownError("unset"));
  std::atomic<int> answered{0};
  for (int c = 0; c < 8; ++c) {
    AppendRequest r = OneEvent("same-id", "s");
    r.fingerprint = "command-" + std::to_string(c % 2);
    store->AppendAsync(std::move(r), [&, c](absl::StatusOr<AppendResult> res) {
      results[c] = std::move(res);
      ++answered;
    });
  }
  while (answered.load() < 8) std::this_thread::yield();
  int ok = 0, refused = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
      ++refused;
    }
  }
  EXPECT_EQ(ok, 4);  // the copies of whichever command came first
  EXPECT_EQ(refused, 4);
  EXPECT_EQ(store->LastPosition(), 1u);
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
