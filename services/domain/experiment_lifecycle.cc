// Deciders of an experiment up to the college's decision: propose, amend, withdraw, select
// (rules 2, 3 and 4) and reject.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/budget.h"
#include "domain/dates.h"
#include "domain/internal/deciders.h"
#include "domain/internal/validation.h"
#include "domain/rules.h"
#include "eventstore/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/message_differencer.h"

namespace proeftuin::domain::internal {
namespace {

using google::protobuf::util::MessageDifferencer;

bool IsAdopted(const v1::ProgrammeState& programme) {
  return programme.status() == v1::PROGRAMME_STATUS_ADOPTED;
}

// Rule 2's planning part: start and end set, inside the programme period.
absl::Status CheckPlanningInPeriod(const v1::ExperimentDesign& design,
                                   const v1::ProgrammeState& programme) {
  const v1::Planning& planning = design.conditions().planning();
  if (!IsSet(planning.start()) || !IsSet(planning.end())) {
    return PreconditionError(rules::kSelectNoPlanning,
                             "its planning has no start and end date (uitvoeringscondities)");
  }
  const v1::Period& period = programme.design().period();
  if (!IsWithin(planning.start(), period.start(), period.end()) ||
      !IsWithin(planning.end(), period.start(), period.end())) {
    return PreconditionError(
        rules::kPlanningOutsidePeriod,
        absl::StrCat("its planning ", FormatDate(planning.start()), " to ",
                     FormatDate(planning.end()), " is not inside the programme period ",
                     FormatDate(period.start()), " to ", FormatDate(period.end())));
  }
  return absl::OkStatus();
}

// Rule 2: criteria, a participation level or a waiver, a planning inside the period.
absl::Status CheckReadyForSelection(const v1::ExperimentDesign& design,
                                    const v1::ProgrammeState& programme) {
  if (design.criteria().empty()) {
    return PreconditionError(rules::kSelectNoCriteria,
                             "it has no evaluation criteria (toetsingscriteria)");
  }
  // A level this build does not know (stored before such levels were refused) states none;
  // a blank waiver is no reason.
  const bool states_level = design.participation_level() != v1::PARTICIPATION_LEVEL_UNSPECIFIED &&
                            v1::ParticipationLevel_IsValid(design.participation_level());
  if (!states_level && IsBlank(design.level_waiver_reason())) {
    return PreconditionError(rules::kSelectNoLevel,
                             "it states neither a participation level nor why none is offered");
  }
  return CheckPlanningInPeriod(design, programme);
}

// True when the amendment changes the planning's start or end (what rule 2 compares with the
// programme period; milestones lie inside the planning, checked with the design).
bool PlanningMoves(const v1::ExperimentDesign& before, const v1::ExperimentDesign& after) {
  const v1::Planning& a = before.conditions().planning();
  const v1::Planning& b = after.conditions().planning();
  return !MessageDifferencer::Equals(a.start(), b.start()) ||
         !MessageDifferencer::Equals(a.end(), b.end());
}

// Names of the top-level design fields, other than the execution conditions, that differ.
std::vector<std::string> ChangedBeyondConditions(const v1::ExperimentDesign& before,
                                                 const v1::ExperimentDesign& after) {
  std::vector<std::string> changed;
  const google::protobuf::Descriptor* descriptor = v1::ExperimentDesign::descriptor();
  const google::protobuf::FieldDescriptor* conditions = descriptor->FindFieldByName("conditions");
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (field == conditions) continue;
    MessageDifferencer differencer;
    for (int j = 0; j < descriptor->field_count(); ++j) {
      if (j != i) differencer.IgnoreField(descriptor->field(j));
    }
    if (!differencer.Compare(before, after)) changed.push_back("design." + field->name());
  }
  return changed;
}

// Requires a decision reference once the programme is adopted (rule 4).
absl::Status CheckDecisionNeed(const v1::DecisionReference& decision, const Call& call) {
  const bool adopted = IsAdopted(call.programme());
  if (adopted && !IsGiven(decision)) {
    return FieldError(rules::kDecisionRequired, "decision",
                      "is required: the programme is adopted, so this needs its own college "
                      "decision");
  }
  return CheckCollegeDecision("decision", decision, adopted ? Need::kRequired : Need::kOptional,
                              call.now);
}

absl::Status CheckProposer(const v1::ProposeExperiment& c) {
  RETURN_IF_ERROR(
      CheckEnum("proposer.kind", c.proposer().kind(), v1::ProposerKind_IsValid, Need::kRequired));
  const Need organisation =
      c.proposer().kind() == v1::PROPOSER_KIND_ORGANISATION ? Need::kRequired : Need::kOptional;
  RETURN_IF_ERROR(
      CheckText("proposer.organisation", c.proposer().organisation(), kMaxShortText, organisation));
  RETURN_IF_ERROR(CheckText("proposer.channel", c.proposer().channel(), kMaxShortText));
  return CheckPersonContact("proposer_contact", c.proposer_contact());
}

}  // namespace

absl::Status DecideCommand(const v1::ProposeExperiment& c, const Call& call) {
  RETURN_IF_ERROR(CheckExperimentDesign(c.design()));
  RETURN_IF_ERROR(CheckProposer(c));
  RETURN_IF_ERROR(CheckEnum("confidentiality", c.confidentiality(), v1::Confidentiality_IsValid,
                            Need::kOptional));
  RETURN_IF_ERROR(CheckFactDate("proposed_on", c.proposed_on(), call.now));
  v1::ExperimentEvent event;
  v1::ExperimentProposed* proposed = event.mutable_experiment_proposed();
  proposed->set_programme_id(c.programme_id());
  proposed->set_experiment_id(c.experiment_id());
  *proposed->mutable_design() = c.design();
  *proposed->mutable_proposer() = c.proposer();
  proposed->set_confidentiality(OpenbaarIfUnset(c.confidentiality()));
  *proposed->mutable_proposed_on() = FactDate(c.proposed_on(), call.today());
  std::optional<v1::PersonalData> personal;
  if (c.proposer_contact().ByteSizeLong() > 0) {
    personal.emplace();
    *personal->mutable_proposer() = c.proposer_contact();
  }
  const v1::Date on = proposed->proposed_on();
  EmitExperiment(call, std::move(event), on, {}, std::move(personal));
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::AmendExperiment& c, const Call& call) {
  RETURN_IF_ERROR(CheckExperimentDesign(c.design()));
  RETURN_IF_ERROR(CheckEnum("confidentiality", c.confidentiality(), v1::Confidentiality_IsValid,
                            Need::kOptional));
  RETURN_IF_ERROR(CheckText("reason", c.reason(), kMaxText));
  const v1::ExperimentState& experiment = call.experiment();
  const v1::ExperimentStatus status = experiment.status();
  if (status != v1::EXPERIMENT_STATUS_PROPOSED) {
    if (status != v1::EXPERIMENT_STATUS_SELECTED && status != v1::EXPERIMENT_STATUS_STARTED) {
      return ExperimentStatusError(rules::kExperimentStatus, experiment,
                                   "only a proposed, selected or running experiment is amended");
    }
    RETURN_IF_ERROR(RequireReason("reason", c.reason()));
    const std::vector<std::string> changed =
        ChangedBeyondConditions(experiment.design(), c.design());
    if (!changed.empty()) {
      return PreconditionError(
          rules::kAmendAfterSelection,
          absl::StrCat("after selection only the execution conditions and planning may change, "
                       "not ",
                       absl::StrJoin(changed, ", ")));
    }
    // Rule 2's planning check applies to a planning the amendment moves. An unchanged planning
    // may lie outside a period shortened since (allowed and flagged): amending other
    // conditions is not refused for it.
    if (PlanningMoves(experiment.design(), c.design())) {
      RETURN_IF_ERROR(CheckPlanningInPeriod(c.design(), call.programme()));
    }
  }
  const bool same_level = c.confidentiality() == v1::CONFIDENTIALITY_UNSPECIFIED ||
                          c.confidentiality() == experiment.confidentiality();
  if (same_level && MessageDifferencer::Equals(c.design(), experiment.design())) {
    return absl::OkStatus();  // nothing changes: idempotent no-op
  }
  v1::ExperimentEvent event;
  v1::ExperimentAmended* amended = event.mutable_experiment_amended();
  *amended->mutable_design() = c.design();
  amended->set_confidentiality(same_level ? v1::CONFIDENTIALITY_UNSPECIFIED : c.confidentiality());
  amended->set_reason(c.reason());
  EmitExperiment(call, std::move(event), call.today(), c.reason());
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::WithdrawExperiment& c, const Call& call) {
  RETURN_IF_ERROR(RequireReason("reason", c.reason()));
  RETURN_IF_ERROR(CheckFactDate("withdrawn_on", c.withdrawn_on(), call.now));
  const v1::ExperimentState& experiment = call.experiment();
  if (experiment.status() == v1::EXPERIMENT_STATUS_STARTED) {
    return ExperimentStatusError(rules::kWithdrawStarted, experiment,
                                 "a running experiment is stopped early, not withdrawn");
  }
  if (experiment.status() != v1::EXPERIMENT_STATUS_PROPOSED &&
      experiment.status() != v1::EXPERIMENT_STATUS_SELECTED) {
    return ExperimentStatusError(rules::kExperimentStatus, experiment,
                                 "only a proposed or selected experiment is withdrawn");
  }
  const v1::Date on = FactDate(c.withdrawn_on(), call.today());
  v1::ExperimentEvent event;
  event.mutable_experiment_withdrawn()->set_reason(c.reason());
  *event.mutable_experiment_withdrawn()->mutable_withdrawn_on() = on;
  EmitExperiment(call, std::move(event), on, c.reason());
  for (const v1::AllocationState& allocation : call.programme().allocations()) {
    if (allocation.experiment_id() != experiment.experiment_id() || allocation.released()) {
      continue;
    }
    v1::ProgrammeEvent released;
    released.mutable_budget_released()->set_experiment_id(experiment.experiment_id());
    *released.mutable_budget_released()->mutable_released() = allocation.allocation();
    released.mutable_budget_released()->set_reason(c.reason());
    EmitProgramme(call, std::move(released), on, c.reason());
  }
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::SelectExperiment& c, const Call& call) {
  RETURN_IF_ERROR(CheckYearAmounts("allocation", c.allocation()));
  RETURN_IF_ERROR(CheckDecisionNeed(c.decision(), call));
  const v1::ExperimentState& experiment = call.experiment();
  if (experiment.status() != v1::EXPERIMENT_STATUS_PROPOSED) {
    return ExperimentStatusError(rules::kExperimentStatus, experiment,
                                 "only a proposed experiment is selected");
  }
  RETURN_IF_ERROR(CheckReadyForSelection(experiment.design(), call.programme()));
  RETURN_IF_ERROR(CheckAllocationFits(call.programme(), c.allocation()));
  const bool added_later = IsAdopted(call.programme());
  const v1::Date on = IsGiven(c.decision()) ? c.decision().decision_date() : call.today();
  v1::ExperimentEvent selected;
  if (IsGiven(c.decision())) {
    *selected.mutable_experiment_selected()->mutable_decision() = c.decision();
    selected.mutable_experiment_selected()->mutable_decision()->set_deciding_body(
        v1::DECIDING_BODY_COLLEGE);
  }
  *selected.mutable_experiment_selected()->mutable_allocation() = c.allocation();
  selected.mutable_experiment_selected()->set_added_after_adoption(added_later);
  v1::ProgrammeEvent allocated;
  v1::BudgetAllocated* budget = allocated.mutable_budget_allocated();
  budget->set_experiment_id(experiment.experiment_id());
  *budget->mutable_allocation() = c.allocation();
  if (selected.experiment_selected().has_decision()) {
    *budget->mutable_decision() = selected.experiment_selected().decision();
  }
  budget->set_added_after_adoption(added_later);
  EmitExperiment(call, std::move(selected), on);
  EmitProgramme(call, std::move(allocated), on);
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::RejectExperiment& c, const Call& call) {
  RETURN_IF_ERROR(RequireReason("reason", c.reason()));
  RETURN_IF_ERROR(CheckDecisionNeed(c.decision(), call));
  const v1::ExperimentState& experiment = call.experiment();
  if (experiment.status() != v1::EXPERIMENT_STATUS_PROPOSED) {
    return ExperimentStatusError(rules::kExperimentStatus, experiment,
                                 "only a proposed experiment is rejected");
  }
  const v1::Date on = IsGiven(c.decision()) ? c.decision().decision_date() : call.today();
  v1::ExperimentEvent event;
  v1::ExperimentRejected* rejected = event.mutable_experiment_rejected();
  if (IsGiven(c.decision())) {
    *rejected->mutable_decision() = c.decision();
    rejected->mutable_decision()->set_deciding_body(v1::DECIDING_BODY_COLLEGE);
  }
  rejected->set_reason(c.reason());
  EmitExperiment(call, std::move(event), on, c.reason());
  return absl::OkStatus();
}

}  // namespace proeftuin::domain::internal
