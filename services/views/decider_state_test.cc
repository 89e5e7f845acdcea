// The stored decider state (app/decider_projection.h): the correctable events of the repeating
// kinds live in rows of their own, loading with Correctables::kAll gives back exactly the state
// Evolve builds from the stream, and a correction finds and updates its target's row.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/decider_projection.h"
#include "domain/decider.h"
#include "domain/streams.h"
#include "domain/testing/builders.h"
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

TEST_F(DeciderState, KeepsActivitiesAndExpendituresOutOfTheStateRow) {
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
  EXPECT_EQ(own_rows, 51);
  auto all = Load(Correctables::kAll);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->correctable_events_size(), 53);
  EXPECT_EQ(all->SerializeAsString(),
            FoldExperiment(store_.store(), tk::kPid, "e1").SerializeAsString());
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

}  // namespace
}  // namespace proeftuin::views
