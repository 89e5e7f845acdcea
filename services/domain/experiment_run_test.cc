// Given / When / Then tests of running and evaluating experiments: start (rule 4),
// activities, expenditure (rule 5), progress, stop, complete, not evaluable, evaluate (rules 6,
// 7 and 8).
#include "domain/testing/support.h"

namespace proeftuin::domain::testkit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

class ExperimentRun : public DomainTest {};

TEST_F(ExperimentRun, StartsASelectedExperimentOfAnAdoptedProgramme) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  absl::StatusOr<Executed> result = When(StartCmd("a"));
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ExperimentStarted::descriptor())));
  EXPECT_EQ(Experiment("a").status(), v1::EXPERIMENT_STATUS_STARTED);
  EXPECT_TRUE(Experiment("a").started());
}

TEST_F(ExperimentRun, RejectsStartingBeforeTheProgrammeIsAdopted) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  GivenSelected("a");
  EXPECT_THAT(When(StartCmd("a")),
              IsRuleError(Code::kFailedPrecondition, rules::kProgrammeNotAdopted));
}

TEST_F(ExperimentRun, RejectsStartingAnUnselectedExperiment) {
  GivenAdoptedProgramme();
  GivenExperiment("a", {ProposedEvent("a")});
  EXPECT_THAT(When(StartCmd("a")),
              IsRuleError(Code::kFailedPrecondition, rules::kStartNotSelected));
}

TEST_F(ExperimentRun, RejectsStartingTwice) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  EXPECT_THAT(When(StartCmd("a")),
              IsRuleError(Code::kFailedPrecondition, rules::kExperimentStatus));
}

TEST_F(ExperimentRun, RejectsAStartDateInTheFuture) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  v1::Command command = StartCmd("a");
  *command.mutable_start_experiment()->mutable_started_on() = D(2025, 4, 1);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kDateInFuture));
}

// PT-DATE-ORDER: an experiment starts on or after the college's selection decision and the
// programme's adoption decision.
TEST_F(ExperimentRun, RejectsAStartDatedBeforeTheSelectionOrTheAdoption) {
  GivenAdoptedProgramme();  // adopted 2024-07-09
  GivenExperiment("a", {ProposedEvent("a")});
  ASSERT_THAT(When(SelectCmd("a", {YearEur(2025, 20'000)})), IsOk());  // decided 2024-08-01
  v1::Command command = StartCmd("a");
  *command.mutable_start_experiment()->mutable_started_on() = D(2024, 7, 20);
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field started_on is 2024-07-20, before the college's selection "
                        "decision 2024-08-01"));
  *command.mutable_start_experiment()->mutable_started_on() = D(2024, 7, 1);
  EXPECT_THAT(When(command).status().message(),
              HasSubstr("before the college's selection decision"));
  *command.mutable_start_experiment()->mutable_started_on() = D(2024, 8, 1);
  EXPECT_THAT(When(command), IsOk());  // the day of the decision
}

TEST_F(ExperimentRun, RejectsAStartDatedBeforeTheProgrammesAdoption) {
  GivenAdoptedProgramme();  // adopted 2024-07-09
  GivenSelected("a");       // the selection's date not kept
  v1::Command command = StartCmd("a");
  *command.mutable_start_experiment()->mutable_started_on() = D(2024, 7, 8);
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(),
              HasSubstr("started_on is 2024-07-08, before the programme's adoption decision "
                        "2024-07-09"));
  EXPECT_TRUE(Experiment("a").started_on().year() == 0);  // nothing written
}

// PT-DATE-ORDER: what happens in an experiment's run is dated on or after its start, and its
// evaluation on or after its end. Each refusal names the field and writes nothing.
TEST_F(ExperimentRun, RejectsRunDatesBeforeTheStartAndAnEvaluationBeforeTheEnd) {
  GivenAdoptedProgramme();
  GivenStarted("a");  // started 2024-09-02
  const v1::Date before_start = D(2024, 9, 1);
  v1::Command activity = ActivityCmd("a", 10, 0);
  *activity.mutable_record_activity()->mutable_held_on() = before_start;
  v1::Command progress = ProgressCmd("a", 10, "opgestart");
  *progress.mutable_report_progress()->mutable_reported_on() = before_start;
  v1::Command stop = StopCmd("a", "geen deelnemers");
  *stop.mutable_stop_experiment_early()->mutable_stopped_on() = before_start;
  v1::Command complete = CompleteCmd("a");
  *complete.mutable_complete_experiment()->mutable_completed_on() = before_start;
  const std::pair<const v1::Command*, const char*> cases[] = {{&activity, "held_on"},
                                                              {&progress, "reported_on"},
                                                              {&stop, "stopped_on"},
                                                              {&complete, "completed_on"}};
  for (const auto& [command, field] : cases) {
    absl::StatusOr<Executed> result = When(*command);
    EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder)) << field;
    EXPECT_THAT(result.status().message(),
                HasSubstr(std::string("field ") + field +
                          " is 2024-09-01, before the experiment's start 2024-09-02"));
  }
  EXPECT_EQ(Experiment("a").activity_count(), 0);
  EXPECT_EQ(Experiment("a").status(), v1::EXPERIMENT_STATUS_STARTED);
  // On the day of the start, all are accepted.
  *complete.mutable_complete_experiment()->mutable_completed_on() = D(2024, 9, 2);
  ASSERT_THAT(When(complete), IsOk());
  v1::Command evaluate = EvaluateExperimentCmd("a");
  *evaluate.mutable_evaluate_experiment()->mutable_evaluated_on() = D(2024, 9, 1);
  absl::StatusOr<Executed> result = When(evaluate);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(
      result.status().message(),
      HasSubstr("field evaluated_on is 2024-09-01, before the experiment's end 2024-09-02"));
  *evaluate.mutable_evaluate_experiment()->mutable_evaluated_on() = D(2024, 9, 2);
  EXPECT_THAT(When(evaluate), IsOk());
}

TEST_F(ExperimentRun, RecordsActivitiesAndCountsParticipants) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  ASSERT_THAT(When(ActivityCmd("a", 40, 6)), IsOk());
  ASSERT_THAT(When(ActivityCmd("a", 25, 0)), IsOk());
  EXPECT_EQ(Experiment("a").activity_count(), 2);
  EXPECT_EQ(Experiment("a").participant_count(), 65);
  EXPECT_EQ(Experiment("a").seldom_heard_reached_count(), 6);
}

TEST_F(ExperimentRun, RejectsMoreSeldomHeardThanParticipants) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  EXPECT_THAT(When(ActivityCmd("a", 5, 6)),
              IsRuleError(Code::kInvalidArgument, rules::kValueRange));
}

TEST_F(ExperimentRun, RejectsActivityOfAnExperimentThatIsNotRunning) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  EXPECT_THAT(When(ActivityCmd("a", 5, 0)),
              IsRuleError(Code::kFailedPrecondition, rules::kExperimentStatus));
}

TEST_F(ExperimentRun, RecordsExpenditureBeyondTheAllocationVisibly) {
  GivenAdoptedProgramme();
  GivenStarted("a");  // EUR 20,000 allocated
  ASSERT_THAT(When(SpendCmd("a", 18'000, 2025)), IsOk());
  ASSERT_THAT(When(SpendCmd("a", 4'250, 2026)), IsOk());
  EXPECT_EQ(Experiment("a").spent().cents(), 2'225'000);
  EXPECT_EQ(CentsInYear(Experiment("a").spent_per_year(), 2026), 425'000);
  EXPECT_EQ(OverspentCents(Experiment("a")), 225'000);
}

TEST_F(ExperimentRun, RejectsExpenditureBeforeTheStart) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  EXPECT_THAT(When(SpendCmd("a", 100, 2025)),
              IsRuleError(Code::kFailedPrecondition, rules::kExpenditureNotStarted));
}

TEST_F(ExperimentRun, RejectsExpenditureInAYearOutsideTheBudget) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  EXPECT_THAT(When(SpendCmd("a", 100, 2024)),
              IsRuleError(Code::kInvalidArgument, rules::kBudgetYearUnknown));
}

TEST_F(ExperimentRun, RejectsExpenditureWithoutAmount) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  v1::Command command = SpendCmd("a", 100, 2025);
  command.mutable_record_expenditure()->clear_amount();
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kFieldRequired));
}

// An invoice for the preparation may precede the start, not the college's selection decision.
TEST_F(ExperimentRun, AcceptsSpendingFromTheSelectionDecisionAndRejectsItBefore) {
  GivenAdoptedProgramme();
  GivenExperiment("a", {ProposedEvent("a")});
  ASSERT_THAT(When(SelectCmd("a", {YearEur(2025, 20'000)})), IsOk());  // decided 2024-08-01
  ASSERT_THAT(When(StartCmd("a")), IsOk());                            // 2024-09-02
  v1::Command spend = SpendCmd("a", 100, 2025);
  *spend.mutable_record_expenditure()->mutable_spent_on() = D(2024, 7, 31);
  absl::StatusOr<Executed> result = When(spend);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field spent_on is 2024-07-31, before the college's selection decision "
                        "2024-08-01"));
  EXPECT_EQ(Experiment("a").spent().cents(), 0);
  *spend.mutable_record_expenditure()->mutable_spent_on() = D(2024, 8, 15);
  EXPECT_THAT(When(spend), IsOk());
}

TEST_F(ExperimentRun, RejectsAnExpenditureOfNothing) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  absl::StatusOr<Executed> result = When(SpendCmd("a", 0, 2025));
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kAmountInvalid));
  EXPECT_THAT(result.status().message(), HasSubstr("amount.cents is 0"));
  EXPECT_THAT(When(SpendCmd("a", 1, 2025)), IsOk());
}

TEST_F(ExperimentRun, AcceptsLateInvoicesAfterCompletionAndEvaluation) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenExperiment("a", {CompletedEvent()});
  EXPECT_THAT(When(SpendCmd("a", 300, 2026)), IsOk());
  GivenExperiment("a", {EvaluatedEvent()});
  EXPECT_THAT(When(SpendCmd("a", 200, 2026)), IsOk());
  EXPECT_EQ(Experiment("a").spent().cents(), 50'000);
}

TEST_F(ExperimentRun, ReportsProgressAndTreatsARepeatAsANoOp) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  absl::StatusOr<Executed> first = When(ProgressCmd("a", 40, "eerste ronde klaar"));
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->events.size(), 1u);
  absl::StatusOr<Executed> repeat = When(ProgressCmd("a", 40, "eerste ronde klaar"));
  ASSERT_THAT(repeat, IsOk());
  EXPECT_TRUE(repeat->decision.empty());
  EXPECT_EQ(Experiment("a").progress_percent(), 40);
}

TEST_F(ExperimentRun, RejectsProgressAboveAHundredPercent) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  EXPECT_THAT(When(ProgressCmd("a", 101, "")),
              IsRuleError(Code::kInvalidArgument, rules::kValueRange));
}

TEST_F(ExperimentRun, StopsEarlyWithAReason) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  EXPECT_THAT(When(StopCmd("a", "")), IsRuleError(Code::kInvalidArgument, rules::kReasonRequired));
  absl::StatusOr<Executed> result = When(StopCmd("a", "te weinig respons"));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(Experiment("a").status(), v1::EXPERIMENT_STATUS_STOPPED_EARLY);
  EXPECT_EQ(Experiment("a").end_reason(), "te weinig respons");
}

TEST_F(ExperimentRun, RejectsStoppingAnExperimentThatIsNotRunning) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  EXPECT_THAT(When(StopCmd("a", "x")),
              IsRuleError(Code::kFailedPrecondition, rules::kExperimentStatus));
}

TEST_F(ExperimentRun, CompletesARunningExperiment) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  ASSERT_THAT(When(CompleteCmd("a")), IsOk());
  EXPECT_EQ(Experiment("a").status(), v1::EXPERIMENT_STATUS_COMPLETED);
  EXPECT_THAT(When(CompleteCmd("a")),
              IsRuleError(Code::kFailedPrecondition, rules::kExperimentStatus));
}

TEST_F(ExperimentRun, MarksASelectedExperimentNotEvaluableWithAReason) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  EXPECT_THAT(When(NotEvaluableCmd("a", "")),
              IsRuleError(Code::kInvalidArgument, rules::kReasonRequired));
  ASSERT_THAT(When(NotEvaluableCmd("a", "geen nulmeting")), IsOk());
  EXPECT_EQ(Experiment("a").status(), v1::EXPERIMENT_STATUS_NOT_EVALUABLE);
}

TEST_F(ExperimentRun, RejectsMarkingAProposalNotEvaluable) {
  GivenAdoptedProgramme();
  GivenExperiment("a", {ProposedEvent("a")});
  EXPECT_THAT(When(NotEvaluableCmd("a", "x")),
              IsRuleError(Code::kFailedPrecondition, rules::kExperimentStatus));
}

TEST_F(ExperimentRun, EvaluatesACompletedExperimentOnEveryCriterion) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenExperiment("a", {CompletedEvent()});
  absl::StatusOr<Executed> result = When(EvaluateExperimentCmd("a"));
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ExperimentEvaluated::descriptor())));
  EXPECT_EQ(Experiment("a").status(), v1::EXPERIMENT_STATUS_EVALUATED);
  EXPECT_EQ(Experiment("a").scores_size(), 2);
  EXPECT_EQ(Experiment("a").conclusion(), v1::CONCLUSION_ADAPT);
}

TEST_F(ExperimentRun, EvaluatesAnExperimentThatStoppedEarly) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  ASSERT_THAT(When(StopCmd("a", "geen draagvlak")), IsOk());
  EXPECT_THAT(When(EvaluateExperimentCmd("a")), IsOk());
}

TEST_F(ExperimentRun, RejectsEvaluatingARunningExperiment) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  EXPECT_THAT(When(EvaluateExperimentCmd("a")),
              IsRuleError(Code::kFailedPrecondition, rules::kEvaluateNotEnded));
}

TEST_F(ExperimentRun, RejectsEvaluationMissingACriterion) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenExperiment("a", {CompletedEvent()});
  v1::Command command = EvaluateExperimentCmd("a");
  command.mutable_evaluate_experiment()->mutable_scores()->RemoveLast();
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kEvaluateMissingScore));
  EXPECT_EQ(result.status().message(),
            "PT-EVALUATE-MISSING-SCORE: cannot evaluate experiment lv-test.a: field scores has "
            "no score for criterion invloed");
}

TEST_F(ExperimentRun, RejectsAScoreForAnUnknownCriterion) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenExperiment("a", {CompletedEvent()});
  v1::Command command = EvaluateExperimentCmd("a");
  command.mutable_evaluate_experiment()->mutable_scores(1)->set_criterion_id("kosten");
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kEvaluateUnknownCriterion));
}

TEST_F(ExperimentRun, RejectsAScoreWithoutAssessor) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenExperiment("a", {CompletedEvent()});
  v1::Command command = EvaluateExperimentCmd("a");
  command.mutable_evaluate_experiment()->mutable_scores(0)->clear_assessor();
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kFieldRequired));
}

TEST_F(ExperimentRun, RejectsScoringACriterionTwice) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenExperiment("a", {CompletedEvent()});
  v1::Command command = EvaluateExperimentCmd("a");
  command.mutable_evaluate_experiment()->mutable_scores(1)->set_criterion_id("bereik");
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kDuplicate));
}

TEST_F(ExperimentRun, EvaluatedExperimentAcceptsOnlyExpenditureAndCorrections) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenExperiment("a", {CompletedEvent(), EvaluatedEvent()});
  for (const v1::Command& command :
       {EvaluateExperimentCmd("a"), NotEvaluableCmd("a", "x"), ProgressCmd("a", 100, ""),
        AmendExperimentCmd("a", TestExperimentDesign(), "x"), ActivityCmd("a", 1, 0)}) {
    EXPECT_THAT(When(command), IsRuleError(Code::kFailedPrecondition, rules::kExperimentEvaluated))
        << command.ShortDebugString();
  }
  EXPECT_THAT(When(SpendCmd("a", 10, 2025)), IsOk());
}

TEST_F(ExperimentRun, RejectsAnActivityTakingTheParticipantTotalPastTheLimit) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  v1::ExperimentEvent big;
  big.mutable_activity_recorded()->set_participant_count(10'000'000);
  big.mutable_activity_recorded()->set_seldom_heard_reached_count(10'000'000);
  for (int i = 0; i < 214; ++i) GivenExperiment("a", {big});  // 2,140,000,000 each
  absl::StatusOr<Executed> result = When(ActivityCmd("a", 7'483'648, 0));
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kValueRange));
  EXPECT_THAT(result.status().message(), HasSubstr("field participant_count"));
  EXPECT_THAT(When(ActivityCmd("a", 7'483'648, 7'483'648)),
              IsRuleError(Code::kInvalidArgument, rules::kValueRange));
  ASSERT_THAT(When(ActivityCmd("a", 7'483'647, 7'483'647)), IsOk());
  EXPECT_EQ(Experiment("a").participant_count(), 2'147'483'647);
  EXPECT_EQ(Experiment("a").seldom_heard_reached_count(), 2'147'483'647);
  EXPECT_THAT(When(ActivityCmd("a", 1, 0)),
              IsRuleError(Code::kInvalidArgument, rules::kValueRange));
  EXPECT_THAT(When(ActivityCmd("a", 0, 0)), IsOk());
}

}  // namespace
}  // namespace proeftuin::domain::testkit
