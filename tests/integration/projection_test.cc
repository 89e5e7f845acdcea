// Projections: inline rows written with their events (seeing their own pending writes within a
// group, or held by the projector until the group's end), async projections with checkpoints,
// rebuild of one or all into a shadow equal to live, rebuild on a projector version change.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "eventstore/record.h"
#include "integration/store_fixture.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "src/db.h"
#include "src/projections.h"

namespace proeftuin::eventstore::testing {
namespace {

// Counts events per stream and remembers the last payload: reads its own rows, so a lost
// update within a group would show as a wrong count.
class CountingProjector : public Projector {
 public:
  CountingProjector(std::string name, uint32_t version = 1) : name_(std::move(name)), version_(version) {}
  std::string Name() const override { return name_; }
  uint32_t Version() const override { return version_; }
  void Apply(const RecordedEvent& e, ProjectionWriter& rows) override {
    ++applied;
    std::string key = "count/" + e.header.stream();
    auto v = rows.Get(key);
    rows.Put(key, std::to_string(v ? std::stoull(*v) + 1 : 1));
    rows.Put("last/" + e.header.stream(), e.payload);
    if (e.personal.has_value()) rows.Put("leak", "projectors must not see personal data");
  }
  std::atomic<int> applied{0};

 private:
  std::string name_;
  uint32_t version_;
};

// Holds its counts in memory between Apply and Flush, as the deciders' state projector holds
// parsed states: rows are written only at the end of a group or rebuild chunk. An event whose
// stream's count was lost between groups, or a Flush that is never called, shows as a wrong
// count. Its row "seen-first" counts how often this object (and the instances it made) saw
// position 1: 1 live, one more per rebuild, so it shows which generation is current. With
// `forks`, NewInstance makes another (so that a rebuild replays beside the writer).
class HoldingProjector : public Projector {
 public:
  explicit HoldingProjector(std::string name, bool forks = false)
      : name_(std::move(name)), forks_(forks), seen_first_(std::make_shared<std::atomic<int>>(0)) {}
  std::string Name() const override { return name_; }
  uint32_t Version() const override { return 1; }
  std::unique_ptr<Projector> NewInstance() const override {
    if (!forks_) return nullptr;
    auto p = std::make_unique<HoldingProjector>(name_, true);
    p->seen_first_ = seen_first_;
    ++instances;
    return p;
  }
  void Apply(const RecordedEvent& e, ProjectionWriter& rows) override {
    ++applied;
    if (e.header.position() == 1) rows.Put("seen-first", std::to_string(++*seen_first_));
    const std::string key = "count/" + e.header.stream();
    auto [it, added] = held_.try_emplace(key, 0);
    if (added) {
      auto v = rows.Get(key);
      it->second = v ? std::stoull(*v) : 0;
    }
    ++it->second;
  }
  void Flush(ProjectionWriter& rows) override {
    ++flushes;
    for (const auto& [key, count] : held_) rows.Put(key, std::to_string(count));
    held_.clear();
  }
  std::atomic<int> applied{0};
  std::atomic<int> flushes{0};
  mutable std::atomic<int> instances{0};  // made by NewInstance

 private:
  std::string name_;
  bool forks_;
  std::map<std::string, uint64_t> held_;
  std::shared_ptr<std::atomic<int>> seen_first_;
};

// Writes rows without reading them back (ReadsOwnRows false), as an index does, so its rows
// skip the overlay: a row per event, one row per stream written at every event (the last write
// must win) and one written and deleted again (it must not stay). It checks that Get still sees
// the last write in the batch.
class WrittenRowsProjector : public Projector {
 public:
  explicit WrittenRowsProjector(std::string name) : name_(std::move(name)) {}
  std::string Name() const override { return name_; }
  uint32_t Version() const override { return 1; }
  bool ReadsOwnRows() const override { return false; }
  void Apply(const RecordedEvent& e, ProjectionWriter& rows) override {
    rows.Put("e/" + std::to_string(e.header.position()), e.payload);
    rows.Put("latest/" + e.header.stream(), e.payload);
    rows.Put("tmp/" + e.header.stream(), "x");
    rows.Delete("tmp/" + e.header.stream());
    if (rows.Get("latest/" + e.header.stream()) != e.payload ||
        rows.Get("tmp/" + e.header.stream())) {
      ++wrong_reads;
    }
  }
  std::atomic<int> wrong_reads{0};

 private:
  std::string name_;
};

std::map<std::string, std::string> Rows(EventStore& store, const std::string& projection) {
  auto view = store.OpenReadView();
  EXPECT_TRUE(view.ok()) << view.status();
  std::map<std::string, std::string> rows;
  EXPECT_TRUE((*view)->Scan(projection, "", "", [&](std::string_view k, std::string_view v) {
    rows.emplace(k, v);
    return true;
  }).ok());
  return rows;
}

// Appends `n` events (a multiple of 100) to seven streams "s-0".."s-6", 100 per append.
void AppendInBatches(EventStore& store, int n) {
  for (int i = 0; i < n; i += 100) {
    AppendRequest r = OneStream("b" + std::to_string(i), "s-" + std::to_string(i % 7), ExpectedVersion::Any(), {});
    for (int k = 0; k < 100; ++k) r.appends[0].events.push_back(Event("p" + std::to_string(i + k)));
    ASSERT_TRUE(store.Append(r).ok());
  }
}

TEST(Projections, InlineRowsSeeTheirOwnPendingWritesWithinAGroup) {
  TempDir dir;
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<CountingProjector>("counts")};
  auto store = OpenStore(dir.path(), o);
  AppendRequest r = OneStream("three", "programme-a", ExpectedVersion::Any(),
                              {Event("1"), Event("2"), Event("3")});
  r.appends[0].events[1].personal = "naam";
  ASSERT_TRUE(store->Append(r).ok());
  // Concurrent appends to one stream land in shared groups.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        ASSERT_TRUE(store->Append(OneEvent("c" + std::to_string(t) + "-" + std::to_string(i), "programme-a")).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*view)->position(), 203u);
  EXPECT_EQ(*(*view)->Get("counts", "count/programme-a").value(), "203");
  EXPECT_FALSE((*view)->Get("counts", "leak").value().has_value());
  EXPECT_EQ((*view)->ProjectionPosition("counts").value(), 203u);
  EXPECT_EQ((*view)->Get("nope", "x").status().code(), absl::StatusCode::kNotFound);
}

// A read view's position comes from the writer's sequence lock when no write is in flight
// (core.h, write_seq), and from one point lookup of the batch in flight otherwise
// (inflight_position): under concurrent appends it must still be exactly the newest event its
// snapshot holds. All events go to one stream, so the inline count equals the position.
TEST(Projections, ReadViewPositionIsItsSnapshotsUnderConcurrentAppends) {
  TempDir dir;
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<CountingProjector>("counts")};
  auto store = OpenStore(dir.path(), o);
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        ASSERT_TRUE(store->Append(OneEvent("w" + std::to_string(t) + "-" + std::to_string(i), "one")).ok());
      }
    });
  }
  std::atomic<int> checked{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      // Each reader checks at least one view, however late it is scheduled.
      for (bool first = true; first || !done.load(); first = false) {
        auto view = store->OpenReadView();
        ASSERT_TRUE(view.ok()) << view.status();
        auto count = (*view)->Get("counts", "count/one");
        ASSERT_TRUE(count.ok()) << count.status();
        uint64_t expected = count->has_value() ? std::stoull(**count) : 0;
        ASSERT_EQ((*view)->position(), expected);
        checked.fetch_add(1);
      }
    });
  }
  for (auto& th : writers) th.join();
  done.store(true);
  for (auto& th : readers) th.join();
  EXPECT_GT(checked.load(), 0);
  // Views opened while a batch was in flight took the point lookup (core.h, inflight_position),
  // and the positions above held for them too.
  EXPECT_GT(store->Stats().read_views_during_write, 0u);
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*view)->position(), 600u);
}

TEST(Projections, RebuildEqualsLiveByteForByteAndReportsProgress) {
  TempDir dir;
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<CountingProjector>("counts")};
  auto store = OpenStore(dir.path(), o);
  ASSERT_NO_FATAL_FAILURE(AppendInBatches(*store, 9000));
  auto live = Rows(*store, "counts");
  uint64_t last_done = 0, total = 0;
  int calls = 0;
  std::atomic<bool> stop{false};
  std::thread writer([&] {  // appends wait during an inline rebuild, they are not refused
    for (int i = 0; !stop.load(); ++i) {
      ASSERT_TRUE(store->Append(OneEvent("during-" + std::to_string(i), "s-during")).ok());
    }
  });
  ASSERT_TRUE(store->Rebuild("counts", [&](uint64_t done, uint64_t t) {
                       last_done = done;
                       total = t;
                       ++calls;
                     }).ok());
  stop.store(true);
  writer.join();
  EXPECT_GE(total, 9000u);
  EXPECT_EQ(last_done, total);
  EXPECT_GE(calls, 2);
  auto rebuilt = Rows(*store, "counts");
  auto info = store->GetStreamInfo("s-during");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(rebuilt["count/s-during"], std::to_string(info->version + 1));
  rebuilt.erase("count/s-during");
  rebuilt.erase("last/s-during");
  live.erase("count/s-during");
  live.erase("last/s-during");
  EXPECT_EQ(rebuilt, live);
  auto quiet = Rows(*store, "counts");
  ASSERT_TRUE(store->Rebuild("counts", nullptr).ok());
  EXPECT_EQ(Rows(*store, "counts"), quiet);
  EXPECT_EQ(store->Rebuild("unknown", nullptr).code(), absl::StatusCode::kNotFound);
}

TEST(Projections, RowsHeldUntilFlushAreWrittenAtTheEndOfEachGroup) {
  TempDir dir;
  RocksStoreOptions o;
  auto held = std::make_shared<HoldingProjector>("held");
  o.inline_projectors = {held};
  auto store = OpenStore(dir.path(), o);
  // Many appends to one stream share groups: each group's first event reads the row the group
  // before wrote.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        ASSERT_TRUE(store->Append(OneEvent("h" + std::to_string(t) + "-" + std::to_string(i), "s-" + std::to_string(i % 3))).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  // A group whose only append is refused applies nothing and leaves nothing held.
  EXPECT_EQ(store->Append(OneStream("refused", "s-0", ExpectedVersion::NoStream(), {Event("x")})).status().code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(store->Append(OneEvent("last", "s-0")).ok());
  auto live = Rows(*store, "held");
  EXPECT_EQ(live["count/s-0"], std::to_string(8 * 14 + 1));
  EXPECT_EQ(live["count/s-1"], std::to_string(8 * 13));
  EXPECT_EQ(live["count/s-2"], std::to_string(8 * 13));
  EXPECT_GE(held->flushes.load(), 2);
  EXPECT_LE(held->flushes.load(), 322);  // at most one per group
  ASSERT_TRUE(store->Rebuild("held", nullptr).ok());
  auto rebuilt = Rows(*store, "held");
  EXPECT_EQ(live["seen-first"], "1");
  EXPECT_EQ(rebuilt["seen-first"], "2");  // the rebuilt generation is the current one
  rebuilt.erase("seen-first");
  live.erase("seen-first");
  EXPECT_EQ(rebuilt, live);
}

TEST(Projections, RebuildAllRebuildsEveryProjectionInOnePassWhileAppendsWait) {
  TempDir dir;
  RocksStoreOptions o;
  auto counts = std::make_shared<CountingProjector>("counts");
  auto held = std::make_shared<HoldingProjector>("held");
  o.inline_projectors = {counts, held};
  o.async_projectors = {std::make_shared<CountingProjector>("audit")};
  auto store = OpenStore(dir.path(), o);
  ASSERT_NO_FATAL_FAILURE(AppendInBatches(*store, 9000));
  ASSERT_TRUE(store->WaitForProjection("audit", 9000, absl::Now() + absl::Seconds(30)).ok());
  std::map<std::string, std::map<std::string, std::string>> live;
  for (const char* name : {"counts", "held", "audit"}) live[name] = Rows(*store, name);
  ASSERT_EQ(live["held"]["count/s-0"], live["counts"]["count/s-0"]);
  const int counts_before = counts->applied.load(), held_before = held->applied.load();

  std::vector<std::pair<uint64_t, uint64_t>> reports;
  std::atomic<bool> stop{false};
  std::atomic<int> during{0};
  std::thread writer([&] {  // appends wait during the inline pass, they are not refused
    while (!stop.load()) {
      ASSERT_TRUE(store->Append(OneEvent("during-" + std::to_string(during.load()), "s-during")).ok());
      during.fetch_add(1);
    }
  });
  ASSERT_TRUE(store->RebuildAll([&](uint64_t done, uint64_t total) { reports.emplace_back(done, total); }).ok());
  stop.store(true);
  writer.join();

  // One inline pass, then the async one: progress counts both, and ends at its total.
  ASSERT_GE(reports.size(), 4u);
  const uint64_t total = reports.back().second;
  EXPECT_EQ(reports.back().first, total);
  EXPECT_GE(total, 2 * 9000u);
  EXPECT_LE(total, 2 * (9000u + during.load()));
  EXPECT_GE(reports.front().second, 2 * 9000u);  // both passes counted from the start
  for (size_t i = 1; i < reports.size(); ++i) EXPECT_GE(reports[i].first, reports[i - 1].first) << i;
  // Each inline projector saw the log once more (plus what was appended meanwhile, live).
  EXPECT_GE(counts->applied.load() - counts_before, 9000);
  EXPECT_LE(counts->applied.load() - counts_before, 9000 + 2 * during.load());
  EXPECT_EQ(counts->applied.load() - counts_before, held->applied.load() - held_before);

  ASSERT_TRUE(store->WaitForProjection("audit", store->LastPosition(), absl::Now() + absl::Seconds(30)).ok());
  auto info = store->GetStreamInfo("s-during");
  ASSERT_TRUE(info.ok());
  for (const char* name : {"counts", "held", "audit"}) {
    auto rebuilt = Rows(*store, name);
    EXPECT_EQ(rebuilt["count/s-during"], std::to_string(info->version + 1)) << name;
    rebuilt.erase("count/s-during");
    rebuilt.erase("last/s-during");
    if (std::string(name) == "held") {
      EXPECT_EQ(rebuilt["seen-first"], "2");  // the rebuilt generation is the current one
      EXPECT_EQ(live[name]["seen-first"], "1");
      rebuilt["seen-first"] = "1";
    }
    EXPECT_EQ(rebuilt, live[name]) << name;
  }
  // And after a restart the rebuilt generations are the current ones.
  store.reset();
  o.inline_projectors = {std::make_shared<CountingProjector>("counts"), std::make_shared<HoldingProjector>("held")};
  o.async_projectors = {std::make_shared<CountingProjector>("audit")};
  store = OpenStore(dir.path(), o);
  EXPECT_EQ(Rows(*store, "held")["count/s-0"], live["counts"]["count/s-0"]);
  EXPECT_EQ(Rows(*store, "held")["seen-first"], "2");
}

// A projector that can make another instance of itself is rebuilt beside the writer: the replay
// runs on the caller's thread with the new instance, appends go on meanwhile (one made from the
// progress callback is acknowledged while the replay is still running), and the writer stops
// only for the last events and the swap. The result equals live, byte for byte.
TEST(Projections, AnInlineRebuildReplaysBesideTheWriterAndAppendsGoOn) {
  TempDir dir;
  RocksStoreOptions o;
  auto held = std::make_shared<HoldingProjector>("held", /*forks=*/true);
  auto counts = std::make_shared<CountingProjector>("counts");  // cannot fork: stays on the writer
  o.inline_projectors = {held, counts};
  auto store = OpenStore(dir.path(), o);
  ASSERT_NO_FATAL_FAILURE(AppendInBatches(*store, 20000));
  auto live = Rows(*store, "held");
  ASSERT_EQ(live["seen-first"], "1");
  const int applied_before = held->applied.load();

  // From the progress callback (on the replaying thread): three single appends in the first
  // pass, then 5,000 more events, so that a second pass replays them beside the writer too; and
  // one append from within that second pass. Under the old way (the whole replay on the writer
  // thread) none of them could be written before the callback returns.
  int appended_during = 0;
  bool acknowledged_during = true, batches_appended = false, appended_in_second_pass = false;
  std::vector<std::future<absl::StatusOr<AppendResult>>> late;  // not waited for in the callback
  auto append_one = [&](const std::string& id) {
    auto append = std::async(std::launch::async, [&store, id] { return store->Append(OneEvent(id, "s-during")); });
    if (append.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      acknowledged_during = false;
      late.push_back(std::move(append));
      return false;
    }
    EXPECT_TRUE(append.get().ok());
    ++appended_during;
    return true;
  };
  uint64_t last_done = 0, last_total = 0;
  ASSERT_TRUE(store->Rebuild("held", [&](uint64_t done, uint64_t total) {
                       last_done = done;
                       last_total = total;
                       if (!acknowledged_during) return;
                       if (total == 20000 && appended_during < 3) {
                         append_one("during-" + std::to_string(appended_during));
                       } else if (total == 20000 && !batches_appended) {
                         batches_appended = true;
                         auto more = std::async(std::launch::async, [&] {
                           for (int i = 0; i < 5000; i += 100) {
                             AppendRequest r = OneStream("more" + std::to_string(i), "s-" + std::to_string(i % 7),
                                                         ExpectedVersion::Any(), {});
                             for (int k = 0; k < 100; ++k) r.appends[0].events.push_back(Event("m"));
                             ASSERT_TRUE(store->Append(r).ok());
                           }
                         });
                         if (more.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
                           acknowledged_during = false;
                         }
                       } else if (total > 20000 && done < total && !appended_in_second_pass) {
                         appended_in_second_pass = append_one("second-pass");
                       }
                     }).ok());
  for (auto& f : late) EXPECT_TRUE(f.get().ok());
  ASSERT_TRUE(acknowledged_during);
  EXPECT_TRUE(batches_appended);
  EXPECT_TRUE(appended_in_second_pass);
  EXPECT_EQ(appended_during, 4);
  EXPECT_EQ(last_done, last_total);
  EXPECT_EQ(last_total, 25000u + appended_during);
  // The replay ran on a new instance; the live one applied only the appends made meanwhile.
  EXPECT_EQ(held->instances.load(), 1);
  EXPECT_EQ(held->applied.load() - applied_before, 5000 + appended_during);

  auto rebuilt = Rows(*store, "held");
  EXPECT_EQ(rebuilt["seen-first"], "2");  // the rebuilt generation is the current one
  EXPECT_EQ(rebuilt["count/s-during"], std::to_string(appended_during));
  // Equal to what the live projector wrote, which went on meanwhile: a rebuild now replays the
  // same log without the live rows.
  auto live_after = live;
  for (int i = 0; i < 5000; i += 100) {
    const std::string key = "count/s-" + std::to_string(i % 7);
    live_after[key] = std::to_string(std::stoull(live_after[key]) + 100);
  }
  live_after["count/s-during"] = std::to_string(appended_during);
  live_after["seen-first"] = "2";
  EXPECT_EQ(rebuilt, live_after);
  // The new generation is the one the writer goes on with.
  ASSERT_TRUE(store->Append(OneEvent("after", "s-during")).ok());
  EXPECT_EQ(Rows(*store, "held")["count/s-during"], std::to_string(appended_during + 1));

  // RebuildAll with one projector that cannot fork replays all inline ones on the writer with
  // their own projectors, as before.
  const int applied_before_all = held->applied.load();
  ASSERT_TRUE(store->RebuildAll(nullptr).ok());
  EXPECT_EQ(held->applied.load() - applied_before_all, static_cast<int>(store->LastPosition()));
  EXPECT_EQ(Rows(*store, "held")["seen-first"], "3");

  // And after a restart the rebuilt generation is current.
  store.reset();
  o.inline_projectors = {std::make_shared<HoldingProjector>("held", true), std::make_shared<CountingProjector>("counts")};
  store = OpenStore(dir.path(), o);
  EXPECT_EQ(Rows(*store, "held")["seen-first"], "3");
  EXPECT_EQ(Rows(*store, "held")["count/s-during"], std::to_string(appended_during + 1));
}

// Inline rebuilds asked for at once take turns (they would otherwise make shadows of the same
// name), under appends from other threads; each ends equal to live.
TEST(Projections, ConcurrentInlineRebuildsBesideTheWriterTakeTurns) {
  TempDir dir;
  RocksStoreOptions o;
  auto held = std::make_shared<HoldingProjector>("held", /*forks=*/true);
  o.inline_projectors = {held};
  auto store = OpenStore(dir.path(), o);
  ASSERT_NO_FATAL_FAILURE(AppendInBatches(*store, 9000));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      ASSERT_TRUE(store->Append(OneEvent("during-" + std::to_string(i), "s-during")).ok());
    }
  });
  std::vector<std::thread> admins;
  for (int i = 0; i < 3; ++i) {
    admins.emplace_back([&] { EXPECT_TRUE(store->Rebuild("held", nullptr).ok()); });
  }
  admins.emplace_back([&] { EXPECT_TRUE(store->RebuildAll(nullptr).ok()); });
  for (auto& t : admins) t.join();
  stop.store(true);
  writer.join();
  EXPECT_EQ(held->instances.load(), 4);
  auto rows = Rows(*store, "held");
  EXPECT_EQ(rows["seen-first"], "5");
  auto info = store->GetStreamInfo("s-during");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(rows["count/s-during"], std::to_string(info->version + 1));
  EXPECT_EQ(rows["count/s-0"], std::to_string(1300));
  store.reset();
  // One generation of "held" is left, the current one.
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(), dir.path(), &names).ok());
  EXPECT_EQ(std::count_if(names.begin(), names.end(),
                          [](const std::string& n) { return n.rfind("proj/held/", 0) == 0; }),
            1);
}

// The store's column families, read with RocksDB itself (the store must be closed).
std::vector<std::string> Families(const std::string& path) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(), path, &names).ok());
  std::sort(names.begin(), names.end());
  return names;
}

// Overwrites the stored record at `position` with bytes that are not a record (the store must
// be closed).
void PutRecord(const std::string& path, uint64_t position, const std::string& record) {
  std::vector<std::string> names = Families(path);
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, descs, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "events") {
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[i], PositionKey(position), record).ok());
    }
  }
  for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
}

void BreakRecord(const std::string& path, uint64_t position) {
  PutRecord(path, position, "not a record");
}

// Closing the store stops a rebuild that replays beside the writer at its next chunk: Close
// returns (it does not wait for the whole replay), the rebuild fails with UNAVAILABLE, its
// shadow is dropped and the current generation still serves after a reopen.
TEST(Projections, CloseStopsARebuildBesideTheWriter) {
  TempDir dir;
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<HoldingProjector>("held", /*forks=*/true)};
  auto store = OpenStore(dir.path(), o);
  ASSERT_NO_FATAL_FAILURE(AppendInBatches(*store, 30000));
  const auto live = Rows(*store, "held");
  std::promise<void> started;
  std::atomic<bool> closing{false};
  int reports_after_close = 0;
  absl::Status result;
  std::thread rebuild([&] {
    bool first = true;
    result = store->Rebuild("held", [&](uint64_t, uint64_t) {
      if (closing.load()) ++reports_after_close;
      if (!first) return;
      first = false;
      started.set_value();
      // Give Close the time to ask the rebuild to stop before the next chunk.
      while (!closing.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::this_thread::sleep_for(std::chrono::seconds(1));
    });
  });
  started.get_future().wait();
  closing.store(true);
  store->Close();
  rebuild.join();
  EXPECT_EQ(result.code(), absl::StatusCode::kUnavailable) << result;
  EXPECT_LE(reports_after_close, 1);  // stopped at the next chunk, not at the end of the log
  store.reset();
  std::vector<std::string> held_families;
  for (const std::string& f : Families(dir.path())) {
    if (f.rfind("proj/held/", 0) == 0) held_families.push_back(f);
  }
  EXPECT_EQ(held_families, std::vector<std::string>{"proj/held/1"});
  o.inline_projectors = {std::make_shared<HoldingProjector>("held", true)};
  store = OpenStore(dir.path(), o);
  EXPECT_EQ(Rows(*store, "held"), live);
}

// One projection of each kind of rebuild: inline on the writer thread ("counts": no
// NewInstance), inline beside the writer ("held"), async on its follower ("audit").
RocksStoreOptions EveryKindOfRebuild() {
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<CountingProjector>("counts"),
                         std::make_shared<HoldingProjector>("held", /*forks=*/true)};
  o.async_projectors = {std::make_shared<CountingProjector>("audit")};
  return o;
}

// A shutdown does not wait for a long rebuild: StopRebuilds (proeftuind's first step when it
// stops) ends each kind of rebuild at its next chunk, UNAVAILABLE, with the current rows still
// serving and no shadow left; appends go on, and no rebuild starts after it.
TEST(Projections, StopRebuildsEndsARebuildInProgressAndKeepsTheCurrentRows) {
  // "": RebuildAll; else one projection of each kind (EveryKindOfRebuild).
  for (const std::string which : {"", "counts", "held", "audit"}) {
    SCOPED_TRACE("rebuild of " + (which.empty() ? std::string("all") : which));
    TempDir dir;
    auto store = OpenStore(dir.path(), EveryKindOfRebuild());
    ASSERT_NO_FATAL_FAILURE(AppendInBatches(*store, 30000));
    ASSERT_TRUE(store->WaitForProjection("audit", store->LastPosition(), absl::Now() + absl::Seconds(60)).ok());
    std::map<std::string, std::map<std::string, std::string>> rows;
    for (const char* name : {"counts", "held", "audit"}) rows[name] = Rows(*store, name);
    const std::vector<std::string> families = Families(dir.path());
    // Stopped from the rebuild's own first progress report: the replay has begun.
    uint64_t reached = 0;
    auto stop_at_first_report = [&](uint64_t done, uint64_t) {
      if (reached == 0) store->StopRebuilds();
      reached = std::max<uint64_t>(reached, std::max<uint64_t>(done, 1));
    };
    absl::Status stopped = which.empty() ? store->RebuildAll(stop_at_first_report)
                                         : store->Rebuild(which, stop_at_first_report);
    EXPECT_EQ(stopped.code(), absl::StatusCode::kUnavailable) << stopped;
    EXPECT_GT(reached, 0u);
    EXPECT_LT(reached, 30000u) << "the rebuild ran to its end";
    for (const char* name : {"counts", "held", "audit"}) EXPECT_EQ(Rows(*store, name), rows[name]) << name;
    EXPECT_EQ(store->RebuildAll(nullptr).code(), absl::StatusCode::kUnavailable);
    ASSERT_TRUE(store->Append(OneEvent("after", "s-after")).ok());
    EXPECT_EQ(Rows(*store, "counts")["count/s-after"], "1");
    store->Close();
    EXPECT_EQ(Families(dir.path()), families);
  }
}

TEST(Projections, AFailedRebuildKeepsTheCurrentRowsAndDropsItsShadows) {
  TempDir dir;
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<CountingProjector>("counts"), std::make_shared<HoldingProjector>("held")};
  std::map<std::string, std::string> counts, held;
  {
    auto store = OpenStore(dir.path(), o);
    ASSERT_NO_FATAL_FAILURE(AppendInBatches(*store, 9000));
    counts = Rows(*store, "counts");
    held = Rows(*store, "held");
  }
  const std::vector<std::string> before = Families(dir.path());
  BreakRecord(dir.path(), 5000);
  // A broken record does not stop the store from opening (verification reports it); a replay
  // that reaches it fails, half-way through its shadows.
  o.inline_projectors = {std::make_shared<CountingProjector>("counts"), std::make_shared<HoldingProjector>("held")};
  auto store = OpenStore(dir.path(), o);
  absl::Status one = store->Rebuild("held", nullptr);
  EXPECT_EQ(one.code(), absl::StatusCode::kDataLoss) << one;
  EXPECT_NE(one.message().find("position 5000"), std::string::npos) << one;
  absl::Status all = store->RebuildAll(nullptr);
  EXPECT_EQ(all.code(), absl::StatusCode::kDataLoss) << all;
  // The current generations still serve, unchanged, and the store still writes.
  EXPECT_EQ(Rows(*store, "counts"), counts);
  EXPECT_EQ(Rows(*store, "held"), held);
  ASSERT_TRUE(store->Append(OneEvent("after", "s-after")).ok());
  EXPECT_EQ(Rows(*store, "held")["count/s-after"], "1");
  store.reset();
  // No shadow was left behind: the same families as before, not one more.
  EXPECT_EQ(Families(dir.path()), before);
}

// Two administrators rebuilding the audit index at once each get a replay of their own: the
// second request is not answered by the first one's replay, which began before it was made.
TEST(Projections, ConcurrentRebuildsOfAnAsyncProjectionEachReplayTheLog) {
  TempDir dir;
  RocksStoreOptions o;
  auto audit = std::make_shared<CountingProjector>("audit");
  o.async_projectors = {audit};
  auto store = OpenStore(dir.path(), o);
  ASSERT_NO_FATAL_FAILURE(AppendInBatches(*store, 20000));
  ASSERT_TRUE(store->WaitForProjection("audit", 20000, absl::Now() + absl::Seconds(30)).ok());
  const auto live = Rows(*store, "audit");
  const int before = audit->applied.load();
  std::vector<std::thread> admins;
  for (int t = 0; t < 2; ++t) {
    admins.emplace_back([&] { EXPECT_TRUE(store->Rebuild("audit", nullptr).ok()); });
  }
  for (auto& th : admins) th.join();
  EXPECT_EQ(audit->applied.load() - before, 2 * 20000);
  EXPECT_EQ(Rows(*store, "audit"), live);
}

// Close answers a rebuild of an async projection whenever it was asked: during the replay, or
// after the follower's last look before it stopped (then UNAVAILABLE). It never leaves the
// caller waiting. Each round closes at another moment after the request.
TEST(Projections, CloseAnswersEveryRebuildOfAnAsyncProjection) {
  for (int round = 0; round < 60; ++round) {
    TempDir dir;
    RocksStoreOptions o;
    o.async_projectors = {std::make_shared<CountingProjector>("audit")};
    auto store = OpenStore(dir.path(), o);
    ASSERT_TRUE(store->Append(OneEvent("a", "s")).ok());
    std::promise<absl::Status> answer;
    std::thread admin([&] { answer.set_value(store->Rebuild("audit", nullptr)); });
    std::this_thread::sleep_for(std::chrono::microseconds(10 * (round % 20)));
    store->Close();
    auto answered = answer.get_future();
    if (answered.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "round " << round << ": Rebuild still waits 20 s after Close";
      std::fflush(stdout);
      std::_Exit(1);  // the waiting thread cannot be joined
    }
    admin.join();
    absl::Status s = answered.get();
    EXPECT_TRUE(s.ok() || s.code() == absl::StatusCode::kUnavailable) << "round " << round << s;
  }
}

// A read view reads, for its whole life, the generation of each projection that was current
// when it opened: a rebuild that swaps a new one in meanwhile (on the writer, beside it, or an
// async one on its follower) changes nothing the view reads, and the old generation, dropped,
// is not "not built" for it.
TEST(Projections, AReadViewKeepsItsGenerationsAcrossRebuilds) {
  TempDir dir;
  auto store = OpenStore(dir.path(), EveryKindOfRebuild());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store->Append(OneEvent("r" + std::to_string(i), "s")).ok());
  }
  ASSERT_TRUE(store->WaitForProjection("audit", 3, absl::Now() + absl::Seconds(10)).ok());
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok()) << view.status();
  auto read = [&](const std::string& projection) -> std::string {
    auto v = (*view)->Get(projection, "count/s");
    EXPECT_TRUE(v.ok()) << projection << ": " << v.status();
    return v.ok() && v->has_value() ? **v : "(none)";
  };
  auto scan = [&](const std::string& projection) {
    std::map<std::string, std::string> rows;
    absl::Status s =
        (*view)->Scan(projection, "count/", "", [&](std::string_view k, std::string_view v) {
          rows.emplace(k, v);
          return true;
        });
    EXPECT_TRUE(s.ok()) << projection << ": " << s;
    return rows;
  };
  const std::map<std::string, std::string> want{{"count/s", "3"}};
  for (const std::string name : {"counts", "held", "audit"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(read(name), "3");
    ASSERT_TRUE(store->Rebuild(name, nullptr).ok());
    EXPECT_EQ(read(name), "3");
    EXPECT_EQ(scan(name), want);
    ASSERT_TRUE(store->Append(OneEvent("after-" + name, "s")).ok());  // into the new generation
    EXPECT_EQ(read(name), "3");
  }
  ASSERT_TRUE(store->RebuildAll(nullptr).ok());
  for (const std::string name : {"counts", "held", "audit"}) EXPECT_EQ(read(name), "3") << name;
  auto position = (*view)->ProjectionPosition("audit");
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(*position, 3u);
  auto fresh = store->OpenReadView();
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(*(*fresh)->Get("counts", "count/s").value(), "6");
  EXPECT_EQ(*(*fresh)->Get("held", "count/s").value(), "6");
}

// Queries opened while rebuilds swap generations in never miss a row, nor find a projection
// "not built".
TEST(Projections, ViewsOpenedDuringRebuildsReadEveryRow) {
  TempDir dir;
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<CountingProjector>("counts"),
                         std::make_shared<HoldingProjector>("held", /*forks=*/true)};
  auto store = OpenStore(dir.path(), o);
  AppendRequest r = OneStream("fifty", "s", ExpectedVersion::Any(), {});
  for (int i = 0; i < 50; ++i) r.appends[0].events.push_back(Event("p" + std::to_string(i)));
  ASSERT_TRUE(store->Append(r).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto view = store->OpenReadView();
        ASSERT_TRUE(view.ok()) << view.status();
        for (const char* name : {"counts", "held"}) {
          auto v = (*view)->Get(name, "count/s");
          ASSERT_TRUE(v.ok()) << name << ": " << v.status();
          ASSERT_TRUE(v->has_value()) << name << ": the row is missing";
          EXPECT_EQ(**v, "50") << name;
          ++reads;
        }
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(store->Rebuild(i % 2 == 0 ? "counts" : "held", nullptr).ok());
  }
  stop.store(true);
  for (auto& th : readers) th.join();
  EXPECT_GT(reads.load(), 0);
}

TEST(Projections, NewProjectorVersionIsRebuiltAtOpen) {
  TempDir dir;
  {
    RocksStoreOptions o;
    o.inline_projectors = {std::make_shared<CountingProjector>("counts", 1)};
    auto store = OpenStore(dir.path(), o);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->Append(OneEvent("r" + std::to_string(i), "s")).ok());
  }
  auto v2 = std::make_shared<CountingProjector>("counts", 2);
  auto added = std::make_shared<HoldingProjector>("held");  // new: built in the same pass
  RocksStoreOptions o;
  o.inline_projectors = {v2, added};
  auto store = OpenStore(dir.path(), o);
  EXPECT_EQ(v2->applied.load(), 20);  // replayed the whole log
  EXPECT_EQ(added->applied.load(), 20);
  EXPECT_EQ(Rows(*store, "counts")["count/s"], "20");
  EXPECT_EQ(Rows(*store, "held")["count/s"], "20");
  // Same version again: no replay.
  store.reset();
  auto same = std::make_shared<CountingProjector>("counts", 2);
  o.inline_projectors = {same, std::make_shared<HoldingProjector>("held")};
  store = OpenStore(dir.path(), o);
  EXPECT_EQ(same->applied.load(), 0);
  EXPECT_EQ(Rows(*store, "counts")["count/s"], "20");
}

TEST(Projections, AsyncProjectionFollowsTheLogAndCanBeWaitedFor) {
  TempDir dir;
  RocksStoreOptions o;
  o.async_projectors = {std::make_shared<CountingProjector>("audit")};
  auto store = OpenStore(dir.path(), o);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(store->Append(OneEvent("r" + std::to_string(i), "s")).ok());
  ASSERT_TRUE(store->WaitForProjection("audit", 50, absl::Now() + absl::Seconds(10)).ok());
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*view)->ProjectionPosition("audit").value(), 50u);
  EXPECT_EQ(*(*view)->Get("audit", "count/s").value(), "50");
  EXPECT_EQ(store->WaitForProjection("audit", 51, absl::Now() + absl::Milliseconds(50)).code(),
            absl::StatusCode::kDeadlineExceeded);
  auto before = Rows(*store, "audit");
  ASSERT_TRUE(store->Rebuild("audit", nullptr).ok());
  EXPECT_EQ(Rows(*store, "audit"), before);
  // It resumes from its checkpoint after a restart.
  view->reset();  // a view keeps the database open
  store.reset();
  auto again = std::make_shared<CountingProjector>("audit");
  o.async_projectors = {again};
  store = OpenStore(dir.path(), o);
  ASSERT_TRUE(store->Append(OneEvent("r50", "s")).ok());
  ASSERT_TRUE(store->WaitForProjection("audit", 51, absl::Now() + absl::Seconds(10)).ok());
  EXPECT_EQ(again->applied.load(), 1);
  EXPECT_EQ(*(*store->OpenReadView())->Get("audit", "count/s").value(), "51");
}

// What a batch holds, in order: "put <key> <value>" or "delete <key>".
class BatchRecorder : public rocksdb::WriteBatch::Handler {
 public:
  rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    ops.push_back("put " + key.ToString() + " " + value.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice& key) override {
    ops.push_back("delete " + key.ToString());
    return rocksdb::Status::OK();
  }
  std::vector<std::string> ops;
};

// The store's RocksDB alone (no writer, no projections) in `dir`.
absl::StatusOr<std::shared_ptr<Db>> OpenDbIn(const TempDir& dir) {
  DbOptions options;
  options.path = dir.path();
  return Db::Open(options);
}

// OverlayWriter::For chooses by Projector::ReadsOwnRows: the overlay adds each row's last value
// once; the rows as written are all added, in key order, a key's writes in the order made (so
// the last one wins). Reads see the batch's writes, then the committed rows, in both.
TEST(OverlayWriter, KeepsTheRowsAsWrittenForAProjectorThatDoesNotReadThem) {
  TempDir dir;
  auto db = OpenDbIn(dir);
  ASSERT_TRUE(db.ok()) << db.status();
  rocksdb::ColumnFamilyHandle* cf = (*db)->meta();
  ASSERT_TRUE((*db)->raw()->Put(rocksdb::WriteOptions(), cf, "committed", "c").ok());
  WrittenRowsProjector as_written("written");
  CountingProjector overlaid("overlaid");
  const std::vector<std::string> all_writes = {"put k1 x", "put k2 first", "put k2 second",
                                               "delete k3", "put k3 back"};
  const std::vector<std::string> last_writes = {"put k1 x", "put k2 second", "put k3 back"};
  for (const Projector* p : std::vector<const Projector*>{&as_written, &overlaid}) {
    SCOPED_TRACE(p->Name());
    rocksdb::WriteBatch batch;
    auto rows = OverlayWriter::For(*p, db->get(), cf, &batch);
    rows->Put("k2", "first");
    rows->Put("k1", "x");
    rows->Put("k2", "second");
    rows->Delete("k3");
    EXPECT_EQ(rows->Get("k3"), std::nullopt);
    rows->Put("k3", "back");
    EXPECT_EQ(rows->Get("k2"), "second");
    EXPECT_EQ(rows->Get("k3"), "back");
    EXPECT_EQ(rows->Get("committed"), "c");
    EXPECT_EQ(rows->Get("none"), std::nullopt);
    rows->Flush();
    BatchRecorder recorded;
    ASSERT_TRUE(batch.Iterate(&recorded).ok());
    EXPECT_EQ(recorded.ops, p == &as_written ? all_writes : last_writes);
    rows->Flush();  // the first one emptied the writer: nothing more goes to the batch
    EXPECT_EQ(batch.Count(), recorded.ops.size());
    ASSERT_TRUE((*db)->raw()->Write(rocksdb::WriteOptions(), &batch).ok());
    EXPECT_EQ((*db)->Get(cf, "k2").value(), "second");
    EXPECT_EQ((*db)->Get(cf, "k3").value(), "back");
  }
}

TEST(Projections, RowsOfAProjectorThatDoesNotReadThemGoStraightToTheBatchLastWriteWinning) {
  TempDir dir;
  RocksStoreOptions o;
  auto inline_rows = std::make_shared<WrittenRowsProjector>("written_inline");
  auto async_rows = std::make_shared<WrittenRowsProjector>("written_async");
  o.inline_projectors = {inline_rows};
  o.async_projectors = {async_rows};
  auto store = OpenStore(dir.path(), o);
  ASSERT_NO_FATAL_FAILURE(AppendInBatches(*store, 700));  // 100 events of one stream per group
  ASSERT_TRUE(store->WaitForProjection("written_async", 700, absl::Now() + absl::Seconds(10)).ok());
  for (const std::string name : {"written_inline", "written_async"}) {
    SCOPED_TRACE(name);
    auto rows = Rows(*store, name);
    ASSERT_EQ(rows.size(), 700u + 7u);  // a row per event and the latest of each stream
    EXPECT_EQ(rows.at("e/1"), "p0");
    EXPECT_EQ(rows.at("e/700"), "p699");
    // Each stream is one append of 100 events (s-0 the first, s-6 the fourth, s-5 the last):
    // its row holds the last of them.
    EXPECT_EQ(rows.at("latest/s-0"), "p99");
    EXPECT_EQ(rows.at("latest/s-6"), "p399");
    EXPECT_EQ(rows.at("latest/s-5"), "p699");
    EXPECT_EQ(rows.count("tmp/s-0"), 0u);
    ASSERT_TRUE(store->Rebuild(name, nullptr).ok());
    EXPECT_EQ(Rows(*store, name), rows);
  }
  EXPECT_EQ(inline_rows->wrong_reads.load(), 0);
  EXPECT_EQ(async_rows->wrong_reads.load(), 0);
}

// The follower takes the events the writer just published from the live feed, and reads them
// from the log when one has personal data: the projection never sees it, and its rows are the
// rows a rebuild (which reads the log) makes.
TEST(Projections, AnAsyncProjectionTakesNewEventsFromTheFeedButNeverPersonalData) {
  TempDir dir;
  RocksStoreOptions o;
  o.async_projectors = {std::make_shared<CountingProjector>("audit")};
  auto store = OpenStore(dir.path(), o);
  uint64_t position = 0;
  for (int i = 0; i < 20; ++i) {
    position = store->Append(OneEvent("p" + std::to_string(i), "s")).value().last_position;
    ASSERT_TRUE(store->WaitForProjection("audit", position, absl::Now() + absl::Seconds(10)).ok());
  }
  const StoreStats plain = store->Stats();
  EXPECT_GE(plain.async_steps_from_feed, 1u);
  AppendRequest r = OneStream("with-personal", "s", ExpectedVersion::Any(), {Event("1"), Event("2")});
  r.appends[0].events[1].personal = "naam";
  position = store->Append(r).value().last_position;
  ASSERT_TRUE(store->WaitForProjection("audit", position, absl::Now() + absl::Seconds(10)).ok());
  EXPECT_GT(store->Stats().async_steps_from_log, plain.async_steps_from_log);
  auto live = Rows(*store, "audit");
  EXPECT_EQ(live.count("leak"), 0u);
  EXPECT_EQ(live["count/s"], "22");
  ASSERT_TRUE(store->Rebuild("audit", nullptr).ok());
  EXPECT_EQ(Rows(*store, "audit"), live);
}

// Rebuilds in parts (Projector::RebuildsInParts): the part of a stream is its name. Counts the
// events of each stream, keeps the type of the stream's previous event as EventAt reads it (the
// records a rebuild replayed last, or the log), and leaves out the streams it does not want.
// Each instance notes the positions it applied and the headers it saw. With `in_parts` false
// it is rebuilt whole, on thread 0.
class PartsProjector : public Projector {
 public:
  struct Seen {
    absl::Mutex mu;
    std::map<int, std::vector<uint64_t>> positions;       // by instance
    // By stream: each event's position and the instance that applied it, in the order applied.
    std::map<std::string, std::vector<std::pair<uint64_t, int>>> applied;
    bool whole_headers_in_rebuild = false;
  };
  explicit PartsProjector(std::string name, bool in_parts = true)
      : name_(std::move(name)), in_parts_(in_parts), seen_(std::make_shared<Seen>()) {}
  std::string Name() const override { return name_; }
  uint32_t Version() const override { return 1; }
  bool ReadsWholeHeader() const override { return false; }
  bool Wants(std::string_view stream, std::string_view) const override {
    return !stream.starts_with("skip-");
  }
  bool RebuildsInParts() const override { return in_parts_; }
  std::string_view PartOf(std::string_view stream) const override { return stream; }
  std::unique_ptr<Projector> NewInstance() const override {
    auto p = std::make_unique<PartsProjector>(name_, in_parts_);
    p->seen_ = seen_;
    p->instance_ = ++*instances_;
    p->instances_ = instances_;
    return p;
  }
  void Apply(const RecordedEvent& e, ProjectionWriter& rows) override {
    const std::string& stream = e.header.stream();
    if (stream.starts_with("skip-")) return;
    {
      absl::MutexLock l(&seen_->mu);
      seen_->positions[instance_].push_back(e.header.position());
      seen_->applied[stream].emplace_back(e.header.position(), instance_);
      if (instance_ > 0 && (!e.header.request_id().empty() || e.header.has_actor())) {
        seen_->whole_headers_in_rebuild = true;
      }
    }
    const std::string count_key = "count/" + stream, last_key = "lastpos/" + stream;
    auto count = rows.Get(count_key);
    rows.Put(count_key, std::to_string(count ? std::stoull(*count) + 1 : 1));
    if (auto last = rows.Get(last_key)) {
      std::optional<RecordedEvent> previous = rows.EventAt(std::stoull(*last));
      rows.Put("prev/" + stream, previous.has_value() ? previous->header.type() + "@" +
                                                            std::to_string(previous->position())
                                                      : "missing");
    }
    rows.Put(last_key, std::to_string(e.header.position()));
    rows.Put("version/" + stream, std::to_string(e.header.stream_version()));
  }
  std::shared_ptr<Seen> seen() const { return seen_; }
  // Forgets what the instances saw so far.
  void Forget() {
    absl::MutexLock l(&seen_->mu);
    seen_->positions.clear();
    seen_->applied.clear();
  }
  std::shared_ptr<std::atomic<int>> instances_ = std::make_shared<std::atomic<int>>(0);

 private:
  std::string name_;
  bool in_parts_;
  std::shared_ptr<Seen> seen_;
  int instance_ = 0;  // 0: the live one
};

// 20 streams of 100-event batches (each stream's previous event a few thousand positions
// back at most), one event of "rare" every 60 batches (its previous event further back than
// the records a rebuild keeps), and batches of "skip-x", which the projector does not want.
void AppendForParts(EventStore& store, int batches, const std::string& ids = "b") {
  for (int i = 0; i < batches; ++i) {
    const std::string stream = i % 60 == 0 ? "rare" : i % 10 == 5 ? "skip-x" : "s-" + std::to_string(i % 20);
    AppendRequest r = OneStream(ids + std::to_string(i), stream, ExpectedVersion::Any(), {});
    for (int k = 0; k < (stream == "rare" ? 1 : 100); ++k) {
      r.appends[0].events.push_back(Event("p", "test.Kind" + std::to_string(k % 3)));
    }
    ASSERT_TRUE(store.Append(r).ok());
  }
}

// Every wanted event applied once, and each stream's events applied in log order, whichever
// instances applied them (a part may move to another thread from round to round). Returns how
// many streams more than one instance applied.
// `live`: the rows of a projector that was never rebuilt (its "count/<stream>" rows).
size_t ExpectEachEventOnceAndEachStreamInLogOrder(PartsProjector::Seen& seen,
                                                  const std::map<std::string, std::string>& live)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(seen.mu) {
  uint64_t wanted = 0;
  size_t streams = 0;
  for (const auto& [key, value] : live) {
    if (!key.starts_with("count/")) continue;
    wanted += std::stoull(value);
    ++streams;
  }
  std::vector<uint64_t> all;
  for (const auto& [instance, positions] : seen.positions) {
    EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end())) << "instance " << instance;
    all.insert(all.end(), positions.begin(), positions.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "an event applied twice";
  EXPECT_EQ(all.size(), wanted) << "every event but skip-x's, once";
  EXPECT_EQ(seen.applied.size(), streams);
  size_t moved = 0;
  for (const auto& [stream, applied] : seen.applied) {
    std::set<int> instances;
    for (size_t i = 0; i < applied.size(); ++i) {
      instances.insert(applied[i].second);
      if (i > 0) {
        EXPECT_LT(applied[i - 1].first, applied[i].first)
            << stream << ": position " << applied[i].first << " (instance " << applied[i].second
            << ") applied after " << applied[i - 1].first << " (instance "
            << applied[i - 1].second << ")";
      }
    }
    if (instances.size() > 1) ++moved;
  }
  return moved;
}

TEST(RebuildShare, ThreadZeroKeepsWhatBalancesItsReadingAgainstTheParts) {
  // Two threads: reading 0.5 and parts 1 per position -> 0.5 + 0.25 = 0.75 each.
  EXPECT_EQ(BalancedShare(0.5, 1.0, 2), 250u);
  // Reading alone takes as long as all the parts: thread 0 keeps none.
  EXPECT_EQ(BalancedShare(1.0, 1.0, 2), 0u);
  EXPECT_EQ(BalancedShare(3.0, 1.0, 2), 0u);
  // Reading for free: an equal share, no more.
  EXPECT_EQ(BalancedShare(0.0, 1.0, 2), 500u);
  EXPECT_EQ(BalancedShare(0.0, 1.0, 4), 250u);
  // Three threads: 0.2 + 0.2 = 0.8 / 2 = 0.4 each.
  EXPECT_EQ(BalancedShare(0.2, 1.0, 3), 200u);
  // Nothing measured, or one thread: none.
  EXPECT_EQ(BalancedShare(0.2, 0.0, 2), 0u);
  EXPECT_EQ(BalancedShare(0.2, 1.0, 1), 0u);
}

class RebuildThreads : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { rebuild_threads_for_test = static_cast<unsigned>(GetParam()); }
  // Opens a store with `before` and then `parts_` as its projectors, appends 300 batches of
  // AppendForParts, and returns the rows the live `parts_` made of them.
  std::map<std::string, std::string> OpenWithHistory(
      std::vector<std::shared_ptr<Projector>> before = {}) {
    RocksStoreOptions o;
    o.inline_projectors = std::move(before);
    o.inline_projectors.push_back(parts_);
    store_ = OpenStore(dir_.path(), o);
    AppendForParts(*store_, 300);
    return Rows(*store_, "parts");
  }
  // Thread 0's share of the parts in each round, instead of the balanced one, until the end of
  // the test.
  void PinShare(size_t (*share)(size_t round, size_t threads)) { rebuild_share_for_test = share; }
  void TearDown() override {
    rebuild_share_for_test = nullptr;
    rebuild_threads_for_test = 0;
  }
  TempDir dir_;
  std::shared_ptr<PartsProjector> parts_ = std::make_shared<PartsProjector>("parts");
  std::unique_ptr<RocksStore> store_;
};

TEST_P(RebuildThreads, PartsAreSplitOverTheThreadsAndTheRowsEqualLive) {
  const int threads = GetParam();
  auto& parts = parts_;
  const auto live = OpenWithHistory();
  ASSERT_FALSE(HasFatalFailure());
  auto& store = store_;
  ASSERT_EQ(live.at("count/rare"), "5");
  // Its previous event is more than RecentRecords::kCapacity positions back: read from the log.
  const std::string prev_rare = live.at("prev/rare");
  ASSERT_EQ(prev_rare.substr(0, prev_rare.find('@')), "test.Kind0") << prev_rare;
  ASSERT_GT(std::stoull(live.at("lastpos/rare")) - std::stoull(prev_rare.substr(prev_rare.find('@') + 1)),
            4096u);
  ASSERT_EQ(live.count("count/skip-x"), 0u);
  parts->instances_->store(0);  // those of the rebuild at open
  parts->Forget();
  // A fixed share, so that every thread gets parts (the balanced one may leave thread 0 none).
  PinShare([](size_t, size_t n) -> size_t { return 600 / n; });

  // Beside the writer: fresh instances, the parts on `threads` threads.
  ASSERT_TRUE(store->RebuildAll(nullptr).ok());

  EXPECT_EQ(Rows(*store, "parts"), live);
  auto seen = parts->seen();
  absl::MutexLock l(&seen->mu);
  EXPECT_FALSE(seen->whole_headers_in_rebuild) << "a rebuild passes only the header's place";
  // The rebuild's instance and one more per extra thread, each applying some of the parts (the
  // live one, 0, applied nothing meanwhile).
  EXPECT_EQ(parts->instances_->load(), threads);
  EXPECT_EQ(seen->positions.size(), static_cast<size_t>(threads));
  for (const auto& [instance, positions] : seen->positions) {
    EXPECT_GT(positions.size(), 0u) << "instance " << instance << " got no part";
  }
  ExpectEachEventOnceAndEachStreamInLogOrder(*seen, live);
}

// Events appended during a rebuild beside the writer are replayed by later, shorter passes: the
// last one on the writer, on one thread. A part moves from one thread's instance to another's
// between passes; what each held was written at the end of its pass, so the rows still equal
// those of a projector that was never rebuilt.
TEST_P(RebuildThreads, PartsMoveBetweenThreadsFromPassToPassAndTheRowsEqualLive) {
  TempDir dir;
  RocksStoreOptions o;
  auto parts = std::make_shared<PartsProjector>("parts");
  o.inline_projectors = {parts, std::make_shared<PartsProjector>("reference")};
  auto store = OpenStore(dir.path(), o);
  ASSERT_NO_FATAL_FAILURE(AppendForParts(*store, 200));
  uint64_t first_total = 0;
  bool in_second_pass = false;
  ASSERT_TRUE(store->Rebuild("parts", [&](uint64_t done, uint64_t total) {
                       if (first_total == 0) {
                         // In the first pass: some 4,500 events, which a second pass replays
                         // (on every thread).
                         first_total = total;
                         ASSERT_NO_FATAL_FAILURE(AppendForParts(*store, 50, "during-a"));
                       } else if (total > first_total && done < total && !in_second_pass) {
                         // In the second: some 450, which the writer replays, on one thread.
                         in_second_pass = true;
                         ASSERT_NO_FATAL_FAILURE(AppendForParts(*store, 5, "during-b"));
                       }
                     }).ok());
  EXPECT_TRUE(in_second_pass);
  const auto reference = Rows(*store, "reference");
  EXPECT_EQ(std::stoull(reference.at("count/s-1")), (10u + 3 + 1) * 100);
  EXPECT_EQ(Rows(*store, "parts"), reference);
  ASSERT_TRUE(store->Append(OneEvent("after", "s-1")).ok());
  EXPECT_EQ(Rows(*store, "parts"), Rows(*store, "reference"));
}

// A pass goes in rounds; at the end of each, every thread writes what it holds and thread 0
// sets its share of the parts anew, so parts move between threads within one pass. Here the
// share swings between all of thread 0's fair share and none at every round: the rows still
// equal live, and each stream's events are applied once each, in log order.
// A projector rebuilt whole comes first, so that the parts' lane is not thread 0's first.
TEST_P(RebuildThreads, PartsMoveBetweenThreadsFromRoundToRoundAndTheRowsEqualLive) {
  const size_t threads = static_cast<size_t>(GetParam());
  const auto live =
      OpenWithHistory({std::make_shared<PartsProjector>("whole", /*in_parts=*/false)});
  ASSERT_FALSE(HasFatalFailure());
  const auto whole = Rows(*store_, "whole");
  auto& parts = parts_;
  auto& store = store_;
  parts->Forget();
  PinShare([](size_t round, size_t n) -> size_t { return round % 2 == 0 ? 1000 / n : 0; });

  ASSERT_TRUE(store->RebuildAll(nullptr).ok());

  EXPECT_EQ(Rows(*store, "whole"), whole);
  EXPECT_EQ(Rows(*store, "parts"), live);
  auto seen = parts->seen();
  absl::MutexLock l(&seen->mu);
  const size_t moved = ExpectEachEventOnceAndEachStreamInLogOrder(*seen, live);
  if (threads > 1) {
    // About 29,500 positions: eight rounds end within the pass, and every stream whose part
    // falls to thread 0 in the even rounds (about half of them) goes to another in the odd.
    EXPECT_GE(moved, 3u) << "parts moved between threads within the pass";
  } else {
    EXPECT_EQ(moved, 0u);
  }
}

// A record thread 0 scans and passes on, but whose date does not parse: the thread that decodes
// it fails (thread 0 keeps no parts here, so with two or three threads that is another one),
// and the rebuild fails with its error. It is the last record of the second round (the first is
// a sixteenth of the pass, the second an eighth): thread 0 has sent the round's end and waits
// for the others' reports, which a failed thread never sends.
TEST_P(RebuildThreads, ARecordThatFailsOnAnotherThreadFailsTheRebuildAndDropsItsShadows) {
  std::map<std::string, std::string> live;
  uint64_t at = 0;
  {
    const auto rows = OpenWithHistory();
    ASSERT_FALSE(HasFatalFailure());
    live = rows;
    const uint64_t n = store_->LastPosition();
    at = std::max<uint64_t>(1024, n / 16) + std::max<uint64_t>(1024, n / 8);
    store_.reset();
  }
  const std::vector<std::string> before = Families(dir_.path());
  v1::EventHeader h;
  h.set_position(at);
  h.set_stream("s-3");
  h.set_stream_version(1);
  h.set_type("test.Kind0");
  // occurred_on (field 8): two bytes that are no proeftuin.v1.Date.
  const std::string header = h.SerializeAsString() + std::string("\x42\x02\xff\xff", 4);
  // Thread 0 scans its place (and passes it on); only the thread that decodes it parses the date.
  HeaderPlace place;
  ASSERT_TRUE(ScanHeaderPlace(header, &place));
  ASSERT_TRUE(place.has_occurred_on);
  ASSERT_FALSE(v1::Date().ParseFromString(std::string(place.occurred_on)));
  PutRecord(dir_.path(), at, EncodeRecord(header, "", Digest{}, Digest{}));
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<PartsProjector>("parts")};
  store_ = OpenStore(dir_.path(), o);
  PinShare([](size_t, size_t n) -> size_t { return n == 1 ? 1000 : 0; });
  absl::Status s = store_->Rebuild("parts", nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("position " + std::to_string(at)), std::string::npos) << s;
  EXPECT_EQ(Rows(*store_, "parts"), live);
  store_.reset();
  EXPECT_EQ(Families(dir_.path()), before);
}

TEST_P(RebuildThreads, ABrokenRecordFailsTheRebuildOnAnyThreadAndDropsItsShadows) {
  TempDir dir;
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<PartsProjector>("parts")};
  std::map<std::string, std::string> live;
  {
    auto store = OpenStore(dir.path(), o);
    ASSERT_NO_FATAL_FAILURE(AppendForParts(*store, 120));
    live = Rows(*store, "parts");
  }
  const std::vector<std::string> before = Families(dir.path());
  BreakRecord(dir.path(), 7000);
  o.inline_projectors = {std::make_shared<PartsProjector>("parts")};
  auto store = OpenStore(dir.path(), o);
  absl::Status s = store->Rebuild("parts", nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("position 7000"), std::string::npos) << s;
  EXPECT_EQ(Rows(*store, "parts"), live);
  store.reset();
  EXPECT_EQ(Families(dir.path()), before);
}

INSTANTIATE_TEST_SUITE_P(OneTwoThree, RebuildThreads, ::testing::Values(1, 2, 3));

// Every family but the log has a small first level (8 MB, 2 MB files): their new keys fall all
// over the key space, so each flushed file overlaps all of L1 and an L0 -> L1 compaction
// rewrites all of it; with RocksDB's 256 MB default that was the whole family on every
// compaction (docs/PERFORMANCE.md, twenty-second session). The log appends in key order and
// keeps RocksDB's default. Families created later (projection generations) get the same.
TEST(StoreOptions, EveryFamilyButTheLogHasASmallFirstLevel) {
  TempDir dir;
  auto db = OpenDbIn(dir);
  ASSERT_TRUE(db.ok()) << db.status();
  auto created = (*db)->CreateFamily("proj/audit_index/1");
  ASSERT_TRUE(created.ok()) << created.status();
  for (rocksdb::ColumnFamilyHandle* cf :
       {(*db)->meta(), (*db)->personal(), (*db)->streams(), (*db)->requests(), *created}) {
    const rocksdb::Options o = (*db)->raw()->GetOptions(cf);
    EXPECT_EQ(o.max_bytes_for_level_base, uint64_t{8} << 20) << cf->GetName();
    EXPECT_EQ(o.target_file_size_base, uint64_t{2} << 20) << cf->GetName();
    EXPECT_EQ(o.target_file_size_multiplier, 2) << cf->GetName();
  }
  EXPECT_EQ((*db)->raw()->GetOptions((*db)->events()).max_bytes_for_level_base,
            rocksdb::ColumnFamilyOptions().max_bytes_for_level_base);
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
