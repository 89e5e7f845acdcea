// Projections: inline rows written with their events (seeing their own pending writes within a
// group), async projections with checkpoints, rebuild into a shadow equal to live, rebuild on a
// projector version change.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "integration/store_fixture.h"

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
// (core.h, write_seq): under concurrent appends it must still be exactly the newest event its
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
      while (!done.load()) {
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
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*view)->position(), 600u);
}

TEST(Projections, RebuildEqualsLiveByteForByteAndReportsProgress) {
  TempDir dir;
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<CountingProjector>("counts")};
  auto store = OpenStore(dir.path(), o);
  for (int i = 0; i < 9000; i += 100) {
    AppendRequest r = OneStream("b" + std::to_string(i), "s-" + std::to_string(i % 7), ExpectedVersion::Any(), {});
    for (int k = 0; k < 100; ++k) r.appends[0].events.push_back(Event("p" + std::to_string(i + k)));
    ASSERT_TRUE(store->Append(r).ok());
  }
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

TEST(Projections, NewProjectorVersionIsRebuiltAtOpen) {
  TempDir dir;
  {
    RocksStoreOptions o;
    o.inline_projectors = {std::make_shared<CountingProjector>("counts", 1)};
    auto store = OpenStore(dir.path(), o);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->Append(OneEvent("r" + std::to_string(i), "s")).ok());
  }
  auto v2 = std::make_shared<CountingProjector>("counts", 2);
  RocksStoreOptions o;
  o.inline_projectors = {v2};
  auto store = OpenStore(dir.path(), o);
  EXPECT_EQ(v2->applied.load(), 20);  // replayed the whole log
  EXPECT_EQ(Rows(*store, "counts")["count/s"], "20");
  // Same version again: no replay.
  store.reset();
  auto same = std::make_shared<CountingProjector>("counts", 2);
  o.inline_projectors = {same};
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

}  // namespace
}  // namespace proeftuin::eventstore::testing
