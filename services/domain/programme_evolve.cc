// Evolve for programme streams: folds one ProgrammeEvent into a ProgrammeState. Never fails;
// data it cannot apply (an answer to an unknown input, a correction of an unknown position) is
// ignored.
#include "domain/decider.h"
#include "domain/internal/correction.h"
#include "domain/streams.h"

namespace proeftuin::domain {
namespace {

using internal::FindCorrectable;
using internal::RememberCorrectable;

v1::CouncilInputState* FindInput(v1::ProgrammeState* state, const std::string& id) {
  for (v1::CouncilInputState& input : *state->mutable_council_inputs()) {
    if (input.input_id() == id) return &input;
  }
  return nullptr;
}

v1::KnowledgeSessionState* FindSession(v1::ProgrammeState* state, const std::string& id) {
  for (v1::KnowledgeSessionState& session : *state->mutable_knowledge_sessions()) {
    if (session.session_id() == id) return &session;
  }
  return nullptr;
}

void ApplyCorrection(v1::ProgrammeState* state, const v1::CorrectionRecorded& c) {
  state->set_correction_count(state->correction_count() + 1);
  v1::CorrectableEvent* target =
      FindCorrectable(state->mutable_correctable_events(), c.corrected_position());
  if (target == nullptr) return;
  const v1::CorrectedFields& f = c.fields();
  const std::string& type = target->event_type();
  if (type == v1::ProgrammeSubmittedToCouncil::descriptor()->full_name()) {
    if (f.has_council_reference()) {
      *state->mutable_submission()->mutable_council_reference() = f.council_reference();
    }
    if (f.has_occurred_on()) *state->mutable_submission()->mutable_submitted_on() = f.occurred_on();
  } else if (type == v1::CouncilInputRecorded::descriptor()->full_name()) {
    v1::CouncilInputState* input = FindInput(state, target->key());
    if (input != nullptr && f.has_occurred_on()) *input->mutable_received_on() = f.occurred_on();
  } else if (type == v1::CouncilInputAnswered::descriptor()->full_name()) {
    v1::CouncilInputState* input = FindInput(state, target->key());
    if (input != nullptr && f.has_occurred_on()) *input->mutable_answered_on() = f.occurred_on();
  } else if (type == v1::ProgrammeAdopted::descriptor()->full_name()) {
    if (f.has_decision()) *state->mutable_adoption() = f.decision();
  } else if (type == v1::KnowledgeSessionHeld::descriptor()->full_name()) {
    if (f.has_count()) target->set_count(f.count());
    v1::KnowledgeSessionState* session = FindSession(state, target->key());
    if (session == nullptr) return;
    if (f.has_count()) session->set_attendee_count(f.count());
    if (f.has_occurred_on()) *session->mutable_held_on() = f.occurred_on();
  } else if (type == v1::ProgrammeEvaluated::descriptor()->full_name()) {
    if (f.has_occurred_on()) *state->mutable_evaluated_on() = f.occurred_on();
  }
}

void ApplyAllocation(v1::ProgrammeState* state, const v1::BudgetAllocated& e) {
  v1::AllocationState* allocation = state->add_allocations();
  allocation->set_experiment_id(e.experiment_id());
  *allocation->mutable_allocation() = e.allocation();
  allocation->set_added_after_adoption(e.added_after_adoption());
}

void ApplyRelease(v1::ProgrammeState* state, const v1::BudgetReleased& e) {
  for (v1::AllocationState& allocation : *state->mutable_allocations()) {
    if (allocation.experiment_id() == e.experiment_id()) allocation.set_released(true);
  }
}

void ApplyInput(v1::ProgrammeState* state, const v1::CouncilInputRecorded& e,
                v1::CorrectableEvent* remembered) {
  v1::CouncilInputState* input = state->add_council_inputs();
  input->set_input_id(e.input_id());
  input->set_kind(e.kind());
  input->set_experiment_id(e.experiment_id());
  if (e.has_received_on()) *input->mutable_received_on() = e.received_on();
  if (remembered != nullptr) remembered->set_key(e.input_id());
}

void ApplyAnswer(v1::ProgrammeState* state, const v1::CouncilInputAnswered& e,
                 v1::CorrectableEvent* remembered) {
  v1::CouncilInputState* input = FindInput(state, e.input_id());
  if (input != nullptr) {
    input->set_answered(true);
    input->set_disposition(e.disposition());
    if (e.has_answered_on()) *input->mutable_answered_on() = e.answered_on();
  }
  if (remembered != nullptr) remembered->set_key(e.input_id());
}

void ApplySession(v1::ProgrammeState* state, const v1::KnowledgeSessionHeld& e,
                  v1::CorrectableEvent* remembered) {
  v1::KnowledgeSessionState* session = state->add_knowledge_sessions();
  session->set_session_id(e.session_id());
  session->set_kind(e.kind());
  *session->mutable_held_on() = e.held_on();
  session->set_attendee_count(e.attendee_count());
  if (remembered != nullptr) {
    remembered->set_key(e.session_id());
    remembered->set_count(e.attendee_count());
  }
}

void ApplyLifecycle(v1::ProgrammeState* state, const v1::ProgrammeEvent& event) {
  using E = v1::ProgrammeEvent;
  switch (event.event_case()) {
    case E::kProgrammeDrafted:
      state->set_programme_id(event.programme_drafted().programme_id());
      state->set_status(v1::PROGRAMME_STATUS_DRAFTED);
      *state->mutable_design() = event.programme_drafted().design();
      state->set_confidentiality(event.programme_drafted().confidentiality());
      return;
    case E::kProgrammeAmended:
      *state->mutable_design() = event.programme_amended().design();
      if (event.programme_amended().confidentiality() != v1::CONFIDENTIALITY_UNSPECIFIED) {
        state->set_confidentiality(event.programme_amended().confidentiality());
      }
      state->set_amendment_count(state->amendment_count() + 1);
      return;
    case E::kProgrammeSubmittedToCouncil:
      state->set_status(v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL);
      *state->mutable_submission() = event.programme_submitted_to_council();
      return;
    case E::kProgrammeAdopted:
      state->set_status(v1::PROGRAMME_STATUS_ADOPTED);
      *state->mutable_adoption() = event.programme_adopted().decision();
      return;
    case E::kProgrammeEvaluated:
      state->set_status(v1::PROGRAMME_STATUS_EVALUATED);
      *state->mutable_evaluated_on() = event.programme_evaluated().evaluated_on();
      return;
    case E::kProgrammeClosed:
      state->set_status(v1::PROGRAMME_STATUS_CLOSED);
      *state->mutable_closed_on() = event.programme_closed().closed_on();
      return;
    case E::kCouncilInputRecorded:
    case E::kCouncilInputAnswered:
    case E::kBudgetAllocated:
    case E::kBudgetReleased:
    case E::kKnowledgeSessionHeld:
    case E::kCorrectionRecorded:
    case E::EVENT_NOT_SET:
      return;  // handled by ApplyRecord
  }
}

void ApplyRecord(v1::ProgrammeState* state, const v1::ProgrammeEvent& event,
                 v1::CorrectableEvent* remembered) {
  using E = v1::ProgrammeEvent;
  switch (event.event_case()) {
    case E::kCouncilInputRecorded:
      return ApplyInput(state, event.council_input_recorded(), remembered);
    case E::kCouncilInputAnswered:
      return ApplyAnswer(state, event.council_input_answered(), remembered);
    case E::kBudgetAllocated:
      return ApplyAllocation(state, event.budget_allocated());
    case E::kBudgetReleased:
      return ApplyRelease(state, event.budget_released());
    case E::kKnowledgeSessionHeld:
      return ApplySession(state, event.knowledge_session_held(), remembered);
    case E::kCorrectionRecorded:
      return ApplyCorrection(state, event.correction_recorded());
    case E::kProgrammeDrafted:
    case E::kProgrammeAmended:
    case E::kProgrammeSubmittedToCouncil:
    case E::kProgrammeAdopted:
    case E::kProgrammeEvaluated:
    case E::kProgrammeClosed:
    case E::EVENT_NOT_SET:
      return;  // handled by ApplyLifecycle, or nothing to apply
  }
}

}  // namespace

void EvolveInPlace(v1::ProgrammeState* state, const v1::ProgrammeEvent& event,
                   const EventContext& context) {
  v1::CorrectableEvent* remembered =
      RememberCorrectable(state->mutable_correctable_events(), context, event);
  ApplyLifecycle(state, event);
  ApplyRecord(state, event, remembered);
  state->set_stream_version(context.stream_version);
  state->set_last_position(context.global_position);
}

v1::ProgrammeState Evolve(v1::ProgrammeState state, const v1::ProgrammeEvent& event,
                          const EventContext& context) {
  EvolveInPlace(&state, event, context);
  return state;
}

}  // namespace proeftuin::domain
