// Paging through the log: ReadAllInto reuses one page and ReadAllViews one page of views, and
// both return exactly what ReadAll does, with filters, personal parts and pages that shrink.
#include <gtest/gtest.h>

#include "eventstore/stream_memo.h"
#include "integration/store_fixture.h"
#include "rocksdb/perf_context.h"
#include "rocksdb/perf_level.h"

namespace proeftuin::eventstore::testing {
namespace {

std::string Fingerprint(const RecordedEvent& e) {
  return e.header.SerializeAsString() + "|" + e.payload + "|" + e.personal.value_or("<none>") +
         "|" + ToHex(e.hash) + "|" + ToHex(e.personal_digest);
}

class ReadAllInto : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.path());
    ASSERT_NE(store_, nullptr);
    for (int i = 1; i <= 300; ++i) {
      AppendRequest r = OneStream("r" + std::to_string(i), "stream-" + std::to_string(i % 3),
                                  ExpectedVersion::Any(),
                                  {Event(std::string(i % 50, 'x'), i % 2 ? "test.Odd" : "test.Even")});
      if (i % 7 == 0) r.appends[0].events[0].personal = "bewoner " + std::to_string(i);
      ASSERT_TRUE(store_->Append(r).ok());
    }
  }
  // Every page of both readers, as fingerprints.
  void ExpectSamePages(const EventFilter& filter, size_t page_size) {
    ReadAllResult reused;
    EventPage views;
    uint64_t from = 1;
    int pages = 0;
    for (;;) {
      auto fresh = store_->ReadAll(from, page_size, filter);
      ASSERT_TRUE(fresh.ok()) << fresh.status();
      ASSERT_TRUE(store_->ReadAllInto(from, page_size, filter, &reused).ok());
      ASSERT_TRUE(store_->ReadAllViews(from, page_size, filter, &views).ok());
      ASSERT_EQ(reused.events.size(), fresh->events.size()) << "page " << pages;
      ASSERT_EQ(views.events.size(), fresh->events.size()) << "page " << pages;
      for (size_t i = 0; i < fresh->events.size(); ++i) {
        const RecordedEvent& want = fresh->events[i];
        EXPECT_EQ(Fingerprint(reused.events[i]), Fingerprint(want));
        const EventView& v = views.events[i];
        auto decoded = v.Decode();
        ASSERT_TRUE(decoded.ok()) << decoded.status();
        EXPECT_EQ(Fingerprint(*decoded), Fingerprint(want));
        EXPECT_EQ(v.position, want.position());
        EXPECT_EQ(v.stream, want.header.stream());
        EXPECT_EQ(v.type, want.header.type());
        EXPECT_EQ(v.confidentiality, want.header.confidentiality());
        EXPECT_EQ(v.personal.has_value(), want.personal.has_value());
      }
      EXPECT_EQ(reused.next_position, fresh->next_position);
      EXPECT_EQ(reused.end_of_log, fresh->end_of_log);
      EXPECT_EQ(views.next_position, fresh->next_position);
      EXPECT_EQ(views.end_of_log, fresh->end_of_log);
      ++pages;
      from = fresh->next_position;
      if (fresh->end_of_log) break;
    }
    EXPECT_GT(pages, 1);
  }
  TempDir dir_;
  std::unique_ptr<RocksStore> store_;
};

TEST_F(ReadAllInto, ReturnsWhatReadAllReturnsPageByPage) { ExpectSamePages(EventFilter{}, 64); }

TEST_F(ReadAllInto, FiltersAndPersonalPartsSurviveTheReuse) {
  ExpectSamePages(EventFilter{"stream-1", {"test.Odd"}}, 16);
  ExpectSamePages(EventFilter{"", {"test.Even"}}, 33);
}

TEST_F(ReadAllInto, AShorterPageDropsTheEventsOfTheLongerOne) {
  ReadAllResult page;
  ASSERT_TRUE(store_->ReadAllInto(1, 100, EventFilter{}, &page).ok());
  ASSERT_EQ(page.events.size(), 100u);
  ASSERT_TRUE(page.events[6].personal.has_value());  // position 7
  ASSERT_TRUE(store_->ReadAllInto(294, 100, EventFilter{}, &page).ok());
  ASSERT_EQ(page.events.size(), 7u);
  EXPECT_EQ(page.events.front().position(), 294u);
  EXPECT_EQ(page.events.back().position(), 300u);
  EXPECT_TRUE(page.end_of_log);
  EXPECT_EQ(page.events[0].personal, std::optional<std::string>("bewoner 294"));
  EXPECT_FALSE(page.events[6].personal.has_value());  // 300 has none; the reused slot had one
}

// The views of a page stay valid while it fills blocks (records larger than a block, many
// blocks) and after it is refilled from another position.
TEST_F(ReadAllInto, ViewsOfBigRecordsStayValidAcrossBlocksAndRefills) {
  std::vector<std::string> payloads;
  for (int i = 0; i < 6; ++i) {
    payloads.push_back(std::string(size_t{400'000} * (i + 1), static_cast<char>('a' + i)));
    ASSERT_TRUE(store_
                    ->Append(OneStream("big" + std::to_string(i), "big-1", ExpectedVersion::Any(),
                                       {Event(payloads.back(), "test.Big")}))
                    .ok());
  }
  EventPage page;
  ASSERT_TRUE(store_->ReadAllViews(1, 1000, EventFilter{}, &page).ok());
  ASSERT_EQ(page.events.size(), 306u);
  for (int i = 0; i < 6; ++i) {
    const EventView& v = page.events[300 + i];
    EXPECT_EQ(v.payload, payloads[i]) << i;
    EXPECT_EQ(v.stream, "big-1");
    EXPECT_EQ(v.type, "test.Big");
  }
  // every earlier view still reads what ReadAll reads
  auto all = store_->ReadAll(1, 1000, EventFilter{});
  ASSERT_TRUE(all.ok());
  for (size_t i = 0; i < 300; ++i) {
    auto d = page.events[i].Decode();
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(Fingerprint(*d), Fingerprint(all->events[i])) << i;
  }
  ASSERT_TRUE(store_->ReadAllViews(303, 2, EventFilter{"big-", {}}, &page).ok());
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.events[0].payload, payloads[2]);
  EXPECT_EQ(page.events[1].payload, payloads[3]);
  EXPECT_EQ(page.next_position, 305u);
  EXPECT_FALSE(page.end_of_log);
}

// Writes one row per event ("row/<stream>") into its projection.
class RowProjector : public Projector {
 public:
  std::string Name() const override { return "rows"; }
  uint32_t Version() const override { return 1; }
  void Apply(const RecordedEvent& e, ProjectionWriter& rows) override {
    rows.Put("row/" + e.header.stream(), e.payload);
  }
};

// Most of a command's point reads ask for a key that no memtable holds (a new request id, the
// token's and principal's rows): each memtable's bloom filter of whole keys answers them
// without a search of its skiplist (db.cc, MakeOptions). A key that is there still is found.
TEST(PointReads, AMissIsAnsweredByTheMemtablesBloomFilter) {
  TempDir dir;
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<RowProjector>()};
  auto store = OpenStore(dir.path(), o);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(store->Append(OneEvent("b" + std::to_string(i), "s-" + std::to_string(i))).ok());
  }
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok());
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  bool all_ok = true, none_found = true;
  for (int i = 0; i < 20; ++i) {
    auto missing = (*view)->Get("rows", "row/absent-" + std::to_string(i));
    all_ok = all_ok && missing.ok();
    none_found = none_found && missing.ok() && !missing->has_value();
  }
  const uint64_t skipped = rocksdb::get_perf_context()->bloom_memtable_miss_count;
  auto present = (*view)->Get("rows", "row/s-7");
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);  // before any assertion can return
  EXPECT_TRUE(all_ok);
  EXPECT_TRUE(none_found);
  ASSERT_TRUE(present.ok());
  ASSERT_TRUE(present->has_value());
  EXPECT_EQ(**present, "payload of b7");
  // at least one memtable per miss (a false positive of the filter is possible, rarely)
  EXPECT_GE(skipped, 18u);
}

// The same rows at a new version: a store opened with it rebuilds them at open.
class RowProjectorV2 : public RowProjector {
 public:
  uint32_t Version() const override { return 2; }
};

// The store turns RocksDB's perf counting off for the work it does (db.h, QuietPerfCounters), but
// on a caller's thread (opening, with its check of the log's tail and a rebuild of a projection
// whose version changed; a short Verify) it gives the caller's level back: a caller that counts
// goes on counting.
TEST(PointReads, TheStoresWorkOnACallersThreadLeavesItsPerfLevelAsItWas) {
  TempDir dir;
  RocksStoreOptions o;
  o.inline_projectors = {std::make_shared<RowProjector>()};
  {
    auto store = OpenStore(dir.path(), o);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(store->Append(OneEvent("p" + std::to_string(i), "s-" + std::to_string(i))).ok());
    }
  }
  o.inline_projectors = {std::make_shared<RowProjectorV2>()};
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableTimeExceptForMutex);
  auto store = OpenStore(dir.path(), o);
  const rocksdb::PerfLevel after_open = rocksdb::GetPerfLevel();
  const bool verified = store != nullptr && store->Verify(1, 0).ok();
  const rocksdb::PerfLevel after_verify = rocksdb::GetPerfLevel();
  const bool rebuilt = store != nullptr && store->RebuildAll(nullptr).ok();
  const rocksdb::PerfLevel after_rebuild = rocksdb::GetPerfLevel();
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);  // before any assertion can return
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(verified);
  EXPECT_TRUE(rebuilt);
  EXPECT_EQ(after_open, rocksdb::PerfLevel::kEnableTimeExceptForMutex);
  EXPECT_EQ(after_verify, rocksdb::PerfLevel::kEnableTimeExceptForMutex);
  EXPECT_EQ(after_rebuild, rocksdb::PerfLevel::kEnableTimeExceptForMutex);
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok());
  auto row = (*view)->Get("rows", "row/s-7");  // the rows were rebuilt at the new version
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ(**row, "payload of p7");
}

}  // namespace
}  // namespace proeftuin::eventstore::testing

namespace proeftuin::eventstore::testing {
namespace {

// A read view's ReadStream and EventAt (what the views read a stream's history and a
// correction's target from): the stream's events in order across MultiGet batches, exactly as
// ReadStream of the store returns them but without personal parts, none appended after the
// view was opened.
TEST(ReadViewLog, ReadStreamAndEventAtAreTheLogAtTheViewsSnapshot) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  for (int i = 1; i <= 200; ++i) {  // stream-a holds 150 of them: three MultiGet batches
    AppendRequest r = OneStream("r" + std::to_string(i), i % 4 == 0 ? "stream-b" : "stream-a",
                                ExpectedVersion::Any(), {Event("payload " + std::to_string(i))});
    if (i % 5 == 0) r.appends[0].events[0].personal = "bewoner " + std::to_string(i);
    ASSERT_TRUE(store->Append(r).ok());
  }
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok()) << view.status();
  ASSERT_TRUE(store->Append(OneStream("later", "stream-a", ExpectedVersion::Any(), {Event("later")})).ok());

  auto want = store->ReadStream("stream-a", Direction::kForward, 0, 1000);
  ASSERT_TRUE(want.ok()) << want.status();
  ASSERT_EQ(want->size(), 151u);
  std::vector<RecordedEvent> got;
  ASSERT_TRUE((*view)->ReadStream("stream-a", [&](const RecordedEvent& e) {
    got.push_back(e);
    return true;
  }).ok());
  ASSERT_EQ(got.size(), 150u);  // not the one appended after the view was opened
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].header.SerializeAsString(), (*want)[i].header.SerializeAsString()) << i;
    EXPECT_EQ(got[i].payload, (*want)[i].payload);
    EXPECT_FALSE(got[i].personal.has_value());
  }
  int seen = 0;
  ASSERT_TRUE((*view)->ReadStream("stream-a", [&](const RecordedEvent&) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);  // stops when asked
  ASSERT_TRUE((*view)->ReadStream("no-such-stream", [&](const RecordedEvent&) {
    ADD_FAILURE() << "an unknown stream has no events";
    return true;
  }).ok());

  auto at = (*view)->EventAt(got[7].position());
  ASSERT_TRUE(at.ok()) << at.status();
  ASSERT_TRUE(at->has_value());
  EXPECT_EQ((*at)->header.SerializeAsString(), got[7].header.SerializeAsString());
  auto after = (*view)->EventAt(201);  // appended after the view was opened
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
  auto none = (*view)->EventAt(0);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

// Counts the ReadStreams that reach the view it wraps.
class CountingView : public ReadView {
 public:
  explicit CountingView(ReadView& inner) : inner_(inner) {}
  uint64_t position() const override { return inner_.position(); }
  absl::StatusOr<std::optional<std::string>> Get(std::string_view p, std::string_view k) override {
    return inner_.Get(p, k);
  }
  absl::Status Scan(std::string_view p, std::string_view prefix, std::string_view after,
                    const std::function<bool(std::string_view, std::string_view)>& fn) override {
    return inner_.Scan(p, prefix, after, fn);
  }
  absl::StatusOr<uint64_t> ProjectionPosition(std::string_view p) override { return inner_.ProjectionPosition(p); }
  absl::Status ReadStream(std::string_view stream, const std::function<bool(const RecordedEvent&)>& fn) override {
    ++stream_reads;
    return inner_.ReadStream(stream, fn);
  }
  absl::StatusOr<std::optional<RecordedEvent>> EventAt(uint64_t position) override { return inner_.EventAt(position); }
  int stream_reads = 0;

 private:
  ReadView& inner_;
};

// StreamMemoView (GetExperiment reads an experiment's stream for its correctable events and
// again for its history): each stream is read from the log once, whole even when the first
// reader stops early, and every later read sees the same events in the same order.
TEST(StreamMemo, ReadsEachStreamOnceAndAnswersLaterReadsTheSame) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  for (int i = 1; i <= 120; ++i) {
    ASSERT_TRUE(store->Append(OneStream("r" + std::to_string(i), i % 3 == 0 ? "stream-b" : "stream-a",
                                        ExpectedVersion::Any(), {Event("payload " + std::to_string(i))}))
                    .ok());
  }
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok()) << view.status();
  std::vector<RecordedEvent> want;
  ASSERT_TRUE((*view)->ReadStream("stream-a", [&](const RecordedEvent& e) {
    want.push_back(e);
    return true;
  }).ok());
  ASSERT_EQ(want.size(), 80u);

  CountingView counting(**view);
  StreamMemoView memo(counting);
  EXPECT_EQ(memo.position(), (*view)->position());
  int seen = 0;
  ASSERT_TRUE(memo.ReadStream("stream-a", [&](const RecordedEvent&) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);  // the reader's early stop is kept
  EXPECT_EQ(counting.stream_reads, 1);
  for (int round = 0; round < 2; ++round) {
    std::vector<RecordedEvent> got;
    ASSERT_TRUE(memo.ReadStream("stream-a", [&](const RecordedEvent& e) {
      got.push_back(e);
      return true;
    }).ok());
    ASSERT_EQ(got.size(), want.size()) << round;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].header.SerializeAsString(), want[i].header.SerializeAsString()) << i;
      EXPECT_EQ(got[i].payload, want[i].payload) << i;
    }
  }
  EXPECT_EQ(counting.stream_reads, 1);  // answered from the first read
  int b = 0;
  ASSERT_TRUE(memo.ReadStream("stream-b", [&](const RecordedEvent&) { return ++b > 0; }).ok());
  ASSERT_TRUE(memo.ReadStream("stream-b", [&](const RecordedEvent&) { return ++b > 0; }).ok());
  EXPECT_EQ(b, 80);
  EXPECT_EQ(counting.stream_reads, 2);
  auto at = memo.EventAt(want[5].position());
  ASSERT_TRUE(at.ok() && at->has_value());
  EXPECT_EQ((*at)->payload, want[5].payload);
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
