// The stored decider state (app/decider_projection.h): the correctable events of the repeating
// kinds are read from the log (a row only for one a correction changed), loading with
// Correctables::kAll gives back exactly the state Evolve builds from the stream, and a
// correction finds its target, in the log or its row, and writes the row.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/decider_projection.h"
#include "domain/decider.h"
#include "domain/streams.h"
#include "domain/testing/builders.h"
#include "eventstore/record.h"
#include "views/testing/views_testing.h"

namespace proeftuin::views {
namespace {

namespace tk = domain::testkit;
using app::Correctables;

// The state Evolve builds from the whole stream, read back from the log.
template <typename State, typename Decode>
State Fold(eventstore::EventStore& store, const std::string& stream, Decode decode) {
  State state;
  auto events = store.ReadStream(stream, eventstore::Direction::kForward, 0, 1'000'000);
  EXPECT_TRUE(events.ok()) << events.status();
  if (!events.ok()) return state;
  for (const auto& e : *events) {
    auto event = decode(e.header.type(), e.payload);
    EXPECT_TRUE(event.ok()) << event.status();
    if (event.ok()) state = domain::Evolve(std::move(state), *event, app::EventContextOf(e));
  }
  return state;
}

v1::ExperimentState FoldExperiment(eventstore::EventStore& store, const std::string& pid,
                                   const std::string& eid) {
  return Fold<v1::ExperimentState>(store, domain::ExperimentStream(pid, eid),
                                   domain::DecodeExperimentEvent);
}

class DeciderState : public ::testing::Test {
 protected:
  void SetUp() override {
    store_.SetNow(tk::TestNow());
    Run(tk::DraftCmd());
    Run(tk::ProposeCmd("e1"));
    Run(tk::SelectCmd("e1", {tk::YearEur(2025, 20'000)}), "college");
    Run(tk::SubmitCmd(), "griffie");
    Run(tk::AdoptCmd(), "college");
    Run(tk::StartCmd("e1"));
  }
  uint64_t Run(const v1::Command& c, const std::string& role = "programme_manager") {
    auto r = store_.Run(c, role);
    EXPECT_TRUE(r.ok()) << c.ShortDebugString() << ": " << r.status();
    return r.ok() ? r->first_position : 0;
  }
  std::optional<v1::ExperimentState> Load(Correctables which) {
    auto view = store_.store().OpenReadView();
    EXPECT_TRUE(view.ok());
    auto e = app::LoadExperiment(**view, tk::kPid, "e1", which);
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? *e : std::nullopt;
  }
  testing::ViewsStore store_;
};

std::vector<std::string> Types(const v1::ExperimentState& s) {
  std::vector<std::string> out;
  for (const auto& c : s.correctable_events()) out.push_back(c.event_type());
  return out;
}

// Activities and expenditures are read from the log when needed: no row each (a replay writes
// none); only one a correction changed has a row (the next test).
TEST_F(DeciderState, KeepsActivitiesAndExpendituresOutOfTheStateRowAndOutOfRows) {
  for (int i = 0; i < 50; ++i) Run(tk::ActivityCmd("e1", 10 + i, 1));
  Run(tk::SpendCmd("e1", 1'000, 2025));
  auto one_off = Load(Correctables::kOneOff);
  ASSERT_TRUE(one_off.has_value());
  EXPECT_THAT(Types(*one_off), ::testing::ElementsAre("proeftuin.v1.ExperimentSelected",
                                                      "proeftuin.v1.ExperimentStarted"));
  int own_rows = 0;
  for (const auto& [key, value] : store_.Rows(app::kDeciderStateProjection)) {
    own_rows += key.rfind("ce/" + std::string(tk::kPid) + "/e1/", 0) == 0;
  }
  EXPECT_EQ(own_rows, 0);
  auto all = Load(Correctables::kAll);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->correctable_events_size(), 53);
  EXPECT_EQ(all->SerializeAsString(),
            FoldExperiment(store_.store(), tk::kPid, "e1").SerializeAsString());
}

// The event a correction names is read from the log only when it is one of the corrected
// stream's: a programme correction naming an experiment's activity finds nothing to correct.
TEST_F(DeciderState, ACorrectionCannotNameAnotherStreamsEvent) {
  const uint64_t activity = Run(tk::ActivityCmd("e1", 40, 4));
  v1::CorrectedFields fields;
  fields.set_count(25);
  auto refused = store_.Run(tk::CorrectCmd("", activity, fields, "verkeerde stroom"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound) << refused.status();
  // Nor can another experiment's correction.
  Run(tk::ProposeCmd("e2"));
  Run(tk::SelectCmd("e2", {tk::YearEur(2025, 10'000)}), "college");
  Run(tk::StartCmd("e2"));
  auto other = store_.Run(tk::CorrectCmd("e2", activity, fields, "verkeerd experiment"));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound) << other.status();
  auto all = Load(Correctables::kAll);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->participant_count(), 40);
}

// A correction in the same commit group as the event it names (one append, as an import would
// write them): the writer finds the event among the group's, so the live rows equal a rebuild.
TEST_F(DeciderState, ACorrectionInTheGroupOfItsTargetIsAppliedLiveAsInARebuild) {
  const std::string stream = domain::ExperimentStream(tk::kPid, "e1");
  auto before = store_.store().GetStreamInfo(stream);
  ASSERT_TRUE(before.ok()) << before.status();
  const uint64_t target = store_.store().LastPosition() + 1;
  v1::ExperimentEvent spend = tk::ExpenditureEvent(4'500, 2025);
  v1::ExperimentEvent fix;
  v1::CorrectionRecorded* c = fix.mutable_correction_recorded();
  c->set_corrected_position(target);
  c->set_corrected_event_type("proeftuin.v1.ExpenditureRecorded");
  *c->mutable_fields()->mutable_amount() = tk::Eur(450);
  eventstore::AppendRequest r;
  r.request_id = "import-1";
  r.fingerprint = "import-1";
  r.actor.set_principal_id("import");
  eventstore::StreamAppend& a = r.appends.emplace_back();
  a.stream = stream;
  a.expected = eventstore::ExpectedVersion::Any();
  for (const auto& [type, payload] :
       {std::pair<std::string, std::string>{"proeftuin.v1.ExpenditureRecorded", spend.SerializeAsString()},
        {"proeftuin.v1.CorrectionRecorded", fix.SerializeAsString()}}) {
    eventstore::NewEvent& n = a.events.emplace_back();
    n.type = type;
    n.payload = payload;
  }
  auto appended = store_.store().Append(std::move(r));
  ASSERT_TRUE(appended.ok()) << appended.status();
  ASSERT_EQ(appended->first_position, target);
  auto live = Load(Correctables::kAll);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->spent().cents(), 45'000);
  EXPECT_EQ(live->SerializeAsString(),
            FoldExperiment(store_.store(), tk::kPid, "e1").SerializeAsString());
  const auto rows = store_.Rows(app::kDeciderStateProjection);
  ASSERT_TRUE(store_.store().Rebuild(app::kDeciderStateProjection, nullptr).ok());
  EXPECT_TRUE(store_.Rows(app::kDeciderStateProjection) == rows);
}

TEST_F(DeciderState, CorrectsAnEarlyActivityStoredInItsOwnRow) {
  const uint64_t first = Run(tk::ActivityCmd("e1", 40, 4));
  for (int i = 0; i < 20; ++i) Run(tk::ActivityCmd("e1", 10, 1));
  v1::CorrectedFields fields;
  fields.set_count(25);
  fields.set_seldom_heard_count(2);
  ASSERT_NE(Run(tk::CorrectCmd("e1", first, fields, "telfout")), 0u);
  auto all = Load(Correctables::kAll);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->participant_count(), 25 + 20 * 10);
  EXPECT_EQ(all->seldom_heard_reached_count(), 2 + 20);
  EXPECT_EQ(all->correction_count(), 1);
  const v1::CorrectableEvent* target = nullptr;
  for (const auto& c : all->correctable_events()) target = c.position() == first ? &c : target;
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->count(), 25);
  EXPECT_EQ(all->SerializeAsString(),
            FoldExperiment(store_.store(), tk::kPid, "e1").SerializeAsString());
  std::vector<std::string> own_rows;
  for (const auto& [key, value] : store_.Rows(app::kDeciderStateProjection)) {
    if (key.rfind("ce/" + std::string(tk::kPid) + "/e1/", 0) == 0) own_rows.push_back(key);
  }
  ASSERT_EQ(own_rows.size(), 1u);  // the corrected activity's, with its current values
  EXPECT_EQ(eventstore::GetBigEndian64(std::string_view(own_rows[0]).substr(own_rows[0].size() - 8)),
            first);
  // A second correction of the same activity starts from the corrected values.
  fields.clear_seldom_heard_count();
  fields.set_count(1);
  auto refused = store_.Run(tk::CorrectCmd("e1", first, fields, "nog een telfout"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("fields.seldom_heard_count"));
}

TEST_F(DeciderState, ACorrectionNamingNoEventIsStillNotFound) {
  v1::CorrectedFields fields;
  fields.set_count(3);
  auto r = store_.Run(tk::CorrectCmd("e1", 999, fields, "bestaat niet"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
}

// A cached state is the one a Load… of the same view gives.
template <typename State>
void ExpectSameState(const std::shared_ptr<const State>& got, const absl::StatusOr<std::optional<State>>& want) {
  ASSERT_TRUE(want.ok()) << want.status();
  ASSERT_TRUE(want->has_value());
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->SerializeAsString(), (*want)->SerializeAsString());
}

// The programme states commands decide on: parsed once per version of the row, and always what
// LoadProgramme gives for the same view, also for a view older than the cached row.
TEST_F(DeciderState, ProgrammeStateCacheParsesEachVersionOnceAndAnswersAsLoadProgramme) {
  app::ProgrammeStateCache cache;
  auto expect_as_load = [](eventstore::ReadView& view,
                           const std::shared_ptr<const v1::ProgrammeState>& got) {
    ExpectSameState(got, app::LoadProgramme(view, tk::kPid, Correctables::kOneOff));
  };
  auto before = store_.store().OpenReadView();
  ASSERT_TRUE(before.ok());
  auto first = cache.Load(**before, tk::kPid);
  ASSERT_TRUE(first.ok()) << first.status();
  expect_as_load(**before, *first);
  EXPECT_EQ(cache.parses(), 1u);

  Run(tk::ActivityCmd("e1", 12, 3));  // an experiment event leaves the programme's row alone
  auto after_activity = store_.store().OpenReadView();
  ASSERT_TRUE(after_activity.ok());
  auto again = cache.Load(**after_activity, tk::kPid);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->get(), first->get());
  EXPECT_EQ(cache.parses(), 1u);

  Run(tk::SessionCmd("ks-1"));  // a programme event changes it
  auto after_session = store_.store().OpenReadView();
  ASSERT_TRUE(after_session.ok());
  auto changed = cache.Load(**after_session, tk::kPid);
  ASSERT_TRUE(changed.ok()) << changed.status();
  expect_as_load(**after_session, *changed);
  EXPECT_GT((*changed)->stream_version(), (*first)->stream_version());
  EXPECT_EQ(cache.parses(), 2u);

  // The view from before the session still gets its own version, not the newer one.
  auto old = cache.Load(**before, tk::kPid);
  ASSERT_TRUE(old.ok()) << old.status();
  expect_as_load(**before, *old);
  EXPECT_EQ((*old)->stream_version(), (*first)->stream_version());

  auto absent = cache.Load(**after_session, "no-such-programme");
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_EQ(*absent, nullptr);
}

// The experiment states commands decide on: the writer offers each state it serializes, so a
// command on an experiment finds the state the previous one left parsed; a lookup answers as
// LoadExperiment for its own view, also for a view older than the offered row; the writer takes
// a state back to fold into only when no reader holds it.
TEST_F(DeciderState, TheWriterOffersEachExperimentStateItWritesSoTheNextCommandFindsItParsed) {
  app::ExperimentStateCache& cache = store_.caches().experiments;
  auto expect_as_load = [](eventstore::ReadView& view, const std::shared_ptr<const v1::ExperimentState>& got) {
    ExpectSameState(got, app::LoadExperiment(view, tk::kPid, "e1", Correctables::kOneOff));
  };
  auto before = store_.store().OpenReadView();
  ASSERT_TRUE(before.ok());
  const uint64_t parses = cache.parses();
  const uint64_t takes = cache.takes();
  for (int i = 0; i < 5; ++i) Run(tk::ActivityCmd("e1", 10 + i, 1));
  EXPECT_EQ(cache.parses(), parses) << "each activity's command found the state the writer offered";
  EXPECT_EQ(cache.takes(), takes + 5) << "and the writer folded each into the state it offered before";

  auto now = store_.store().OpenReadView();
  ASSERT_TRUE(now.ok());
  auto got = cache.Load(**now, tk::kPid, "e1");
  ASSERT_TRUE(got.ok()) << got.status();
  expect_as_load(**now, *got);
  EXPECT_EQ(cache.parses(), parses);

  // A view from before the activities reads its own, older row and parses it.
  auto old = cache.Load(**before, tk::kPid, "e1");
  ASSERT_TRUE(old.ok()) << old.status();
  expect_as_load(**before, *old);
  EXPECT_EQ((*got)->stream_version(), (*old)->stream_version() + 5);
  EXPECT_EQ(cache.parses(), parses + 1);
  // The older state did not take the newer one's place.
  auto again = cache.Load(**now, tk::kPid, "e1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->get(), got->get());
  EXPECT_EQ(cache.parses(), parses + 1);

  auto absent = cache.Load(**now, tk::kPid, "no-such-experiment");
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_EQ(*absent, nullptr);

  // While a reader holds the state, the writer does not take it back to fold into: the state
  // the reader holds stays as it was, and the next command still finds the new one parsed.
  const std::string held = (*got)->SerializeAsString();
  Run(tk::ActivityCmd("e1", 20, 2));
  EXPECT_EQ((*got)->SerializeAsString(), held);
  EXPECT_EQ(cache.takes(), takes + 5) << "the writer parsed the row instead";
  auto latest = store_.store().OpenReadView();
  ASSERT_TRUE(latest.ok());
  auto newer = cache.Load(**latest, tk::kPid, "e1");
  ASSERT_TRUE(newer.ok()) << newer.status();
  expect_as_load(**latest, *newer);
  EXPECT_EQ((*newer)->stream_version(), (*got)->stream_version() + 1);
  EXPECT_EQ(cache.parses(), parses + 1);
}

// A command's lookup skips reading the row only for a state whose write the writer confirmed,
// and only from a view that holds that write; a rebuild's swap ends that until the next write.
TEST_F(DeciderState, AStateWhoseWriteTheWriterConfirmedIsFoundWithoutReadingItsRow) {
  app::ExperimentStateCache& cache = store_.caches().experiments;
  // e1's state through the cache from `view`, checked against LoadExperiment there.
  auto load = [&](eventstore::ReadView& view) -> std::shared_ptr<const v1::ExperimentState> {
    auto got = cache.Load(view, tk::kPid, "e1");
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) return nullptr;
    ExpectSameState(*got, app::LoadExperiment(view, tk::kPid, "e1", Correctables::kOneOff));
    return *got;
  };
  auto load_now = [&]() -> std::shared_ptr<const v1::ExperimentState> {
    auto view = store_.store().OpenReadView();
    EXPECT_TRUE(view.ok()) << view.status();
    return view.ok() ? load(**view) : nullptr;
  };
  auto before = store_.store().OpenReadView();
  ASSERT_TRUE(before.ok());
  Run(tk::ActivityCmd("e1", 10, 1));
  const uint64_t unread = cache.unread();
  const uint64_t parses = cache.parses();
  auto got = load_now();
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(cache.unread(), unread + 1) << "the view holds the confirmed write";

  // A view from before that write reads its own row.
  auto old = load(**before);
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->stream_version() + 1, got->stream_version());
  EXPECT_EQ(cache.unread(), unread + 1);
  EXPECT_EQ(cache.parses(), parses + 1);

  // After a rebuild is swapped in, the row is read again (and found equal).
  ASSERT_TRUE(store_.store().Rebuild(app::kDeciderStateProjection, nullptr).ok());
  ASSERT_NE(load_now(), nullptr);
  EXPECT_EQ(cache.unread(), unread + 1) << "a swap forgets the confirmations";
  // The next write is confirmed again.
  Run(tk::ActivityCmd("e1", 11, 1));
  ASSERT_NE(load_now(), nullptr);
  // Only this lookup: the command's own lookup and the writer's fold came before that write
  // was confirmed, and after the swap, so both read the row.
  EXPECT_EQ(cache.unread(), unread + 2);
  Run(tk::ActivityCmd("e1", 12, 1));
  EXPECT_EQ(cache.unread(), unread + 4) << "now the command's lookup and the writer's fold";
}

// A view whose only row is the given bytes.
class OneRowView : public eventstore::ReadView {
 public:
  explicit OneRowView(std::string row, uint64_t position = 1) : row_(std::move(row)), position_(position) {}
  uint64_t position() const override { return position_; }
  absl::StatusOr<std::optional<std::string>> Get(std::string_view, std::string_view) override {
    ++reads;
    return std::optional<std::string>(row_);
  }
  int reads = 0;
  absl::Status Scan(std::string_view, std::string_view, std::string_view,
                    const std::function<bool(std::string_view, std::string_view)>&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<uint64_t> ProjectionPosition(std::string_view) override { return 1; }
  absl::Status ReadStream(std::string_view,
                          const std::function<bool(const eventstore::RecordedEvent&)>&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<eventstore::RecordedEvent>> EventAt(uint64_t) override {
    return std::optional<eventstore::RecordedEvent>();
  }

 private:
  std::string row_;
  uint64_t position_;
};

// Only the writer's own offer, confirmed, at a view at or after its position, is answered
// without a read: not an offer whose write was never confirmed (a failed write), not one that
// a newer offer replaced, not after ForgetConfirmations.
TEST(ExperimentStateCache, OnlyAConfirmedOfferIsAnsweredWithoutReadingTheRow) {
  const std::string key = app::ExperimentKey(tk::kPid, "e1");
  v1::ExperimentState stored, offered;
  stored.set_stream_version(3);
  offered.set_stream_version(4);
  const std::string stored_row = stored.SerializeAsString();
  const std::string offered_row = offered.SerializeAsString();

  app::ExperimentStateCache cache;
  const uint64_t offer = cache.Offer(key, offered_row, offered);
  OneRowView at_7(stored_row, 7);  // the offered write failed: the view has the old row
  auto got = cache.Load(at_7, tk::kPid, "e1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)->stream_version(), 3u);
  EXPECT_EQ(at_7.reads, 1);
  EXPECT_FALSE(cache.TakeConfirmed(key).has_value());

  // A newer offer replaced it: confirming the first does nothing.
  const uint64_t second = cache.Offer(key, offered_row, offered);
  cache.Confirm(key, offer, 7);
  OneRowView again(offered_row, 7);
  ASSERT_TRUE(cache.Load(again, tk::kPid, "e1").ok());
  EXPECT_EQ(again.reads, 1);

  // Confirmed at 7: a view at 6 reads, one at 7 or later does not.
  cache.Confirm(key, second, 7);
  OneRowView at_6(stored_row, 6);
  got = cache.Load(at_6, tk::kPid, "e1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)->stream_version(), 3u);
  EXPECT_EQ(at_6.reads, 1);
  OneRowView at_8(offered_row, 8);
  got = cache.Load(at_8, tk::kPid, "e1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)->stream_version(), 4u);
  EXPECT_EQ(at_8.reads, 0);
  EXPECT_EQ(cache.unread(), 1u);

  // The writer gets a copy while a reader holds the state, the state itself when none does.
  std::optional<v1::ExperimentState> copy = cache.TakeConfirmed(key);
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(copy->stream_version(), 4u);
  EXPECT_EQ(cache.takes(), 0u);
  got = absl::StatusOr<std::shared_ptr<const v1::ExperimentState>>(nullptr);
  std::optional<v1::ExperimentState> taken = cache.TakeConfirmed(key);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(cache.takes(), 1u);
  EXPECT_FALSE(cache.TakeConfirmed(key).has_value()) << "taken out of the cache";

  // ForgetConfirmations: read again.
  const uint64_t third = cache.Offer(key, offered_row, offered);
  cache.Confirm(key, third, 9);
  cache.ForgetConfirmations();
  OneRowView at_9(offered_row, 9);
  ASSERT_TRUE(cache.Load(at_9, tk::kPid, "e1").ok());
  EXPECT_EQ(at_9.reads, 1);
  EXPECT_FALSE(cache.TakeConfirmed(key).has_value());
}

// An offer dropped before its write is confirmed (the cache full) is not confirmed in the
// entry a reader puts in its place: Confirm names the offer, not whatever sits at that key.
TEST(ProgrammeStateCache, AConfirmationFindsOnlyItsOwnOffer) {
  const std::string key = app::ProgrammeKey(tk::kPid);
  v1::ProgrammeState old_state, offered;
  old_state.set_stream_version(3);
  offered.set_stream_version(4);
  app::ProgrammeStateCache cache;
  const uint64_t offer = cache.Offer(key, offered.SerializeAsString(), offered);
  OneRowView others(old_state.SerializeAsString(), 5);
  for (size_t i = 0; i < app::ProgrammeStateCache::kMaxEntries; ++i) {
    ASSERT_TRUE(cache.Load(others, "p" + std::to_string(i)).ok());  // fills it: all dropped
  }
  OneRowView before(old_state.SerializeAsString(), 5);  // a reader's view from before the write
  ASSERT_TRUE(cache.Load(before, tk::kPid).ok());
  cache.Confirm(key, offer, 6);  // the write succeeded; its offer is gone
  OneRowView after(offered.SerializeAsString(), 6);
  auto got = cache.Load(after, tk::kPid);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)->stream_version(), 4u);
  EXPECT_EQ(after.reads, 1) << "the reader's entry was not confirmed";
}

TEST(ExperimentStateCache, ARowThatDoesNotParseIsDataLossNamingIt) {
  app::ExperimentStateCache cache;
  OneRowView view(std::string("\xff\xff\xff", 3));
  auto got = cache.Load(view, "lv-2024-2027", "e1");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(got.status().message()), ::testing::HasSubstr("e/lv-2024-2027/e1"));
}

TEST(ProgrammeStateCache, ARowThatDoesNotParseIsDataLossNamingIt) {
  app::ProgrammeStateCache cache;
  OneRowView view(std::string("\xff\xff\xff", 3));
  auto got = cache.Load(view, "lv-2024-2027");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(got.status().message()), ::testing::HasSubstr("p/lv-2024-2027"));
}

TEST(DeciderStateExample, EveryLoadedStateEqualsTheFoldOfItsStream) {
  testing::ViewsStore store;
  testing::RunExample(store);
  auto view = store.store().OpenReadView();
  ASSERT_TRUE(view.ok());
  const std::string pid = domain::kExampleProgrammeId;
  auto programme = app::LoadProgramme(**view, pid);
  ASSERT_TRUE(programme.ok() && programme->has_value());
  EXPECT_EQ((*programme)->SerializeAsString(),
            Fold<v1::ProgrammeState>(store.store(), domain::ProgrammeStream(pid),
                                     domain::DecodeProgrammeEvent)
                .SerializeAsString());
  auto experiments = app::LoadExperiments(**view, pid);
  ASSERT_TRUE(experiments.ok());
  ASSERT_GE(experiments->size(), 4u);
  for (const v1::ExperimentState& slim : *experiments) {
    auto full = app::LoadExperiment(**view, pid, slim.experiment_id());
    ASSERT_TRUE(full.ok() && full->has_value());
    EXPECT_EQ((*full)->SerializeAsString(),
              FoldExperiment(store.store(), pid, slim.experiment_id()).SerializeAsString())
        << slim.experiment_id();
  }
}


// Every field of a programme event that names an experiment (by the proto's convention, a
// string field `experiment_id` or a repeated `experiment_ids` of the event's message) is one
// that NamesExperiment finds and RedactProgrammeEvent clears, and no other event is taken for
// one naming an experiment: a new event type naming one cannot slip past the readers' rule.
TEST(ProgrammeEventsNamingAnExperiment, AreFoundAndRedactedByTheSameFields) {
  namespace pb = google::protobuf;
  const pb::OneofDescriptor* oneof = v1::ProgrammeEvent::descriptor()->FindOneofByName("event");
  ASSERT_NE(oneof, nullptr);
  int naming = 0;
  for (int i = 0; i < oneof->field_count(); ++i) {
    const pb::FieldDescriptor* kind = oneof->field(i);
    ASSERT_EQ(kind->type(), pb::FieldDescriptor::TYPE_MESSAGE) << kind->name();
    v1::ProgrammeEvent event;
    pb::Message* body = event.GetReflection()->MutableMessage(&event, kind);
    const pb::Reflection* r = body->GetReflection();
    const pb::FieldDescriptor* one = body->GetDescriptor()->FindFieldByName("experiment_id");
    const pb::FieldDescriptor* many = body->GetDescriptor()->FindFieldByName("experiment_ids");
    if (one != nullptr) r->SetString(body, one, "hidden-e");
    if (many != nullptr) {
      r->AddString(body, many, "shown-e");
      r->AddString(body, many, "hidden-e");
    }
    const bool names = one != nullptr || many != nullptr;
    naming += names;
    auto is_hidden = [](const std::string& id) { return id == "hidden-e"; };
    auto any = [](const std::string&) { return true; };
    if (!names) {
      EXPECT_FALSE(app::NamesExperiment(event, any)) << kind->name();
      const std::string before = event.SerializeAsString();
      EXPECT_TRUE(app::RedactProgrammeEvent({"hidden-e"}, &event)) << kind->name();
      EXPECT_EQ(event.SerializeAsString(), before) << kind->name();
      continue;
    }
    EXPECT_TRUE(app::NamesExperiment(event, is_hidden)) << kind->name();
    EXPECT_FALSE(app::NamesExperiment(event, [](const std::string& id) { return id == "x"; }))
        << kind->name();
    app::RedactProgrammeEvent({"hidden-e"}, &event);
    const pb::Message& redacted = event.GetReflection()->GetMessage(event, kind);
    if (one != nullptr) {
      EXPECT_EQ(r->GetString(redacted, one), "") << kind->name();
    }
    if (many != nullptr) {
      ASSERT_EQ(r->FieldSize(redacted, many), 1) << kind->name();
      EXPECT_EQ(r->GetRepeatedString(redacted, many, 0), "shown-e") << kind->name();
    }
    EXPECT_FALSE(app::NamesExperiment(event, is_hidden)) << kind->name();
  }
  // Council input, a knowledge session, an allocation and a release.
  EXPECT_EQ(naming, 4);
}

}  // namespace
}  // namespace proeftuin::views
