// Tamper evidence: rewrite stored events through RocksDB directly and check that Verify and
// VerifyExtends name the position; personal data can be erased while the chain verifies.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <type_traits>

#include "absl/cleanup/cleanup.h"
#include "eventstore/record.h"
#include "eventstore/wal_fs.h"
#include "integration/raw_db.h"
#include "integration/store_fixture.h"
#include "proeftuin/v1/store.pb.h"
#include "rocksdb/db.h"

namespace proeftuin::eventstore::testing {
namespace {

RocksStoreOptions At(const std::string& path) {
  RocksStoreOptions o;
  o.path = path;
  return o;
}

// Rewrites the payload of the event at `pos`; with `rehash` also recomputes its hash so that
// the record is self-consistent (the attacker knows the format).
void Tamper(const std::string& path, uint64_t pos, bool rehash) {
  RawDb raw(path);
  std::string rec = raw.Get("events", PositionKey(pos));
  auto r = DecodeRecord(rec);
  ASSERT_TRUE(r.ok());
  std::string payload = std::string(r->payload) + " (amount changed afterwards)";
  Digest hash = r->hash;
  if (rehash) {
    v1::EventHeader h;
    ASSERT_TRUE(h.ParseFromArray(r->header_bytes.data(), static_cast<int>(r->header_bytes.size())));
    Digest prev{};
    std::copy(h.previous_hash().begin(), h.previous_hash().end(), prev.begin());
    hash = ChainHash(prev, r->header_bytes, Sha256Of(payload), r->personal_digest);
  }
  raw.Put("events", PositionKey(pos), EncodeRecord(r->header_bytes, payload, r->personal_digest, hash));
}

// A log in a temp dir, verified from a fresh open; `digest_` is its head after SetUp.
class LogTest : public ::testing::Test {
 protected:
  void KeepDigest(EventStore& store) {
    auto d = store.Digest();
    ASSERT_TRUE(d.ok());
    digest_ = *d;
  }
  // The store opened read-only (a RocksDB secondary), as beside a running server.
  std::unique_ptr<RocksStore> OpenReadOnly() {
    RocksStoreOptions ro;
    ro.read_only = true;
    return OpenStore(dir_.path(), ro);
  }
  VerifyResult VerifyAll() {
    auto store = OpenStore(dir_.path());
    auto v = store->Verify(1, 0);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : VerifyResult{};
  }
  TempDir dir_;
  ChainDigest digest_;
};

class VerifyTest : public LogTest {
 protected:
  void SetUp() override {
    auto store = OpenStore(dir_.path());
    for (int i = 1; i <= 100; ++i) {
      AppendRequest r = OneEvent("v" + std::to_string(i), "stream-" + std::to_string(i % 4));
      if (i % 10 == 0) r.appends[0].events[0].personal = "bewoner " + std::to_string(i);
      ASSERT_TRUE(store->Append(r).ok());
    }
    KeepDigest(*store);
  }
};

TEST_F(VerifyTest, IntactLogVerifiesAndDigestRoundTrips) {
  VerifyResult v = VerifyAll();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.events_checked, 100u);
  EXPECT_EQ(v.head.position, 100u);
  EXPECT_EQ(v.head.hash, digest_.hash);
  auto parsed = ChainDigest::Parse(digest_.ToString());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->position, 100u);
  EXPECT_EQ(parsed->hash, digest_.hash);
  EXPECT_EQ(ChainDigest::Parse("12:abc").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(VerifyTest, RewrittenEventIsNamedByPosition) {
  Tamper(dir_.path(), 42, /*rehash=*/false);
  VerifyResult v = VerifyAll();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, 42u);
  EXPECT_NE(v.problem.find("altered"), std::string::npos) << v.problem;
  auto store = OpenStore(dir_.path());  // a broken chain never stops the store from opening
  ASSERT_NE(store, nullptr);
  auto range = store->Verify(50, 100);  // a range after the damage is intact on its own
  ASSERT_TRUE(range.ok());
  EXPECT_TRUE(range->ok) << range->problem;
}

TEST_F(VerifyTest, RehashedRewriteBreaksTheNextLink) {
  Tamper(dir_.path(), 42, /*rehash=*/true);
  VerifyResult v = VerifyAll();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, 43u);
  EXPECT_NE(v.problem.find("previous_hash"), std::string::npos) << v.problem;
}

// A rehashed rewrite of the newest event leaves a self-consistent chain, but the commit mark
// (meta/head, written in the batch of the event) still holds the hash committed there: the
// check at open and Verify name position 100, and the store refuses to write on top of it. An
// attacker who rewrites the mark too leaves only the published digest to tell.
TEST_F(VerifyTest, RewrittenNewestEventIsCaughtByStartupCheckAndPublishedDigest) {
  Tamper(dir_.path(), 100, /*rehash=*/true);
  {
    auto store = OpenStore(dir_.path());
    ASSERT_NE(store, nullptr);
    VerifyResult at_open = store->StartupCheck();
    EXPECT_FALSE(at_open.ok);
    EXPECT_EQ(at_open.first_bad_position, 100u) << at_open.problem;
    EXPECT_NE(at_open.problem.find("rewritten"), std::string::npos) << at_open.problem;
    auto all = store->Verify(1, 0);
    ASSERT_TRUE(all.ok()) << all.status();
    EXPECT_FALSE(all->ok);
    EXPECT_EQ(all->first_bad_position, 100u) << all->problem;
    auto refused = store->Append(OneEvent("after-rewrite", "stream-1"));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
    EXPECT_EQ(store->WriteHealth().code(), absl::StatusCode::kDataLoss);
  }
  {
    RawDb raw(dir_.path());
    std::string rec = raw.Get("events", PositionKey(100));
    raw.Put("default", "meta/head", PositionKey(100) + rec.substr(rec.size() - 32));
  }
  auto store = OpenStore(dir_.path());
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->StartupCheck().ok) << store->StartupCheck().problem;
  auto all = store->Verify(1, 0);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->ok) << all->problem;  // the chain is consistent again...
  auto ext = store->VerifyExtends(digest_);
  ASSERT_TRUE(ext.ok());
  EXPECT_FALSE(ext->ok);  // ...but no longer contains what was published
  EXPECT_EQ(ext->first_bad_position, 100u);
  ChainDigest earlier{99, {}};
  auto v99 = store->Verify(1, 99);
  ASSERT_TRUE(v99.ok());
  earlier.hash = v99->head.hash;
  EXPECT_TRUE(store->VerifyExtends(earlier)->ok);
}

TEST_F(VerifyTest, DigestBeyondTheLogFails) {
  auto store = OpenStore(dir_.path());
  ChainDigest future{500, digest_.hash};
  auto v = store->VerifyExtends(future);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_position, 101u);
}

TEST_F(VerifyTest, ErasedPersonalDataKeepsTheChainValidAndAlteredPersonalDataIsCaught) {
  {
    RawDb raw(dir_.path());
    raw.Delete("personal", PositionKey(30));  // AVG/GDPR erasure: the bytes go, the digest stays
    raw.Put("personal", PositionKey(60), "someone else");
  }
  VerifyResult v = VerifyAll();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, 60u);
  EXPECT_NE(v.problem.find("personal"), std::string::npos);
  auto store = OpenStore(dir_.path());
  auto e30 = store->ReadAll(30, 1, EventFilter{});
  ASSERT_TRUE(e30.ok());
  EXPECT_TRUE(e30->events[0].header.has_personal());
  EXPECT_FALSE(e30->events[0].personal.has_value());
}

// FORMAT.md, "Verifying", step 5: a personal-data part stored under an event that has none is
// reported with its position, also an empty one (whose digest is the event's empty digest),
// and a backup's check refuses it.
TEST_F(VerifyTest, APersonalPartUnderAnEventWithoutPersonalDataIsReported) {
  for (const std::string planted : {"someone", ""}) {
    SCOPED_TRACE("planted part '" + planted + "'");
    {
      RawDb raw(dir_.path());
      raw.Put("personal", PositionKey(41), planted);
    }
    VerifyResult v = VerifyAll();
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_bad_position, 41u) << v.problem;
    EXPECT_NE(v.problem.find("personal"), std::string::npos) << v.problem;
  }
  TempDir backup;
  auto store = OpenStore(dir_.path());
  absl::Status s = store->Checkpoint(backup.Sub("copy"));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("position 41"), std::string::npos) << s;
}

TEST_F(VerifyTest, ReadOnlyOpenVerifiesWhileAWriterHoldsTheStore) {
  auto writer = OpenStore(dir_.path());
  auto reader = OpenReadOnly();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->Append(OneEvent("x", "s")).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(writer->Append(OneEvent("after", "s")).ok());
  auto v = reader->Verify(1, 0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->events_checked, 101u);  // sees the writer's newest event
}

// A read-only open follows a writer that goes on appending: each read catches up with the WAL
// the writer is still filling, and sees every event, in order, without a gap. (The writer's WAL
// is written over zeros synced ahead of its records: RocksDB's secondary would read them to the
// file's end and not go back for the records laid over them, were its WALs not read up to their
// records' end; eventstore/wal_fs.h.)
TEST_F(VerifyTest, AReadOnlyOpenFollowingAWriterSeesEveryEventItWrites) {
  auto writer = OpenStore(dir_.path());
  ASSERT_TRUE(writer->Append(OneEvent("first", "s")).ok());
  // The zeros are on the disk past the records before the reader opens.
  std::string wal;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    if (e.path().extension() == ".log") wal = std::max(wal, e.path().string());
  }
  auto zeroed = [&] {
    std::ifstream in(wal, std::ios::binary);
    std::string c((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return c.size() > WalRecordsEnd(c);
  };
  for (int i = 0; i < 1000 && !zeroed(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(zeroed()) << wal;
  auto reader = OpenReadOnly();
  ASSERT_NE(reader, nullptr);
  for (int i = 1; i <= 20; ++i) {
    ASSERT_TRUE(writer->Append(OneEvent("more-" + std::to_string(i), "s")).ok());
    auto page = reader->ReadAll(1, 1000, EventFilter{});
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->events.size(), 101u + i) << "after the writer's append " << i;
    for (size_t k = 0; k < page->events.size(); ++k) {
      ASSERT_EQ(page->events[k].position(), k + 1) << "after the writer's append " << i;
    }
    EXPECT_EQ(page->events.back().payload, "payload of more-" + std::to_string(i));
  }
  auto v = reader->Verify(1, 0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->events_checked, 121u);
}

// Backups are taken while the server writes (ops/backup.sh, hourly). Each one taken while a
// writer appends must verify, and hold every event acknowledged before it began, without a gap.
TEST_F(VerifyTest, BackupsTakenWhileAWriterAppendsHoldAnUnbrokenPrefix) {
  auto store = OpenStore(dir_.path());
  std::atomic<uint64_t> acknowledged{100};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      auto r = store->Append(OneEvent("during-" + std::to_string(i), "s-" + std::to_string(i % 5)));
      if (!r.ok()) {
        ADD_FAILURE() << r.status();
        return;
      }
      acknowledged.store(r->last_position);
    }
  });
  // Also when an assertion below returns early: a joinable thread must not be destroyed.
  absl::Cleanup stop_writer = [&] {
    stop.store(true);
    writer.join();
  };
  TempDir backups;
  for (int b = 0; b < 3; ++b) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    const uint64_t before = acknowledged.load();
    const std::string copy_dir = backups.Sub("b" + std::to_string(b));
    absl::Status s = store->Checkpoint(copy_dir);
    ASSERT_TRUE(s.ok()) << s;
    auto copy = OpenStore(copy_dir);
    ASSERT_NE(copy, nullptr);
    std::vector<RecordedEvent> all = ReadEverything(*copy);
    ASSERT_GE(all.size(), before) << "backup " << b;
    for (size_t k = 0; k < all.size(); ++k) ASSERT_EQ(all[k].position(), k + 1) << "backup " << b;
    auto v = copy->Verify(1, 0);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(v->ok) << v->problem;
  }
  std::move(stop_writer).Invoke();
  EXPECT_GT(acknowledged.load(), 100u);
}

// A log long enough that Verify splits it over threads (one part per core, each part anchored
// on the stored hash of the record before it): the result must be the one a single pass gives.
class LongLogVerify : public LogTest {
 protected:
  static constexpr uint64_t kEvents = 60'000;  // above the store's threshold for parallel checks

  void SetUp() override {
    auto store = OpenStore(dir_.path());
    for (uint64_t a = 0; a < kEvents / 100; ++a) {
      std::vector<NewEvent> events;
      for (int i = 0; i < 100; ++i) events.push_back(Event("event " + std::to_string(a * 100 + i)));
      auto r = store->Append(OneStream("l" + std::to_string(a), "stream-" + std::to_string(a % 7),
                                       ExpectedVersion::Any(), std::move(events)));
      ASSERT_TRUE(r.ok()) << r.status();
    }
    KeepDigest(*store);
  }
};

TEST_F(LongLogVerify, IntactLogVerifiesWithTheHeadAndProbeOfASinglePass) {
  VerifyResult v = VerifyAll();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.from, 1u);
  EXPECT_EQ(v.to, kEvents);
  EXPECT_EQ(v.events_checked, kEvents);
  EXPECT_EQ(v.head.position, kEvents);
  EXPECT_EQ(v.head.hash, digest_.hash);
  auto store = OpenStore(dir_.path());
  auto short_range = store->Verify(1, 45'000);  // under the threshold: one pass
  ASSERT_TRUE(short_range.ok() && short_range->ok);
  ChainDigest at{45'000, short_range->head.hash};
  auto ext = store->VerifyExtends(at);  // over the threshold: the probe comes from one part
  ASSERT_TRUE(ext.ok());
  EXPECT_TRUE(ext->ok) << ext->problem;
  at.hash[0] ^= 1;
  EXPECT_FALSE(store->VerifyExtends(at)->ok);
  // A range past the end of an intact log is the caller's mistake, not a verdict on the log.
  auto past = store->Verify(1, kEvents + 5);
  EXPECT_EQ(past.status().code(), absl::StatusCode::kOutOfRange) << past.status();
  EXPECT_NE(past.status().message().find("to_position: 60005 is past the end of the log"),
            std::string_view::npos)
      << past.status();
}

TEST_F(LongLogVerify, TheFirstDamageIsNamedWhicheverPartHoldsIt) {
  Tamper(dir_.path(), 59'990, /*rehash=*/false);
  VerifyResult v = VerifyAll();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, 59'990u) << v.problem;
  Tamper(dir_.path(), 10, /*rehash=*/false);
  v = VerifyAll();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, 10u) << v.problem;
  EXPECT_NE(v.problem.find("altered"), std::string::npos) << v.problem;
}

// Each part walks the personal family beside the log: a planted part is named in whichever
// part holds it, and the first one in the log is the one reported.
TEST_F(LongLogVerify, APlantedPersonalPartIsNamedWhicheverPartHoldsIt) {
  {
    RawDb raw(dir_.path());
    raw.Put("personal", PositionKey(45'000), "planted");
  }
  VerifyResult v = VerifyAll();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, 45'000u) << v.problem;
  {
    RawDb raw(dir_.path());
    raw.Put("personal", PositionKey(20'000), "planted");
  }
  v = VerifyAll();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, 20'000u) << v.problem;
}

TEST_F(LongLogVerify, ARehashedRewriteAtAPartBoundaryBreaksTheNextLink) {
  // 30,000 ends the first part with two and with four threads: the second part is anchored on
  // the rewritten record's (self-consistent) hash, and the next record does not link to it.
  Tamper(dir_.path(), 30'000, /*rehash=*/true);
  VerifyResult v = VerifyAll();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, 30'001u) << v.problem;
  EXPECT_NE(v.problem.find("previous_hash"), std::string::npos) << v.problem;
}

TEST(StoreOpen, RefusesUnknownFormatLockedOrMissingStoresWithClearMessages) {
  TempDir dir;
  { auto s = OpenStore(dir.path()); }
  {
    RawDb raw(dir.path());
    raw.Put("default", "meta/format", "7");
  }
  auto bad = RocksStore::Open(At(dir.path()));
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(bad.status().message()).find("format version 7"), std::string::npos);
  {
    RawDb raw(dir.path());
    raw.Put("default", "meta/format", "1");
  }
  auto first = OpenStore(dir.path());
  auto second = RocksStore::Open(At(dir.path()));
  ASSERT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(second.status().message()).find("locked"), std::string::npos);
  RocksStoreOptions none;
  none.path = dir.Sub("nothing-here");
  none.create_if_missing = false;
  EXPECT_EQ(RocksStore::Open(none).status().code(), absl::StatusCode::kNotFound);
}

// A record whose header does not parse, or names another position, is DATA_LOSS naming the
// position for both readers of the log, the decoding one and the one of views.
TEST_F(VerifyTest, ReadersNameTheRecordWhoseHeaderIsBroken) {
  {
    RawDb raw(dir_.path());
    auto rewrite = [&](uint64_t pos, const std::string& header) {
      std::string rec = raw.Get("events", PositionKey(pos));
      auto r = DecodeRecord(rec);
      ASSERT_TRUE(r.ok());
      raw.Put("events", PositionKey(pos),
              EncodeRecord(header, r->payload, r->personal_digest, r->hash));
    };
    // field 1 as length-delimited, with a length whose varint is cut off
    rewrite(30, std::string("\x0a\xff", 2));
    v1::EventHeader moved;
    moved.set_position(7);
    moved.set_stream("stream-1");
    rewrite(60, moved.SerializeAsString());
  }
  auto store = OpenStore(dir_.path());
  EventPage page;
  ASSERT_TRUE(store->ReadAllViews(1, 29, EventFilter{}, &page).ok());
  EXPECT_EQ(page.events.size(), 29u);
  for (uint64_t from : {1u, 31u}) {
    uint64_t bad = from == 1 ? 30 : 60;
    std::string where = "position " + std::to_string(bad);
    auto all = store->ReadAll(from, 100, EventFilter{});
    EXPECT_EQ(all.status().code(), absl::StatusCode::kDataLoss) << all.status();
    EXPECT_NE(all.status().message().find(where), std::string::npos) << all.status();
    absl::Status views = store->ReadAllViews(from, 100, EventFilter{}, &page);
    EXPECT_EQ(views.code(), absl::StatusCode::kDataLoss) << views;
    EXPECT_NE(views.message().find(where), std::string::npos) << views;
  }
}

// The views reader reads only position, stream, type and confidentiality from a header: one
// broken elsewhere (invalid UTF-8 in its reason) fails when its view is parsed, is passed over
// when the filter does not want its event, and is found by Verify. ReadAll, which parses every
// header it scans, fails on it either way.
TEST_F(VerifyTest, AViewOfAHeaderBrokenOutsideTheScannedFieldsFailsWhenParsed) {
  {
    RawDb raw(dir_.path());
    std::string rec = raw.Get("events", PositionKey(50));
    auto r = DecodeRecord(rec);
    ASSERT_TRUE(r.ok());
    v1::EventHeader h;
    ASSERT_TRUE(h.ParseFromArray(r->header_bytes.data(), static_cast<int>(r->header_bytes.size())));
    h.clear_reason();
    std::string header = h.SerializeAsString();
    header += std::string("\x52\x02\xc3\x28", 4);  // reason (field 10): invalid UTF-8
    raw.Put("events", PositionKey(50), EncodeRecord(header, r->payload, r->personal_digest, r->hash));
  }
  auto store = OpenStore(dir_.path());
  EventPage page;
  ASSERT_TRUE(store->ReadAllViews(41, 20, EventFilter{}, &page).ok());
  ASSERT_EQ(page.events.size(), 20u);
  const EventView& broken = page.events[9];
  ASSERT_EQ(broken.position, 50u);
  EXPECT_EQ(broken.stream, "stream-2");
  v1::EventHeader parsed;
  absl::Status s = broken.ParseHeader(&parsed);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("position 50"), std::string::npos) << s;
  EXPECT_EQ(broken.Decode().status().code(), absl::StatusCode::kDataLoss);
  // stream-2 holds positions 2, 6, ..., 50: another stream's reader passes over it
  ASSERT_TRUE(store->ReadAllViews(41, 20, EventFilter{"stream-1", {}}, &page).ok());
  ASSERT_EQ(page.events.size(), 15u);  // 41, 45, ..., 97
  for (const EventView& v : page.events) EXPECT_EQ(v.stream, "stream-1") << v.position;
  EXPECT_EQ(store->ReadAll(41, 20, EventFilter{"stream-1", {}}).status().code(),
            absl::StatusCode::kDataLoss);
  store.reset();
  VerifyResult v = VerifyAll();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_position, 50u);
}

static_assert(!std::is_copy_constructible_v<EventPage>, "a copy's views would dangle");
static_assert(std::is_nothrow_move_constructible_v<EventPage>);

// A key in the events family that is not a position (put there by hand, e.g. with ldb, and
// sorting after every position) is not taken for the end of the log: the next append gets the
// next position, never one already used, record 1 stays as it was, and readers (a read-only
// instance too) see the log's real end. Verify reports the stray key after the last event.
TEST(StoreOpen, AStrayKeyInTheEventsFamilyNeverMakesAPositionReused) {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(store->Append(OneEvent("e" + std::to_string(i), "s")).ok());
    }
  }
  std::string first;
  {
    RawDb raw(dir.path());
    first = raw.Get("events", PositionKey(1));
    raw.Put("events", "zz", "not an event");
  }
  {
    RocksStoreOptions ro;
    ro.read_only = true;
    auto reader = OpenStore(dir.path(), ro);
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(reader->LastPosition(), 3u);
    auto d = reader->Digest();
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->position, 3u);
  }
  auto store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->LastPosition(), 3u);
  auto r = store->Append(OneEvent("after", "s"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first_position, 4u);
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ((*view)->position(), 4u);
  auto all = ReadEverything(*store);
  ASSERT_EQ(all.size(), 4u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].position(), i + 1);
  EXPECT_EQ(all[3].header.request_id(), "after");
  auto d = store->Digest();
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->position, 4u);
  auto chain = store->Verify(1, 4);
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->ok) << chain->problem;
  auto whole = store->Verify(1, 0);
  ASSERT_TRUE(whole.ok());
  EXPECT_FALSE(whole->ok);
  EXPECT_EQ(whole->first_bad_position, 5u) << whole->problem;
  view->reset();  // a view keeps the database open
  store.reset();
  RawDb raw(dir.path());
  EXPECT_EQ(raw.Get("events", PositionKey(1)), first);
}

TEST(StoreOpen, CorruptFilesFailToOpenWithoutACrash) {
  TempDir dir;
  {
    auto s = OpenStore(dir.path());
    ASSERT_TRUE(s->Append(OneEvent("a", "s")).ok());
  }
  for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
    if (f.path().filename().string().rfind("MANIFEST-", 0) == 0) {
      std::FILE* fp = std::fopen(f.path().c_str(), "r+b");
      ASSERT_NE(fp, nullptr);
      std::fseek(fp, 0, SEEK_SET);
      std::fputs("garbage garbage garbage garbage garbage", fp);
      std::fclose(fp);
    }
  }
  auto s = RocksStore::Open(At(dir.path()));
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.status().code() == absl::StatusCode::kDataLoss ||
              s.status().code() == absl::StatusCode::kUnavailable)
      << s.status();
}

// A read view's ReadStream (the views' history) trusts no stream index entry it cannot check:
// a value that is not a position, or a position holding another stream's event, is DATA_LOSS.
TEST(ReadViewLog, AWrongStreamIndexEntryIsDataLoss) {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Append(OneEvent("a1", "stream-a", ExpectedVersion::Any())).ok());
    ASSERT_TRUE(store->Append(OneEvent("b1", "stream-b", ExpectedVersion::Any())).ok());  // position 2
    ASSERT_TRUE(store->Append(OneEvent("c1", "stream-c", ExpectedVersion::Any())).ok());
    store->Close();
  }
  {
    RawDb raw(dir.path());
    raw.Put("streams", "v/stream-a/" + PositionKey(1), PositionKey(2));  // version 1 -> b's event
    raw.Put("streams", "v/stream-c/" + PositionKey(1), "xyz");           // not a position
  }
  auto store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok()) << view.status();
  absl::Status other = (*view)->ReadStream("stream-a", [](const RecordedEvent&) { return true; });
  EXPECT_EQ(other.code(), absl::StatusCode::kDataLoss) << other;
  EXPECT_NE(other.message().find("an event of stream-b"), std::string_view::npos) << other;
  absl::Status bad = (*view)->ReadStream("stream-c", [](const RecordedEvent&) { return true; });
  EXPECT_EQ(bad.code(), absl::StatusCode::kDataLoss) << bad;
  absl::Status fine = (*view)->ReadStream("stream-b", [](const RecordedEvent&) { return true; });
  EXPECT_TRUE(fine.ok()) << fine;
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
