// Decide: target, gates, dispatch on the command's oneof, then the confidentiality of every
// emitted event. The per-command rules live in the *_decider.cc, experiment_*.cc and
// correction.cc files.
#include <algorithm>
#include <optional>

#include "domain/dates.h"
#include "domain/decider.h"
#include "domain/internal/deciders.h"
#include "domain/rules.h"
#include "domain/streams.h"
#include "eventstore/status_macros.h"

namespace proeftuin::domain {
namespace {

using internal::Call;
using internal::DecideCommand;

absl::Status Dispatch(const v1::Command& c, const Call& call) {
  using C = v1::Command;
  switch (c.command_case()) {
    case C::kDraftProgramme:
      return DecideCommand(c.draft_programme(), call);
    case C::kAmendProgramme:
      return DecideCommand(c.amend_programme(), call);
    case C::kSubmitProgrammeToCouncil:
      return DecideCommand(c.submit_programme_to_council(), call);
    case C::kRecordCouncilInput:
      return DecideCommand(c.record_council_input(), call);
    case C::kAnswerCouncilInput:
      return DecideCommand(c.answer_council_input(), call);
    case C::kAdoptProgramme:
      return DecideCommand(c.adopt_programme(), call);
    case C::kRecordKnowledgeSession:
      return DecideCommand(c.record_knowledge_session(), call);
    case C::kEvaluateProgramme:
      return DecideCommand(c.evaluate_programme(), call);
    case C::kCloseProgramme:
      return DecideCommand(c.close_programme(), call);
    case C::kProposeExperiment:
      return DecideCommand(c.propose_experiment(), call);
    case C::kAmendExperiment:
      return DecideCommand(c.amend_experiment(), call);
    case C::kWithdrawExperiment:
      return DecideCommand(c.withdraw_experiment(), call);
    case C::kSelectExperiment:
      return DecideCommand(c.select_experiment(), call);
    case C::kRejectExperiment:
      return DecideCommand(c.reject_experiment(), call);
    case C::kStartExperiment:
      return DecideCommand(c.start_experiment(), call);
    case C::kRecordActivity:
      return DecideCommand(c.record_activity(), call);
    case C::kRecordExpenditure:
      return DecideCommand(c.record_expenditure(), call);
    case C::kReportProgress:
      return DecideCommand(c.report_progress(), call);
    case C::kStopExperimentEarly:
      return DecideCommand(c.stop_experiment_early(), call);
    case C::kCompleteExperiment:
      return DecideCommand(c.complete_experiment(), call);
    case C::kMarkExperimentNotEvaluable:
      return DecideCommand(c.mark_experiment_not_evaluable(), call);
    case C::kEvaluateExperiment:
      return DecideCommand(c.evaluate_experiment(), call);
    case C::kRecordCorrection:
      return DecideCommand(c.record_correction(), call);
    case C::COMMAND_NOT_SET:
      return absl::InvalidArgumentError(std::string(rules::kCommandEmpty) +
                                        ": the command sets none of its actions");
  }
  return absl::InternalError("unhandled command case");
}

// The confidentiality a drafted / amended / proposed event sets, or `current` otherwise.
v1::Confidentiality LevelAfter(const v1::ProgrammeEvent& e, v1::Confidentiality current) {
  if (e.has_programme_drafted()) return OpenbaarIfUnset(e.programme_drafted().confidentiality());
  if (e.has_programme_amended() &&
      e.programme_amended().confidentiality() != v1::CONFIDENTIALITY_UNSPECIFIED) {
    return e.programme_amended().confidentiality();
  }
  return current;
}

v1::Confidentiality LevelAfter(const v1::ExperimentEvent& e, v1::Confidentiality current) {
  if (e.has_experiment_proposed()) return OpenbaarIfUnset(e.experiment_proposed().confidentiality());
  if (e.has_experiment_amended() &&
      e.experiment_amended().confidentiality() != v1::CONFIDENTIALITY_UNSPECIFIED) {
    return e.experiment_amended().confidentiality();
  }
  return current;
}

// Sets every event's confidentiality: its object's level (after the events before it); an
// allocation or release on the programme stream takes the higher of programme and experiment.
void SetConfidentiality(const DecisionContext& context, Decision* decision) {
  v1::Confidentiality experiment_level = OpenbaarIfUnset(
      context.experiment ? context.experiment->confidentiality() : v1::CONFIDENTIALITY_UNSPECIFIED);
  for (DecidedExperimentEvent& e : decision->experiment_events) {
    experiment_level = LevelAfter(e.event, experiment_level);
    e.confidentiality = experiment_level;
  }
  v1::Confidentiality programme_level = OpenbaarIfUnset(
      context.programme ? context.programme->confidentiality() : v1::CONFIDENTIALITY_UNSPECIFIED);
  for (DecidedProgrammeEvent& e : decision->programme_events) {
    programme_level = LevelAfter(e.event, programme_level);
    const bool about_experiment = e.event.has_budget_allocated() || e.event.has_budget_released();
    e.confidentiality =
        about_experiment ? std::max(programme_level, experiment_level) : programme_level;
  }
}

}  // namespace

absl::StatusOr<Decision> Decide(const v1::Command& command, const DecisionContext& context,
                                absl::Time now) {
  // Described only for an error's message (building it costs a dozen allocations).
  auto action = [&command] { return DescribeAction(command); };
  std::optional<CommandTarget> own_target;
  const CommandTarget* target = context.target;
  if (target == nullptr) {
    absl::StatusOr<CommandTarget> worked_out = TargetOf(command);
    if (!worked_out.ok()) return WithAction(worked_out.status(), action());
    own_target = *std::move(worked_out);
    target = &*own_target;
  }
  Decision decision;
  decision.programme_stream = target->programme_stream;
  decision.experiment_stream = target->experiment_stream;
  decision.checks_programme_version = target->is_experiment_command();
  absl::Status status = internal::CheckGates(command, *target, context);
  if (status.ok()) status = Dispatch(command, Call{context, now, &decision});
  if (!status.ok()) return WithAction(status, action());
  SetConfidentiality(context, &decision);
  return decision;
}

}  // namespace proeftuin::domain

namespace proeftuin::domain::internal {

v1::Date Call::today() const {
  return context.business_date.year() != 0 ? context.business_date : DateOfUtc(now);
}

}  // namespace proeftuin::domain::internal
