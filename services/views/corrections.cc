// Corrections as the views apply them: a CorrectionRecorded names an earlier event of its
// stream by position; its fields replace the corrected event's fields (docs/DOMAIN-RULES.md,
// "Corrections"). A later correction of the same event overrides an earlier one field by field,
// which is what applying them in log order does.
#include "views/internal/projectors.h"

namespace proeftuin::views::internal {
namespace {

void CorrectProgrammeEvent(const v1::CorrectedFields& f, v1::ProgrammeEvent* e) {
  using E = v1::ProgrammeEvent;
  switch (e->event_case()) {
    case E::kProgrammeSubmittedToCouncil: {
      auto* s = e->mutable_programme_submitted_to_council();
      if (f.has_council_reference()) *s->mutable_council_reference() = f.council_reference();
      if (f.has_occurred_on()) *s->mutable_submitted_on() = f.occurred_on();
      return;
    }
    case E::kCouncilInputRecorded: {
      auto* i = e->mutable_council_input_recorded();
      if (f.has_text()) i->set_text(f.text());
      if (f.has_council_reference()) *i->mutable_council_reference() = f.council_reference();
      if (f.has_occurred_on()) *i->mutable_received_on() = f.occurred_on();
      return;
    }
    case E::kCouncilInputAnswered: {
      auto* a = e->mutable_council_input_answered();
      if (f.has_text()) a->set_motivation(f.text());
      if (f.has_decision()) *a->mutable_decision() = f.decision();
      if (f.has_occurred_on()) *a->mutable_answered_on() = f.occurred_on();
      return;
    }
    case E::kProgrammeAdopted:
      if (f.has_decision()) *e->mutable_programme_adopted()->mutable_decision() = f.decision();
      return;
    case E::kKnowledgeSessionHeld: {
      auto* s = e->mutable_knowledge_session_held();
      if (f.has_count()) s->set_attendee_count(f.count());
      if (f.has_text()) s->set_summary(f.text());
      if (f.has_occurred_on()) *s->mutable_held_on() = f.occurred_on();
      return;
    }
    case E::kProgrammeEvaluated: {
      auto* v = e->mutable_programme_evaluated();
      if (f.has_text()) v->set_findings(f.text());
      if (f.has_document()) *v->mutable_report() = f.document();
      if (f.has_occurred_on()) *v->mutable_evaluated_on() = f.occurred_on();
      return;
    }
    case E::kProgrammeDrafted:
    case E::kProgrammeAmended:
    case E::kBudgetAllocated:
    case E::kBudgetReleased:
    case E::kProgrammeClosed:
    case E::kCorrectionRecorded:
    case E::EVENT_NOT_SET:
      return;  // not correctable
  }
}

void CorrectActivity(const v1::CorrectedFields& f, v1::ActivityRecorded* a) {
  if (f.has_count()) a->set_participant_count(f.count());
  if (f.has_seldom_heard_count()) a->set_seldom_heard_reached_count(f.seldom_heard_count());
  if (f.has_text()) a->set_note(f.text());
  if (f.has_occurred_on()) *a->mutable_held_on() = f.occurred_on();
}

void CorrectExpenditure(const v1::CorrectedFields& f, v1::ExpenditureRecorded* x) {
  if (f.has_amount()) *x->mutable_amount() = f.amount();
  if (f.has_budget_year()) x->set_budget_year(f.budget_year());
  if (f.has_text()) x->set_description(f.text());
  if (f.has_document()) *x->mutable_reference() = f.document();
  if (f.has_occurred_on()) *x->mutable_spent_on() = f.occurred_on();
}

void CorrectEnding(const v1::CorrectedFields& f, v1::ExperimentEvent* e) {
  if (e->has_experiment_completed()) {
    auto* c = e->mutable_experiment_completed();
    if (f.has_text()) c->set_note(f.text());
    if (f.has_occurred_on()) *c->mutable_completed_on() = f.occurred_on();
  } else if (e->has_experiment_evaluated()) {
    auto* v = e->mutable_experiment_evaluated();
    if (f.has_text()) v->set_lessons(f.text());
    if (f.has_document()) *v->mutable_report() = f.document();
    if (f.has_occurred_on()) *v->mutable_evaluated_on() = f.occurred_on();
  } else if (e->has_experiment_stopped_early() && f.has_occurred_on()) {
    *e->mutable_experiment_stopped_early()->mutable_stopped_on() = f.occurred_on();
  }
}

void CorrectExperimentEvent(const v1::CorrectedFields& f, v1::ExperimentEvent* e) {
  using E = v1::ExperimentEvent;
  switch (e->event_case()) {
    case E::kExperimentRejected:
      if (f.has_decision()) *e->mutable_experiment_rejected()->mutable_decision() = f.decision();
      return;
    case E::kExperimentSelected:
      if (f.has_decision()) *e->mutable_experiment_selected()->mutable_decision() = f.decision();
      return;
    case E::kExperimentStarted:
      if (f.has_occurred_on()) *e->mutable_experiment_started()->mutable_started_on() = f.occurred_on();
      return;
    case E::kActivityRecorded:
      return CorrectActivity(f, e->mutable_activity_recorded());
    case E::kExpenditureRecorded:
      return CorrectExpenditure(f, e->mutable_expenditure_recorded());
    case E::kExperimentStoppedEarly:
    case E::kExperimentCompleted:
    case E::kExperimentEvaluated:
      return CorrectEnding(f, e);
    case E::kExperimentProposed:
    case E::kExperimentAmended:
    case E::kExperimentWithdrawn:
    case E::kProgressReported:
    case E::kExperimentMarkedNotEvaluable:
    case E::kCorrectionRecorded:
    case E::EVENT_NOT_SET:
      return;  // not correctable
  }
}

}  // namespace

void ApplyCorrection(const v1::CorrectedFields& fields, v1::HistoryEntry* entry) {
  switch (entry->event_case()) {
    case v1::HistoryEntry::kProgrammeEvent:
      CorrectProgrammeEvent(fields, entry->mutable_programme_event());
      break;
    case v1::HistoryEntry::kExperimentEvent:
      CorrectExperimentEvent(fields, entry->mutable_experiment_event());
      break;
    case v1::HistoryEntry::EVENT_NOT_SET:
      return;
  }
  if (fields.has_occurred_on()) *entry->mutable_occurred_on() = fields.occurred_on();
}

}  // namespace proeftuin::views::internal
