// Helpers shared by the deciders and the generic gates (declared in internal/deciders.h).
#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "domain/internal/deciders.h"
#include "domain/internal/validation.h"
#include "domain/rules.h"

namespace proeftuin::domain::internal {
namespace {

// "PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL" minus its prefix -> "submitted to council".
std::string Humanize(const std::string& enum_name, std::string_view prefix) {
  std::string name = enum_name.substr(std::min(enum_name.size(), prefix.size()));
  absl::AsciiStrToLower(&name);
  return absl::StrReplaceAll(name, {{"_", " "}});
}

bool IsCorrection(const v1::Command& command) { return command.has_record_correction(); }

absl::Status CheckProgrammeGates(const v1::Command& command, const CommandTarget& target,
                                 const DecisionContext& context) {
  const v1::ProgrammeState* programme = context.programme;
  if (command.has_draft_programme()) {
    if (programme == nullptr) return absl::OkStatus();
    return RuleError(absl::StatusCode::kAlreadyExists, rules::kProgrammeExists,
                     absl::StrCat("programme ", target.programme_id, " exists"));
  }
  if (programme == nullptr) {
    return RuleError(absl::StatusCode::kNotFound, rules::kProgrammeNotFound,
                     absl::StrCat("there is no programme ", target.programme_id));
  }
  if (programme->programme_id() != target.programme_id) {
    return absl::InternalError(absl::StrCat("decision context holds programme ",
                                            programme->programme_id(), ", not ",
                                            target.programme_id));
  }
  if (programme->status() == v1::PROGRAMME_STATUS_CLOSED && !IsCorrection(command)) {
    return PreconditionError(rules::kProgrammeClosed,
                             "the programme is closed; it accepts only corrections");
  }
  const bool late_ok =
      IsCorrection(command) || command.has_record_expenditure() || command.has_close_programme();
  if (programme->status() == v1::PROGRAMME_STATUS_EVALUATED && !late_ok) {
    return PreconditionError(
        rules::kProgrammeEvaluated,
        "the programme is evaluated; it accepts only expenditure, corrections and closing");
  }
  return absl::OkStatus();
}

absl::Status CheckExperimentGates(const v1::Command& command, const CommandTarget& target,
                                  const DecisionContext& context) {
  const std::string name = absl::StrCat(target.programme_id, ".", target.experiment_id);
  const v1::ExperimentState* experiment = context.experiment;
  if (command.has_propose_experiment()) {
    if (experiment == nullptr) return absl::OkStatus();
    return RuleError(absl::StatusCode::kAlreadyExists, rules::kExperimentExists,
                     absl::StrCat("experiment ", name, " exists"));
  }
  if (experiment == nullptr) {
    return RuleError(absl::StatusCode::kNotFound, rules::kExperimentNotFound,
                     absl::StrCat("there is no experiment ", name));
  }
  if (experiment->experiment_id() != target.experiment_id ||
      experiment->programme_id() != target.programme_id) {
    return absl::InternalError(absl::StrCat("decision context holds experiment ",
                                            experiment->programme_id(), ".",
                                            experiment->experiment_id(), ", not ", name));
  }
  if (experiment->status() == v1::EXPERIMENT_STATUS_EVALUATED && !IsCorrection(command) &&
      !command.has_record_expenditure()) {
    return PreconditionError(
        rules::kExperimentEvaluated,
        "the experiment is evaluated; it accepts only expenditure and corrections");
  }
  return absl::OkStatus();
}

}  // namespace

void EmitProgramme(const Call& call, v1::ProgrammeEvent event, const v1::Date& occurred_on,
                   std::string reason, std::optional<v1::PersonalData> personal) {
  DecidedProgrammeEvent& added = call.out->programme_events.emplace_back();
  added.event = std::move(event);
  added.occurred_on = occurred_on;
  added.reason = std::move(reason);
  added.personal = std::move(personal);
}

void EmitExperiment(const Call& call, v1::ExperimentEvent event, const v1::Date& occurred_on,
                    std::string reason, std::optional<v1::PersonalData> personal) {
  DecidedExperimentEvent& added = call.out->experiment_events.emplace_back();
  added.event = std::move(event);
  added.occurred_on = occurred_on;
  added.reason = std::move(reason);
  added.personal = std::move(personal);
}

std::string StatusName(v1::ProgrammeStatus status) {
  return Humanize(v1::ProgrammeStatus_Name(status), "PROGRAMME_STATUS_");
}

std::string StatusName(v1::ExperimentStatus status) {
  return Humanize(v1::ExperimentStatus_Name(status), "EXPERIMENT_STATUS_");
}

absl::Status ExperimentStatusError(const char* rule, const v1::ExperimentState& experiment,
                                   std::string_view expectation) {
  return PreconditionError(rule, absl::StrCat("the experiment is ", StatusName(experiment.status()),
                                              ", ", std::string(expectation)));
}

absl::Status RequireReason(std::string_view field, std::string_view reason) {
  if (IsBlank(reason)) {
    return FieldError(rules::kReasonRequired, field, "is required: state the reason");
  }
  return CheckText(field, reason, kMaxText);
}

const v1::ExperimentState* FindExperiment(const DecisionContext& context, std::string_view id) {
  for (const v1::ExperimentState* experiment : context.experiments) {
    if (experiment != nullptr && experiment->experiment_id() == id) return experiment;
  }
  if (context.experiment != nullptr && context.experiment->experiment_id() == id) {
    return context.experiment;
  }
  return nullptr;
}

absl::Status CheckExperimentKnown(const DecisionContext& context, std::string_view field,
                                  std::string_view experiment_id) {
  const bool hidden = std::find(context.hidden_experiments.begin(), context.hidden_experiments.end(),
                                experiment_id) != context.hidden_experiments.end();
  if (experiment_id.empty() || (!hidden && FindExperiment(context, experiment_id) != nullptr)) {
    return absl::OkStatus();
  }
  return RuleError(
      absl::StatusCode::kNotFound, rules::kExperimentNotFound,
      absl::StrCat("field ", std::string(field), " names experiment \"", std::string(experiment_id),
                   "\", which the programme does not have"));
}

absl::Status CheckGates(const v1::Command& command, const CommandTarget& target,
                        const DecisionContext& context) {
  absl::Status status = CheckProgrammeGates(command, target, context);
  if (!status.ok() || !target.is_experiment_command()) return status;
  return CheckExperimentGates(command, target, context);
}

}  // namespace proeftuin::domain::internal
