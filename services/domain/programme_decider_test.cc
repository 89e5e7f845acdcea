// Given / When / Then tests of the programme's own life: draft, amend, adopt (rule 1),
// knowledge sessions, evaluate (rule 7), close, and the closed / evaluated gates.
#include "domain/dates.h"
#include "domain/testing/support.h"

namespace proeftuin::domain::testkit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Code = absl::StatusCode;

class ProgrammeDecider : public DomainTest {};

TEST_F(ProgrammeDecider, DraftsAProgrammeAsPublicByDefault) {
  absl::StatusOr<Executed> result = When(DraftCmd());
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ProgrammeDrafted::descriptor())));
  EXPECT_EQ(result->events[0].stream, "programme-lv-test");
  EXPECT_EQ(result->events[0].confidentiality, v1::CONFIDENTIALITY_OPENBAAR);
  EXPECT_EQ(Programme().status(), v1::PROGRAMME_STATUS_DRAFTED);
  EXPECT_EQ(Programme().design().budget().total().cents(), 14'000'000);
  EXPECT_FALSE(result->decision.checks_programme_version);
}

TEST_F(ProgrammeDecider, DatesEventsByTheCallersBusinessDateWhenTheCommandHasNone) {
  DecisionContext context;
  context.business_date = D(2024, 6, 3);
  absl::StatusOr<Decision> dated = Decide(DraftCmd(), context, TestNow());
  ASSERT_THAT(dated, IsOk());
  EXPECT_EQ(dated->programme_events[0].occurred_on.SerializeAsString(),
            D(2024, 6, 3).SerializeAsString());
  context.business_date = v1::Date();
  absl::StatusOr<Decision> today = Decide(DraftCmd(), context, TestNow());
  ASSERT_THAT(today, IsOk());
  EXPECT_EQ(today->programme_events[0].occurred_on.SerializeAsString(),
            DateOfUtc(TestNow()).SerializeAsString());
}

TEST_F(ProgrammeDecider, RejectsDraftingAnExistingProgramme) {
  GivenProgramme({DraftedEvent()});
  EXPECT_THAT(When(DraftCmd()), IsRuleError(Code::kAlreadyExists, rules::kProgrammeExists));
}

TEST_F(ProgrammeDecider, RejectsDraftWithBudgetYearsNotAddingUp) {
  v1::Command command = DraftCmd();
  command.mutable_draft_programme()
      ->mutable_design()
      ->mutable_budget()
      ->mutable_years(0)
      ->mutable_amount()
      ->set_cents(1);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kBudgetSplit));
}

TEST_F(ProgrammeDecider, RejectsDraftWithoutABudgetYearNamingTheField) {
  v1::Command command = DraftCmd();
  command.mutable_draft_programme()->mutable_design()->mutable_budget()->clear_years();
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kFieldRequired));
  EXPECT_THAT(result.status().message(), HasSubstr("design.budget.years"));
}

TEST_F(ProgrammeDecider, RejectsDraftWithPeriodEndingBeforeItStarts) {
  v1::Command command = DraftCmd();
  *command.mutable_draft_programme()->mutable_design()->mutable_period()->mutable_end() =
      D(2024, 1, 1);
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(), HasSubstr("design.period.end"));
}

TEST_F(ProgrammeDecider, RejectsDraftWithUppercaseId) {
  v1::Command command = DraftCmd();
  command.mutable_draft_programme()->set_programme_id("LV-2024");
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kIdInvalid));
}

TEST_F(ProgrammeDecider, RejectsDraftWithoutTitleNamingTheField) {
  v1::Command command = DraftCmd();
  command.mutable_draft_programme()->mutable_design()->clear_title();
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kFieldRequired));
  EXPECT_EQ(result.status().message(),
            "PT-FIELD-REQUIRED: cannot draft programme lv-test: field design.title is required");
}

TEST_F(ProgrammeDecider, RejectsDraftNamingItselfAsPredecessor) {
  v1::Command command = DraftCmd();
  command.mutable_draft_programme()->mutable_design()->set_predecessor_programme_id(kPid);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kIdInvalid));
}

TEST_F(ProgrammeDecider, RejectsCommandsOnAnUnknownProgramme) {
  EXPECT_THAT(When(SubmitCmd()), IsRuleError(Code::kNotFound, rules::kProgrammeNotFound));
  EXPECT_THAT(When(ProposeCmd("x")), IsRuleError(Code::kNotFound, rules::kProgrammeNotFound));
}

TEST_F(ProgrammeDecider, AmendsAfterAdoptionWithAReason) {
  GivenAdoptedProgramme();
  v1::ProgrammeDesign extended = TestProgrammeDesign();
  *extended.mutable_period()->mutable_end() = D(2027, 3, 31);
  absl::StatusOr<Executed> result =
      When(AmendProgrammeCmd(extended, "Experimenteren tot en met begin 2027"));
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ProgrammeAmended::descriptor())));
  EXPECT_EQ(result->events[0].reason, "Experimenteren tot en met begin 2027");
  EXPECT_EQ(Programme().design().period().end().year(), 2027);
  EXPECT_EQ(Programme().status(), v1::PROGRAMME_STATUS_ADOPTED);
}

TEST_F(ProgrammeDecider, RejectsAmendmentWithoutReason) {
  GivenProgramme({DraftedEvent()});
  EXPECT_THAT(When(AmendProgrammeCmd(TestProgrammeDesign(), " ")),
              IsRuleError(Code::kInvalidArgument, rules::kReasonRequired));
}

TEST_F(ProgrammeDecider, AmendmentWithoutChangesIsANoOp) {
  GivenProgramme({DraftedEvent()});
  absl::StatusOr<Executed> result = When(AmendProgrammeCmd(TestProgrammeDesign(), "nogmaals"));
  ASSERT_THAT(result, IsOk());
  EXPECT_TRUE(result->decision.empty());
}

TEST_F(ProgrammeDecider, AmendmentMayRaiseConfidentiality) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = AmendProgrammeCmd(TestProgrammeDesign(), "bevat interne afwegingen");
  command.mutable_amend_programme()->set_confidentiality(v1::CONFIDENTIALITY_INTERN);
  absl::StatusOr<Executed> result = When(command);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->events[0].confidentiality, v1::CONFIDENTIALITY_INTERN);
  EXPECT_EQ(Programme().confidentiality(), v1::CONFIDENTIALITY_INTERN);
}

TEST_F(ProgrammeDecider, BudgetCutBelowAllocationsIsAllowedAndFlagged) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  v1::ProgrammeDesign cut = TestProgrammeDesign();
  cut.mutable_budget()->mutable_total()->set_cents(1'000'000);
  cut.mutable_budget()->mutable_years(0)->mutable_amount()->set_cents(500'000);
  cut.mutable_budget()->mutable_years(1)->mutable_amount()->set_cents(500'000);
  ASSERT_THAT(When(AmendProgrammeCmd(cut, "bezuiniging")), IsOk());
  EXPECT_TRUE(IsOverAllocated(Programme()));
}

TEST_F(ProgrammeDecider, AdoptsAfterEveryCouncilInputWasAnswered) {
  GivenProgramme(
      {DraftedEvent(), SubmittedEvent(), InputRecordedEvent("wb-1"), InputAnsweredEvent("wb-1")});
  absl::StatusOr<Executed> result = When(AdoptCmd());
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ProgrammeAdopted::descriptor())));
  EXPECT_EQ(Programme().status(), v1::PROGRAMME_STATUS_ADOPTED);
  EXPECT_EQ(Programme().adoption().identification(), "B&W-2024-0712");
  EXPECT_EQ(result->events[0].occurred_on.day(), 9);
}

TEST_F(ProgrammeDecider, RejectsAdoptionBeforeSubmissionToTheCouncil) {
  GivenProgramme({DraftedEvent()});
  EXPECT_THAT(When(AdoptCmd()),
              IsRuleError(Code::kFailedPrecondition, rules::kCouncilNotSubmitted));
}

TEST_F(ProgrammeDecider, RejectsAdoptionWithUnansweredCouncilInput) {
  GivenProgramme({DraftedEvent(), SubmittedEvent(), InputRecordedEvent("wb-1"),
                  InputRecordedEvent("wb-2"), InputAnsweredEvent("wb-1")});
  absl::StatusOr<Executed> result = When(AdoptCmd());
  EXPECT_THAT(result, IsRuleError(Code::kFailedPrecondition, rules::kCouncilOpen));
  EXPECT_EQ(result.status().message(),
            "PT-COUNCIL-OPEN: cannot adopt programme lv-test: 1 council input(s) have no "
            "college response: wb-2");
}

TEST_F(ProgrammeDecider, RejectsAdoptingTwice) {
  GivenAdoptedProgramme();
  EXPECT_THAT(When(AdoptCmd()), IsRuleError(Code::kFailedPrecondition, rules::kProgrammeAdopted));
}

TEST_F(ProgrammeDecider, RejectsAdoptionWithoutDecisionReference) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  v1::Command command = AdoptCmd();
  command.mutable_adopt_programme()->mutable_decision()->clear_identification();
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kFieldRequired));
}

TEST_F(ProgrammeDecider, RejectsAdoptionByTheCouncil) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  v1::Command command = AdoptCmd();
  command.mutable_adopt_programme()->mutable_decision()->set_deciding_body(
      v1::DECIDING_BODY_COUNCIL);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kDecidingBody));
}

TEST_F(ProgrammeDecider, RejectsAdoptionDatedBeforeTheSubmission) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  v1::Command command = AdoptCmd();
  *command.mutable_adopt_programme()->mutable_decision()->mutable_decision_date() = D(2024, 6, 1);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
}

TEST_F(ProgrammeDecider, RejectsADecisionDatedInTheFuture) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  v1::Command command = AdoptCmd();
  *command.mutable_adopt_programme()->mutable_decision()->mutable_decision_date() = D(2025, 3, 10);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kDateInFuture));
}

TEST_F(ProgrammeDecider, RecordsKnowledgeSessionWithNamedAttendeesApart) {
  GivenAdoptedProgramme();
  v1::Command command = SessionCmd("");
  v1::PersonContact* attendee = command.mutable_record_knowledge_session()->add_named_attendees();
  attendee->set_name("J. de Vries");
  absl::StatusOr<Executed> result = When(command);
  ASSERT_THAT(result, IsOk());
  const LoggedEvent& event = result->events[0];
  EXPECT_EQ(event.type, T(v1::KnowledgeSessionHeld::descriptor()));
  ASSERT_TRUE(event.personal.has_value());
  EXPECT_EQ(event.personal->attendees(0).name(), "J. de Vries");
  EXPECT_EQ(event.payload.find("de Vries"), std::string::npos);
  EXPECT_EQ(Programme().knowledge_sessions(0).session_id(), "ks-1");
}

TEST_F(ProgrammeDecider, RejectsKnowledgeSessionWithATakenId) {
  GivenAdoptedProgramme();
  ASSERT_THAT(When(SessionCmd("ks-1")), IsOk());
  EXPECT_THAT(When(SessionCmd("ks-1")), IsRuleError(Code::kAlreadyExists, rules::kSessionExists));
  EXPECT_THAT(When(SessionCmd("")), IsOk());
  EXPECT_EQ(Programme().knowledge_sessions(1).session_id(), "ks-2");
}

TEST_F(ProgrammeDecider, RejectsKnowledgeSessionWithFewerAttendeesThanNamed) {
  GivenAdoptedProgramme();
  v1::Command command = SessionCmd("");
  command.mutable_record_knowledge_session()->set_attendee_count(0);
  command.mutable_record_knowledge_session()->add_named_attendees()->set_name("A. Jansen");
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kValueRange));
}

TEST_F(ProgrammeDecider, RejectsKnowledgeSessionAboutAnUnknownExperiment) {
  GivenAdoptedProgramme();
  v1::Command command = SessionCmd("");
  command.mutable_record_knowledge_session()->add_experiment_ids("bestaat-niet");
  EXPECT_THAT(When(command), IsRuleError(Code::kNotFound, rules::kExperimentNotFound));
}

TEST_F(ProgrammeDecider, EvaluatesWhenEverySelectedExperimentIsDone) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  GivenSelected("b");
  GivenExperiment("a", {StartedEvent(), CompletedEvent(), EvaluatedEvent()});
  v1::ExperimentEvent withdrawn;
  withdrawn.mutable_experiment_withdrawn()->set_reason("geen capaciteit");
  GivenExperiment("b", {withdrawn});
  GivenExperiment("c", {ProposedEvent("c")});  // never selected: does not block
  ASSERT_THAT(When(EvaluateProgrammeCmd()), IsOk());
  EXPECT_EQ(Programme().status(), v1::PROGRAMME_STATUS_EVALUATED);
}

TEST_F(ProgrammeDecider, RejectsEvaluationWhileASelectedExperimentIsOpen) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  GivenStarted("b");
  GivenExperiment("a", {StartedEvent(), CompletedEvent(), EvaluatedEvent()});
  absl::StatusOr<Executed> result = When(EvaluateProgrammeCmd());
  EXPECT_THAT(result, IsRuleError(Code::kFailedPrecondition, rules::kProgrammeExperimentsOpen));
  EXPECT_THAT(result.status().message(), HasSubstr("b (started)"));
}

// Rule 7 still counts an experiment above the caller's clearance, but the refusal does not name
// it (docs/ROLES.md: objects above a clearance are never revealed).
TEST_F(ProgrammeDecider, CountsButDoesNotNameAnOpenExperimentAboveTheCallersClearance) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenStarted("geheim");
  const v1::Command command = EvaluateProgrammeCmd();
  absl::StatusOr<CommandTarget> target = TargetOf(command);
  ASSERT_TRUE(target.ok()) << target.status();
  DecisionContext context = log_.ContextFor(*target);
  context.hidden_experiments = {"geheim"};
  absl::StatusOr<Decision> result = Decide(command, context, TestNow());
  ASSERT_EQ(result.status().code(), Code::kFailedPrecondition) << result.status();
  EXPECT_THAT(result.status().message(), HasSubstr("2 selected experiment(s)"));
  EXPECT_THAT(result.status().message(), HasSubstr("a (started), 1 above your clearance"));
  EXPECT_THAT(result.status().message(), Not(HasSubstr("geheim")));
}

TEST_F(ProgrammeDecider, RejectsEvaluationBeforeAdoption) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  EXPECT_THAT(When(EvaluateProgrammeCmd()),
              IsRuleError(Code::kFailedPrecondition, rules::kProgrammeNotAdopted));
}

TEST_F(ProgrammeDecider, ClosesAnEvaluatedProgramme) {
  GivenAdoptedProgramme();
  GivenProgramme({ProgrammeEvaluatedEvent()});
  ASSERT_THAT(When(CloseCmd()), IsOk());
  EXPECT_EQ(Programme().status(), v1::PROGRAMME_STATUS_CLOSED);
}

TEST_F(ProgrammeDecider, RejectsClosingBeforeEvaluation) {
  GivenAdoptedProgramme();
  EXPECT_THAT(When(CloseCmd()),
              IsRuleError(Code::kFailedPrecondition, rules::kProgrammeNotEvaluated));
}

// PT-DATE-ORDER: a programme is evaluated on or after its adoption decision and closed on or
// after its evaluation.
TEST_F(ProgrammeDecider, RejectsAnEvaluationBeforeTheAdoptionAndAClosingBeforeTheEvaluation) {
  GivenAdoptedProgramme();  // adopted 2024-07-09
  v1::Command evaluate = EvaluateProgrammeCmd();
  *evaluate.mutable_evaluate_programme()->mutable_evaluated_on() = D(2024, 7, 8);
  absl::StatusOr<Executed> result = When(evaluate);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field evaluated_on is 2024-07-08, before the adoption decision "
                        "2024-07-09"));
  EXPECT_EQ(Programme().status(), v1::PROGRAMME_STATUS_ADOPTED);
  *evaluate.mutable_evaluate_programme()->mutable_evaluated_on() = D(2025, 1, 10);
  ASSERT_THAT(When(evaluate), IsOk());
  v1::Command close = CloseCmd();
  *close.mutable_close_programme()->mutable_closed_on() = D(2025, 1, 9);
  result = When(close);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field closed_on is 2025-01-09, before the programme's evaluation "
                        "2025-01-10"));
  *close.mutable_close_programme()->mutable_closed_on() = D(2025, 1, 10);
  EXPECT_THAT(When(close), IsOk());
}

TEST_F(ProgrammeDecider, ClosedProgrammeAcceptsOnlyCorrections) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenProgramme({ProgrammeEvaluatedEvent(), ClosedEvent()});
  for (const v1::Command& command :
       {CloseCmd(), SessionCmd(""), AmendProgrammeCmd(TestProgrammeDesign(), "x"), ProposeCmd("b"),
        SpendCmd("a", 100, 2025), ProgressCmd("a", 50, "")}) {
    EXPECT_THAT(When(command), IsRuleError(Code::kFailedPrecondition, rules::kProgrammeClosed))
        << command.ShortDebugString();
  }
  v1::CorrectedFields fields;
  *fields.mutable_decision() = CollegeDecision("B&W-2024-0713", D(2024, 7, 9));
  EXPECT_THAT(When(CorrectCmd("", 3, fields, "verkeerd besluitnummer")), IsOk());
}

TEST_F(ProgrammeDecider, EvaluatedProgrammeAcceptsOnlyExpenditureCorrectionsAndClosing) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenProgramme({ProgrammeEvaluatedEvent()});
  EXPECT_THAT(When(ProposeCmd("b")),
              IsRuleError(Code::kFailedPrecondition, rules::kProgrammeEvaluated));
  EXPECT_THAT(When(SessionCmd("")),
              IsRuleError(Code::kFailedPrecondition, rules::kProgrammeEvaluated));
  EXPECT_THAT(When(SpendCmd("a", 250, 2026)), IsOk());
  EXPECT_THAT(When(CloseCmd()), IsOk());
}

}  // namespace
}  // namespace proeftuin::domain::testkit
