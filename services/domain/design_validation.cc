// Validation of the programme and experiment designs (declared in internal/validation.h).
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/internal/validation.h"
#include "domain/rules.h"
#include "eventstore/status_macros.h"

namespace proeftuin::domain {
namespace {

std::string At(std::string_view field, int i, std::string_view name) {
  return absl::StrCat(std::string(field), "[", i, "].", std::string(name));
}

absl::Status CheckPlanning(const v1::Planning& planning) {
  constexpr char kField[] = "design.conditions.planning";
  RETURN_IF_ERROR(CheckDate("design.conditions.planning.start", planning.start(), Need::kOptional));
  RETURN_IF_ERROR(CheckDate("design.conditions.planning.end", planning.end(), Need::kOptional));
  RETURN_IF_ERROR(CheckNotBefore("design.conditions.planning.end", planning.end(),
                                 "design.conditions.planning.start", planning.start()));
  const std::string milestones = absl::StrCat(kField, ".milestones");
  RETURN_IF_ERROR(CheckItemCount(milestones, planning.milestones_size()));
  for (int i = 0; i < planning.milestones_size(); ++i) {
    const v1::Milestone& m = planning.milestones(i);
    RETURN_IF_ERROR(CheckText(At(milestones, i, "name"), m.name(), kMaxShortText, Need::kRequired));
    RETURN_IF_ERROR(CheckDate(At(milestones, i, "due_on"), m.due_on(), Need::kRequired));
    RETURN_IF_ERROR(CheckNotBefore(At(milestones, i, "due_on"), m.due_on(),
                                   "design.conditions.planning.start", planning.start()));
    RETURN_IF_ERROR(CheckNotAfter(At(milestones, i, "due_on"), m.due_on(),
                                  "design.conditions.planning.end", planning.end()));
  }
  return absl::OkStatus();
}

absl::Status CheckConditions(const v1::ExecutionConditions& c) {
  RETURN_IF_ERROR(CheckText("design.conditions.design", c.design(), kMaxLongText));
  RETURN_IF_ERROR(
      CheckText("design.conditions.resident_involvement", c.resident_involvement(), kMaxLongText));
  RETURN_IF_ERROR(CheckMoney("design.conditions.budget_requested", c.budget_requested()));
  RETURN_IF_ERROR(
      CheckCount("design.conditions.civil_servant_hours", c.civil_servant_hours(), kMaxHours));
  RETURN_IF_ERROR(CheckText("design.conditions.resources_note", c.resources_note(), kMaxText));
  return CheckPlanning(c.planning());
}

absl::Status CheckCriteria(
    const google::protobuf::RepeatedPtrField<v1::EvaluationCriterion>& list) {
  constexpr char kField[] = "design.criteria";
  RETURN_IF_ERROR(CheckItemCount(kField, list.size()));
  std::set<std::string> ids;
  for (int i = 0; i < list.size(); ++i) {
    const v1::EvaluationCriterion& c = list[i];
    RETURN_IF_ERROR(CheckId(At(kField, i, "criterion_id"), c.criterion_id()));
    RETURN_IF_ERROR(
        CheckText(At(kField, i, "description"), c.description(), kMaxText, Need::kRequired));
    RETURN_IF_ERROR(CheckText(At(kField, i, "indicator"), c.indicator(), kMaxText));
    RETURN_IF_ERROR(CheckText(At(kField, i, "norm"), c.norm(), kMaxText));
    if (!ids.insert(c.criterion_id()).second) {
      return FieldError(rules::kDuplicate, At(kField, i, "criterion_id"),
                        absl::StrCat("repeats criterion \"", c.criterion_id(), "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTargetGroups(const google::protobuf::RepeatedPtrField<v1::TargetGroup>& list) {
  RETURN_IF_ERROR(CheckItemCount("design.target_groups", list.size()));
  for (int i = 0; i < list.size(); ++i) {
    RETURN_IF_ERROR(CheckText(At("design.target_groups", i, "name"), list[i].name(), kMaxShortText,
                              Need::kRequired));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckProgrammeDesign(const v1::ProgrammeDesign& design,
                                  std::string_view programme_id) {
  RETURN_IF_ERROR(CheckText("design.title", design.title(), kMaxShortText, Need::kRequired));
  RETURN_IF_ERROR(CheckText("design.goal", design.goal(), kMaxLongText, Need::kRequired));
  RETURN_IF_ERROR(CheckText("design.legal_basis", design.legal_basis(), kMaxText, Need::kRequired));
  RETURN_IF_ERROR(CheckPeriod("design.period", design.period().start(), design.period().end()));
  RETURN_IF_ERROR(CheckDate("design.evaluation_date", design.evaluation_date(), Need::kRequired));
  RETURN_IF_ERROR(CheckNotBefore("design.evaluation_date", design.evaluation_date(),
                                 "design.period.start", design.period().start()));
  if (!design.has_budget())
    return FieldError(rules::kFieldRequired, "design.budget", "is required");
  RETURN_IF_ERROR(CheckBudget("design.budget", design.budget()));
  RETURN_IF_ERROR(CheckTextList("design.areas", design.areas(), kMaxShortText));
  RETURN_IF_ERROR(CheckId("design.predecessor_programme_id", design.predecessor_programme_id(),
                          Need::kOptional));
  if (design.predecessor_programme_id() == programme_id) {
    return FieldError(rules::kIdInvalid, "design.predecessor_programme_id",
                      "names the programme itself");
  }
  RETURN_IF_ERROR(
      CheckText("design.lessons_carried_over", design.lessons_carried_over(), kMaxLongText));
  RETURN_IF_ERROR(
      CheckText("design.knowledge_exchange_plan", design.knowledge_exchange_plan(), kMaxLongText));
  return CheckText("design.communication_plan", design.communication_plan(), kMaxLongText);
}

absl::Status CheckExperimentDesign(const v1::ExperimentDesign& design) {
  RETURN_IF_ERROR(CheckText("design.title", design.title(), kMaxShortText, Need::kRequired));
  RETURN_IF_ERROR(CheckText("design.participation_form", design.participation_form(), kMaxText));
  RETURN_IF_ERROR(CheckText("design.policy_trajectory", design.policy_trajectory(), kMaxText));
  RETURN_IF_ERROR(CheckEnum("design.policy_phase", design.policy_phase(), v1::PolicyPhase_IsValid,
                            Need::kOptional));
  RETURN_IF_ERROR(CheckEnum("design.participation_level", design.participation_level(),
                            v1::ParticipationLevel_IsValid, Need::kOptional));
  RETURN_IF_ERROR(CheckText("design.level_waiver_reason", design.level_waiver_reason(), kMaxText));
  if (design.participation_level() != v1::PARTICIPATION_LEVEL_UNSPECIFIED &&
      !design.level_waiver_reason().empty()) {
    return FieldError(rules::kLevelAndWaiver, "design.level_waiver_reason",
                      "must be empty when a participation level is given");
  }
  RETURN_IF_ERROR(CheckTargetGroups(design.target_groups()));
  RETURN_IF_ERROR(CheckTextList("design.areas", design.areas(), kMaxShortText));
  RETURN_IF_ERROR(CheckConditions(design.conditions()));
  RETURN_IF_ERROR(CheckCriteria(design.criteria()));
  return CheckText("design.description", design.description(), kMaxLongText);
}

}  // namespace proeftuin::domain
