// The per-command deciders, one overload of DecideCommand per command message, and the helpers
// they share. Private to the domain: decide.cc runs the generic gates (programme exists and is
// not closed, experiment exists, ...) first, so a DecideCommand may rely on:
//   - call.context.programme is non-null (except for DraftProgramme, where it is null);
//   - call.context.experiment is non-null for experiment commands (null for ProposeExperiment);
//   - the programme is not closed (except for RecordCorrection).
// Each returns OK after appending its events to *call.out, or an error (domain/rules.h) whose
// message decide.cc prefixes with the action. An OK without events is an idempotent no-op.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "domain/decider.h"
#include "domain/streams.h"

namespace proeftuin::domain::internal {

// Everything a DecideCommand reads and writes.
struct Call {
  const DecisionContext& context;
  absl::Time now;
  Decision* out;

  // The default business date: the caller's, else the date of `now`.
  v1::Date today() const;
  const v1::ProgrammeState& programme() const { return *context.programme; }
  const v1::ExperimentState& experiment() const { return *context.experiment; }
};

// Programme commands (programme_decider.cc, council_decider.cc).
absl::Status DecideCommand(const v1::DraftProgramme& command, const Call& call);
absl::Status DecideCommand(const v1::AmendProgramme& command, const Call& call);
absl::Status DecideCommand(const v1::SubmitProgrammeToCouncil& command, const Call& call);
absl::Status DecideCommand(const v1::RecordCouncilInput& command, const Call& call);
absl::Status DecideCommand(const v1::AnswerCouncilInput& command, const Call& call);
absl::Status DecideCommand(const v1::AdoptProgramme& command, const Call& call);
absl::Status DecideCommand(const v1::RecordKnowledgeSession& command, const Call& call);
absl::Status DecideCommand(const v1::EvaluateProgramme& command, const Call& call);
absl::Status DecideCommand(const v1::CloseProgramme& command, const Call& call);

// Experiment lifecycle up to the college's decision (experiment_lifecycle.cc).
absl::Status DecideCommand(const v1::ProposeExperiment& command, const Call& call);
absl::Status DecideCommand(const v1::AmendExperiment& command, const Call& call);
absl::Status DecideCommand(const v1::WithdrawExperiment& command, const Call& call);
absl::Status DecideCommand(const v1::SelectExperiment& command, const Call& call);
absl::Status DecideCommand(const v1::RejectExperiment& command, const Call& call);

// Running and evaluating experiments (experiment_run.cc).
absl::Status DecideCommand(const v1::StartExperiment& command, const Call& call);
absl::Status DecideCommand(const v1::RecordActivity& command, const Call& call);
absl::Status DecideCommand(const v1::RecordExpenditure& command, const Call& call);
absl::Status DecideCommand(const v1::ReportProgress& command, const Call& call);
absl::Status DecideCommand(const v1::StopExperimentEarly& command, const Call& call);
absl::Status DecideCommand(const v1::CompleteExperiment& command, const Call& call);
absl::Status DecideCommand(const v1::MarkExperimentNotEvaluable& command, const Call& call);
absl::Status DecideCommand(const v1::EvaluateExperiment& command, const Call& call);

// The council input (wens of bedenking) with `input_id` in `programme`; nullptr when none.
const v1::CouncilInputState* FindInput(const v1::ProgrammeState& programme,
                                       std::string_view input_id);

// The dates of the wishes-and-objections procedure (council_decider.cc), in order: the
// submission to the council <= each input's receipt <= its answer <= the adoption decision.
// Dates a state does not hold (folded before they were kept) are skipped.
//
// An adoption (or its corrected decision) dated `date`: not before the submission, nor before
// the council had its chance to voice wishes and objections (Gemeentewet art. 169(4)): the
// council meeting on the proposal when the submission names its date, else the response
// deadline; nor before any answer; not after the programme's evaluation. The error names
// `field`.
absl::Status CheckAdoptionDate(std::string_view field, const v1::Date& date,
                               const v1::ProgrammeState& programme);
// A programme's evaluation (or its corrected date): not before the adoption decision, not after
// the closing.
absl::Status CheckProgrammeEvaluationDate(std::string_view field, const v1::Date& date,
                                          const v1::ProgrammeState& programme);
// A corrected submission date: not after any input's receipt or answer, or the adoption
// decision. (Not compared with the response deadline, which cannot be corrected.)
absl::Status CheckSubmissionDate(std::string_view field, const v1::Date& date,
                                 const v1::ProgrammeState& programme);
// A corrected receipt date of `input`: not before the submission, not after its answer or the
// adoption decision.
absl::Status CheckReceiptDate(std::string_view field, const v1::Date& date,
                              const v1::CouncilInputState& input,
                              const v1::ProgrammeState& programme);
// An answer date (or a corrected one) of `input`: not before its receipt or the submission,
// not after the adoption decision.
absl::Status CheckAnswerDate(std::string_view field, const v1::Date& date,
                             const v1::CouncilInputState& input,
                             const v1::ProgrammeState& programme);

// The dates of an experiment's run (experiment_run.cc), in order: its selection decision and
// the programme's adoption decision <= its start <= each activity and progress report, and its
// end (completion or early stop) <= its evaluation; its selection decision <= each expenditure.
// Dates a state does not hold are skipped (activities and expenditures are not in the state: a
// corrected start is not compared with them).
//
// A start (or a corrected one) dated `date`: not before the selection or the adoption decision,
// not after the end.
absl::Status CheckStartDate(std::string_view field, const v1::Date& date,
                            const v1::ExperimentState& experiment,
                            const v1::ProgrammeState& programme);
// An activity, progress report or end (or a corrected date of one): not before the start.
absl::Status CheckDateInRun(std::string_view field, const v1::Date& date,
                            const v1::ExperimentState& experiment);
// An expenditure (or a corrected date of one): not before the college's selection decision (an
// invoice for the preparation may precede the start; it is recorded once the experiment ran).
absl::Status CheckSpendingDate(std::string_view field, const v1::Date& date,
                               const v1::ExperimentState& experiment);
// An evaluation (or a corrected date of one): not before the end.
absl::Status CheckEvaluationDate(std::string_view field, const v1::Date& date,
                                 const v1::ExperimentState& experiment);

// Corrections on either stream (correction.cc).
absl::Status DecideCommand(const v1::RecordCorrection& command, const Call& call);

// Shared helpers (guards.cc).

// Appends an event to the programme / experiment stream of the decision.
void EmitProgramme(const Call& call, v1::ProgrammeEvent event, const v1::Date& occurred_on,
                   std::string reason = {}, std::optional<v1::PersonalData> personal = {});
void EmitExperiment(const Call& call, v1::ExperimentEvent event, const v1::Date& occurred_on,
                    std::string reason = {}, std::optional<v1::PersonalData> personal = {});

// "adopted", "submitted to council", "stopped early", ...
std::string StatusName(v1::ProgrammeStatus status);
std::string StatusName(v1::ExperimentStatus status);

// FAILED_PRECONDITION <rule>: "the experiment is <status>, <expectation>".
absl::Status ExperimentStatusError(const char* rule, const v1::ExperimentState& experiment,
                                   std::string_view expectation);

// INVALID_ARGUMENT PT-REASON-REQUIRED naming `field` when `reason` is blank; PT-TEXT-TOO-LONG
// when it is too long.
absl::Status RequireReason(std::string_view field, std::string_view reason);

// The experiment of the programme with this id, or null.
const v1::ExperimentState* FindExperiment(const DecisionContext& context, std::string_view id);
// NOT_FOUND PT-EXPERIMENT-NOT-FOUND naming `field` when the id is set but unknown.
absl::Status CheckExperimentKnown(const DecisionContext& context, std::string_view field,
                                  std::string_view experiment_id);

// The generic gates run before every command (see the file comment).
absl::Status CheckGates(const v1::Command& command, const CommandTarget& target,
                        const DecisionContext& context);

}  // namespace proeftuin::domain::internal
