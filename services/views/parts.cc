// The parts of the programme views: budget table, experiment summaries, council inputs,
// knowledge sessions, decisions, the progress roll-up.
#include <algorithm>
#include <cstdint>
#include <map>

#include "domain/budget.h"
#include "domain/dates.h"
#include "views/internal/assemble.h"

namespace proeftuin::views::internal {
namespace {

// a + b, held at INT32_MAX: a programme's totals add up experiments' and sessions' counts, each
// within int32 (the deciders refuse more), but their sum need not be.
int32_t AddCount(int32_t a, int64_t b) {
  return static_cast<int32_t>(std::min<int64_t>(int64_t{a} + b, INT32_MAX));
}


v1::Money Cents(int64_t cents) {
  v1::Money m;
  m.set_cents(cents);
  return m;
}

bool Ended(v1::ExperimentStatus s) {
  return s == v1::EXPERIMENT_STATUS_COMPLETED || s == v1::EXPERIMENT_STATUS_STOPPED_EARLY ||
         s == v1::EXPERIMENT_STATUS_EVALUATED || s == v1::EXPERIMENT_STATUS_NOT_EVALUABLE;
}

bool Released(const v1::ExperimentState& e) {
  return e.was_selected() && e.status() == v1::EXPERIMENT_STATUS_WITHDRAWN;
}

struct Figures {
  int64_t budget = 0, allocated = 0, spent = 0;
  bool is_budget_year = false;
};

v1::BudgetLine LineOf(int year, const Figures& f) {
  v1::BudgetLine line;
  line.set_year(year);
  *line.mutable_budget() = Cents(f.budget);
  *line.mutable_allocated() = Cents(f.allocated);
  *line.mutable_spent() = Cents(f.spent);
  *line.mutable_unallocated() = Cents(f.budget - f.allocated);
  *line.mutable_remaining() = Cents(f.budget - f.spent);
  line.set_is_budget_year(f.is_budget_year);
  return line;
}

}  // namespace

bool InProgramme(const v1::ExperimentState& e) {
  return e.was_selected() && e.status() != v1::EXPERIMENT_STATUS_WITHDRAWN;
}

int32_t CountedProgress(const v1::ExperimentState& e) {
  return Ended(e.status()) && e.started() ? 100 : e.progress_percent();
}

v1::ExperimentSummary SummaryOf(const v1::ExperimentState& e) {
  v1::ExperimentSummary s;
  s.set_experiment_id(e.experiment_id());
  s.set_title(e.design().title());
  s.set_status(e.status());
  s.set_confidentiality(e.confidentiality());
  s.set_participation_level(e.design().participation_level());
  s.set_level_waived(!e.design().level_waiver_reason().empty());
  const v1::Planning& planning = e.design().conditions().planning();
  if (planning.has_start()) *s.mutable_planning()->mutable_start() = planning.start();
  if (planning.has_end()) *s.mutable_planning()->mutable_end() = planning.end();
  s.set_criteria_count(e.design().criteria_size());
  *s.mutable_allocated() = Cents(Released(e) ? 0 : domain::TotalCents(e.allocation()));
  *s.mutable_spent() = Cents(e.spent().cents());
  s.set_progress_percent(CountedProgress(e));
  s.set_activity_count(e.activity_count());
  s.set_participant_count(e.participant_count());
  s.set_seldom_heard_reached_count(e.seldom_heard_reached_count());
  s.set_conclusion(e.conclusion());
  s.set_added_after_adoption(e.added_after_adoption());
  if (e.has_started_on()) *s.mutable_started_on() = e.started_on();
  if (e.has_ended_on()) *s.mutable_ended_on() = e.ended_on();
  return s;
}

v1::ExperimentBudget BudgetOf(const v1::ExperimentState& e) {
  v1::ExperimentBudget b;
  b.set_experiment_id(e.experiment_id());
  b.set_title(e.design().title());
  b.set_released(Released(e));
  if (!b.released()) {
    for (const v1::BudgetYearAmount& y : e.allocation()) {
      domain::AddToYear(b.mutable_allocated_per_year(), y.year(), y.amount().cents());
    }
  }
  *b.mutable_allocated() = Cents(domain::TotalCents(b.allocated_per_year()));
  *b.mutable_spent() = Cents(e.spent().cents());
  *b.mutable_overspent() = Cents(std::max<int64_t>(0, e.spent().cents() - b.allocated().cents()));
  *b.mutable_spent_per_year() = e.spent_per_year();
  return b;
}

v1::BudgetView BuildBudget(const ProgrammeData& d) {
  const v1::Budget& budget = d.programme.design().budget();
  std::map<int, Figures> years;
  for (const v1::BudgetYearAmount& y : budget.years()) {
    years[y.year()].budget += y.amount().cents();
    years[y.year()].is_budget_year = true;
  }
  Figures total{budget.total().cents(), 0, 0, true};
  for (const v1::AllocationState& a : d.programme.allocations()) {
    if (a.released() || !d.visible.contains(a.experiment_id())) continue;
    for (const v1::BudgetYearAmount& y : a.allocation()) {
      years[y.year()].allocated += y.amount().cents();
      total.allocated += y.amount().cents();
    }
  }
  v1::BudgetView out;
  for (const v1::ExperimentState& e : d.experiments) {
    for (const v1::BudgetYearAmount& y : e.spent_per_year()) {
      // A year whose spending was all corrected into another one holds 0: no line of its own.
      if (y.amount().cents() != 0) years[y.year()].spent += y.amount().cents();
    }
    total.spent += e.spent().cents();
    if (e.was_selected() || e.spent().cents() != 0) *out.add_experiments() = BudgetOf(e);
  }
  out.set_source(budget.source());
  *out.mutable_total() = LineOf(0, total);
  for (const auto& [year, figures] : years) *out.add_years() = LineOf(year, figures);
  return out;
}

std::vector<v1::CouncilInputView> CouncilInputs(const ProgrammeData& d) {
  std::vector<v1::CouncilInputView> out;
  for (const v1::HistoryEntry& h : d.history) {
    const v1::ProgrammeEvent& e = h.programme_event();
    if (e.has_council_input_recorded()) {
      v1::CouncilInputView& v = out.emplace_back();
      *v.mutable_input() = e.council_input_recorded();
      if (!d.visible.contains(v.input().experiment_id())) v.mutable_input()->clear_experiment_id();
      v.set_recorded_position(h.position());
      v.set_correction_count(h.corrected_by_size());
    } else if (e.has_council_input_answered()) {
      for (v1::CouncilInputView& v : out) {
        if (v.input().input_id() != e.council_input_answered().input_id()) continue;
        v.set_answered(true);
        *v.mutable_answer() = e.council_input_answered();
        v.set_answered_position(h.position());
        v.set_correction_count(v.correction_count() + h.corrected_by_size());
      }
    }
  }
  return out;
}

std::vector<std::string> OpenInputs(const std::vector<v1::CouncilInputView>& inputs) {
  std::vector<std::string> open;
  for (const v1::CouncilInputView& v : inputs) {
    if (!v.answered()) open.push_back(v.input().input_id());
  }
  return open;
}

v1::KnowledgeSessionsView KnowledgeSessions(const ProgrammeData& d) {
  v1::KnowledgeSessionsView out;
  std::set<std::string> groups, organisations;
  std::vector<v1::KnowledgeSessionView> sessions;
  for (const v1::HistoryEntry& h : d.history) {
    if (!h.programme_event().has_knowledge_session_held()) continue;
    v1::KnowledgeSessionView& v = sessions.emplace_back();
    *v.mutable_session() = h.programme_event().knowledge_session_held();
    auto* ids = v.mutable_session()->mutable_experiment_ids();
    ids->erase(std::remove_if(ids->begin(), ids->end(),
                              [&d](const std::string& id) { return !d.visible.contains(id); }),
               ids->end());
    v.set_position(h.position());
    v.set_correction_count(h.corrected_by_size());
    out.set_attendee_count(AddCount(out.attendee_count(), v.session().attendee_count()));
    groups.insert(v.session().seldom_heard_groups_reached().begin(),
                  v.session().seldom_heard_groups_reached().end());
    organisations.insert(v.session().organisations().begin(), v.session().organisations().end());
  }
  std::stable_sort(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) {
    return domain::CompareDates(a.session().held_on(), b.session().held_on()) < 0;
  });
  out.set_count(static_cast<int>(sessions.size()));
  for (auto& s : sessions) *out.add_sessions() = std::move(s);
  for (const auto& g : groups) out.add_seldom_heard_groups_reached(g);
  for (const auto& o : organisations) out.add_organisations(o);
  return out;
}

v1::ProgressRollUp RollUp(const std::vector<v1::ExperimentState>& experiments) {
  v1::ProgressRollUp r;
  int64_t progress = 0;
  for (const v1::ExperimentState& e : experiments) {
    if (!InProgramme(e)) continue;
    r.set_experiments(r.experiments() + 1);
    switch (e.status()) {
      case v1::EXPERIMENT_STATUS_SELECTED: r.set_not_started(r.not_started() + 1); break;
      case v1::EXPERIMENT_STATUS_STARTED: r.set_running(r.running() + 1); break;
      case v1::EXPERIMENT_STATUS_COMPLETED:
      case v1::EXPERIMENT_STATUS_STOPPED_EARLY:
        r.set_awaiting_evaluation(r.awaiting_evaluation() + 1);
        break;
      case v1::EXPERIMENT_STATUS_EVALUATED: r.set_evaluated(r.evaluated() + 1); break;
      case v1::EXPERIMENT_STATUS_NOT_EVALUABLE: r.set_not_evaluable(r.not_evaluable() + 1); break;
      default: break;  // proposed, withdrawn, rejected: not in the programme
    }
    progress += CountedProgress(e);
    r.set_activity_count(AddCount(r.activity_count(), e.activity_count()));
    r.set_participant_count(AddCount(r.participant_count(), e.participant_count()));
    r.set_seldom_heard_reached_count(
        AddCount(r.seldom_heard_reached_count(), e.seldom_heard_reached_count()));
  }
  if (r.experiments() > 0) r.set_average_progress_percent(static_cast<int>(progress / r.experiments()));
  return r;
}

std::vector<v1::StatusCount> ByStatus(const std::vector<v1::ExperimentState>& experiments) {
  std::map<int, int> counts;
  for (const v1::ExperimentState& e : experiments) ++counts[e.status()];
  std::vector<v1::StatusCount> out;
  for (const auto& [status, count] : counts) {
    v1::StatusCount& c = out.emplace_back();
    c.set_status(static_cast<v1::ExperimentStatus>(status));
    c.set_count(count);
  }
  return out;
}

}  // namespace proeftuin::views::internal
