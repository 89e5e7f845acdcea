// Deciders of running and evaluating an experiment: start (rule 4), activities, expenditure
// (rule 5), progress, early stop, completion, not evaluable and evaluation (rule 6).
#include <set>
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

namespace proeftuin::domain::internal {
namespace {

bool IsRunning(const v1::ExperimentState& experiment) {
  return experiment.status() == v1::EXPERIMENT_STATUS_STARTED;
}

absl::Status RequireRunning(const v1::ExperimentState& experiment) {
  if (IsRunning(experiment)) return absl::OkStatus();
  return ExperimentStatusError(rules::kExperimentStatus, experiment,
                               "this is recorded only while it runs");
}

// Rule 6: exactly one score, with an assessor, for every criterion of the experiment.
absl::Status CheckScores(const v1::EvaluateExperiment& c, const v1::ExperimentState& experiment) {
  RETURN_IF_ERROR(CheckItemCount("scores", c.scores_size()));
  std::set<std::string> criteria;
  for (const v1::EvaluationCriterion& criterion : experiment.design().criteria()) {
    criteria.insert(criterion.criterion_id());
  }
  std::set<std::string> scored;
  for (int i = 0; i < c.scores_size(); ++i) {
    const v1::CriterionScore& s = c.scores(i);
    const std::string field = absl::StrCat("scores[", i, "]");
    RETURN_IF_ERROR(CheckId(field + ".criterion_id", s.criterion_id()));
    RETURN_IF_ERROR(CheckEnum(field + ".score", s.score(), v1::Score_IsValid, Need::kRequired));
    RETURN_IF_ERROR(CheckText(field + ".explanation", s.explanation(), kMaxText));
    RETURN_IF_ERROR(CheckText(field + ".assessor", s.assessor(), kMaxShortText, Need::kRequired));
    RETURN_IF_ERROR(CheckItemCount(field + ".evidence", s.evidence_size()));
    for (int j = 0; j < s.evidence_size(); ++j) {
      RETURN_IF_ERROR(CheckDocument(absl::StrCat(field, ".evidence[", j, "]"), s.evidence(j)));
    }
    if (criteria.count(s.criterion_id()) == 0) {
      return FieldError(
          rules::kEvaluateUnknownCriterion, field + ".criterion_id",
          absl::StrCat("names \"", s.criterion_id(), "\", not a criterion of the experiment"));
    }
    if (!scored.insert(s.criterion_id()).second) {
      return FieldError(rules::kDuplicate, field + ".criterion_id",
                        absl::StrCat("scores \"", s.criterion_id(), "\" twice"));
    }
  }
  std::vector<std::string> missing;
  for (const std::string& id : criteria) {
    if (scored.count(id) == 0) missing.push_back(id);
  }
  if (missing.empty()) return absl::OkStatus();
  return FieldError(rules::kEvaluateMissingScore, "scores",
                    absl::StrCat("has no score for criterion ", absl::StrJoin(missing, ", ")));
}

absl::Status CheckActivity(const v1::RecordActivity& c, absl::Time now) {
  RETURN_IF_ERROR(CheckFactDate("held_on", c.held_on(), now));
  RETURN_IF_ERROR(CheckEnum("kind", c.kind(), v1::ActivityKind_IsValid, Need::kRequired));
  RETURN_IF_ERROR(CheckCount("participant_count", c.participant_count()));
  RETURN_IF_ERROR(CheckCount("seldom_heard_reached_count", c.seldom_heard_reached_count(),
                             c.participant_count()));
  RETURN_IF_ERROR(CheckTextList("seldom_heard_groups", c.seldom_heard_groups(), kMaxShortText));
  return CheckText("note", c.note(), kMaxText);
}

}  // namespace

absl::Status CheckStartDate(std::string_view field, const v1::Date& date,
                            const v1::ExperimentState& experiment,
                            const v1::ProgrammeState& programme) {
  RETURN_IF_ERROR(CheckNotBefore(field, date, "the college's selection decision",
                                 experiment.selection_decision().decision_date()));
  RETURN_IF_ERROR(CheckNotBefore(field, date, "the programme's adoption decision",
                                 programme.adoption().decision_date()));
  return CheckNotAfter(field, date, "the experiment's end", experiment.ended_on());
}

absl::Status CheckDateInRun(std::string_view field, const v1::Date& date,
                            const v1::ExperimentState& experiment) {
  return CheckNotBefore(field, date, "the experiment's start", experiment.started_on());
}

absl::Status CheckSpendingDate(std::string_view field, const v1::Date& date,
                               const v1::ExperimentState& experiment) {
  return CheckNotBefore(field, date, "the college's selection decision",
                        experiment.selection_decision().decision_date());
}

absl::Status CheckEvaluationDate(std::string_view field, const v1::Date& date,
                                 const v1::ExperimentState& experiment) {
  return CheckNotBefore(field, date, "the experiment's end", experiment.ended_on());
}

absl::Status DecideCommand(const v1::StartExperiment& c, const Call& call) {
  RETURN_IF_ERROR(CheckFactDate("started_on", c.started_on(), call.now));
  const v1::ExperimentState& experiment = call.experiment();
  if (experiment.status() == v1::EXPERIMENT_STATUS_PROPOSED) {
    return ExperimentStatusError(rules::kStartNotSelected, experiment,
                                 "the college has not selected it");
  }
  if (experiment.status() != v1::EXPERIMENT_STATUS_SELECTED) {
    return ExperimentStatusError(rules::kExperimentStatus, experiment,
                                 "only a selected experiment is started");
  }
  if (call.programme().status() != v1::PROGRAMME_STATUS_ADOPTED) {
    return PreconditionError(
        rules::kProgrammeNotAdopted,
        absl::StrCat("the programme is ", StatusName(call.programme().status()),
                     "; experiments start once the college adopted it"));
  }
  const v1::Date on = FactDate(c.started_on(), call.today());
  RETURN_IF_ERROR(CheckStartDate("started_on", on, experiment, call.programme()));
  v1::ExperimentEvent event;
  *event.mutable_experiment_started()->mutable_started_on() = on;
  EmitExperiment(call, std::move(event), on);
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::RecordActivity& c, const Call& call) {
  RETURN_IF_ERROR(CheckActivity(c, call.now));
  RETURN_IF_ERROR(RequireRunning(call.experiment()));
  RETURN_IF_ERROR(CheckReachTotal("participant_count", call.experiment().participant_count(), 0,
                                  c.participant_count()));
  RETURN_IF_ERROR(CheckReachTotal("seldom_heard_reached_count",
                                  call.experiment().seldom_heard_reached_count(), 0,
                                  c.seldom_heard_reached_count()));
  const v1::Date held_on = FactDate(c.held_on(), call.today());
  RETURN_IF_ERROR(CheckDateInRun("held_on", held_on, call.experiment()));
  v1::ExperimentEvent event;
  v1::ActivityRecorded* activity = event.mutable_activity_recorded();
  *activity->mutable_held_on() = held_on;
  activity->set_kind(c.kind());
  activity->set_participant_count(c.participant_count());
  activity->set_seldom_heard_reached_count(c.seldom_heard_reached_count());
  *activity->mutable_seldom_heard_groups() = c.seldom_heard_groups();
  activity->set_note(c.note());
  const v1::Date on = activity->held_on();
  EmitExperiment(call, std::move(event), on);
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::RecordExpenditure& c, const Call& call) {
  RETURN_IF_ERROR(CheckRequiredMoney("amount", c.has_amount(), c.amount()));
  if (c.amount().cents() == 0) {
    return FieldError(rules::kAmountInvalid, "amount.cents",
                      "is 0: an expenditure is at least one cent (a wrong one is corrected to 0)");
  }
  RETURN_IF_ERROR(CheckBudgetYear("budget_year", c.budget_year()));
  RETURN_IF_ERROR(CheckText("description", c.description(), kMaxText, Need::kRequired));
  RETURN_IF_ERROR(CheckDocument("reference", c.reference()));
  RETURN_IF_ERROR(CheckFactDate("spent_on", c.spent_on(), call.now));
  if (!HasBudgetYear(call.programme(), c.budget_year())) {
    return FieldError(rules::kBudgetYearUnknown, "budget_year",
                      absl::StrCat("is ", c.budget_year(), ", not a budget year of the programme"));
  }
  if (!call.experiment().started()) {
    return ExperimentStatusError(rules::kExpenditureNotStarted, call.experiment(),
                                 "money is spent from its start");
  }
  const v1::Date spent_on = FactDate(c.spent_on(), call.today());
  RETURN_IF_ERROR(CheckSpendingDate("spent_on", spent_on, call.experiment()));
  v1::ExperimentEvent event;
  v1::ExpenditureRecorded* expenditure = event.mutable_expenditure_recorded();
  *expenditure->mutable_amount() = c.amount();
  expenditure->set_budget_year(c.budget_year());
  expenditure->set_description(c.description());
  if (c.has_reference()) *expenditure->mutable_reference() = c.reference();
  *expenditure->mutable_spent_on() = spent_on;
  const v1::Date on = expenditure->spent_on();
  EmitExperiment(call, std::move(event), on);
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::ReportProgress& c, const Call& call) {
  RETURN_IF_ERROR(CheckCount("percent_complete", c.percent_complete(), 100));
  RETURN_IF_ERROR(CheckText("note", c.note(), kMaxText));
  RETURN_IF_ERROR(CheckFactDate("reported_on", c.reported_on(), call.now));
  const v1::ExperimentState& experiment = call.experiment();
  RETURN_IF_ERROR(RequireRunning(experiment));
  if (experiment.progress_percent() == c.percent_complete() &&
      experiment.progress_note() == c.note()) {
    return absl::OkStatus();  // the same progress again: idempotent no-op
  }
  const v1::Date on = FactDate(c.reported_on(), call.today());
  RETURN_IF_ERROR(CheckDateInRun("reported_on", on, experiment));
  v1::ExperimentEvent event;
  event.mutable_progress_reported()->set_percent_complete(c.percent_complete());
  event.mutable_progress_reported()->set_note(c.note());
  *event.mutable_progress_reported()->mutable_reported_on() = on;
  EmitExperiment(call, std::move(event), on);
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::StopExperimentEarly& c, const Call& call) {
  RETURN_IF_ERROR(RequireReason("reason", c.reason()));
  RETURN_IF_ERROR(CheckFactDate("stopped_on", c.stopped_on(), call.now));
  RETURN_IF_ERROR(RequireRunning(call.experiment()));
  const v1::Date on = FactDate(c.stopped_on(), call.today());
  RETURN_IF_ERROR(CheckDateInRun("stopped_on", on, call.experiment()));
  v1::ExperimentEvent event;
  event.mutable_experiment_stopped_early()->set_reason(c.reason());
  *event.mutable_experiment_stopped_early()->mutable_stopped_on() = on;
  EmitExperiment(call, std::move(event), on, c.reason());
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::CompleteExperiment& c, const Call& call) {
  RETURN_IF_ERROR(CheckFactDate("completed_on", c.completed_on(), call.now));
  RETURN_IF_ERROR(CheckText("note", c.note(), kMaxText));
  RETURN_IF_ERROR(RequireRunning(call.experiment()));
  const v1::Date on = FactDate(c.completed_on(), call.today());
  RETURN_IF_ERROR(CheckDateInRun("completed_on", on, call.experiment()));
  v1::ExperimentEvent event;
  *event.mutable_experiment_completed()->mutable_completed_on() = on;
  event.mutable_experiment_completed()->set_note(c.note());
  EmitExperiment(call, std::move(event), on);
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::MarkExperimentNotEvaluable& c, const Call& call) {
  RETURN_IF_ERROR(RequireReason("reason", c.reason()));
  const v1::ExperimentStatus status = call.experiment().status();
  if (status != v1::EXPERIMENT_STATUS_SELECTED && status != v1::EXPERIMENT_STATUS_STARTED &&
      status != v1::EXPERIMENT_STATUS_COMPLETED && status != v1::EXPERIMENT_STATUS_STOPPED_EARLY) {
    return ExperimentStatusError(rules::kExperimentStatus, call.experiment(),
                                 "only a selected experiment that is not evaluated is marked "
                                 "not evaluable");
  }
  v1::ExperimentEvent event;
  event.mutable_experiment_marked_not_evaluable()->set_reason(c.reason());
  EmitExperiment(call, std::move(event), call.today(), c.reason());
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::EvaluateExperiment& c, const Call& call) {
  RETURN_IF_ERROR(CheckEnum("conclusion", c.conclusion(), v1::Conclusion_IsValid, Need::kRequired));
  RETURN_IF_ERROR(CheckText("lessons", c.lessons(), kMaxLongText));
  RETURN_IF_ERROR(CheckDocument("report", c.report()));
  RETURN_IF_ERROR(CheckFactDate("evaluated_on", c.evaluated_on(), call.now));
  const v1::ExperimentState& experiment = call.experiment();
  if (experiment.status() != v1::EXPERIMENT_STATUS_COMPLETED &&
      experiment.status() != v1::EXPERIMENT_STATUS_STOPPED_EARLY) {
    return ExperimentStatusError(rules::kEvaluateNotEnded, experiment,
                                 "an experiment is evaluated after it completed or stopped early");
  }
  RETURN_IF_ERROR(CheckScores(c, experiment));
  const v1::Date on = FactDate(c.evaluated_on(), call.today());
  RETURN_IF_ERROR(CheckEvaluationDate("evaluated_on", on, experiment));
  v1::ExperimentEvent event;
  v1::ExperimentEvaluated* evaluated = event.mutable_experiment_evaluated();
  *evaluated->mutable_scores() = c.scores();
  evaluated->set_conclusion(c.conclusion());
  evaluated->set_lessons(c.lessons());
  if (c.has_report()) *evaluated->mutable_report() = c.report();
  *evaluated->mutable_evaluated_on() = on;
  EmitExperiment(call, std::move(event), on);
  return absl::OkStatus();
}

}  // namespace proeftuin::domain::internal
