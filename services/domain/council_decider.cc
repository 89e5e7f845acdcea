// Deciders of the council procedure (wensen en bedenkingen, Gemeentewet art. 169(4)): the
// design programme is sent to the council (raad) via the griffie, the council's wishes and
// objections are recorded, and the college answers each before it adopts (rule 1).
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/internal/deciders.h"
#include "domain/internal/validation.h"
#include "domain/rules.h"
#include "eventstore/status_macros.h"

namespace proeftuin::domain::internal {

const v1::CouncilInputState* FindInput(const v1::ProgrammeState& programme,
                                       std::string_view input_id) {
  for (const v1::CouncilInputState& input : programme.council_inputs()) {
    if (input.input_id() == input_id) return &input;
  }
  return nullptr;
}

namespace {

// Council input is taken between submission and adoption.
absl::Status CheckCouncilWindow(const v1::ProgrammeState& programme) {
  if (programme.status() == v1::PROGRAMME_STATUS_DRAFTED) {
    return PreconditionError(rules::kCouncilNotSubmitted,
                             "the design programme was not sent to the council yet");
  }
  if (programme.status() != v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL) {
    return PreconditionError(rules::kCouncilClosed,
                             absl::StrCat("the programme is ", StatusName(programme.status()),
                                          "; wishes and objections are taken and answered "
                                          "before adoption"));
  }
  return absl::OkStatus();
}

// The given input id, or the first free "wb-<n>".
absl::StatusOr<std::string> InputId(const v1::RecordCouncilInput& c,
                                    const v1::ProgrammeState& programme) {
  if (!c.input_id().empty()) {
    if (FindInput(programme, c.input_id()) == nullptr) return c.input_id();
    return RuleError(absl::StatusCode::kAlreadyExists, rules::kCouncilInputExists,
                     absl::StrCat("council input ", c.input_id(), " exists"));
  }
  for (int n = programme.council_inputs_size() + 1;; ++n) {
    std::string id = absl::StrCat("wb-", n);
    if (FindInput(programme, id) == nullptr) return id;
  }
}

absl::Status CheckCouncilInput(const v1::RecordCouncilInput& c, const Call& call) {
  RETURN_IF_ERROR(CheckId("input_id", c.input_id(), Need::kOptional));
  RETURN_IF_ERROR(CheckEnum("kind", c.kind(), v1::CouncilInputKind_IsValid, Need::kRequired));
  RETURN_IF_ERROR(CheckText("text", c.text(), kMaxText, Need::kRequired));
  RETURN_IF_ERROR(CheckEnum("source_kind", c.source_kind(), v1::CouncilInputSourceKind_IsValid,
                            Need::kOptional));
  RETURN_IF_ERROR(CheckText("source_reference", c.source_reference(), kMaxShortText));
  RETURN_IF_ERROR(CheckText("party", c.party(), kMaxShortText));
  RETURN_IF_ERROR(CheckId("concerns_experiment_id", c.concerns_experiment_id(), Need::kOptional));
  RETURN_IF_ERROR(
      CheckExperimentKnown(call.context, "concerns_experiment_id", c.concerns_experiment_id()));
  RETURN_IF_ERROR(
      CheckCouncilReference("council_reference", c.council_reference(), Need::kOptional));
  return CheckFactDate("received_on", c.received_on(), call.now);
}

constexpr char kSubmission[] = "the submission to the council";
constexpr char kAdoption[] = "the adoption decision";

std::string Receipt(const v1::CouncilInputState& input) {
  return absl::StrCat("the receipt of council input ", input.input_id());
}

std::string Answer(const v1::CouncilInputState& input) {
  return absl::StrCat("the answer to council input ", input.input_id());
}

}  // namespace

absl::Status CheckAdoptionDate(std::string_view field, const v1::Date& date,
                               const v1::ProgrammeState& programme) {
  RETURN_IF_ERROR(CheckNotBefore(field, date, kSubmission, programme.submission().submitted_on()));
  // The council's chance (Gemeentewet art. 169(4)): the meeting that handles the proposal, or,
  // without a meeting date, the response deadline.
  const v1::CouncilReference& council = programme.submission().council_reference();
  if (IsSet(council.meeting_date())) {
    RETURN_IF_ERROR(
        CheckNotBefore(field, date, "the council meeting on the proposal", council.meeting_date()));
  } else {
    RETURN_IF_ERROR(CheckNotBefore(field, date, "the council's response deadline",
                                   programme.submission().response_deadline()));
  }
  for (const v1::CouncilInputState& input : programme.council_inputs()) {
    RETURN_IF_ERROR(CheckNotBefore(field, date, Answer(input), input.answered_on()));
  }
  return CheckNotAfter(field, date, "the programme's evaluation", programme.evaluated_on());
}

absl::Status CheckProgrammeEvaluationDate(std::string_view field, const v1::Date& date,
                                          const v1::ProgrammeState& programme) {
  RETURN_IF_ERROR(CheckNotBefore(field, date, kAdoption, programme.adoption().decision_date()));
  return CheckNotAfter(field, date, "the programme's closing", programme.closed_on());
}

absl::Status CheckSubmissionDate(std::string_view field, const v1::Date& date,
                                 const v1::ProgrammeState& programme) {
  for (const v1::CouncilInputState& input : programme.council_inputs()) {
    RETURN_IF_ERROR(CheckNotAfter(field, date, Receipt(input), input.received_on()));
    RETURN_IF_ERROR(CheckNotAfter(field, date, Answer(input), input.answered_on()));
  }
  return CheckNotAfter(field, date, kAdoption, programme.adoption().decision_date());
}

absl::Status CheckReceiptDate(std::string_view field, const v1::Date& date,
                              const v1::CouncilInputState& input,
                              const v1::ProgrammeState& programme) {
  RETURN_IF_ERROR(CheckNotBefore(field, date, kSubmission, programme.submission().submitted_on()));
  RETURN_IF_ERROR(CheckNotAfter(field, date, Answer(input), input.answered_on()));
  return CheckNotAfter(field, date, kAdoption, programme.adoption().decision_date());
}

absl::Status CheckAnswerDate(std::string_view field, const v1::Date& date,
                             const v1::CouncilInputState& input,
                             const v1::ProgrammeState& programme) {
  RETURN_IF_ERROR(CheckNotBefore(field, date, Receipt(input), input.received_on()));
  RETURN_IF_ERROR(CheckNotBefore(field, date, kSubmission, programme.submission().submitted_on()));
  return CheckNotAfter(field, date, kAdoption, programme.adoption().decision_date());
}

absl::Status DecideCommand(const v1::SubmitProgrammeToCouncil& c, const Call& call) {
  RETURN_IF_ERROR(
      CheckCouncilReference("council_reference", c.council_reference(), Need::kRequired));
  RETURN_IF_ERROR(CheckFactDate("submitted_on", c.submitted_on(), call.now));
  RETURN_IF_ERROR(CheckDate("response_deadline", c.response_deadline(), Need::kOptional));
  const v1::Date submitted_on = FactDate(c.submitted_on(), call.today());
  RETURN_IF_ERROR(
      CheckNotBefore("response_deadline", c.response_deadline(), "submitted_on", submitted_on));
  const v1::ProgrammeState& programme = call.programme();
  if (programme.status() != v1::PROGRAMME_STATUS_DRAFTED) {
    return PreconditionError(rules::kCouncilAlreadySubmitted,
                             absl::StrCat("the programme was sent to the council on ",
                                          FormatDate(programme.submission().submitted_on()),
                                          " and is ", StatusName(programme.status())));
  }
  v1::ProgrammeEvent event;
  v1::ProgrammeSubmittedToCouncil* submitted = event.mutable_programme_submitted_to_council();
  *submitted->mutable_council_reference() = c.council_reference();
  *submitted->mutable_submitted_on() = submitted_on;
  if (IsSet(c.response_deadline())) {
    *submitted->mutable_response_deadline() = c.response_deadline();
  }
  EmitProgramme(call, std::move(event), submitted_on);
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::RecordCouncilInput& c, const Call& call) {
  RETURN_IF_ERROR(CheckCouncilInput(c, call));
  RETURN_IF_ERROR(CheckCouncilWindow(call.programme()));
  ASSIGN_OR_RETURN(std::string input_id, InputId(c, call.programme()));
  const v1::Date received_on = FactDate(c.received_on(), call.today());
  RETURN_IF_ERROR(CheckNotBefore("received_on", received_on, kSubmission,
                                 call.programme().submission().submitted_on()));
  v1::ProgrammeEvent event;
  v1::CouncilInputRecorded* recorded = event.mutable_council_input_recorded();
  recorded->set_input_id(input_id);
  recorded->set_kind(c.kind());
  recorded->set_text(c.text());
  recorded->set_source_kind(c.source_kind());
  recorded->set_source_reference(c.source_reference());
  recorded->set_party(c.party());
  recorded->set_experiment_id(c.concerns_experiment_id());
  if (c.has_council_reference()) {
    *recorded->mutable_council_reference() = c.council_reference();
  }
  *recorded->mutable_received_on() = received_on;
  const v1::Date on = recorded->received_on();
  EmitProgramme(call, std::move(event), on);
  return absl::OkStatus();
}

absl::Status DecideCommand(const v1::AnswerCouncilInput& c, const Call& call) {
  RETURN_IF_ERROR(CheckId("input_id", c.input_id()));
  RETURN_IF_ERROR(
      CheckEnum("disposition", c.disposition(), v1::Disposition_IsValid, Need::kRequired));
  RETURN_IF_ERROR(CheckText("motivation", c.motivation(), kMaxText, Need::kRequired));
  RETURN_IF_ERROR(CheckCollegeDecision("decision", c.decision(), Need::kOptional, call.now));
  RETURN_IF_ERROR(CheckFactDate("answered_on", c.answered_on(), call.now));
  RETURN_IF_ERROR(CheckCouncilWindow(call.programme()));
  const v1::CouncilInputState* input = FindInput(call.programme(), c.input_id());
  if (input == nullptr) {
    return RuleError(absl::StatusCode::kNotFound, rules::kCouncilInputNotFound,
                     absl::StrCat("there is no council input ", c.input_id()));
  }
  if (input->answered()) {
    return PreconditionError(rules::kCouncilInputAnswered,
                             absl::StrCat("council input ", c.input_id(),
                                          " was already answered; correct that answer instead"));
  }
  const v1::Date answered_on = FactDate(c.answered_on(), call.today());
  RETURN_IF_ERROR(CheckAnswerDate("answered_on", answered_on, *input, call.programme()));
  v1::ProgrammeEvent event;
  v1::CouncilInputAnswered* answered = event.mutable_council_input_answered();
  answered->set_input_id(c.input_id());
  answered->set_disposition(c.disposition());
  answered->set_motivation(c.motivation());
  if (IsGiven(c.decision())) {
    *answered->mutable_decision() = c.decision();
    answered->mutable_decision()->set_deciding_body(v1::DECIDING_BODY_COLLEGE);
  }
  *answered->mutable_answered_on() = answered_on;
  const v1::Date on = answered->answered_on();
  EmitProgramme(call, std::move(event), on);
  return absl::OkStatus();
}

}  // namespace proeftuin::domain::internal
