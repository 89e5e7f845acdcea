// Given / When / Then tests of corrections (rule 8; nothing is deleted or rewritten): which
// events and fields can be corrected, and how the state applies them.
#include "domain/testing/support.h"

namespace proeftuin::domain::testkit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

class Correction : public DomainTest {
 protected:
  // Runs a command that must succeed and returns the position of its first event.
  uint64_t PositionOf(const v1::Command& command) {
    absl::StatusOr<Executed> result = When(command);
    EXPECT_THAT(result, IsOk());
    return result.ok() && !result->events.empty() ? result->events[0].position : 0;
  }
};

v1::CorrectedFields OccurredOn(const v1::Date& date) {
  v1::CorrectedFields fields;
  *fields.mutable_occurred_on() = date;
  return fields;
}

v1::CorrectedFields Text(std::string text) {
  v1::CorrectedFields fields;
  fields.set_text(std::move(text));
  return fields;
}

v1::CorrectedFields Amount(int64_t euros) {
  v1::CorrectedFields fields;
  *fields.mutable_amount() = Eur(euros);
  return fields;
}

TEST_F(Correction, CorrectsAnExpenditureAmountAndTheSpentTotal) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  const uint64_t wrong = PositionOf(SpendCmd("a", 4'500, 2025));
  ASSERT_THAT(When(SpendCmd("a", 1'000, 2025)), IsOk());
  absl::StatusOr<Executed> result = When(CorrectCmd("a", wrong, Amount(450), "typefout"));
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::CorrectionRecorded::descriptor())));
  EXPECT_EQ(result->events[0].stream, "experiment-lv-test.a");
  EXPECT_EQ(result->events[0].reason, "typefout");
  v1::ExperimentEvent stored;
  ASSERT_TRUE(stored.ParseFromString(result->events[0].payload));
  EXPECT_EQ(stored.correction_recorded().corrected_event_type(),
            T(v1::ExpenditureRecorded::descriptor()));
  EXPECT_EQ(Experiment("a").spent().cents(), 145'000);
  EXPECT_EQ(Experiment("a").correction_count(), 1);
}

TEST_F(Correction, MovesAnExpenditureToAnotherBudgetYear) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  const uint64_t position = PositionOf(SpendCmd("a", 700, 2025));
  v1::CorrectedFields fields;
  fields.set_budget_year(2026);
  ASSERT_THAT(When(CorrectCmd("a", position, fields, "verkeerd jaar geboekt")), IsOk());
  EXPECT_EQ(CentsInYear(Experiment("a").spent_per_year(), 2025), 0);
  EXPECT_EQ(CentsInYear(Experiment("a").spent_per_year(), 2026), 70'000);
  EXPECT_EQ(Experiment("a").spent().cents(), 70'000);
}

TEST_F(Correction, RejectsMovingAnExpenditureOutsideTheBudgetYears) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  const uint64_t position = PositionOf(SpendCmd("a", 700, 2025));
  v1::CorrectedFields fields;
  fields.set_budget_year(2027);
  EXPECT_THAT(When(CorrectCmd("a", position, fields, "x")),
              IsRuleError(Code::kInvalidArgument, rules::kBudgetYearUnknown));
}

TEST_F(Correction, CorrectsActivityCounts) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  const uint64_t position = PositionOf(ActivityCmd("a", 40, 4));
  v1::CorrectedFields fields;
  fields.set_count(42);
  fields.set_seldom_heard_count(7);
  ASSERT_THAT(When(CorrectCmd("a", position, fields, "presentielijst nageteld")), IsOk());
  EXPECT_EQ(Experiment("a").participant_count(), 42);
  EXPECT_EQ(Experiment("a").seldom_heard_reached_count(), 7);
}

TEST_F(Correction, RejectsMoreSeldomHeardThanParticipantsAfterCorrection) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  const uint64_t position = PositionOf(ActivityCmd("a", 10, 2));
  v1::CorrectedFields fields;
  fields.set_seldom_heard_count(11);
  EXPECT_THAT(When(CorrectCmd("a", position, fields, "x")),
              IsRuleError(Code::kInvalidArgument, rules::kValueRange));
}

TEST_F(Correction, CorrectsTheSelectionDecisionReference) {
  GivenAdoptedProgramme();
  GivenExperiment("a", {ProposedEvent("a")});
  const uint64_t position = PositionOf(SelectCmd("a", {YearEur(2025, 1'000)}));
  v1::CorrectedFields fields;
  *fields.mutable_decision() = CollegeDecision("B&W-2024-0802", D(2024, 8, 1));
  ASSERT_THAT(When(CorrectCmd("a", position, fields, "besluitnummer")), IsOk());
  EXPECT_EQ(Experiment("a").selection_decision().identification(), "B&W-2024-0802");
}

TEST_F(Correction, CorrectsTheAdoptionDecisionOnTheProgrammeStream) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  const uint64_t position = PositionOf(AdoptCmd());
  v1::CorrectedFields fields;
  *fields.mutable_decision() = CollegeDecision("B&W-2024-0799", D(2024, 7, 9));
  absl::StatusOr<Executed> result = When(CorrectCmd("", position, fields, "besluitnummer"));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->events[0].stream, "programme-lv-test");
  EXPECT_FALSE(result->decision.checks_programme_version);
  EXPECT_EQ(Programme().adoption().identification(), "B&W-2024-0799");
}

TEST_F(Correction, CorrectsAKnowledgeSessionsAttendance) {
  GivenAdoptedProgramme();
  const uint64_t position = PositionOf(SessionCmd("ks-1"));
  v1::CorrectedFields fields;
  fields.set_count(15);
  ASSERT_THAT(When(CorrectCmd("", position, fields, "nagekomen aanmeldingen")), IsOk());
  EXPECT_EQ(Programme().knowledge_sessions(0).attendee_count(), 15);
}

TEST_F(Correction, RejectsAFieldTheCorrectedEventDoesNotHave) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  const uint64_t position = PositionOf(ActivityCmd("a", 10, 2));
  absl::StatusOr<Executed> result = When(CorrectCmd("a", position, Amount(5), "x"));
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kCorrectionField));
  EXPECT_EQ(result.status().message(),
            "PT-CORRECTION-FIELD: cannot record correction for experiment lv-test.a: field "
            "fields.amount cannot be corrected on a proeftuin.v1.ActivityRecorded");
}

TEST_F(Correction, RejectsACorrectionThatCorrectsNothing) {
  GivenAdoptedProgramme();
  EXPECT_THAT(When(CorrectCmd("", 3, v1::CorrectedFields(), "x")),
              IsRuleError(Code::kInvalidArgument, rules::kCorrectionEmpty));
}

TEST_F(Correction, RejectsACorrectionWithoutReason) {
  GivenAdoptedProgramme();
  v1::CorrectedFields fields;
  *fields.mutable_decision() = CollegeDecision("x", D(2024, 7, 9));
  EXPECT_THAT(When(CorrectCmd("", 3, fields, "")),
              IsRuleError(Code::kInvalidArgument, rules::kReasonRequired));
}

TEST_F(Correction, RejectsAPositionOutsideTheStream) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  const uint64_t on_experiment = PositionOf(SpendCmd("a", 100, 2025));
  EXPECT_THAT(When(CorrectCmd("", on_experiment, Amount(1), "x")),
              IsRuleError(Code::kNotFound, rules::kCorrectionTarget));
  EXPECT_THAT(When(CorrectCmd("a", 999, Amount(1), "x")),
              IsRuleError(Code::kNotFound, rules::kCorrectionTarget));
}

TEST_F(Correction, RejectsCorrectingAnEventThatIsNotCorrectable) {
  GivenAdoptedProgramme();
  GivenExperiment("a", {ProposedEvent("a")});
  v1::CorrectedFields fields;
  fields.set_text("andere titel");
  // Position 4 is the proposal: amend the experiment instead.
  EXPECT_THAT(When(CorrectCmd("a", 4, fields, "x")),
              IsRuleError(Code::kNotFound, rules::kCorrectionTarget));
}

TEST_F(Correction, RejectsCorrectingACorrection) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  const uint64_t expenditure = PositionOf(SpendCmd("a", 100, 2025));
  const uint64_t correction = PositionOf(CorrectCmd("a", expenditure, Amount(90), "x"));
  EXPECT_THAT(When(CorrectCmd("a", correction, Amount(80), "x")),
              IsRuleError(Code::kNotFound, rules::kCorrectionTarget));
  ASSERT_THAT(When(CorrectCmd("a", expenditure, Amount(80), "nogmaals")), IsOk());
  EXPECT_EQ(Experiment("a").spent().cents(), 8'000);
}

TEST_F(Correction, IsAcceptedOnAnEvaluatedExperimentAndAClosedProgramme) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  const uint64_t position = PositionOf(SpendCmd("a", 100, 2025));
  GivenExperiment("a", {CompletedEvent(), EvaluatedEvent()});
  GivenProgramme({ProgrammeEvaluatedEvent(), ClosedEvent()});
  ASSERT_THAT(When(CorrectCmd("a", position, Amount(120), "factuur gecorrigeerd")), IsOk());
  EXPECT_EQ(Experiment("a").spent().cents(), 12'000);
}

TEST_F(Correction, RejectsAnAdoptionDecisionDatedBeforeTheSubmission) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});  // submitted 2024-06-20
  const uint64_t position = PositionOf(AdoptCmd());
  v1::CorrectedFields fields;
  *fields.mutable_decision() = CollegeDecision("B&W-2024-0712", D(2024, 6, 1));
  absl::StatusOr<Executed> result = When(CorrectCmd("", position, fields, "datum"));
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field fields.decision.decision_date is 2024-06-01, before"));
}

TEST_F(Correction, RejectsMovingTheSubmissionAfterTheAdoption) {
  GivenProgramme({DraftedEvent()});
  const uint64_t submitted = PositionOf(SubmitCmd());
  ASSERT_THAT(When(AdoptCmd()), IsOk());  // decided 2024-07-09
  absl::StatusOr<Executed> result =
      When(CorrectCmd("", submitted, OccurredOn(D(2024, 7, 10)), "datum"));
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field fields.occurred_on is 2024-07-10, after"));
  EXPECT_THAT(When(CorrectCmd("", submitted, OccurredOn(D(2024, 7, 9)), "datum")), IsOk());
}

TEST_F(Correction, RejectsMovingTheSubmissionAfterCouncilInput) {
  GivenProgramme({DraftedEvent()});
  const uint64_t submitted = PositionOf(SubmitCmd());
  ASSERT_THAT(When(RecordInputCmd("wb-1")), IsOk());  // received 2024-07-02
  EXPECT_THAT(When(CorrectCmd("", submitted, OccurredOn(D(2024, 7, 3)), "datum")),
              IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
}

TEST_F(Correction, RejectsMovingCouncilInputBeforeTheSubmission) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});  // submitted 2024-06-20
  const uint64_t input = PositionOf(RecordInputCmd("wb-1"));
  absl::StatusOr<Executed> result = When(CorrectCmd("", input, OccurredOn(D(2024, 6, 1)), "datum"));
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(), HasSubstr("field fields.occurred_on is 2024-06-01"));
}

TEST_F(Correction, RejectsMovingCouncilInputAfterItsAnswer) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  const uint64_t input = PositionOf(RecordInputCmd("wb-1"));  // received 2024-07-02
  ASSERT_THAT(When(AnswerInputCmd("wb-1")), IsOk());          // answered 2024-07-08
  EXPECT_THAT(When(CorrectCmd("", input, OccurredOn(D(2024, 7, 9)), "datum")),
              IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(When(CorrectCmd("", input, OccurredOn(D(2024, 7, 8)), "datum")), IsOk());
}

TEST_F(Correction, RejectsMovingAnAnswerBeforeItsInputOrAfterTheAdoption) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  ASSERT_THAT(When(RecordInputCmd("wb-1")), IsOk());           // received 2024-07-02
  const uint64_t answer = PositionOf(AnswerInputCmd("wb-1"));  // answered 2024-07-08
  ASSERT_THAT(When(AdoptCmd()), IsOk());                       // decided 2024-07-09
  EXPECT_THAT(When(CorrectCmd("", answer, OccurredOn(D(2024, 7, 1)), "datum")),
              IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(When(CorrectCmd("", answer, OccurredOn(D(2024, 7, 10)), "datum")),
              IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(When(CorrectCmd("", answer, OccurredOn(D(2024, 7, 3)), "datum")), IsOk());
}

TEST_F(Correction, RejectsAnAdoptionDecisionDatedBeforeAnAnswer) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  ASSERT_THAT(When(RecordInputCmd("wb-1")), IsOk());
  ASSERT_THAT(When(AnswerInputCmd("wb-1")), IsOk());  // answered 2024-07-08
  const uint64_t adopted = PositionOf(AdoptCmd());
  v1::CorrectedFields fields;
  *fields.mutable_decision() = CollegeDecision("B&W-2024-0712", D(2024, 7, 7));
  EXPECT_THAT(When(CorrectCmd("", adopted, fields, "datum")),
              IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
}

TEST_F(Correction, LaterChecksUseTheCorrectedDatesOfTheProcedure) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  const uint64_t input = PositionOf(RecordInputCmd("wb-1"));  // received 2024-07-02
  ASSERT_THAT(When(CorrectCmd("", input, OccurredOn(D(2024, 7, 6)), "datum")), IsOk());
  v1::Command answer = AnswerInputCmd("wb-1");
  *answer.mutable_answer_council_input()->mutable_answered_on() = D(2024, 7, 5);
  EXPECT_THAT(When(answer), IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  *answer.mutable_answer_council_input()->mutable_answered_on() = D(2024, 7, 7);
  const uint64_t answered = PositionOf(answer);
  ASSERT_THAT(When(CorrectCmd("", answered, OccurredOn(D(2024, 7, 10)), "datum")), IsOk());
  EXPECT_THAT(When(AdoptCmd()),  // decided 2024-07-09, before the corrected answer
              IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
}

// A correction keeps an experiment's run in order (PT-DATE-ORDER) as the commands do.
TEST_F(Correction, KeepsTheDatesOfAnExperimentsRunInOrder) {
  GivenAdoptedProgramme();  // adopted 2024-07-09
  GivenSelected("a");
  const uint64_t started = PositionOf(StartCmd("a"));             // 2024-09-02
  const uint64_t activity = PositionOf(ActivityCmd("a", 10, 0));  // 2024-10-01
  v1::Command complete = CompleteCmd("a");
  *complete.mutable_complete_experiment()->mutable_completed_on() = D(2025, 2, 28);
  const uint64_t completed = PositionOf(complete);
  const uint64_t evaluated = PositionOf(EvaluateExperimentCmd("a"));  // 2025-03-03
  struct Case {
    uint64_t position;
    v1::Date date;
    const char* message;
  };
  for (const Case& c : {
           Case{started, D(2024, 7, 8), "is 2024-07-08, before the programme's adoption decision"},
           Case{started, D(2025, 3, 1), "is 2025-03-01, after the experiment's end 2025-02-28"},
           Case{activity, D(2024, 9, 1), "is 2024-09-01, before the experiment's start 2024-09-02"},
           Case{completed, D(2024, 9, 1), "is 2024-09-01, before the experiment's start"},
           Case{evaluated, D(2025, 2, 27), "is 2025-02-27, before the experiment's end 2025-02-28"},
       }) {
    absl::StatusOr<Executed> result =
        When(CorrectCmd("a", c.position, OccurredOn(c.date), "datum"));
    EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder)) << c.message;
    EXPECT_THAT(result.status().message(),
                HasSubstr(std::string("field fields.occurred_on ") + c.message));
  }
  EXPECT_EQ(Experiment("a").correction_count(), 0);
  EXPECT_THAT(When(CorrectCmd("a", started, OccurredOn(D(2024, 9, 3)), "datum")), IsOk());
  EXPECT_EQ(Experiment("a").started_on().day(), 3);
}

TEST_F(Correction, LimitsACorrectedTextToTheLimitOfTheCorrectedField) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  const uint64_t activity = PositionOf(ActivityCmd("a", 10, 2));
  absl::StatusOr<Executed> result =
      When(CorrectCmd("a", activity, Text(std::string(4'001, 'x')), "notitie"));
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kTextTooLong));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field fields.text has 4001 characters, at most 4000"));
  EXPECT_THAT(When(CorrectCmd("a", activity, Text(std::string(4'000, 'x')), "notitie")), IsOk());
  // A knowledge session's summary is a long text (20,000).
  const uint64_t session = PositionOf(SessionCmd("ks-1"));
  EXPECT_THAT(When(CorrectCmd("", session, Text(std::string(4'001, 'x')), "verslag")), IsOk());
}

TEST_F(Correction, RejectsACorrectedCountTakingTheParticipantTotalPastTheLimit) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  v1::ExperimentEvent big;
  big.mutable_activity_recorded()->set_participant_count(10'000'000);
  for (int i = 0; i < 214; ++i) GivenExperiment("a", {big});  // 2,140,000,000
  const uint64_t activity = PositionOf(ActivityCmd("a", 1, 0));
  v1::CorrectedFields fields;
  fields.set_count(7'483'648);  // one past 2,147,483,647
  absl::StatusOr<Executed> result = When(CorrectCmd("a", activity, fields, "nageteld"));
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kValueRange));
  EXPECT_THAT(result.status().message(), HasSubstr("field fields.count"));
  fields.set_count(7'483'647);
  ASSERT_THAT(When(CorrectCmd("a", activity, fields, "nageteld")), IsOk());
  EXPECT_EQ(Experiment("a").participant_count(), 2'147'483'647);
}

}  // namespace
}  // namespace proeftuin::domain::testkit
