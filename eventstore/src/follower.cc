#include "src/follower.h"

#include <pthread.h>

#include <algorithm>

#include "eventstore/record.h"
#include "src/projections.h"
#include "src/reader.h"

namespace proeftuin::eventstore {
namespace {
constexpr size_t kStep = 1024;
// Once a new event arrives, how long the follower lets more arrive before it steps: each step is
// a RocksDB write of its own (WAL and memtable), and one step per commit group cost ~9 % of the
// server's CPU at 1,000 small groups a second. Bounds the extra lag of an async projection. A
// step reads at most kStep events; more wait for the next step, which follows at once.
constexpr absl::Duration kGather = absl::Milliseconds(10);
}

void AsyncFollower::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "pt-follower");
    QuietPerfCounters();
    Loop();
  });
}

void AsyncFollower::Stop() {
  {
    // Under mu_: a Rebuild either saw stop_ and returned, or is waiting and is answered below.
    absl::MutexLock l(&mu_);
    stop_.store(true);
  }
  wake_.store(true);
  core_->feed.Poke();
  if (thread_.joinable()) thread_.join();
  absl::MutexLock l(&mu_);
  if (rebuild_ != nullptr) {  // asked for after the loop's last look
    rebuild_ = nullptr;
    rebuild_status_ = absl::UnavailableError("the store is shutting down");
    rebuild_done_ = true;
  }
}

absl::Status AsyncFollower::Rebuild(const RebuildProgress& progress) {
  absl::MutexLock turn(&rebuild_turn_);
  absl::MutexLock l(&mu_);
  if (stop_.load() || core_->rebuilds_stopped.load()) {
    return absl::UnavailableError("the store is shutting down");
  }
  rebuild_ = &progress;
  rebuild_done_ = false;
  wake_.store(true);  // after rebuild_: the loop clears the flag before it looks at rebuild_
  core_->feed.Poke();
  mu_.Await(absl::Condition(&rebuild_done_));
  return rebuild_status_;
}

void AsyncFollower::Loop() {
  while (!stop_.load()) {
    wake_.store(false);
    // Stop stores stop_ before wake_: a Stop whose wake_ this just cleared is seen here, instead
    // of leaving the wait for the feed below to run its full 250 ms.
    if (stop_.load()) break;
    const RebuildProgress* rebuild = nullptr;
    {
      absl::MutexLock l(&mu_);
      rebuild = rebuild_;
    }
    uint64_t committed = core_->committed_position.load();
    if (rebuild != nullptr) {
      absl::Status s;
      if (auto db = core_->AcquireDb(); db.ok()) {
        s = RebuildProjection(**db, *slot_, committed, *rebuild, &core_->rebuilds_stopped);
      } else {
        s = db.status();
      }
      absl::MutexLock l(&mu_);
      rebuild_ = nullptr;
      rebuild_status_ = s;
      rebuild_done_ = true;
      continue;
    }
    uint64_t applied;
    {
      absl::MutexLock l(&slot_->mu);
      applied = slot_->applied;
    }
    if (applied < committed) {
      // A failure (store reopening) is retried on the next round.
      if (!Step(committed).ok()) absl::SleepFor(absl::Milliseconds(100));
      continue;
    }
    if (core_->feed.WaitFor(applied + 1, absl::Now() + absl::Milliseconds(250), &wake_)) {
      // Gather for kGather, woken early only by Stop or Rebuild (both change stop_ or wake_
      // under mu_). Not on the feed: the feed wakes its waiters at every commit, so waiting
      // there for kStep events woke this thread at every commit group only to wait again
      // (a futex wake and two context switches per group, paid by the writer too).
      auto woken = +[](AsyncFollower* f) { return f->wake_.load() || f->stop_.load(); };
      absl::MutexLock l(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(woken, this), kGather);
    }
  }
}

absl::Status AsyncFollower::Step(uint64_t committed) {
  auto db = core_->AcquireDb();
  if (!db.ok()) return db.status();
  std::string cf_name;
  uint64_t applied;
  {
    absl::MutexLock l(&slot_->mu);
    cf_name = slot_->cf_name;
    applied = slot_->applied;
  }
  rocksdb::ColumnFamilyHandle* cf = (*db)->Family(cf_name);
  if (cf == nullptr) return absl::InternalError("projection " + slot_->name + " has no rows");
  // The events the writer published are the log's own, decoded: taken from the live feed when
  // it still holds them from applied + 1 on and none of them has personal data (a projector
  // never sees it, and the feed's events carry it), else read from the log.
  std::vector<EventPtr> live;
  bool from_feed = core_->feed.Get(applied + 1, kStep, &live) == LiveFeed::Fetch::kOk;
  while (!live.empty() && live.back()->position() > committed) live.pop_back();
  from_feed = from_feed && !live.empty() &&
              std::none_of(live.begin(), live.end(), [](const EventPtr& e) { return e->header.has_personal(); });
  std::vector<RecordedEvent> events;
  uint64_t next = applied + 1;
  if (from_feed) {
    next = live.back()->position() + 1;
  } else {
    live.clear();
    bool end = false;
    ScanLimits limits{kStep, kStep, committed, false};
    if (absl::Status s = ScanLog(**db, applied + 1, EventFilter{}, limits, nullptr, &events, &next, &end);
        !s.ok()) {
      return s;
    }
  }
  rocksdb::WriteBatch batch;
  std::unique_ptr<OverlayWriter> rows =
      OverlayWriter::For(*slot_->projector, db->get(), cf, &batch);
  for (const auto& e : live) slot_->projector->Apply(*e, *rows);
  for (const auto& e : events) slot_->projector->Apply(e, *rows);
  slot_->projector->Flush(*rows);
  if (!rows->status().ok()) return rows->status();
  rows->Flush();
  (from_feed ? core_->async_steps_from_feed : core_->async_steps_from_log).fetch_add(1, std::memory_order_relaxed);
  uint64_t now_applied = next - 1;
  std::string cp;
  PutBigEndian64(&cp, now_applied);
  batch.Put((*db)->meta(), CheckpointKey(cf_name), cp);
  if (auto s = FromRocks((*db)->raw()->Write(rocksdb::WriteOptions(), &batch), "projection");
      !s.ok()) {
    return s;
  }
  absl::MutexLock l(&slot_->mu);
  if (slot_->cf_name == cf_name) slot_->applied = now_applied;
  return absl::OkStatus();
}

}  // namespace proeftuin::eventstore
