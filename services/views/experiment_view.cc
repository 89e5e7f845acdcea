// The experiment view: everything about one experiment, assembled from one snapshot.
#include <algorithm>
#include <set>

#include "app/decider_projection.h"
#include "domain/dates.h"
#include "eventstore/status_macros.h"
#include "views/internal/assemble.h"
#include "views/views.h"

namespace proeftuin::views {
namespace {

using internal::ProgrammeData;

bool IsBudgetYear(const v1::ProgrammeState& p, int year) {
  const auto& years = p.design().budget().years();
  return std::any_of(years.begin(), years.end(), [year](const auto& y) { return y.year() == year; });
}

v1::ExperimentDates DatesOf(const v1::ExperimentState& e,
                            const std::vector<v1::HistoryEntry>& history) {
  v1::ExperimentDates dates;
  if (e.has_proposed_on()) *dates.mutable_proposed_on() = e.proposed_on();
  for (const v1::HistoryEntry& h : history) {
    if (h.experiment_event().has_experiment_selected()) *dates.mutable_selected_on() = h.occurred_on();
  }
  if (e.selection_decision().has_decision_date()) {
    *dates.mutable_selected_on() = e.selection_decision().decision_date();
  }
  if (e.has_started_on()) *dates.mutable_started_on() = e.started_on();
  if (e.has_ended_on()) *dates.mutable_ended_on() = e.ended_on();
  for (const v1::HistoryEntry& h : history) {
    if (h.experiment_event().has_experiment_evaluated()) {
      *dates.mutable_evaluated_on() = h.experiment_event().experiment_evaluated().evaluated_on();
    }
  }
  return dates;
}

// Activities, expenditures, progress reports, corrections and the history itself.
void FillFromHistory(const ProgrammeData& d, std::vector<v1::HistoryEntry> history,
                     v1::ExperimentView* v) {
  std::set<std::string> groups;
  for (v1::HistoryEntry& h : history) {
    const v1::ExperimentEvent& e = h.experiment_event();
    if (e.has_activity_recorded()) {
      v1::ActivityView* a = v->add_activities();
      *a->mutable_activity() = e.activity_recorded();
      a->set_position(h.position());
      a->set_correction_count(h.corrected_by_size());
      groups.insert(e.activity_recorded().seldom_heard_groups().begin(),
                    e.activity_recorded().seldom_heard_groups().end());
    } else if (e.has_expenditure_recorded()) {
      v1::ExpenditureView* x = v->add_expenditures();
      *x->mutable_expenditure() = e.expenditure_recorded();
      x->set_position(h.position());
      x->set_correction_count(h.corrected_by_size());
      x->set_outside_budget_years(!IsBudgetYear(d.programme, x->expenditure().budget_year()));
    } else if (e.has_progress_reported()) {
      *v->add_progress_reports() = e.progress_reported();
    } else if (e.has_correction_recorded()) {
      *v->add_corrections() = h;
    }
    *v->add_history() = std::move(h);
  }
  for (const std::string& g : groups) v->mutable_reach()->add_seldom_heard_groups_reached(g);
}

// Council inputs about the experiment and knowledge sessions that discussed it.
void FillProgrammeParts(const ProgrammeData& d, const std::string& id, v1::ExperimentView* v) {
  for (v1::CouncilInputView& input : internal::CouncilInputs(d)) {
    if (input.input().experiment_id() == id) *v->add_council_inputs() = std::move(input);
  }
  const v1::KnowledgeSessionsView sessions = internal::KnowledgeSessions(d);
  for (const v1::KnowledgeSessionView& s : sessions.sessions()) {
    const auto& ids = s.session().experiment_ids();
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) *v->add_knowledge_sessions() = s;
  }
}

v1::ClockFacts ExperimentClock(const v1::ExperimentState& e, const v1::Date& today) {
  v1::ClockFacts c;
  *c.mutable_today() = today;
  const v1::Date& end = e.design().conditions().planning().end();
  if (domain::IsSet(end)) c.set_days_to_planning_end(internal::DaysBetween(today, end));
  return c;
}

v1::ExperimentView Build(const ProgrammeData& d, const v1::ExperimentState& e,
                         std::vector<v1::HistoryEntry> history, absl::Time now) {
  const v1::Date today = internal::Today(now);
  v1::ExperimentView v;
  v.set_programme_id(e.programme_id());
  v.set_experiment_id(e.experiment_id());
  v.set_status(e.status());
  v.set_confidentiality(e.confidentiality());
  *v.mutable_design() = e.design();
  *v.mutable_proposer() = e.proposer();
  *v.mutable_dates() = DatesOf(e, history);
  *v.mutable_selection_decision() = e.selection_decision();
  *v.mutable_rejection_decision() = e.rejection_decision();
  v.set_added_after_adoption(e.added_after_adoption());
  v.set_end_reason(e.end_reason());
  *v.mutable_budget() = internal::BudgetOf(e);
  v.mutable_reach()->set_activity_count(e.activity_count());
  v.mutable_reach()->set_participant_count(e.participant_count());
  v.mutable_reach()->set_seldom_heard_reached_count(e.seldom_heard_reached_count());
  v.set_progress_percent(e.progress_percent());
  v.set_counted_progress_percent(internal::CountedProgress(e));
  *v.mutable_evaluation() = internal::EvaluationOf(e, history);
  FillProgrammeParts(d, e.experiment_id(), &v);
  FillFromHistory(d, std::move(history), &v);
  for (v1::ViewWarning& w : internal::ExperimentWarnings(e, d.programme, today)) {
    *v.add_warnings() = std::move(w);
  }
  *v.mutable_clock() = ExperimentClock(e, today);
  v.set_stream_version(e.stream_version());
  v.set_as_of_position(d.as_of);
  return v;
}

}  // namespace

absl::StatusOr<v1::ExperimentView> GetExperimentView(eventstore::ReadView& view,
                                                     std::string_view programme_id,
                                                     std::string_view experiment_id,
                                                     v1::Confidentiality clearance,
                                                     absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<v1::ProgrammeState> programme,
                   app::LoadProgramme(view, programme_id, app::Correctables::kOneOff));
  if (!programme.has_value()) {
    return internal::NotFound("experiment " + std::string(programme_id) + "." + std::string(experiment_id));
  }
  return GetExperimentView(view, *std::move(programme), experiment_id, clearance, now);
}

absl::StatusOr<v1::ExperimentView> GetExperimentView(eventstore::ReadView& view, v1::ProgrammeState programme,
                                                     std::string_view experiment_id,
                                                     v1::Confidentiality clearance, absl::Time now) {
  const std::string programme_id = programme.programme_id();
  const std::string what = "experiment " + programme_id + "." + std::string(experiment_id);
  absl::StatusOr<ProgrammeData> d = internal::LoadProgrammeData(view, std::move(programme), clearance);
  if (absl::IsNotFound(d.status())) return internal::NotFound(what);
  RETURN_IF_ERROR(d.status());
  const v1::ExperimentState* e = d->Experiment(experiment_id);
  if (e == nullptr) return internal::NotFound(what);
  ASSIGN_OR_RETURN(std::vector<v1::HistoryEntry> history,
                   internal::LoadExperimentHistory(view, programme_id, experiment_id, clearance));
  return Build(*d, *e, std::move(history), now);
}

}  // namespace proeftuin::views
