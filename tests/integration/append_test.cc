// Appends: expected versions, check-only expectations, multi-stream atomicity, idempotency,
// positions and versions, reads. Real RocksDB in a temp dir.
#include <gtest/gtest.h>

#include <sched.h>

#include <chrono>
#include <future>
#include <thread>

#include "integration/store_fixture.h"
#include "testing/fault_fs.h"

namespace proeftuin::eventstore::testing {
namespace {


class AppendTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenStore(dir_.path()); ASSERT_NE(store_, nullptr); }
  TempDir dir_;
  std::unique_ptr<RocksStore> store_;
};

struct MatrixCase {
  const char* name;
  int existing_events;  // events already in the stream (0 = no stream)
  ExpectedVersion expected;
  bool ok;
};

TEST_F(AppendTest, ExpectedVersionMatrix) {
  const MatrixCase cases[] = {
      {"any-missing", 0, ExpectedVersion::Any(), true},
      {"any-existing", 2, ExpectedVersion::Any(), true},
      {"nostream-missing", 0, ExpectedVersion::NoStream(), true},
      {"nostream-existing", 2, ExpectedVersion::NoStream(), false},
      {"exists-missing", 0, ExpectedVersion::StreamExists(), false},
      {"exists-existing", 2, ExpectedVersion::StreamExists(), true},
      {"exact0-missing", 0, ExpectedVersion::Exact(0), false},
      {"exact1-existing2", 2, ExpectedVersion::Exact(1), true},
      {"exact0-existing2", 2, ExpectedVersion::Exact(0), false},
      {"exact5-existing2", 2, ExpectedVersion::Exact(5), false},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string stream = std::string("matrix-") + c.name;
    for (int i = 0; i < c.existing_events; ++i) {
      ASSERT_TRUE(store_->Append(OneEvent("seed-" + std::to_string(n++), stream)).ok());
    }
    uint64_t before = store_->LastPosition();
    auto r = store_->Append(OneEvent(std::string("try-") + c.name, stream, c.expected));
    if (c.ok) {
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->stream_versions[0].version(), static_cast<uint64_t>(c.existing_events));
      EXPECT_EQ(r->first_position, before + 1);
    } else {
      ASSERT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
      std::string msg(r.status().message());
      EXPECT_NE(msg.find(stream), std::string::npos) << msg;
      EXPECT_NE(msg.find("expected " + c.expected.ToString()), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.existing_events ? "actual version 1" : "actual NO_STREAM"),
                std::string::npos) << msg;
      EXPECT_EQ(store_->LastPosition(), before);
    }
  }
}

TEST_F(AppendTest, CheckOnlyExpectationGuardsAStreamNotWritten) {
  ASSERT_TRUE(store_->Append(OneEvent("p0", "programme-a")).ok());
  ASSERT_TRUE(store_->Append(OneEvent("p1", "programme-a")).ok());  // version 1
  AppendRequest r = OneEvent("e0", "experiment-a.x", ExpectedVersion::NoStream());
  r.checks.push_back({"programme-a", ExpectedVersion::Exact(0)});
  auto stale = store_->Append(r);
  ASSERT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE(std::string(stale.status().message()).find("programme-a"), std::string::npos);
  EXPECT_EQ(store_->GetStreamInfo("experiment-a.x").status().code(), absl::StatusCode::kNotFound);

  r.request_id = "e0-retry";
  r.checks[0].expected = ExpectedVersion::Exact(1);
  auto fresh = store_->Append(r);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  // The checked stream is not written: its version stays.
  EXPECT_EQ(store_->GetStreamInfo("programme-a")->version, 1u);
  ASSERT_EQ(fresh->stream_versions.size(), 1u);
  EXPECT_EQ(fresh->stream_versions[0].stream(), "experiment-a.x");
}

TEST_F(AppendTest, MultiStreamAppendIsAllOrNothing) {
  ASSERT_TRUE(store_->Append(OneEvent("seed", "programme-b")).ok());
  AppendRequest r = OneStream("sel", "experiment-b.y", ExpectedVersion::NoStream(),
                              {Event("selected"), Event("started")});
  r.appends.push_back({"programme-b", ExpectedVersion::Exact(7), {Event("allocated")}});
  ASSERT_EQ(store_->Append(r).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(store_->LastPosition(), 1u);
  EXPECT_EQ(store_->GetStreamInfo("experiment-b.y").status().code(), absl::StatusCode::kNotFound);

  r.request_id = "sel-2";
  r.appends[1].expected = ExpectedVersion::Exact(0);
  auto ok = store_->Append(r);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->first_position, 2u);
  EXPECT_EQ(ok->last_position, 4u);
  ASSERT_EQ(ok->stream_versions.size(), 2u);
  EXPECT_EQ(ok->stream_versions[0].version(), 1u);  // experiment: versions 0, 1
  EXPECT_EQ(ok->stream_versions[1].version(), 1u);  // programme: 0 was the seed
  auto events = ReadEverything(*store_);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3].header.stream(), "programme-b");
  EXPECT_EQ(events[3].payload, "allocated");
}

TEST_F(AppendTest, RetryWithSameRequestIdReturnsTheOriginalAndWritesNothing) {
  auto first = store_->Append(OneEvent("req-1", "programme-c", ExpectedVersion::NoStream()));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->duplicate);
  // Even with an expectation that would now fail, and with ANY, the retry returns the original.
  for (auto e : {ExpectedVersion::NoStream(), ExpectedVersion::Any()}) {
    auto again = store_->Append(OneEvent("req-1", "programme-c", e));
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->first_position, first->first_position);
    EXPECT_EQ(again->stream_versions[0].version(), 0u);
  }
  EXPECT_EQ(store_->LastPosition(), 1u);
  auto looked = store_->LookupRequest("req-1", "fp-req-1");
  ASSERT_TRUE(looked.ok());
  ASSERT_TRUE(looked->has_value());
  EXPECT_EQ((*looked)->first_position, 1u);
  EXPECT_FALSE(store_->LookupRequest("req-unknown", "x")->has_value());
}

// A lookup in a read view answers as of the view's snapshot: a request that commits after the
// view was opened is not in it (the writer answers that one), one before it is.
TEST_F(AppendTest, LookupInAReadViewAnswersAsOfItsSnapshot) {
  ASSERT_TRUE(store_->Append(OneEvent("before", "v-1")).ok());
  auto view = store_->OpenReadView();
  ASSERT_TRUE(view.ok());
  ASSERT_TRUE(store_->Append(OneEvent("after", "v-1")).ok());
  auto before = store_->LookupRequest(**view, "before", "fp-before");
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(before->has_value());
  EXPECT_EQ((*before)->first_position, 1u);
  EXPECT_TRUE((*before)->duplicate);
  auto after = store_->LookupRequest(**view, "after", "fp-after");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_FALSE(after->has_value());
  EXPECT_TRUE(store_->LookupRequest("after", "fp-after")->has_value());
  EXPECT_EQ(store_->LookupRequest(**view, "before", "another command").status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(AppendTest, SameRequestIdWithOtherFingerprintIsRefused) {
  ASSERT_TRUE(store_->Append(OneEvent("req-2", "programme-d")).ok());
  AppendRequest other = OneEvent("req-2", "programme-d");
  other.fingerprint = "another command";
  auto r = store_->Append(other);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(std::string(r.status().message()).find("PT-REQUEST-REUSED"), std::string::npos);
  EXPECT_EQ(store_->LookupRequest("req-2", "another command").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->LastPosition(), 1u);
}

TEST_F(AppendTest, PositionsAreGapFreeAndVersionsCountPerStream) {
  for (int i = 0; i < 30; ++i) {
    std::string stream = "s-" + std::to_string(i % 3);
    auto r = store_->Append(OneEvent("r" + std::to_string(i), stream));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->first_position, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(r->stream_versions[0].version(), static_cast<uint64_t>(i / 3));
  }
  auto info = store_->GetStreamInfo("s-1");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->version, 9u);
  EXPECT_EQ(info->last_position, 29u);
}

int UsableCpus() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
}

// A lone caller, each append waiting for its answer: from the third group of one on, the
// acknowledger waits for the answer spinning rather than asleep (when the process may use a
// second CPU to spin on) and it still gives every answer, in order. The WAL's sync of ten of
// the appends is held for 30 ms, so that the acknowledger, woken as the group starts, surely runs
// before the answer is queued, however busy the machine (a sanitizer build beside other tests).
TEST(AckSpin, ALoneCallerIsAnsweredByAnAcknowledgerThatWaitedAwake) {
  TempDir dir;
  FaultEnv fe;
  RocksStoreOptions o;
  o.env = fe.env.get();
  o.ack_spin_limit_us = 10'000'000;  // no held sync lasts 10 s: no spin gives up
  auto store = OpenStore(dir.path(), o);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto r = store->Append(OneEvent("lone-" + std::to_string(i), "lone"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->first_position, static_cast<uint64_t>(i + 1));
  }
  constexpr int kHeld = 10;
  for (int i = 3; i < 3 + kHeld; ++i) {
    fe.fs->HoldWalSyncs();
    auto pending = std::async(std::launch::async, [&store, i] {
      return store->Append(OneEvent("lone-" + std::to_string(i), "lone"));
    });
    const bool held = fe.fs->AwaitHeldWalSync(absl::Seconds(10));
    if (held) std::this_thread::sleep_for(std::chrono::milliseconds(30));
    fe.fs->ReleaseWalSyncs();  // before any assertion: the pending append must be able to end
    ASSERT_TRUE(held);
    auto r = pending.get();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->first_position, static_cast<uint64_t>(i + 1));
  }
  const uint64_t awake = store->Stats().answers_picked_up_awake;
  if (UsableCpus() >= 2) {
    // Each held group qualifies; at most all groups from the third on are counted.
    EXPECT_GE(awake, static_cast<uint64_t>(kHeld) / 2);
    EXPECT_LE(awake, static_cast<uint64_t>(kHeld) + 1);
  } else {
    EXPECT_EQ(awake, 0u);  // one CPU: spinning would only delay the writer
  }
}

TEST(AckSpin, OffWhenItsLimitIsZero) {
  TempDir dir;
  RocksStoreOptions o;
  o.ack_spin_limit_us = 0;
  auto store = OpenStore(dir.path(), o);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->Append(OneEvent("z-" + std::to_string(i), "z")).ok());
  EXPECT_EQ(store->Stats().answers_picked_up_awake, 0u);
}

// Keeps nothing; makes no other instance, so that a rebuild of it runs on the writer thread
// (Writer::RunTask).
class NothingProjector : public Projector {
 public:
  std::string Name() const override { return "nothing"; }
  uint32_t Version() const override { return 1; }
  void Apply(const RecordedEvent&, ProjectionWriter&) override {}
};

// Appends by one caller, each after a pause long enough for the writer to have come back for
// more; returns false (after a failed expectation) when one fails or lands out of place.
bool LoneAppends(RocksStore& store, int from, int to, std::chrono::milliseconds pause) {
  for (int i = from; i < to; ++i) {
    std::this_thread::sleep_for(pause);
    auto r = store.Append(OneEvent("lone-" + std::to_string(i), "lone"));
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return false;
    EXPECT_EQ(r->first_position, static_cast<uint64_t>(i + 1));
    if (r->first_position != static_cast<uint64_t>(i + 1)) return false;
  }
  return true;
}

// Appends by one caller until one is taken by a writer that waited for it spinning (at most
// `tries` appends), each after a pause long enough for the writer to have come back for more.
// After that append the writer spins again: the streak of lone appends goes on.
bool AppendUntilPickedUpAwake(RocksStore& store, int* next, int tries) {
  for (int t = 0; t < tries; ++t) {
    const uint64_t before = store.Stats().appends_picked_up_awake;
    if (!LoneAppends(store, *next, *next + 1, std::chrono::milliseconds(20))) return false;
    ++*next;
    if (store.Stats().appends_picked_up_awake == before + 1) return true;
  }
  return false;
}

// A lone caller, one append at a time with a pause between them: from the fourth on (after three
// groups of one, each taken after an idle wait), the writer waits for the next append spinning,
// not asleep, and picks it up without being woken; every append still lands, in order.
TEST(WriterSpin, ALoneCallersNextAppendIsPickedUpByAWriterThatWaitedAwake) {
  TempDir dir;
  RocksStoreOptions o;
  o.writer_spin_limit_us = 10'000'000;  // no pause lasts 10 s: no spin gives up
  auto store = OpenStore(dir.path(), o);
  ASSERT_NE(store, nullptr);
  constexpr int kLone = 24;
  ASSERT_TRUE(LoneAppends(*store, 0, kLone, std::chrono::milliseconds(20)));
  const uint64_t awake = store->Stats().appends_picked_up_awake;
  if (UsableCpus() >= 2) {
    // From the fourth append on, each is picked up awake, unless the writer had not yet come
    // back from the one before when it arrived (20 ms late: a busy machine); such a miss ends
    // the streak, and the three appends after it are needed to start a new one. Two misses
    // allowed.
    EXPECT_GE(awake, static_cast<uint64_t>(kLone - 3 - 2 * 4));
    EXPECT_LE(awake, static_cast<uint64_t>(kLone - 3));
  } else {
    EXPECT_EQ(awake, 0u);  // one CPU: spinning would only delay the caller
  }
}

TEST(WriterSpin, OffWhenItsLimitIsZero) {
  TempDir dir;
  RocksStoreOptions o;
  o.writer_spin_limit_us = 0;
  auto store = OpenStore(dir.path(), o);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(LoneAppends(*store, 0, 10, std::chrono::milliseconds(5)));
  EXPECT_EQ(store->Stats().appends_picked_up_awake, 0u);
}

// Lone appends further apart than the spin's limit: the writer gives up three spins in a row,
// then spins no more (it would only burn the limit's CPU per command), but for one try once
// every 256 lone appends in a row.
TEST(WriterSpin, StopsAfterThreeSpinsInARowReachTheLimitAndTriesAgainLater) {
  TempDir dir;
  RocksStoreOptions o;
  o.writer_spin_limit_us = 1000;  // the pauses below are five times as long
  auto store = OpenStore(dir.path(), o);
  ASSERT_NE(store, nullptr);
  int next = 0;
  auto given_up = [&store] { return store->Stats().writer_spins_given_up; };
  if (UsableCpus() < 2) {  // one CPU: the writer never spins, so it never gives a spin up
    ASSERT_TRUE(LoneAppends(*store, 0, 20, std::chrono::milliseconds(5)));
    EXPECT_EQ(given_up(), 0u);
    return;
  }
  while (given_up() < 3 && next < 200) {
    ASSERT_TRUE(LoneAppends(*store, next, next + 1, std::chrono::milliseconds(5)));
    ++next;
  }
  ASSERT_EQ(given_up(), 3u) << "after " << next << " lone appends";
  ASSERT_TRUE(LoneAppends(*store, next, next + 100, std::chrono::milliseconds(5)));
  next += 100;
  EXPECT_EQ(given_up(), 3u);  // no try before the 256th lone append in a row
  while (given_up() < 4 && next < 1200) {
    ASSERT_TRUE(LoneAppends(*store, next, next + 1, std::chrono::milliseconds(5)));
    ++next;
  }
  EXPECT_EQ(given_up(), 4u) << "after " << next << " lone appends";
  EXPECT_EQ(store->Stats().appends_picked_up_awake, 0u);
}

// The writer's spin ends as soon as anything is posted, not only an append: a rebuild on the
// writer thread or closing the store does not wait for the spin's limit, and neither counts as
// an append picked up awake.
TEST(WriterSpin, AStopOrATaskEndsTheSpinAtOnce) {
  TempDir dir;
  RocksStoreOptions o;
  o.writer_spin_limit_us = 60'000'000;  // a minute: far beyond the time allowed below
  o.inline_projectors = {std::make_shared<NothingProjector>()};
  auto store = OpenStore(dir.path(), o);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(LoneAppends(*store, 0, 3, std::chrono::milliseconds(20)));
  int next = 3;
  // Two CPUs: lone appends until the writer is spinning again. One CPU: it never spins, and
  // the rebuild and the close below must be as quick.
  auto spinning = [&store, &next] {
    if (UsableCpus() >= 2) return AppendUntilPickedUpAwake(*store, &next, 20);
    next += 1;
    return LoneAppends(*store, next - 1, next, std::chrono::milliseconds(20)) &&
           store->Stats().appends_picked_up_awake == 0;
  };
  ASSERT_TRUE(spinning());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  uint64_t awake = store->Stats().appends_picked_up_awake;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store->Rebuild("nothing", nullptr).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(store->Stats().appends_picked_up_awake, awake);
  ASSERT_TRUE(LoneAppends(*store, next, next + 3, std::chrono::milliseconds(20)));
  next += 3;
  ASSERT_TRUE(spinning());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  start = std::chrono::steady_clock::now();
  store.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

// Counters() is Stats() without the walk of the store's folder (the observability sampler calls
// it four times a second).
TEST(StoreStats, CountersAreStatsWithoutTheSizeOnDisk) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Append(OneEvent("c-" + std::to_string(i), "c")).ok());
  const StoreStats counters = store->Counters();
  const StoreStats stats = store->Stats();
  EXPECT_EQ(counters.size_on_disk_bytes, 0u);
  EXPECT_GT(stats.size_on_disk_bytes, 0u);
  EXPECT_EQ(counters.last_position, 5u);
  EXPECT_EQ(counters.last_position, stats.last_position);
  EXPECT_EQ(counters.appends, stats.appends);
  EXPECT_EQ(counters.events_appended, stats.events_appended);
  EXPECT_EQ(counters.groups_committed, stats.groups_committed);
  EXPECT_GE(counters.groups_committed, 1u);
  EXPECT_EQ(counters.live_subscriptions, stats.live_subscriptions);
  EXPECT_EQ(counters.read_views_during_write, stats.read_views_during_write);
  EXPECT_EQ(counters.read_views_seeked, stats.read_views_seeked);
  EXPECT_EQ(counters.answers_picked_up_awake, stats.answers_picked_up_awake);
  EXPECT_EQ(counters.appends_picked_up_awake, stats.appends_picked_up_awake);
  EXPECT_EQ(counters.writer_spins_given_up, stats.writer_spins_given_up);
  EXPECT_EQ(counters.write_health, stats.write_health);
}

TEST_F(AppendTest, RejectsMalformedRequestsNamingTheField) {
  auto code_and_field = [&](AppendRequest r, const std::string& field) {
    auto s = store_->Append(std::move(r));
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(s.status().message()).find(field), std::string::npos) << s.status();
  };
  code_and_field(OneEvent("", "s"), "request_id");
  code_and_field(OneEvent("has space", "s"), "request_id");
  code_and_field(OneEvent("ok", "Bad/Stream"), "appends.stream");
  AppendRequest no_fp = OneEvent("ok", "s");
  no_fp.fingerprint.clear();
  code_and_field(no_fp, "fingerprint");
  AppendRequest empty = OneEvent("ok", "s");
  empty.appends[0].events.clear();
  code_and_field(empty, "appends.events");
  AppendRequest twice = OneEvent("ok", "s");
  twice.checks.push_back({"s", ExpectedVersion::Any()});
  code_and_field(twice, "checks.stream");
  AppendRequest bad_date = OneEvent("ok", "s");
  v1::Date d;
  d.set_year(2025);
  d.set_month(2);
  d.set_day(29);
  bad_date.occurred_on = d;
  code_and_field(bad_date, "occurred_on");
  EXPECT_EQ(store_->LastPosition(), 0u);
}

TEST_F(AppendTest, StoresTheWholeEnvelope) {
  AppendRequest r = OneEvent("env-1", "programme-e");
  r.actor.set_display_name("Griffie LV");
  r.actor.set_on_behalf_of("j.jansen");
  r.actor.set_application("raadsinformatiesysteem");
  r.correlation_id = "corr-1";
  r.causation_id = "cause-1";
  v1::Date d;
  d.set_year(2024);
  d.set_month(7);
  d.set_day(4);
  r.occurred_on = d;
  r.appends[0].events[0].personal = "naam: J. Jansen";
  r.appends[0].events[0].confidentiality = v1::CONFIDENTIALITY_INTERN;
  ASSERT_TRUE(store_->Append(r).ok());
  auto events = store_->ReadStream("programme-e", Direction::kForward, 0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  const RecordedEvent& e = (*events)[0];
  EXPECT_EQ(e.header.actor().on_behalf_of(), "j.jansen");
  EXPECT_EQ(e.header.actor().application(), "raadsinformatiesysteem");
  EXPECT_EQ(e.header.correlation_id(), "corr-1");
  EXPECT_EQ(e.header.causation_id(), "cause-1");
  EXPECT_EQ(e.header.request_id(), "env-1");
  EXPECT_EQ(e.header.occurred_on().day(), 4);
  EXPECT_EQ(e.header.confidentiality(), v1::CONFIDENTIALITY_INTERN);
  EXPECT_EQ(e.header.event_id().size(), 36u);
  EXPECT_GT(e.header.recorded_at_us(), 0);
  EXPECT_TRUE(e.header.has_personal());
  ASSERT_TRUE(e.personal.has_value());
  EXPECT_EQ(*e.personal, "naam: J. Jansen");
  EXPECT_EQ(e.personal_digest, Sha256Of("naam: J. Jansen"));
}

TEST(AppendClock, RecordedAtNeverDecreasesWhenTheClockGoesBack) {
  TempDir dir;
  int64_t now = 1'000'000'000'000;
  RocksStoreOptions o;
  o.clock_us = [&now] { return now; };
  auto store = OpenStore(dir.path(), o);
  ASSERT_TRUE(store->Append(OneEvent("a", "s")).ok());
  now -= 5'000'000;  // the clock jumps back five seconds
  ASSERT_TRUE(store->Append(OneEvent("b", "s")).ok());
  auto events = ReadEverything(*store);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_GE(events[1].header.recorded_at_us(), events[0].header.recorded_at_us());
}

TEST_F(AppendTest, ReadStreamForwardBackwardAndReadAllFilters) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store_->Append(OneStream("r" + std::to_string(i), i % 2 ? "programme-f" : "experiment-f.a",
                                         ExpectedVersion::Any(),
                                         {Event("p" + std::to_string(i), i % 4 == 0 ? "t.A" : "t.B")}))
                    .ok());
  }
  auto fwd = store_->ReadStream("programme-f", Direction::kForward, 1, 2);
  ASSERT_TRUE(fwd.ok());
  ASSERT_EQ(fwd->size(), 2u);
  EXPECT_EQ((*fwd)[0].header.stream_version(), 1u);
  EXPECT_EQ((*fwd)[1].header.stream_version(), 2u);
  auto back = store_->ReadStream("programme-f", Direction::kBackward, UINT64_MAX, 3);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ((*back)[0].header.stream_version(), 4u);
  EXPECT_EQ((*back)[2].header.stream_version(), 2u);
  EXPECT_EQ(store_->ReadStream("nope", Direction::kForward, 0, 1).status().code(),
            absl::StatusCode::kNotFound);

  EventFilter f;
  f.stream_prefix = "experiment-";
  f.types = {"t.A"};
  auto all = store_->ReadAll(1, 100, f);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->events.size(), 3u);  // i = 0, 4, 8
  for (const auto& e : all->events) EXPECT_EQ(e.header.type(), "t.A");
  EXPECT_TRUE(all->end_of_log);
  auto page = store_->ReadAll(1, 4, EventFilter{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events.size(), 4u);
  EXPECT_EQ(page->next_position, 5u);
  EXPECT_FALSE(page->end_of_log);
}

TEST(StoreReopen, KeepsEverythingAcrossCloseAndOpen) {
  TempDir dir;
  std::string id;
  {
    auto store = OpenStore(dir.path());
    id = store->StoreId();
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(store->Append(OneEvent("r" + std::to_string(i), "s")).ok());
  }
  auto store = OpenStore(dir.path());
  EXPECT_EQ(store->StoreId(), id);
  EXPECT_EQ(store->LastPosition(), 50u);
  EXPECT_EQ(store->GetStreamInfo("s")->version, 49u);
  EXPECT_TRUE(store->Append(OneEvent("r1", "s")).value().duplicate);  // ids kept for good
  auto r = store->Append(OneEvent("r50", "s", ExpectedVersion::Exact(49)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first_position, 51u);
  auto v = store->Verify(1, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->events_checked, 51u);
  EXPECT_TRUE(store->StartupCheck().ok);
}

}  // namespace
}  // namespace proeftuin::eventstore::testing
