// Events deleted at the end of the log (the newest ones, or all of them) with RocksDB directly:
// the store's other rows still say they were committed (the commit mark meta/head, the async
// projections' checkpoints, the streams' heads, the requests' stored results). The store opens,
// refuses to write over the lost positions (DATA_LOSS naming them) and verification fails
// naming the first missing position; a range past the end of an intact log is refused as bad
// input, never reported as a verdict.
#include <gtest/gtest.h>

#include "eventstore/projection.h"
#include "eventstore/record.h"
#include "integration/raw_db.h"
#include "integration/store_fixture.h"

namespace proeftuin::eventstore::testing {
namespace {

// An asynchronous projection that counts events: its checkpoint witnesses how far the log went.
class TailCounter : public Projector {
 public:
  std::string Name() const override { return "tail_counter"; }
  uint32_t Version() const override { return 1; }
  void Apply(const RecordedEvent&, ProjectionWriter& rows) override {
    auto n = rows.Get("n");
    rows.Put("n", std::to_string((n.has_value() ? std::stoull(*n) : 0) + 1));
  }
};

RocksStoreOptions WithTailCounter() {
  RocksStoreOptions o;
  o.async_projectors = {std::make_shared<TailCounter>()};
  return o;
}

// Deletes the records (and personal parts) at positions [from, to] as an attacker would.
void DeleteEvents(const std::string& path, uint64_t from, uint64_t to) {
  RawDb raw(path);
  for (uint64_t p = from; p <= to; ++p) {
    raw.Delete("events", PositionKey(p));
    raw.Delete("personal", PositionKey(p));
  }
}

// The witnesses a careful attacker removes too: the commit mark and the checkpoints.
void DeleteWitnesses(const std::string& path) {
  RawDb raw(path);
  raw.Delete("default", "meta/head");
  for (const std::string& k : raw.Keys("default", "meta/checkpoint/")) raw.Delete("default", k);
}

bool Names(const absl::Status& s, const std::string& what) {
  return s.message().find(what) != std::string_view::npos;
}

// 30 events in 3 streams (request "e<i>" is position i), the async projection caught up.
class LostEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenStore(dir_.path(), WithTailCounter());
    ASSERT_NE(store, nullptr);
    for (int i = 1; i <= 30; ++i) {
      ASSERT_TRUE(
          store->Append(OneEvent("e" + std::to_string(i), "s-" + std::to_string(i % 3))).ok());
    }
    ASSERT_TRUE(store->WaitForProjection("tail_counter", 30, absl::Now() + absl::Seconds(10)).ok());
  }
  // The verdict of Verify(from, to) on a fresh open; read-only opens give the same.
  VerifyResult VerifyOpened(uint64_t from, uint64_t to, bool read_only) {
    RocksStoreOptions o;
    o.read_only = read_only;
    auto store = OpenStore(dir_.path(), o);
    auto v = store->Verify(from, to);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : VerifyResult{};
  }
  TempDir dir_;
};

TEST_F(LostEvents, DeletedNewestEventsRefuseWritesAndFailVerification) {
  DeleteEvents(dir_.path(), 26, 30);
  auto store = OpenStore(dir_.path(), WithTailCounter());  // a lost event never stops the open
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->LastPosition(), 25u);
  VerifyResult at_open = store->StartupCheck();
  EXPECT_FALSE(at_open.ok);
  EXPECT_EQ(at_open.first_bad_position, 26u) << at_open.problem;
  EXPECT_NE(at_open.problem.find("meta/head"), std::string::npos) << at_open.problem;
  EXPECT_NE(at_open.problem.find("events 26 to 30"), std::string::npos) << at_open.problem;
  absl::Status health = store->WriteHealth();
  EXPECT_EQ(health.code(), absl::StatusCode::kDataLoss) << health;
  auto refused = store->Append(OneEvent("after", "s-new"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
  EXPECT_TRUE(Names(refused.status(), "position 26")) << refused.status();
  EXPECT_TRUE(Names(refused.status(), "events 26 to 30")) << refused.status();
  EXPECT_EQ(store->LastPosition(), 25u);  // nothing written over the lost positions
  EXPECT_EQ(store->Rebuild("tail_counter", nullptr).code(), absl::StatusCode::kDataLoss);
  auto v = store->Verify(1, 0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_position, 26u) << v->problem;
  EXPECT_EQ(v->events_checked, 25u);
  // A range that reaches the end, and one past it, say the same (not "past the end").
  for (uint64_t from : {20u, 26u, 28u}) {
    auto part = store->Verify(from, 0);
    ASSERT_TRUE(part.ok()) << from << ": " << part.status();
    EXPECT_FALSE(part->ok) << from;
    EXPECT_EQ(part->first_bad_position, 26u) << from << ": " << part->problem;
  }
  for (uint64_t to : {25u, 30u}) {  // up to the (new) head or past it: the end is asked about
    auto up_to = store->Verify(1, to);
    ASSERT_TRUE(up_to.ok()) << to << ": " << up_to.status();
    EXPECT_FALSE(up_to->ok) << to;
    EXPECT_EQ(up_to->first_bad_position, 26u) << to << ": " << up_to->problem;
  }
  auto digest = store->Verify(1, 24);  // a range before the loss is intact on its own
  ASSERT_TRUE(digest.ok() && digest->ok);
  auto ext = store->VerifyExtends(digest->head);
  ASSERT_TRUE(ext.ok());
  EXPECT_FALSE(ext->ok);
  EXPECT_EQ(ext->first_bad_position, 26u) << ext->problem;
  store.reset();
  VerifyResult offline = VerifyOpened(1, 0, /*read_only=*/true);
  EXPECT_FALSE(offline.ok);
  EXPECT_EQ(offline.first_bad_position, 26u) << offline.problem;
}

TEST_F(LostEvents, DeletingEveryEventIsCaughtToo) {
  DeleteEvents(dir_.path(), 1, 30);
  auto store = OpenStore(dir_.path(), WithTailCounter());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->LastPosition(), 0u);
  EXPECT_FALSE(store->StartupCheck().ok);
  EXPECT_EQ(store->StartupCheck().first_bad_position, 1u) << store->StartupCheck().problem;
  auto refused = store->Append(OneEvent("after", "s-new"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss) << refused.status();
  auto v = store->Verify(1, 0);
  ASSERT_TRUE(v.ok()) << v.status();  // a verdict on the log, not "nothing to verify"
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_position, 1u) << v->problem;
  EXPECT_NE(v->problem.find("the log is empty"), std::string::npos) << v->problem;
}

// Without the commit mark (a store written before it existed, or an attacker who deleted it),
// the async projection's checkpoint still says how far the log went.
TEST_F(LostEvents, TheProjectionCheckpointWitnessesWithoutTheCommitMark) {
  DeleteEvents(dir_.path(), 28, 30);
  {
    RawDb raw(dir_.path());
    raw.Delete("default", "meta/head");
  }
  auto store = OpenStore(dir_.path(), WithTailCounter());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->StartupCheck().first_bad_position, 28u) << store->StartupCheck().problem;
  EXPECT_NE(store->StartupCheck().problem.find("tail_counter"), std::string::npos)
      << store->StartupCheck().problem;
  EXPECT_EQ(store->Append(OneEvent("after", "s-new")).status().code(), absl::StatusCode::kDataLoss);
  auto v = store->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->first_bad_position, 28u) << v->problem;
}

// Without any witness at open, the rows written in the batches of the lost events still tell:
// the writer refuses an append to a stream whose head names a lost position, and then every
// append; a retry of a request whose events were lost is DATA_LOSS, never its stored result
// naming events that are not there; Verify finds the stream index naming lost positions.
TEST_F(LostEvents, StreamHeadsAndStoredResultsWitnessWhenNothingElseDoes) {
  DeleteEvents(dir_.path(), 29, 30);  // s-2 at 29, s-0 at 30
  DeleteWitnesses(dir_.path());
  auto store = OpenStore(dir_.path());
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->StartupCheck().ok) << store->StartupCheck().problem;  // nothing to see yet
  auto retry = store->LookupRequest("e30", "fp-e30");
  EXPECT_EQ(retry.status().code(), absl::StatusCode::kDataLoss) << retry.status();
  EXPECT_TRUE(Names(retry.status(), "positions 30 to 30")) << retry.status();
  auto view = store->OpenReadView();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(store->LookupRequest(**view, "e29", "fp-e29").status().code(),
            absl::StatusCode::kDataLoss);
  view->reset();
  auto same = store->Append(OneEvent("e30", "s-0"));  // the lost request, retried
  EXPECT_EQ(same.status().code(), absl::StatusCode::kDataLoss) << same.status();
  auto to_lost = store->Append(OneEvent("to-s-2", "s-2"));
  EXPECT_EQ(to_lost.status().code(), absl::StatusCode::kDataLoss) << to_lost.status();
  auto elsewhere = store->Append(OneEvent("new-stream", "s-new"));
  EXPECT_EQ(elsewhere.status().code(), absl::StatusCode::kDataLoss) << elsewhere.status();
  EXPECT_EQ(store->WriteHealth().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(store->LastPosition(), 28u);
  auto v = store->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_position, 29u) << v->problem;
  EXPECT_NE(v->problem.find("but the log ends at position 28"), std::string::npos) << v->problem;
}

// The witnesses never raise a false alarm: a store that only ever ran (closed, reopened,
// appended to, its async projection rebuilt) opens, writes and verifies.
TEST_F(LostEvents, AnIntactStoreRaisesNoAlarm) {
  for (int round = 0; round < 3; ++round) {
    auto store = OpenStore(dir_.path(), WithTailCounter());
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(store->StartupCheck().ok) << store->StartupCheck().problem;
    EXPECT_TRUE(store->WriteHealth().ok()) << store->WriteHealth();
    ASSERT_TRUE(store->Append(OneEvent("more" + std::to_string(round), "s-1")).ok());
    ASSERT_TRUE(store->Rebuild("tail_counter", nullptr).ok());
    auto v = store->Verify(1, 0);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok) << v->problem;
    EXPECT_EQ(v->events_checked, 31u + round);
  }
}

// Bad input gets a clear error naming the field: a range past the end of an intact log is
// OUT_OF_RANGE (never a verdict, and never "0 events checked" as a success), an inverted range
// and a digest at position 0 that is not the empty chain's are INVALID_ARGUMENT.
TEST_F(LostEvents, ARangePastTheEndOrAForgedEmptyDigestIsRefusedAsBadInput) {
  auto store = OpenStore(dir_.path(), WithTailCounter());
  ASSERT_NE(store, nullptr);
  for (uint64_t from : {31u, 500u}) {
    auto v = store->Verify(from, 0);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kOutOfRange) << from << ": " << v.status();
    EXPECT_TRUE(Names(v.status(), "from_position: " + std::to_string(from) +
                                      " is past the end of the log (its last position is 30)"))
        << v.status();
  }
  auto to = store->Verify(1, 31);
  EXPECT_EQ(to.status().code(), absl::StatusCode::kOutOfRange) << to.status();
  EXPECT_TRUE(Names(to.status(), "to_position: 31")) << to.status();
  auto inverted = store->Verify(20, 10);
  EXPECT_EQ(inverted.status().code(), absl::StatusCode::kInvalidArgument) << inverted.status();
  EXPECT_TRUE(Names(inverted.status(), "to_position")) << inverted.status();
  ChainDigest forged{0, {}};
  forged.hash.fill(0xff);
  auto zero = store->VerifyExtends(forged);
  EXPECT_EQ(zero.status().code(), absl::StatusCode::kInvalidArgument) << zero.status();
  EXPECT_TRUE(Names(zero.status(), "digest: at position 0")) << zero.status();
  auto empty_chain = store->VerifyExtends(ChainDigest{});  // 0 and 32 zero bytes: extended
  ASSERT_TRUE(empty_chain.ok()) << empty_chain.status();
  EXPECT_TRUE(empty_chain->ok) << empty_chain->problem;
  EXPECT_EQ(empty_chain->events_checked, 30u);
  auto last = store->Verify(30, 0);  // the last event alone is a range
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_TRUE(last->ok);
  EXPECT_EQ(last->events_checked, 1u);
  TempDir empty_dir;
  auto empty = OpenStore(empty_dir.path());
  EXPECT_EQ(empty->Verify(1, 0).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(empty->VerifyExtends(ChainDigest{}).status().code(), absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
