// Tests of Evolve: it never fails, ignores what it cannot apply, remembers what corrections may
// target, and rebuilding from the stored log gives the live state byte for byte.
#include "domain/testing/support.h"

namespace proeftuin::domain::testkit {
namespace {

EventContext At(uint64_t position, uint64_t version) {
  EventContext context;
  context.global_position = position;
  context.stream_version = version;
  return context;
}

TEST(ProgrammeEvolve, RecordsVersionAndPositionOfEveryEvent) {
  v1::ProgrammeState state = Evolve(v1::ProgrammeState(), DraftedEvent(), At(7, 0));
  state = Evolve(std::move(state), SubmittedEvent(), At(9, 1));
  EXPECT_EQ(state.stream_version(), 1u);
  EXPECT_EQ(state.last_position(), 9u);
  EXPECT_EQ(state.status(), v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL);
  ASSERT_EQ(state.correctable_events_size(), 1);
  EXPECT_EQ(state.correctable_events(0).position(), 9u);
}

TEST(ProgrammeEvolve, IgnoresAnEmptyEvent) {
  const v1::ProgrammeState drafted = Evolve(v1::ProgrammeState(), DraftedEvent(), At(1, 0));
  v1::ProgrammeState state = Evolve(drafted, v1::ProgrammeEvent(), At(2, 1));
  state.set_stream_version(drafted.stream_version());
  state.set_last_position(drafted.last_position());
  EXPECT_EQ(state.SerializeAsString(), drafted.SerializeAsString());
}

TEST(ProgrammeEvolve, IgnoresAnAnswerToAnUnknownInputAndAStrayCorrection) {
  v1::ProgrammeState state = Evolve(v1::ProgrammeState(), DraftedEvent(), At(1, 0));
  state = Evolve(std::move(state), InputAnsweredEvent("wb-9"), At(2, 1));
  v1::ProgrammeEvent correction;
  correction.mutable_correction_recorded()->set_corrected_position(123);
  state = Evolve(std::move(state), correction, At(3, 2));
  EXPECT_EQ(state.council_inputs_size(), 0);
  EXPECT_EQ(state.correction_count(), 1);
  EXPECT_EQ(state.status(), v1::PROGRAMME_STATUS_DRAFTED);
}

TEST(ProgrammeEvolve, AppliesEventsWithoutADraftWithoutFailing) {
  v1::ProgrammeState state = Evolve(v1::ProgrammeState(), AdoptedEvent(), At(1, 0));
  state = Evolve(std::move(state), AllocatedEvent("a", {YearEur(2025, 5)}), At(2, 1));
  EXPECT_EQ(state.status(), v1::PROGRAMME_STATUS_ADOPTED);
  EXPECT_EQ(AllocatedCents(state), 500);
}

TEST(ExperimentEvolve, KeepsCorrectablePositionsInOrder) {
  v1::ExperimentState state = Evolve(v1::ExperimentState(), ProposedEvent("a"), At(4, 0));
  state = Evolve(std::move(state), SelectedEvent({YearEur(2025, 10)}), At(5, 1));
  state = Evolve(std::move(state), StartedEvent(), At(8, 2));
  state = Evolve(std::move(state), ExpenditureEvent(10, 2025), At(11, 3));
  ASSERT_EQ(state.correctable_events_size(), 3);
  EXPECT_EQ(state.correctable_events(0).position(), 5u);
  EXPECT_EQ(state.correctable_events(2).position(), 11u);
  EXPECT_EQ(state.correctable_events(2).amount().cents(), 1'000);
  EXPECT_EQ(state.correctable_events(2).budget_year(), 2025);
  // An event replayed at an older position is not remembered twice.
  state = Evolve(std::move(state), ExpenditureEvent(10, 2025), At(11, 4));
  EXPECT_EQ(state.correctable_events_size(), 3);
}

// The stored deciders' state keeps the repeating kinds out of the list (they are read from the
// log when a correction names one): Evolve told so leaves them out, and corrects an entry put
// back in the list as it would have corrected the one it remembered.
TEST(ExperimentEvolve, LeavesOutTheRepeatingKindsWhenToldAndStillCorrectsAnEntryPutBack) {
  v1::ExperimentState all = Evolve(v1::ExperimentState(), ProposedEvent("a"), At(4, 0));
  all = Evolve(std::move(all), SelectedEvent({YearEur(2025, 10)}), At(5, 1));
  all = Evolve(std::move(all), StartedEvent(), At(8, 2));
  v1::ExperimentState some = all;
  EventContext without = At(11, 3);
  without.remember_repeating = false;
  all = Evolve(std::move(all), ExpenditureEvent(10, 2025), At(11, 3));
  EvolveInPlace(&some, ExpenditureEvent(10, 2025), without);
  ASSERT_EQ(all.correctable_events_size(), 3);
  ASSERT_EQ(some.correctable_events_size(), 2);  // selection and start
  EXPECT_TRUE(IsRepeatingCorrectable(all.correctable_events(2).event_type()));
  EXPECT_FALSE(IsRepeatingCorrectable(some.correctable_events(1).event_type()));
  // Apart from the list, the same state.
  v1::ExperimentState trimmed = all;
  trimmed.mutable_correctable_events()->RemoveLast();
  EXPECT_EQ(trimmed.SerializeAsString(), some.SerializeAsString());

  // A correction of the expenditure, with its entry put back in the list.
  *some.add_correctable_events() = all.correctable_events(2);
  v1::ExperimentEvent correction;
  correction.mutable_correction_recorded()->set_corrected_position(11);
  correction.mutable_correction_recorded()->set_corrected_event_type(
      all.correctable_events(2).event_type());
  *correction.mutable_correction_recorded()->mutable_fields()->mutable_amount() = Eur(7);
  EventContext at = At(12, 4);
  at.remember_repeating = false;
  all = Evolve(std::move(all), correction, At(12, 4));
  EvolveInPlace(&some, correction, at);
  EXPECT_EQ(some.SerializeAsString(), all.SerializeAsString());
  EXPECT_EQ(some.correctable_events(2).amount().cents(), 700);
}

TEST(ExperimentEvolve, IgnoresAnEmptyEvent) {
  v1::ExperimentState state = Evolve(v1::ExperimentState(), ProposedEvent("a"), At(1, 0));
  state = Evolve(std::move(state), v1::ExperimentEvent(), At(2, 1));
  EXPECT_EQ(state.status(), v1::EXPERIMENT_STATUS_PROPOSED);
  EXPECT_EQ(state.stream_version(), 1u);
}

TEST(ExperimentEvolve, NeverOverflowsTheParticipantTotals) {
  // Events this build's Decide would refuse (a total past INT32_MAX) still fold without
  // overflowing: the totals stop at the largest value they hold.
  v1::ExperimentState state = Evolve(v1::ExperimentState(), ProposedEvent("a"), At(1, 0));
  v1::ExperimentEvent big;
  big.mutable_activity_recorded()->set_participant_count(10'000'000);
  big.mutable_activity_recorded()->set_seldom_heard_reached_count(10'000'000);
  for (uint64_t i = 0; i < 300; ++i) state = Evolve(std::move(state), big, At(2 + i, 1 + i));
  EXPECT_EQ(state.activity_count(), 300);
  EXPECT_EQ(state.participant_count(), 2'147'483'647);
  EXPECT_EQ(state.seldom_heard_reached_count(), 2'147'483'647);
  // A correction of one of them down does not go below zero or wrap either.
  v1::ExperimentEvent correction;
  correction.mutable_correction_recorded()->set_corrected_position(2);
  correction.mutable_correction_recorded()->mutable_fields()->set_count(0);
  state = Evolve(std::move(state), correction, At(400, 301));
  EXPECT_GE(state.participant_count(), 0);
  EXPECT_LE(state.participant_count(), 2'147'483'647);
}

class Rebuild : public DomainTest {};

TEST_F(Rebuild, RebuildingFromTheLogGivesTheLiveStateByteForByte) {
  GivenAdoptedProgramme();
  GivenExperiment("a", {ProposedEvent("a")});
  ASSERT_THAT(When(SelectCmd("a", {YearEur(2025, 10'000)})), IsOk());
  ASSERT_THAT(When(StartCmd("a")), IsOk());
  ASSERT_THAT(When(SpendCmd("a", 500, 2025)), IsOk());
  ASSERT_THAT(When(ActivityCmd("a", 30, 3)), IsOk());
  v1::CorrectedFields fields;
  *fields.mutable_amount() = Eur(450);
  ASSERT_THAT(When(CorrectCmd("a", log_.last_position() - 1, fields, "typefout")), IsOk());
  EXPECT_EQ(log_.FirstStreamNotRebuilt(), "");
}

}  // namespace
}  // namespace proeftuin::domain::testkit
