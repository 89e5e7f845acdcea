// The programme view and the council progress report (voortgangsrapportage), assembled from one
// snapshot at query time.
#include "eventstore/status_macros.h"
#include "views/internal/assemble.h"
#include "views/views.h"

namespace proeftuin::views {
namespace {

using internal::ProgrammeData;

template <typename T, typename Repeated>
void Fill(std::vector<T> items, Repeated* out) {
  for (T& item : items) *out->Add() = std::move(item);
}

void FillHistoryParts(const ProgrammeData& d, v1::ProgrammeView* v) {
  for (const v1::HistoryEntry& h : d.history) {
    if (h.programme_event().has_programme_amended()) *v->add_amendments() = h;
    if (h.programme_event().has_correction_recorded()) *v->add_corrections() = h;
  }
  if (const v1::ProgrammeEvaluated* e = internal::LastProgrammeEvaluation(d.history)) {
    *v->mutable_evaluation() = *e;
  }
}

v1::ProgrammeView BuildProgrammeView(const ProgrammeData& d, absl::Time now) {
  const v1::ProgrammeState& p = d.programme;
  const v1::Date today = internal::Today(now);
  v1::ProgrammeView v;
  v.set_programme_id(p.programme_id());
  v.set_status(p.status());
  v.set_confidentiality(p.confidentiality());
  *v.mutable_design() = p.design();
  *v.mutable_dates() = internal::DatesOf(d);
  *v.mutable_council_reference() = p.submission().council_reference();
  *v.mutable_adoption() = p.adoption();
  *v.mutable_budget() = internal::BuildBudget(d);
  for (const v1::ExperimentState& e : d.experiments) *v.add_experiments() = internal::SummaryOf(e);
  Fill(internal::ByStatus(d.experiments), v.mutable_experiments_by_status());
  const std::vector<v1::CouncilInputView> inputs = internal::CouncilInputs(d);
  Fill(internal::OpenInputs(inputs), v.mutable_open_council_inputs());
  Fill(internal::Decisions(d, inputs), v.mutable_decisions());
  *v.mutable_knowledge_sessions() = internal::KnowledgeSessions(d);
  *v.mutable_progress() = internal::RollUp(d.experiments);
  Fill(internal::Timeline(d), v.mutable_timeline());
  Fill(internal::ProgrammeWarnings(d, v.budget(), inputs, today), v.mutable_warnings());
  *v.mutable_clock() = internal::ProgrammeClock(p, today);
  Fill(inputs, v.mutable_council_inputs());
  FillHistoryParts(d, &v);
  v.set_stream_version(p.stream_version());
  v.set_as_of_position(d.as_of);
  return v;
}

absl::StatusOr<v1::ExperimentReport> ReportOf(eventstore::ReadView& view, const ProgrammeData& d,
                                              const v1::ExperimentState& e) {
  ASSIGN_OR_RETURN(std::vector<v1::HistoryEntry> history,
                   internal::LoadExperimentHistory(view, d.programme.programme_id(),
                                                   e.experiment_id(), d.clearance));
  v1::ExperimentReport r;
  *r.mutable_summary() = internal::SummaryOf(e);
  r.set_progress_note(e.progress_note());
  r.set_end_reason(e.end_reason());
  *r.mutable_evaluation() = internal::EvaluationOf(e, history);
  *r.mutable_budget() = internal::BudgetOf(e);
  return r;
}

}  // namespace

absl::StatusOr<v1::ProgrammeView> GetProgrammeView(eventstore::ReadView& view,
                                                   std::string_view programme_id,
                                                   v1::Confidentiality clearance, absl::Time now) {
  ASSIGN_OR_RETURN(ProgrammeData d, internal::LoadProgrammeData(view, programme_id, clearance));
  return BuildProgrammeView(d, now);
}

absl::StatusOr<v1::ProgrammeView> GetProgrammeView(eventstore::ReadView& view, const v1::ProgrammeState& programme,
                                                   v1::Confidentiality clearance, absl::Time now) {
  ASSIGN_OR_RETURN(ProgrammeData d, internal::LoadProgrammeData(view, programme, clearance));
  return BuildProgrammeView(d, now);
}

absl::StatusOr<v1::ProgressReport> BuildProgressReport(eventstore::ReadView& view,
                                                       std::string_view programme_id,
                                                       v1::Confidentiality clearance,
                                                       absl::Time now) {
  ASSIGN_OR_RETURN(ProgrammeData d, internal::LoadProgrammeData(view, programme_id, clearance));
  const v1::ProgrammeView pv = BuildProgrammeView(d, now);
  v1::ProgressReport r;
  r.set_programme_id(pv.programme_id());
  r.set_title(pv.design().title());
  r.set_status(pv.status());
  *r.mutable_period() = pv.design().period();
  *r.mutable_evaluation_date() = pv.design().evaluation_date();
  *r.mutable_report_date() = pv.clock().today();
  *r.mutable_dates() = pv.dates();
  if (pv.has_council_reference()) *r.mutable_council_reference() = pv.council_reference();
  *r.mutable_budget() = pv.budget();
  for (const v1::ExperimentState& e : d.experiments) {
    if (!e.was_selected()) {
      *r.add_other_proposals() = internal::SummaryOf(e);
      continue;
    }
    ASSIGN_OR_RETURN(*r.add_experiments(), ReportOf(view, d, e));
  }
  *r.mutable_progress() = pv.progress();
  *r.mutable_council_inputs() = pv.council_inputs();
  *r.mutable_open_council_inputs() = pv.open_council_inputs();
  *r.mutable_knowledge_sessions() = pv.knowledge_sessions();
  *r.mutable_decisions() = pv.decisions();
  *r.mutable_warnings() = pv.warnings();
  if (pv.has_evaluation()) *r.mutable_evaluation() = pv.evaluation();
  *r.mutable_clock() = pv.clock();
  r.set_as_of_position(pv.as_of_position());
  return r;
}

}  // namespace proeftuin::views
