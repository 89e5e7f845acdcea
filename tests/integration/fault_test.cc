// Durability under faults, through the fault-injecting rocksdb::FileSystem: a simulated power
// cut loses nothing acknowledged and invents nothing; ENOSPC and EIO fail appends with
// RESOURCE_EXHAUSTED / UNAVAILABLE, reads keep working, and the store recovers when the fault
// clears.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "integration/store_fixture.h"
#include "testing/fault_fs.h"

namespace proeftuin::eventstore::testing {
namespace {

RocksStoreOptions WithEnv(FaultEnv& fe) {
  RocksStoreOptions o;
  o.env = fe.env.get();
  return o;
}

void ExpectChainValid(EventStore& store, uint64_t expected_events) {
  auto v = store.Verify(1, 0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->events_checked, expected_events);
}

// Appends OneEvent(id, "s") every 50 ms until it succeeds (the store recovers in the background
// once a fault clears), for at most `attempts` tries; the last outcome.
absl::StatusOr<AppendResult> AppendOnceRecovered(EventStore& store, const std::string& id,
                                                 int attempts = 100) {
  absl::StatusOr<AppendResult> ok = absl::UnknownError("not tried");
  for (int i = 0; i < attempts && !ok.ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    ok = store.Append(OneEvent(id, "s"));
  }
  return ok;
}

TEST(PowerCut, NoAcknowledgedEventIsLostAndNoneIsInvented) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    TempDir dir;
    FaultEnv fe;
    auto store = OpenStore(dir.path(), WithEnv(fe));
    std::mutex mu;
    std::map<std::string, std::pair<uint64_t, uint64_t>> acked;  // request id -> positions
    std::set<std::string> attempted;
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int t = 0; t < 6; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0; !stop.load(); ++i) {
          std::string id = "w" + std::to_string(t) + "-" + std::to_string(i);
          {
            std::lock_guard<std::mutex> l(mu);
            attempted.insert(id);
          }
          auto r = store->Append(OneStream(id, "s-" + std::to_string(t), ExpectedVersion::Any(),
                                           {Event(id + "/a"), Event(id + "/b")}));
          if (r.ok()) {
            std::lock_guard<std::mutex> l(mu);
            acked[id] = {r->first_position, r->last_position};
          } else {
            EXPECT_TRUE(r.status().code() == absl::StatusCode::kUnavailable ||
                        r.status().code() == absl::StatusCode::kResourceExhausted)
                << r.status();
          }
        }
      });
    }
    absl::SleepFor(absl::Milliseconds(150 + 40 * round));
    fe.fs->PowerCut();
    absl::SleepFor(absl::Milliseconds(20));
    stop.store(true);
    for (auto& w : writers) w.join();
    EXPECT_FALSE(store->WriteHealth().ok());
    store.reset();
    ASSERT_TRUE(fe.fs->DropUnsyncedData().ok());
    fe.fs->PowerRestored();

    store = OpenStore(dir.path(), WithEnv(fe));
    ASSERT_NE(store, nullptr);
    auto all = ReadEverything(*store);
    std::map<std::string, std::vector<const RecordedEvent*>> by_request;
    for (size_t i = 0; i < all.size(); ++i) {
      ASSERT_EQ(all[i].position(), i + 1);  // gap-free
      by_request[all[i].header.request_id()].push_back(&all[i]);
    }
    for (const auto& [id, pos] : acked) {
      auto it = by_request.find(id);
      ASSERT_NE(it, by_request.end()) << "acknowledged " << id << " was lost";
      EXPECT_EQ(it->second.front()->position(), pos.first);
    }
    for (const auto& [id, events] : by_request) {
      EXPECT_TRUE(attempted.count(id)) << id << " was never appended";
      EXPECT_EQ(events.size(), 2u) << id << " is half-written";
    }
    EXPECT_GT(acked.size(), 0u);
    ExpectChainValid(*store, all.size());
    // The store writes on after the power returns, continuing the chain.
    ASSERT_TRUE(store->Append(OneEvent("after-" + std::to_string(round), "s-after")).ok());
    ExpectChainValid(*store, all.size() + 1);
  }
}

TEST(DiskFull, AppendsFailWithResourceExhaustedReadsWorkAndTheStoreRecovers) {
  TempDir dir;
  FaultEnv fe;
  auto store = OpenStore(dir.path(), WithEnv(fe));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->Append(OneEvent("a" + std::to_string(i), "s")).ok());
  auto sub = store->Subscribe(SubscribeOptions{});
  fe.fs->FailWrites(rocksdb::IOStatus::NoSpace("injected ENOSPC"));
  auto full = store->Append(OneEvent("full", "s"));
  EXPECT_EQ(full.status().code(), absl::StatusCode::kResourceExhausted) << full.status();
  EXPECT_EQ(store->WriteHealth().code(), absl::StatusCode::kResourceExhausted);
  auto again = store->Append(OneEvent("full-2", "s"));
  EXPECT_FALSE(again.ok());
  // Reads keep working.
  EXPECT_EQ(ReadEverything(*store).size(), 10u);
  EXPECT_EQ(store->GetStreamInfo("s")->version, 9u);

  fe.fs->ClearFaults();
  absl::StatusOr<AppendResult> ok = AppendOnceRecovered(*store, "after", 50);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(store->WriteHealth().ok());
  EXPECT_EQ(ok->first_position, store->LastPosition());
  auto all = ReadEverything(*store);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].position(), i + 1);
  ExpectChainValid(*store, all.size());
  // A retry of the refused request id now succeeds (nothing of it was acknowledged) or returns
  // it if the failed batch landed after all.
  EXPECT_TRUE(store->Append(OneEvent("full", "s")).ok());
  // The subscription opened before the fault sees every event, in order.
  uint64_t want = 1;
  while (want <= store->LastPosition()) {
    auto m = sub->Next(absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(m.ok()) << m.status();
    if (m->kind != SubscriptionMessage::Kind::kEvent) continue;
    ASSERT_EQ(m->position, want++);
  }
}

TEST(SyncError, EioOnFsyncFailsWithUnavailableAndTheStoreReopensItself) {
  TempDir dir;
  FaultEnv fe;
  RocksStoreOptions o = WithEnv(fe);
  auto store = OpenStore(dir.path(), o);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Append(OneEvent("a" + std::to_string(i), "s")).ok());
  fe.fs->FailSyncs(rocksdb::IOStatus::IOError("injected EIO"));
  auto r = store->Append(OneEvent("eio", "s"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_FALSE(store->WriteHealth().ok());
  EXPECT_GE(ReadEverything(*store).size(), 5u);  // reads keep working (or after the reopen)

  fe.fs->ClearFaults();
  absl::StatusOr<AppendResult> ok = AppendOnceRecovered(*store, "after-eio", 50);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(store->WriteHealth().ok());
  auto all = ReadEverything(*store);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].position(), i + 1);
  // The unacknowledged "eio" batch may have landed (the write preceded the failed sync): then
  // it is whole and its retry returns it; never is it written twice.
  auto retry = store->Append(OneEvent("eio", "s"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  int eio_events = 0;
  for (const auto& e : ReadEverything(*store)) eio_events += e.header.request_id() == "eio";
  EXPECT_EQ(eio_events, 1);
  ExpectChainValid(*store, store->LastPosition());
}

// A batch whose fsync failed may still be in the WAL (written, never synced). The reopen after
// the fault replays it and the chain continues from it; a power cut must not then drop it
// from under the acknowledged appends that follow it.
TEST(SyncError, APowerCutAfterTheReopenLosesNothingAcknowledged) {
  TempDir dir;
  FaultEnv fe;
  auto store = OpenStore(dir.path(), WithEnv(fe));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Append(OneEvent("a" + std::to_string(i), "s")).ok());
  fe.fs->FailSyncs(rocksdb::IOStatus::IOError("injected EIO"));
  EXPECT_EQ(store->Append(OneEvent("eio", "s")).status().code(), absl::StatusCode::kUnavailable);
  absl::SleepFor(absl::Milliseconds(700));  // recovery attempts while the fault persists
  EXPECT_GE(ReadEverything(*store).size(), 5u);  // reads keep working
  fe.fs->ClearFaults();
  std::map<std::string, uint64_t> acked;
  for (int i = 0; i < 100 && acked.empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    if (auto r = store->Append(OneEvent("after", "s")); r.ok()) acked["after"] = r->first_position;
  }
  ASSERT_FALSE(acked.empty());
  for (int i = 0; i < 5; ++i) {
    std::string id = "b" + std::to_string(i);
    auto r = store->Append(OneEvent(id, "s"));
    ASSERT_TRUE(r.ok()) << r.status();
    acked[id] = r->first_position;
  }
  fe.fs->PowerCut();
  store.reset();
  ASSERT_TRUE(fe.fs->DropUnsyncedData().ok());
  fe.fs->PowerRestored();

  store = OpenStore(dir.path(), WithEnv(fe));
  ASSERT_NE(store, nullptr);
  std::map<std::string, uint64_t> stored;
  auto all = ReadEverything(*store);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].position(), i + 1);
    stored[all[i].header.request_id()] = all[i].position();
  }
  for (const auto& [id, position] : acked) {
    EXPECT_EQ(stored[id], position) << "acknowledged " << id << " at " << position << " was lost";
  }
  ExpectChainValid(*store, all.size());
}

// The data directory takes the store's probe write again, but RocksDB's reopen fails (here:
// its MANIFEST cannot be synced; a nearly full disk does the same). Reads go on meanwhile.
TEST(SyncError, ReadsGoOnWhenTheReopenFailsAgain) {
  TempDir dir;
  FaultEnv fe;
  auto store = OpenStore(dir.path(), WithEnv(fe));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Append(OneEvent("a" + std::to_string(i), "s")).ok());
  fe.fs->FailSyncs(rocksdb::IOStatus::IOError("injected EIO"));
  EXPECT_EQ(store->Append(OneEvent("eio", "s")).status().code(), absl::StatusCode::kUnavailable);
  fe.fs->FailSyncs(rocksdb::IOStatus::IOError("injected EIO"), "MANIFEST");
  absl::SleepFor(absl::Milliseconds(700));  // reopen attempts
  EXPECT_NE(std::string(store->WriteHealth().message()).find("could not be reopened"), std::string::npos)
      << store->WriteHealth();
  EXPECT_GE(ReadEverything(*store).size(), 5u);
  {  // a read view on the read-only fallback sees the log (a snapshot there would see nothing)
    auto view = store->OpenReadView();
    ASSERT_TRUE(view.ok()) << view.status();
    EXPECT_GE((*view)->position(), 5u);
  }
  auto info = store->GetStreamInfo("s");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_GE(info->version, 4u);

  fe.fs->ClearFaults();
  absl::StatusOr<AppendResult> ok = AppendOnceRecovered(*store, "after");
  ASSERT_TRUE(ok.ok()) << ok.status();
  auto all = ReadEverything(*store);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].position(), i + 1);
  ExpectChainValid(*store, all.size());
}

// Twelve writers, each on its own stream with the exact version it expects, while fsync fails
// for a while and the store reopens itself: afterwards positions are gap-free, every stream's
// versions run 0, 1, 2, ... with each request once (a group that failed may have landed, and
// is then read back, never written again), every acknowledged append is where it was
// acknowledged, and the chain verifies.
TEST(SyncError, ConcurrentWritersKeepPositionsVersionsAndTheChainWhole) {
  TempDir dir;
  FaultEnv fe;
  auto store = OpenStore(dir.path(), WithEnv(fe));
  std::mutex mu;
  std::map<std::string, uint64_t> acked;  // request id -> position
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 12; ++t) {
    writers.emplace_back([&, t] {
      const std::string stream = "s-" + std::to_string(t);
      for (int i = 0; !stop.load(); ++i) {
        auto info = store->GetStreamInfo(stream);
        ExpectedVersion expected = ExpectedVersion::NoStream();
        if (info.ok()) expected = ExpectedVersion::Exact(info->version);  // else NOT_FOUND
        std::string id = "w" + std::to_string(t) + "-" + std::to_string(i);
        auto r = store->Append(OneEvent(id, stream, expected));
        if (r.ok()) {
          std::lock_guard<std::mutex> l(mu);
          acked[id] = r->first_position;
        } else {
          failures.fetch_add(1);
          EXPECT_TRUE(r.status().code() == absl::StatusCode::kUnavailable ||
                      r.status().code() == absl::StatusCode::kAborted)
              << r.status();
          absl::SleepFor(absl::Milliseconds(5));
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(300));
  fe.fs->FailSyncs(rocksdb::IOStatus::IOError("injected EIO"));
  absl::SleepFor(absl::Milliseconds(300));
  fe.fs->ClearFaults();
  // The store reopens itself (slower under the sanitizers); the writers go on after that.
  for (int i = 0; i < 300 && !store->WriteHealth().ok(); ++i) absl::SleepFor(absl::Milliseconds(50));
  const int failed_before = failures.load();
  size_t acked_before;
  {
    std::lock_guard<std::mutex> l(mu);
    acked_before = acked.size();
  }
  absl::SleepFor(absl::Milliseconds(300));
  stop.store(true);
  for (auto& w : writers) w.join();
  EXPECT_GT(failed_before, 0);
  ASSERT_TRUE(store->WriteHealth().ok()) << store->WriteHealth();
  EXPECT_GT(acked.size(), acked_before) << "nothing was written after the recovery";

  auto all = ReadEverything(*store);
  std::map<std::string, uint64_t> next_version;
  std::set<std::string> seen;
  for (size_t i = 0; i < all.size(); ++i) {
    const RecordedEvent& e = all[i];
    ASSERT_EQ(e.position(), i + 1);
    EXPECT_EQ(e.header.stream_version(), next_version[e.header.stream()]++)
        << "stream " << e.header.stream() << " at position " << e.position();
    EXPECT_TRUE(seen.insert(e.header.request_id()).second) << e.header.request_id() << " twice";
  }
  for (const auto& [id, position] : acked) {
    ASSERT_LE(position, all.size()) << "acknowledged " << id << " was lost";
    EXPECT_EQ(all[position - 1].header.request_id(), id);
  }
  // A read view after the recovery takes its position from the writer's sequence lock again
  // (core.h, write_seq): it must be the newest event.
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ((*view)->position(), all.size());
  ExpectChainValid(*store, all.size());
}

// A read view opened while a batch waits for its fsync is at the last committed position, found
// by one point lookup (core.h, inflight_position); after a failed write no batch is in flight,
// and views seek to the newest record until the store has reopened itself.
TEST(SyncError, ReadViewsDuringAHeldAndAFailedWriteAreAtTheCommittedPosition) {
  TempDir dir;
  FaultEnv fe;
  auto store = OpenStore(dir.path(), WithEnv(fe));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->Append(OneEvent("a" + std::to_string(i), "s")).ok());
  auto position = [&] {
    auto view = store->OpenReadView();
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? (*view)->position() : 0;
  };

  fe.fs->HoldWalSyncs();
  std::thread held([&] { EXPECT_TRUE(store->Append(OneEvent("held", "s")).ok()); });
  ASSERT_TRUE(fe.fs->AwaitHeldWalSync(absl::Seconds(30)));
  const StoreStats before = store->Stats();
  EXPECT_EQ(position(), 3u);
  EXPECT_EQ(position(), 3u);
  const StoreStats during = store->Stats();
  EXPECT_EQ(during.read_views_during_write, before.read_views_during_write + 2);
  EXPECT_EQ(during.read_views_seeked, before.read_views_seeked);
  fe.fs->ReleaseWalSyncs();
  held.join();
  EXPECT_EQ(position(), 4u);

  // Writes fail too, so that the store cannot reopen itself for writing meanwhile.
  fe.fs->FailWrites(rocksdb::IOStatus::IOError("injected EIO"));
  fe.fs->FailSyncs(rocksdb::IOStatus::IOError("injected EIO"));
  EXPECT_FALSE(store->Append(OneEvent("failed", "s")).ok());
  const StoreStats failed = store->Stats();
  EXPECT_EQ(position(), 4u);
  EXPECT_EQ(store->Stats().read_views_during_write, failed.read_views_during_write);
  EXPECT_EQ(store->Stats().read_views_seeked, failed.read_views_seeked + 1);
  fe.fs->ClearFaults();
  for (int i = 0; i < 300 && !store->WriteHealth().ok(); ++i) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_TRUE(store->WriteHealth().ok()) << store->WriteHealth();
  auto all = ReadEverything(*store);
  EXPECT_EQ(position(), all.size());
}

// Appends that the writer takes as one commit group, whose write can be made to fail: a first
// append holds the writer in its fsync while they queue behind it, and the store's clock, read
// as the next group starts, then fails every sync (EIO) when asked to.
class OneGroup : public ::testing::Test {
 protected:
  void SetUp() override {
    RocksStoreOptions o = WithEnv(fe_);
    o.clock_us = [this] {
      if (fail_next_group_.exchange(false)) {
        fe_.fs->FailSyncs(rocksdb::IOStatus::IOError("injected EIO"));
      }
      return absl::ToUnixMicros(absl::Now());
    };
    store_ = OpenStore(dir_.path(), o);
    ASSERT_NE(store_, nullptr);
  }

  // The answers to `requests`, in order, appended as one group; with `fail` its fsync fails.
  std::vector<absl::StatusOr<AppendResult>> AppendAsOneGroup(std::vector<AppendRequest> requests,
                                                             bool fail) {
    const size_t n = requests.size();
    std::vector<absl::StatusOr<AppendResult>> results(n + 1, absl::UnknownError("unanswered"));
    std::atomic<size_t> answered{0};
    auto answer = [&](size_t i) {
      return [&, i](absl::StatusOr<AppendResult> r) {
        results[i] = std::move(r);
        answered.fetch_add(1);
      };
    };
    fe_.fs->HoldWalSyncs();
    store_->AppendAsync(OneEvent("holder-" + std::to_string(holders_++), "holder"), answer(n));
    EXPECT_TRUE(fe_.fs->AwaitHeldWalSync(absl::Seconds(30)));
    // AppendAsync queues before it returns: all of them wait for the writer's next group.
    for (size_t i = 0; i < n; ++i) store_->AppendAsync(std::move(requests[i]), answer(i));
    fail_next_group_.store(fail);
    fe_.fs->ReleaseWalSyncs();
    while (answered.load() < n + 1) absl::SleepFor(absl::Milliseconds(1));
    EXPECT_TRUE(results[n].ok()) << results[n].status();
    results.pop_back();
    return results;
  }

  TempDir dir_;
  FaultEnv fe_;
  std::atomic<bool> fail_next_group_{false};
  int holders_ = 0;
  std::unique_ptr<RocksStore> store_;
};

// A duplicate within a group gets the whole answer of the append it repeats, not what is left
// of it after the original's answer was handed over.
TEST_F(OneGroup, DuplicatesInOneGroupGetTheWholeAnswer) {
  AppendRequest r = OneStream("twice", "s", ExpectedVersion::Any(), {Event("a"), Event("b")});
  r.appends.push_back({"t", ExpectedVersion::Any(), {Event("c")}});
  auto results = AppendAsOneGroup({r, r, r}, /*fail=*/false);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_FALSE(results[0]->duplicate);
  ASSERT_EQ(results[0]->stream_versions.size(), 2u);
  for (size_t i = 1; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    EXPECT_TRUE(results[i]->duplicate);
    EXPECT_EQ(results[i]->first_position, results[0]->first_position);
    EXPECT_EQ(results[i]->last_position, results[0]->last_position);
    EXPECT_EQ(results[i]->committed_at_us, results[0]->committed_at_us);
    ASSERT_EQ(results[i]->stream_versions.size(), 2u);
    for (size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(results[i]->stream_versions[k].SerializeAsString(),
                results[0]->stream_versions[k].SerializeAsString());
    }
  }
}

// A failed write fails every append of its group with the write's error: a duplicate gets it
// too (not a status read after it was moved away).
TEST_F(OneGroup, DuplicatesInAFailedGroupGetTheWritesError) {
  auto results = AppendAsOneGroup({OneEvent("once", "s"), OneEvent("once", "s")}, /*fail=*/true);
  for (const auto& r : results) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  }
}

// Answers computed against the group's own unwritten appends do not stand when its write fails:
// B's conflict is with A, which was never acknowledged (and, while the fault lasts, is not in
// the store), so B gets the write's error too, never ABORTED for a version that does not exist.
TEST_F(OneGroup, AFailedWriteFailsEveryAppendOfItsGroup) {
  AppendRequest other = OneEvent("c", "s");
  other.fingerprint = "another command";
  auto results =
      AppendAsOneGroup({OneEvent("a", "s", ExpectedVersion::NoStream()),
                        OneEvent("b", "s", ExpectedVersion::NoStream()), OneEvent("c", "u"), other,
                        OneEvent("a", "s", ExpectedVersion::NoStream())},
                       /*fail=*/true);
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].status().code(), absl::StatusCode::kUnavailable)
        << "append " << i << ": " << results[i].status();
  }
  EXPECT_EQ(store_->GetStreamInfo("s").status().code(), absl::StatusCode::kNotFound);
  fe_.fs->ClearFaults();
  ASSERT_TRUE(AppendOnceRecovered(*store_, "after").ok());
  auto all = ReadEverything(*store_);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].position(), i + 1);
  ExpectChainValid(*store_, all.size());
}

TEST(SyncError, StoreStaysUpWhileTheFaultPersistsAndRefusesQuickly) {
  TempDir dir;
  FaultEnv fe;
  auto store = OpenStore(dir.path(), WithEnv(fe));
  ASSERT_TRUE(store->Append(OneEvent("a", "s")).ok());
  fe.fs->FailSyncs(rocksdb::IOStatus::IOError("injected EIO"));
  fe.fs->FailWrites(rocksdb::IOStatus::IOError("injected EIO"));
  for (int i = 0; i < 5; ++i) {
    absl::Time start = absl::Now();
    auto r = store->Append(OneEvent("x" + std::to_string(i), "s"));
    EXPECT_FALSE(r.ok());
    EXPECT_LT(absl::Now() - start, absl::Seconds(15));
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_FALSE(store->WriteHealth().ok());
  fe.fs->ClearFaults();
  absl::StatusOr<AppendResult> ok = AppendOnceRecovered(*store, "back");
  ASSERT_TRUE(ok.ok()) << ok.status();
  ExpectChainValid(*store, store->LastPosition());
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
