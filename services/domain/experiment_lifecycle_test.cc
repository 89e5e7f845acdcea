// Given / When / Then tests of an experiment up to the college's decision: propose, amend,
// withdraw, select (rules 2, 3, 4) and reject (rule 8).
#include "domain/testing/support.h"

namespace proeftuin::domain::testkit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

class ExperimentDecider : public DomainTest {
 protected:
  void GivenProposed(const std::string& eid, const v1::ExperimentDesign& design) {
    GivenExperiment(eid, {ProposedEvent(eid, design)});
  }
};

TEST_F(ExperimentDecider, ProposesAnExperiment) {
  GivenProgramme({DraftedEvent()});
  absl::StatusOr<Executed> result = When(ProposeCmd("parkeren"));
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ExperimentProposed::descriptor())));
  EXPECT_EQ(result->events[0].stream, "experiment-lv-test.parkeren");
  EXPECT_TRUE(result->decision.checks_programme_version);
  EXPECT_TRUE(result->decision.programme_events.empty());
  EXPECT_FALSE(result->events[0].personal.has_value());
  EXPECT_EQ(Experiment("parkeren").status(), v1::EXPERIMENT_STATUS_PROPOSED);
}

TEST_F(ExperimentDecider, KeepsAResidentProposersContactApartFromTheEvent) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = ProposeCmd("adoptietuinen");
  command.mutable_propose_experiment()->mutable_proposer()->set_kind(v1::PROPOSER_KIND_RESIDENT);
  command.mutable_propose_experiment()->mutable_proposer_contact()->set_name("M. Bakker");
  command.mutable_propose_experiment()->mutable_proposer_contact()->set_email("mb@example.nl");
  absl::StatusOr<Executed> result = When(command);
  ASSERT_THAT(result, IsOk());
  ASSERT_TRUE(result->events[0].personal.has_value());
  EXPECT_EQ(result->events[0].personal->proposer().name(), "M. Bakker");
  EXPECT_EQ(result->events[0].payload.find("Bakker"), std::string::npos);
  EXPECT_EQ(result->events[0].payload.find("mb@example.nl"), std::string::npos);
}

TEST_F(ExperimentDecider, RejectsProposingAnExistingExperiment) {
  GivenProgramme({DraftedEvent()});
  GivenExperiment("a", {ProposedEvent("a")});
  EXPECT_THAT(When(ProposeCmd("a")), IsRuleError(Code::kAlreadyExists, rules::kExperimentExists));
}

TEST_F(ExperimentDecider, RejectsAnOrganisationProposerWithoutItsName) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = ProposeCmd("a");
  command.mutable_propose_experiment()->mutable_proposer()->set_kind(
      v1::PROPOSER_KIND_ORGANISATION);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kFieldRequired));
}

TEST_F(ExperimentDecider, RejectsBothALevelAndAWaiver) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = ProposeCmd("a");
  command.mutable_propose_experiment()->mutable_design()->set_level_waiver_reason("geen ruimte");
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kLevelAndWaiver));
}

TEST_F(ExperimentDecider, RejectsDuplicateCriterionIds) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = ProposeCmd("a");
  v1::ExperimentDesign* design = command.mutable_propose_experiment()->mutable_design();
  *design->add_criteria() = design->criteria(0);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kDuplicate));
}

TEST_F(ExperimentDecider, RejectsATitleOverTheLimit) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = ProposeCmd("a");
  command.mutable_propose_experiment()->mutable_design()->set_title(std::string(201, 'x'));
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kTextTooLong));
}

TEST_F(ExperimentDecider, RejectsANegativeRequestedBudget) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = ProposeCmd("a");
  command.mutable_propose_experiment()
      ->mutable_design()
      ->mutable_conditions()
      ->mutable_budget_requested()
      ->set_cents(-1);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kAmountInvalid));
}

TEST_F(ExperimentDecider, AmendsAnythingBeforeSelection) {
  GivenProgramme({DraftedEvent()});
  GivenExperiment("a", {ProposedEvent("a")});
  v1::ExperimentDesign design = TestExperimentDesign("Nieuwe titel");
  design.clear_criteria();
  ASSERT_THAT(When(AmendExperimentCmd("a", design, "")), IsOk());
  EXPECT_EQ(Experiment("a").design().title(), "Nieuwe titel");
  EXPECT_EQ(Experiment("a").amendment_count(), 1);
}

TEST_F(ExperimentDecider, AmendsOnlyConditionsAfterSelectionWithAReason) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  v1::ExperimentDesign design = TestExperimentDesign();
  *design.mutable_conditions()->mutable_planning()->mutable_end() = D(2025, 9, 30);
  EXPECT_THAT(When(AmendExperimentCmd("a", design, "")),
              IsRuleError(Code::kInvalidArgument, rules::kReasonRequired));
  ASSERT_THAT(When(AmendExperimentCmd("a", design, "uitloop door zomer")), IsOk());
  EXPECT_EQ(Experiment("a").design().conditions().planning().end().month(), 9);
}

TEST_F(ExperimentDecider, RejectsChangingCriteriaAfterSelection) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  v1::ExperimentDesign design = TestExperimentDesign("Andere titel");
  design.mutable_criteria(0)->set_norm("strenger");
  absl::StatusOr<Executed> result = When(AmendExperimentCmd("a", design, "bijgesteld"));
  EXPECT_THAT(result, IsRuleError(Code::kFailedPrecondition, rules::kAmendAfterSelection));
  EXPECT_THAT(result.status().message(), HasSubstr("design.title, design.criteria"));
}

TEST_F(ExperimentDecider, RejectsAPlanningAmendmentOutsideTheProgrammePeriod) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  v1::ExperimentDesign design = TestExperimentDesign();
  *design.mutable_conditions()->mutable_planning()->mutable_end() = D(2026, 6, 30);
  EXPECT_THAT(When(AmendExperimentCmd("a", design, "langer")),
              IsRuleError(Code::kFailedPrecondition, rules::kPlanningOutsidePeriod));
}

TEST_F(ExperimentDecider, RejectsAmendingACompletedExperiment) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  GivenExperiment("a", {CompletedEvent()});
  EXPECT_THAT(When(AmendExperimentCmd("a", TestExperimentDesign(), "x")),
              IsRuleError(Code::kFailedPrecondition, rules::kExperimentStatus));
}

TEST_F(ExperimentDecider, WithdrawsAProposal) {
  GivenProgramme({DraftedEvent()});
  GivenExperiment("a", {ProposedEvent("a")});
  absl::StatusOr<Executed> result = When(WithdrawCmd("a", "initiatiefnemer stopt"));
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ExperimentWithdrawn::descriptor())));
  EXPECT_EQ(Experiment("a").status(), v1::EXPERIMENT_STATUS_WITHDRAWN);
}

TEST_F(ExperimentDecider, WithdrawingASelectedExperimentReleasesItsAllocation) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  ASSERT_EQ(AllocatedCents(Programme()), 2'000'000);
  absl::StatusOr<Executed> result = When(WithdrawCmd("a", "geen capaciteit"));
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ExperimentWithdrawn::descriptor()),
                                          T(v1::BudgetReleased::descriptor())));
  EXPECT_EQ(result->events[1].stream, "programme-lv-test");
  EXPECT_EQ(AllocatedCents(Programme()), 0);
}

TEST_F(ExperimentDecider, RejectsWithdrawingARunningExperiment) {
  GivenAdoptedProgramme();
  GivenStarted("a");
  EXPECT_THAT(When(WithdrawCmd("a", "x")),
              IsRuleError(Code::kFailedPrecondition, rules::kWithdrawStarted));
}

TEST_F(ExperimentDecider, RejectsWithdrawalWithoutReason) {
  GivenProgramme({DraftedEvent()});
  GivenExperiment("a", {ProposedEvent("a")});
  EXPECT_THAT(When(WithdrawCmd("a", "")),
              IsRuleError(Code::kInvalidArgument, rules::kReasonRequired));
}

TEST_F(ExperimentDecider, SelectsAndAllocatesOnBothStreams) {
  GivenProgramme({DraftedEvent()});
  GivenExperiment("a", {ProposedEvent("a")});
  absl::StatusOr<Executed> result =
      When(SelectCmd("a", {YearEur(2025, 15'000), YearEur(2026, 5'000)}, false));
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ExperimentSelected::descriptor()),
                                          T(v1::BudgetAllocated::descriptor())));
  EXPECT_EQ(result->events[1].stream, "programme-lv-test");
  EXPECT_EQ(AllocatedCents(Programme()), 2'000'000);
  EXPECT_EQ(AllocatedCentsInYear(Programme(), 2026), 500'000);
  EXPECT_FALSE(Experiment("a").added_after_adoption());
}

TEST_F(ExperimentDecider, RejectsSelectionWithoutCriteria) {
  GivenProgramme({DraftedEvent()});
  v1::ExperimentDesign design = TestExperimentDesign();
  design.clear_criteria();
  GivenProposed("a", design);
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2025, 1'000)})),
              IsRuleError(Code::kFailedPrecondition, rules::kSelectNoCriteria));
}

TEST_F(ExperimentDecider, RejectsSelectionWithoutLevelOrWaiver) {
  GivenProgramme({DraftedEvent()});
  v1::ExperimentDesign design = TestExperimentDesign();
  design.clear_participation_level();
  GivenProposed("a", design);
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2025, 1'000)})),
              IsRuleError(Code::kFailedPrecondition, rules::kSelectNoLevel));
}

TEST_F(ExperimentDecider, SelectsWithAWaiverInsteadOfALevel) {
  GivenProgramme({DraftedEvent()});
  v1::ExperimentDesign design = TestExperimentDesign();
  design.clear_participation_level();
  design.set_level_waiver_reason("Wettelijke termijn laat geen participatie toe");
  GivenProposed("a", design);
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2025, 1'000)})), IsOk());
}

TEST_F(ExperimentDecider, RejectsSelectionWithoutPlanning) {
  GivenProgramme({DraftedEvent()});
  v1::ExperimentDesign design = TestExperimentDesign();
  design.mutable_conditions()->clear_planning();
  GivenProposed("a", design);
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2025, 1'000)})),
              IsRuleError(Code::kFailedPrecondition, rules::kSelectNoPlanning));
}

TEST_F(ExperimentDecider, RejectsSelectionWithPlanningOutsideThePeriod) {
  GivenProgramme({DraftedEvent()});
  v1::ExperimentDesign design = TestExperimentDesign();
  *design.mutable_conditions()->mutable_planning()->mutable_start() = D(2024, 6, 1);
  GivenProposed("a", design);
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2025, 1'000)})),
              IsRuleError(Code::kFailedPrecondition, rules::kPlanningOutsidePeriod));
}

TEST_F(ExperimentDecider, RejectsSelectionExceedingTheBudget) {
  GivenProgramme({DraftedEvent()});
  GivenSelected("a");  // EUR 20,000 in 2025
  GivenExperiment("b", {ProposedEvent("b")});
  absl::StatusOr<Executed> result =
      When(SelectCmd("b", {YearEur(2025, 50'000), YearEur(2026, 70'001)}));
  EXPECT_THAT(result, IsRuleError(Code::kFailedPrecondition, rules::kBudgetExceeded));
  EXPECT_THAT(result.status().message(),
              HasSubstr("cannot select experiment lv-test.b: allocating EUR 120001.00 exceeds "
                        "the budget of EUR 140000.00 (EUR 20000.00 already allocated)"));
  EXPECT_THAT(When(SelectCmd("b", {YearEur(2025, 50'000), YearEur(2026, 70'000)})), IsOk());
}

TEST_F(ExperimentDecider, RejectsSelectionExceedingABudgetYear) {
  GivenProgramme({DraftedEvent()});
  GivenSelected("a");  // EUR 20,000 in 2025
  GivenExperiment("b", {ProposedEvent("b")});
  EXPECT_THAT(When(SelectCmd("b", {YearEur(2025, 50'001)})),
              IsRuleError(Code::kFailedPrecondition, rules::kBudgetYearExceeded));
  EXPECT_THAT(When(SelectCmd("b", {YearEur(2025, 50'000)})), IsOk());
}

TEST_F(ExperimentDecider, RejectsAllocationInAnUnknownBudgetYear) {
  GivenProgramme({DraftedEvent()});
  GivenExperiment("a", {ProposedEvent("a")});
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2024, 1'000)})),
              IsRuleError(Code::kInvalidArgument, rules::kBudgetYearUnknown));
}

TEST_F(ExperimentDecider, RejectsAnAllocationNamingAYearTwice) {
  GivenProgramme({DraftedEvent()});
  GivenExperiment("a", {ProposedEvent("a")});
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2025, 1'000), YearEur(2025, 1'000)})),
              IsRuleError(Code::kInvalidArgument, rules::kDuplicate));
}

TEST_F(ExperimentDecider, SelectionAfterAdoptionNeedsItsOwnDecisionAndIsMarkedAddedLater) {
  GivenAdoptedProgramme();
  GivenExperiment("a", {ProposedEvent("a")});
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2025, 1'000)}, false)),
              IsRuleError(Code::kInvalidArgument, rules::kDecisionRequired));
  absl::StatusOr<Executed> result = When(SelectCmd("a", {YearEur(2025, 1'000)}, true));
  ASSERT_THAT(result, IsOk());
  EXPECT_TRUE(Experiment("a").added_after_adoption());
  EXPECT_TRUE(Programme().allocations(0).added_after_adoption());
  EXPECT_EQ(Experiment("a").selection_decision().identification(), "B&W-2024-0801");
}

TEST_F(ExperimentDecider, RejectsSelectingTwice) {
  GivenAdoptedProgramme();
  GivenSelected("a");
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2025, 1'000)})),
              IsRuleError(Code::kFailedPrecondition, rules::kExperimentStatus));
}

TEST_F(ExperimentDecider, AllocationOnTheProgrammeStreamTakesTheHigherConfidentiality) {
  GivenProgramme({DraftedEvent()});
  v1::ExperimentEvent proposed = ProposedEvent("a");
  proposed.mutable_experiment_proposed()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
  GivenExperiment("a", {proposed});
  absl::StatusOr<Executed> result = When(SelectCmd("a", {YearEur(2025, 1'000)}));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->events[0].confidentiality, v1::CONFIDENTIALITY_VERTROUWELIJK);
  EXPECT_EQ(result->events[1].confidentiality, v1::CONFIDENTIALITY_VERTROUWELIJK);
}

TEST_F(ExperimentDecider, RejectsAProposalWithAReason) {
  GivenProgramme({DraftedEvent()});
  GivenExperiment("a", {ProposedEvent("a")});
  absl::StatusOr<Executed> result = When(RejectCmd("a", "past niet in de periode"));
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ExperimentRejected::descriptor())));
  EXPECT_EQ(result->events[0].reason, "past niet in de periode");
  EXPECT_EQ(Experiment("a").status(), v1::EXPERIMENT_STATUS_REJECTED);
}

TEST_F(ExperimentDecider, RejectionNeedsAReasonAndAfterAdoptionADecision) {
  GivenAdoptedProgramme();
  GivenExperiment("a", {ProposedEvent("a")});
  EXPECT_THAT(When(RejectCmd("a", "")),
              IsRuleError(Code::kInvalidArgument, rules::kReasonRequired));
  EXPECT_THAT(When(RejectCmd("a", "te duur")),
              IsRuleError(Code::kInvalidArgument, rules::kDecisionRequired));
}

TEST_F(ExperimentDecider, RejectsRejectingASelectedExperiment) {
  GivenProgramme({DraftedEvent()});
  GivenSelected("a");
  EXPECT_THAT(When(RejectCmd("a", "toch niet")),
              IsRuleError(Code::kFailedPrecondition, rules::kExperimentStatus));
}

TEST_F(ExperimentDecider, RejectsAnUnknownParticipationLevel) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = ProposeCmd("a");
  command.mutable_propose_experiment()->mutable_design()->set_participation_level(
      static_cast<v1::ParticipationLevel>(99));
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kValueRange));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field design.participation_level has unknown value 99"));
}

TEST_F(ExperimentDecider, RejectsAnUnknownPolicyPhaseInAnAmendment) {
  GivenProgramme({DraftedEvent()});
  GivenExperiment("a", {ProposedEvent("a")});
  v1::ExperimentDesign design = TestExperimentDesign();
  design.set_policy_phase(static_cast<v1::PolicyPhase>(99));
  absl::StatusOr<Executed> result = When(AmendExperimentCmd("a", design, ""));
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kValueRange));
  EXPECT_THAT(result.status().message(), HasSubstr("field design.policy_phase"));
}

TEST_F(ExperimentDecider, RejectsSelectionWithAnUnknownStoredLevelAndNoWaiver) {
  // A proposal stored before unknown levels were refused: the level states nothing (rule 2).
  GivenProgramme({DraftedEvent()});
  v1::ExperimentDesign design = TestExperimentDesign();
  design.set_participation_level(static_cast<v1::ParticipationLevel>(99));
  GivenProposed("a", design);
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2025, 1'000)})),
              IsRuleError(Code::kFailedPrecondition, rules::kSelectNoLevel));
}

TEST_F(ExperimentDecider, RejectsSelectionWithABlankWaiver) {
  GivenProgramme({DraftedEvent()});
  v1::ExperimentDesign design = TestExperimentDesign();
  design.clear_participation_level();
  design.set_level_waiver_reason(" \t\n ");
  GivenProposed("a", design);
  EXPECT_THAT(When(SelectCmd("a", {YearEur(2025, 1'000)})),
              IsRuleError(Code::kFailedPrecondition, rules::kSelectNoLevel));
}

TEST_F(ExperimentDecider, AmendsConditionsWithoutThePlanningAfterThePeriodWasShortened) {
  GivenAdoptedProgramme();
  GivenSelected("a");  // planning 2024-09-01..2025-06-30
  v1::ProgrammeDesign shorter = TestProgrammeDesign();
  *shorter.mutable_period()->mutable_end() = D(2025, 3, 31);
  ASSERT_THAT(When(AmendProgrammeCmd(shorter, "periode ingekort")), IsOk());
  v1::ExperimentDesign design = TestExperimentDesign();
  design.mutable_conditions()->set_civil_servant_hours(200);
  ASSERT_THAT(When(AmendExperimentCmd("a", design, "meer uren nodig")), IsOk());
  EXPECT_EQ(Experiment("a").design().conditions().civil_servant_hours(), 200);
  // A change of the planning is still checked against the (shorter) period.
  *design.mutable_conditions()->mutable_planning()->mutable_end() = D(2025, 5, 31);
  EXPECT_THAT(When(AmendExperimentCmd("a", design, "iets korter")),
              IsRuleError(Code::kFailedPrecondition, rules::kPlanningOutsidePeriod));
}

TEST_F(ExperimentDecider, NamesTheMilestoneDueAfterThePlanningEnd) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = ProposeCmd("a");
  v1::Planning* planning = command.mutable_propose_experiment()
                               ->mutable_design()
                               ->mutable_conditions()
                               ->mutable_planning();
  v1::Milestone* milestone = planning->add_milestones();
  milestone->set_name("Eindpresentatie");
  *milestone->mutable_due_on() = D(2025, 7, 15);
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field design.conditions.planning.milestones[0].due_on is 2025-07-15, "
                        "after design.conditions.planning.end 2025-06-30"));
}

TEST_F(ExperimentDecider, RejectsCommandsOnAnUnknownExperiment) {
  GivenAdoptedProgramme();
  EXPECT_THAT(When(StartCmd("onbekend")), IsRuleError(Code::kNotFound, rules::kExperimentNotFound));
}

}  // namespace
}  // namespace proeftuin::domain::testkit
