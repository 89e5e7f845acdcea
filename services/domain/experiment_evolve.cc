// Evolve for experiment streams: folds one ExperimentEvent into an ExperimentState. Never
// fails; data it cannot apply is ignored.
#include <algorithm>
#include <cstdint>

#include "domain/budget.h"
#include "domain/decider.h"
#include "domain/internal/correction.h"
#include "domain/internal/validation.h"
#include "domain/streams.h"

namespace proeftuin::domain {
namespace {

using internal::FindCorrectable;
using internal::RememberCorrectable;

template <typename Event>
bool Is(const std::string& type) {
  // The name looked up once: descriptor() costs a call_once check each time (replay).
  static const std::string& name = Event::descriptor()->full_name();
  return type == name;
}

// `total` - `before` + `after`, kept within 0..kMaxReachTotal: Decide refuses a total past it
// (PT-VALUE-RANGE), so only a log this build would not write reaches the bound; Evolve never
// fails and never overflows.
int32_t ReachTotal(int64_t total, int64_t before, int64_t after) {
  return static_cast<int32_t>(std::clamp<int64_t>(total - before + after, 0, kMaxReachTotal));
}

void AddSpending(v1::ExperimentState* state, int year, int64_t cents) {
  state->mutable_spent()->set_cents(AddCents(state->spent().cents(), cents));
  AddToYear(state->mutable_spent_per_year(), year, cents);
}

void CorrectActivity(v1::ExperimentState* state, v1::CorrectableEvent* target,
                     const v1::CorrectedFields& f) {
  if (f.has_count()) {
    state->set_participant_count(
        ReachTotal(state->participant_count(), target->count(), f.count()));
    target->set_count(f.count());
  }
  if (f.has_seldom_heard_count()) {
    state->set_seldom_heard_reached_count(ReachTotal(
        state->seldom_heard_reached_count(), target->seldom_heard_count(), f.seldom_heard_count()));
    target->set_seldom_heard_count(f.seldom_heard_count());
  }
}

void CorrectExpenditure(v1::ExperimentState* state, v1::CorrectableEvent* target,
                        const v1::CorrectedFields& f) {
  if (!f.has_amount() && !f.has_budget_year()) return;
  AddSpending(state, target->budget_year(), -target->amount().cents());
  if (f.has_amount()) *target->mutable_amount() = f.amount();
  if (f.has_budget_year()) target->set_budget_year(f.budget_year());
  AddSpending(state, target->budget_year(), target->amount().cents());
}

void ApplyCorrection(v1::ExperimentState* state, const v1::CorrectionRecorded& c) {
  state->set_correction_count(state->correction_count() + 1);
  v1::CorrectableEvent* target =
      FindCorrectable(state->mutable_correctable_events(), c.corrected_position());
  if (target == nullptr) return;
  const v1::CorrectedFields& f = c.fields();
  const std::string& type = target->event_type();
  if (Is<v1::ExperimentSelected>(type) && f.has_decision()) {
    *state->mutable_selection_decision() = f.decision();
  } else if (Is<v1::ExperimentRejected>(type) && f.has_decision()) {
    *state->mutable_rejection_decision() = f.decision();
  } else if (Is<v1::ExperimentStarted>(type) && f.has_occurred_on()) {
    *state->mutable_started_on() = f.occurred_on();
  } else if (Is<v1::ActivityRecorded>(type)) {
    CorrectActivity(state, target, f);
  } else if (Is<v1::ExpenditureRecorded>(type)) {
    CorrectExpenditure(state, target, f);
  } else if ((Is<v1::ExperimentCompleted>(type) || Is<v1::ExperimentStoppedEarly>(type)) &&
             f.has_occurred_on()) {
    *state->mutable_ended_on() = f.occurred_on();
  }
}

void ApplyProposed(v1::ExperimentState* state, const v1::ExperimentProposed& e) {
  state->set_programme_id(e.programme_id());
  state->set_experiment_id(e.experiment_id());
  state->set_status(v1::EXPERIMENT_STATUS_PROPOSED);
  *state->mutable_design() = e.design();
  *state->mutable_proposer() = e.proposer();
  state->set_confidentiality(e.confidentiality());
  *state->mutable_proposed_on() = e.proposed_on();
}

void ApplyAmended(v1::ExperimentState* state, const v1::ExperimentAmended& e) {
  *state->mutable_design() = e.design();
  if (e.confidentiality() != v1::CONFIDENTIALITY_UNSPECIFIED) {
    state->set_confidentiality(e.confidentiality());
  }
  state->set_amendment_count(state->amendment_count() + 1);
}

void ApplySelected(v1::ExperimentState* state, const v1::ExperimentSelected& e) {
  state->set_status(v1::EXPERIMENT_STATUS_SELECTED);
  state->set_was_selected(true);
  *state->mutable_selection_decision() = e.decision();
  *state->mutable_allocation() = e.allocation();
  state->set_added_after_adoption(e.added_after_adoption());
}

void ApplyActivity(v1::ExperimentState* state, const v1::ActivityRecorded& e,
                   v1::CorrectableEvent* remembered) {
  state->set_activity_count(state->activity_count() + 1);
  state->set_participant_count(ReachTotal(state->participant_count(), 0, e.participant_count()));
  state->set_seldom_heard_reached_count(
      ReachTotal(state->seldom_heard_reached_count(), 0, e.seldom_heard_reached_count()));
  if (remembered == nullptr) return;
  remembered->set_count(e.participant_count());
  remembered->set_seldom_heard_count(e.seldom_heard_reached_count());
}

void ApplyExpenditure(v1::ExperimentState* state, const v1::ExpenditureRecorded& e,
                      v1::CorrectableEvent* remembered) {
  AddSpending(state, e.budget_year(), e.amount().cents());
  if (remembered == nullptr) return;
  *remembered->mutable_amount() = e.amount();
  remembered->set_budget_year(e.budget_year());
}

void End(v1::ExperimentState* state, v1::ExperimentStatus status, const std::string& reason) {
  state->set_status(status);
  state->set_end_reason(reason);
}

void Apply(v1::ExperimentState* state, const v1::ExperimentEvent& event,
           v1::CorrectableEvent* remembered) {
  using E = v1::ExperimentEvent;
  switch (event.event_case()) {
    case E::kExperimentProposed:
      return ApplyProposed(state, event.experiment_proposed());
    case E::kExperimentAmended:
      return ApplyAmended(state, event.experiment_amended());
    case E::kExperimentWithdrawn:
      return End(state, v1::EXPERIMENT_STATUS_WITHDRAWN, event.experiment_withdrawn().reason());
    case E::kExperimentRejected:
      *state->mutable_rejection_decision() = event.experiment_rejected().decision();
      return End(state, v1::EXPERIMENT_STATUS_REJECTED, event.experiment_rejected().reason());
    case E::kExperimentSelected:
      return ApplySelected(state, event.experiment_selected());
    case E::kExperimentStarted:
      state->set_status(v1::EXPERIMENT_STATUS_STARTED);
      state->set_started(true);
      *state->mutable_started_on() = event.experiment_started().started_on();
      return;
    case E::kActivityRecorded:
      return ApplyActivity(state, event.activity_recorded(), remembered);
    case E::kExpenditureRecorded:
      return ApplyExpenditure(state, event.expenditure_recorded(), remembered);
    case E::kProgressReported:
      state->set_progress_percent(event.progress_reported().percent_complete());
      state->set_progress_note(event.progress_reported().note());
      return;
    case E::kExperimentStoppedEarly:
      *state->mutable_ended_on() = event.experiment_stopped_early().stopped_on();
      return End(state, v1::EXPERIMENT_STATUS_STOPPED_EARLY,
                 event.experiment_stopped_early().reason());
    case E::kExperimentCompleted:
      state->set_status(v1::EXPERIMENT_STATUS_COMPLETED);
      *state->mutable_ended_on() = event.experiment_completed().completed_on();
      return;
    case E::kExperimentMarkedNotEvaluable:
      return End(state, v1::EXPERIMENT_STATUS_NOT_EVALUABLE,
                 event.experiment_marked_not_evaluable().reason());
    case E::kExperimentEvaluated:
      state->set_status(v1::EXPERIMENT_STATUS_EVALUATED);
      *state->mutable_scores() = event.experiment_evaluated().scores();
      state->set_conclusion(event.experiment_evaluated().conclusion());
      return;
    case E::kCorrectionRecorded:
      return ApplyCorrection(state, event.correction_recorded());
    case E::EVENT_NOT_SET:
      return;  // nothing this build knows: ignore
  }
}

}  // namespace

void EvolveInPlace(v1::ExperimentState* state, const v1::ExperimentEvent& event,
                   const EventContext& context) {
  v1::CorrectableEvent* remembered =
      RememberCorrectable(state->mutable_correctable_events(), context, event);
  Apply(state, event, remembered);
  state->set_stream_version(context.stream_version);
  state->set_last_position(context.global_position);
}

v1::ExperimentState Evolve(v1::ExperimentState state, const v1::ExperimentEvent& event,
                           const EventContext& context) {
  EvolveInPlace(&state, event, context);
  return state;
}

}  // namespace proeftuin::domain
