// Query-time assembly of the views from one snapshot: the deciders' state (projection
// "decider_state", app/decider_projection.h), the chain rows ("view_programmes") and the
// streams' history, read from the log (history.cc).
// Private to services/views.
//
// Thread-safety: pure functions over values, except the loaders (one ReadView per thread).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "eventstore/projection.h"
#include "proeftuin/v1/state.pb.h"
#include "proeftuin/v1/views.pb.h"

namespace proeftuin::views::internal {

// NOT_FOUND "<what> does not exist (or is above your clearance)".
absl::Status NotFound(std::string_view what);

// Everything a programme-level view needs, filtered by the reader's clearance.
struct ProgrammeData {
  v1::ProgrammeState programme;
  // The experiments the reader may see, by id.
  std::vector<v1::ExperimentState> experiments;
  std::set<std::string, std::less<>> visible;
  // The programme stream's history the reader may see, by position.
  std::vector<v1::HistoryEntry> history;
  v1::Confidentiality clearance = v1::CONFIDENTIALITY_OPENBAAR;
  uint64_t as_of = 0;

  const v1::ExperimentState* Experiment(std::string_view id) const;
};

// NOT_FOUND when the programme is unknown or above `clearance`.
absl::StatusOr<ProgrammeData> LoadProgrammeData(eventstore::ReadView& view,
                                                std::string_view programme_id,
                                                v1::Confidentiality clearance);
// The same for a programme state read from `view` (NOT_FOUND when above `clearance`).
absl::StatusOr<ProgrammeData> LoadProgrammeData(eventstore::ReadView& view, v1::ProgrammeState programme,
                                                v1::Confidentiality clearance);
// One stream's history (history.cc), built from its events in log order: a HistoryEntry per
// event, the designs reduced to what a history line needs, each correction applied to the
// entry it names (and its position added to that entry's corrected_by).
class HistoryBuilder {
 public:
  explicit HistoryBuilder(bool programme_stream);
  // DATA_LOSS when the payload does not parse as the stream's event wrapper.
  absl::Status Add(const eventstore::RecordedEvent& event);
  // The entries at or below `clearance`, by position.
  std::vector<v1::HistoryEntry> Take(v1::Confidentiality clearance) &&;

 private:
  bool programme_;
  std::vector<v1::HistoryEntry> entries_;
};
// The history of `stream` as of the view, read from the log (ReadView::ReadStream).
absl::StatusOr<std::vector<v1::HistoryEntry>> LoadStreamHistory(eventstore::ReadView& view,
                                                                std::string_view stream,
                                                                bool programme_stream,
                                                                v1::Confidentiality clearance);
// A programme's or experiment's history at or below `clearance`, by position. DATA_LOSS when
// corrupt.
absl::StatusOr<std::vector<v1::HistoryEntry>> LoadProgrammeHistory(eventstore::ReadView& view,
                                                                   std::string_view programme_id,
                                                                   v1::Confidentiality clearance);
absl::StatusOr<std::vector<v1::HistoryEntry>> LoadExperimentHistory(
    eventstore::ReadView& view, std::string_view programme_id, std::string_view experiment_id,
    v1::Confidentiality clearance);

// Parts (parts.cc).
v1::ExperimentSummary SummaryOf(const v1::ExperimentState& e);
// Progress as the programme counts it: 100 once the experiment ended after it started (one
// marked not evaluable while only selected did not get done), else the last reported.
int32_t CountedProgress(const v1::ExperimentState& e);
v1::ExperimentBudget BudgetOf(const v1::ExperimentState& e);
v1::BudgetView BuildBudget(const ProgrammeData& d);
// Council inputs in the order recorded; an experiment id the reader may not see is cleared.
std::vector<v1::CouncilInputView> CouncilInputs(const ProgrammeData& d);
std::vector<std::string> OpenInputs(const std::vector<v1::CouncilInputView>& inputs);
v1::KnowledgeSessionsView KnowledgeSessions(const ProgrammeData& d);
std::vector<v1::DecisionView> Decisions(const ProgrammeData& d,
                                        const std::vector<v1::CouncilInputView>& inputs);
v1::ProgressRollUp RollUp(const std::vector<v1::ExperimentState>& experiments);
std::vector<v1::TimelineItem> Timeline(const ProgrammeData& d);
std::vector<v1::StatusCount> ByStatus(const std::vector<v1::ExperimentState>& experiments);
v1::ProgrammeDates DatesOf(const ProgrammeData& d);
// The last ProgrammeEvaluated in the history (corrections applied), or null.
const v1::ProgrammeEvaluated* LastProgrammeEvaluation(const std::vector<v1::HistoryEntry>& h);
// The evaluation of an experiment: criteria joined with scores, lessons from its history.
v1::EvaluationView EvaluationOf(const v1::ExperimentState& e,
                                const std::vector<v1::HistoryEntry>& history);
// True for an experiment in the programme: selected at some point and not withdrawn.
bool InProgramme(const v1::ExperimentState& e);

// Warnings and the clock (warnings.cc).
// Today in Europe/Amsterdam (UTC when the zone is unknown to this system).
v1::Date Today(absl::Time now);
// Days from `from` to `to` (negative when `to` is earlier).
int DaysBetween(const v1::Date& from, const v1::Date& to);
std::vector<v1::ViewWarning> ProgrammeWarnings(const ProgrammeData& d, const v1::BudgetView& budget,
                                               const std::vector<v1::CouncilInputView>& inputs,
                                               const v1::Date& today);
std::vector<v1::ViewWarning> ExperimentWarnings(const v1::ExperimentState& e,
                                                const v1::ProgrammeState& programme,
                                                const v1::Date& today);
v1::ClockFacts ProgrammeClock(const v1::ProgrammeState& programme, const v1::Date& today);
// Sorts by kind, experiment, subject, message (deterministic output).
void SortWarnings(std::vector<v1::ViewWarning>* warnings);

}  // namespace proeftuin::views::internal
