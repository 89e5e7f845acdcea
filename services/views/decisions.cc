// More parts of the views: decisions taken, the planning timeline, key dates, evaluations.
#include <algorithm>

#include "domain/dates.h"
#include "views/internal/assemble.h"

namespace proeftuin::views::internal {
namespace {

bool Named(const v1::DecisionReference& d) { return !d.identification().empty(); }

// The position of an experiment's first event of `type` (from the state's correctable list).
uint64_t PositionOf(const v1::ExperimentState& e, const google::protobuf::Descriptor* type) {
  for (const v1::CorrectableEvent& c : e.correctable_events()) {
    if (c.event_type() == type->full_name()) return c.position();
  }
  return 0;
}

uint64_t FirstPosition(const ProgrammeData& d, v1::ProgrammeEvent::EventCase event) {
  for (const v1::HistoryEntry& h : d.history) {
    if (h.programme_event().event_case() == event) return h.position();
  }
  return 0;
}

void AddDecision(std::vector<v1::DecisionView>* out, v1::DecisionKind kind,
                 const v1::DecisionReference& decision, uint64_t position,
                 std::string_view experiment_id = {}, std::string_view input_id = {}) {
  v1::DecisionView& v = out->emplace_back();
  v.set_kind(kind);
  *v.mutable_decision() = decision;
  v.set_position(position);
  v.set_experiment_id(std::string(experiment_id));
  v.set_input_id(std::string(input_id));
}

bool Outside(const v1::Date& start, const v1::Date& end, const v1::Period& period) {
  if (!domain::IsSet(period.start()) || !domain::IsSet(period.end())) return false;
  return (domain::IsSet(start) && !domain::IsWithin(start, period.start(), period.end())) ||
         (domain::IsSet(end) && !domain::IsWithin(end, period.start(), period.end()));
}

void AddItem(std::vector<v1::TimelineItem>* out, v1::TimelineItemKind kind, std::string label,
             const v1::Date& start, const v1::Date& end, const v1::Period& period,
             std::string_view experiment_id = {}) {
  if (!domain::IsSet(start) && !domain::IsSet(end)) return;
  v1::TimelineItem& item = out->emplace_back();
  item.set_kind(kind);
  item.set_label(std::move(label));
  *item.mutable_start() = domain::IsSet(start) ? start : end;
  *item.mutable_end() = domain::IsSet(end) ? end : start;
  item.set_experiment_id(std::string(experiment_id));
  item.set_outside_period(!experiment_id.empty() && Outside(item.start(), item.end(), period));
}

void AddExperimentItems(std::vector<v1::TimelineItem>* out, const v1::ExperimentState& e,
                        const v1::Period& period) {
  const v1::Planning& planning = e.design().conditions().planning();
  AddItem(out, v1::TIMELINE_ITEM_KIND_EXPERIMENT_PLANNING, e.design().title(), planning.start(),
          planning.end(), period, e.experiment_id());
  for (const v1::Milestone& m : planning.milestones()) {
    AddItem(out, v1::TIMELINE_ITEM_KIND_MILESTONE, m.name(), m.due_on(), m.due_on(), period,
            e.experiment_id());
  }
}

}  // namespace

std::vector<v1::DecisionView> Decisions(const ProgrammeData& d,
                                        const std::vector<v1::CouncilInputView>& inputs) {
  std::vector<v1::DecisionView> out;
  if (Named(d.programme.adoption())) {
    AddDecision(&out, v1::DECISION_KIND_ADOPTION, d.programme.adoption(),
                FirstPosition(d, v1::ProgrammeEvent::kProgrammeAdopted));
  }
  for (const v1::ExperimentState& e : d.experiments) {
    if (e.was_selected() && Named(e.selection_decision())) {
      AddDecision(&out, v1::DECISION_KIND_SELECTION, e.selection_decision(),
                  PositionOf(e, v1::ExperimentSelected::descriptor()), e.experiment_id());
    }
    if (Named(e.rejection_decision())) {
      AddDecision(&out, v1::DECISION_KIND_REJECTION, e.rejection_decision(),
                  PositionOf(e, v1::ExperimentRejected::descriptor()), e.experiment_id());
    }
  }
  for (const v1::CouncilInputView& v : inputs) {
    if (v.answered() && Named(v.answer().decision())) {
      AddDecision(&out, v1::DECISION_KIND_COUNCIL_RESPONSE, v.answer().decision(),
                  v.answered_position(), "", v.input().input_id());
    }
  }
  std::sort(out.begin(), out.end(), [](const v1::DecisionView& a, const v1::DecisionView& b) {
    int c = domain::CompareDates(a.decision().decision_date(), b.decision().decision_date());
    return c != 0 ? c < 0 : a.position() < b.position();
  });
  return out;
}

std::vector<v1::TimelineItem> Timeline(const ProgrammeData& d) {
  std::vector<v1::TimelineItem> out;
  const v1::ProgrammeDesign& design = d.programme.design();
  const v1::Period& period = design.period();
  AddItem(&out, v1::TIMELINE_ITEM_KIND_PROGRAMME_PERIOD, design.title(), period.start(),
          period.end(), period);
  AddItem(&out, v1::TIMELINE_ITEM_KIND_EVALUATION_DATE, "evaluation", design.evaluation_date(),
          design.evaluation_date(), period);
  const v1::ProgrammeSubmittedToCouncil& submission = d.programme.submission();
  const v1::Date& meeting = submission.council_reference().meeting_date();
  AddItem(&out, v1::TIMELINE_ITEM_KIND_COUNCIL_MEETING, submission.council_reference().meeting_id(),
          meeting, meeting, period);
  AddItem(&out, v1::TIMELINE_ITEM_KIND_RESPONSE_DEADLINE, "council response deadline",
          submission.response_deadline(), submission.response_deadline(), period);
  for (const v1::ExperimentState& e : d.experiments) {
    if (e.status() == v1::EXPERIMENT_STATUS_REJECTED ||
        e.status() == v1::EXPERIMENT_STATUS_WITHDRAWN) {
      continue;
    }
    AddExperimentItems(&out, e, period);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    int c = domain::CompareDates(a.start(), b.start());
    if (c != 0) return c < 0;
    return a.kind() != b.kind() ? a.kind() < b.kind() : a.experiment_id() < b.experiment_id();
  });
  return out;
}

v1::ProgrammeDates DatesOf(const ProgrammeData& d) {
  v1::ProgrammeDates dates;
  for (const v1::HistoryEntry& h : d.history) {
    if (h.programme_event().has_programme_drafted()) *dates.mutable_drafted_on() = h.occurred_on();
  }
  const v1::ProgrammeState& p = d.programme;
  if (p.submission().has_submitted_on()) *dates.mutable_submitted_on() = p.submission().submitted_on();
  if (p.submission().has_response_deadline()) {
    *dates.mutable_response_deadline() = p.submission().response_deadline();
  }
  if (p.adoption().has_decision_date()) *dates.mutable_adopted_on() = p.adoption().decision_date();
  if (p.has_evaluated_on()) *dates.mutable_evaluated_on() = p.evaluated_on();
  if (p.has_closed_on()) *dates.mutable_closed_on() = p.closed_on();
  return dates;
}

const v1::ProgrammeEvaluated* LastProgrammeEvaluation(const std::vector<v1::HistoryEntry>& h) {
  const v1::ProgrammeEvaluated* last = nullptr;
  for (const v1::HistoryEntry& entry : h) {
    if (entry.programme_event().has_programme_evaluated()) {
      last = &entry.programme_event().programme_evaluated();
    }
  }
  return last;
}

v1::EvaluationView EvaluationOf(const v1::ExperimentState& e,
                                const std::vector<v1::HistoryEntry>& history) {
  v1::EvaluationView v;
  v.set_evaluated(e.status() == v1::EXPERIMENT_STATUS_EVALUATED);
  for (const v1::EvaluationCriterion& criterion : e.design().criteria()) {
    v1::CriterionEvaluation* line = v.add_criteria();
    *line->mutable_criterion() = criterion;
    for (const v1::CriterionScore& s : e.scores()) {
      if (s.criterion_id() == criterion.criterion_id()) *line->mutable_score() = s;
    }
  }
  for (const v1::CriterionScore& s : e.scores()) {
    if (s.score() == v1::SCORE_GOOD) v.set_good_count(v.good_count() + 1);
    if (s.score() == v1::SCORE_SUFFICIENT) v.set_sufficient_count(v.sufficient_count() + 1);
    if (s.score() == v1::SCORE_INSUFFICIENT) v.set_insufficient_count(v.insufficient_count() + 1);
  }
  v.set_conclusion(e.conclusion());
  v.set_overall_sufficient(v.evaluated() && (v.insufficient_count() == 0 ||
                                             (v.insufficient_count() == 1 && v.good_count() > 0)));
  for (const v1::HistoryEntry& h : history) {
    if (!h.experiment_event().has_experiment_evaluated()) continue;
    const v1::ExperimentEvaluated& ev = h.experiment_event().experiment_evaluated();
    v.set_lessons(ev.lessons());
    *v.mutable_report() = ev.report();
    *v.mutable_evaluated_on() = ev.evaluated_on();
  }
  return v;
}

}  // namespace proeftuin::views::internal
