// The deciders of the programme domain (the Decider pattern, ENGINEERING.md §3):
//
//   Decide(command, context, now) -> StatusOr<Decision>   enforce every rule, emit events
//   Evolve(state, event, event context) -> state           fold one event into a state
//
// Both are pure: no I/O, no clock (`now` is an argument), no globals. Decide emits events for
// two streams: the programme stream `programme-<programme-id>` and the experiment stream
// `experiment-<programme-id>.<experiment-id>` (domain/streams.h). The application layer
// appends a Decision atomically:
//   - experiment stream: NO_STREAM when the context had no experiment, else EXACT(version read);
//   - programme stream: NO_STREAM for DraftProgramme; otherwise EXACT(version read), written
//     when programme_events is non-empty (e.g. a selection's BudgetAllocated, rule 3) and a
//     check-only expectation when `checks_programme_version` and nothing is written to it.
// Personal data about residents is never inside an event: it is returned beside it
// (DecidedEvent::personal) and stored as the record's separate, erasable part. Evolve never
// sees personal data, so erasing it changes no state.
//
// Thread-safety: pure functions on values; a DecisionContext must not be modified while
// Decide reads it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proeftuin/v1/commands.pb.h"
#include "proeftuin/v1/experiment_events.pb.h"
#include "proeftuin/v1/personal_data_events.pb.h"
#include "proeftuin/v1/programme_events.pb.h"
#include "proeftuin/v1/state.pb.h"

namespace proeftuin::domain {

struct CommandTarget;  // domain/streams.h

// A confidentiality level (of a programme, an experiment, or a principal's clearance) as the
// rules and the readers judge it: unset counts as openbaar (public).
inline v1::Confidentiality OpenbaarIfUnset(v1::Confidentiality level) {
  return level == v1::CONFIDENTIALITY_UNSPECIFIED ? v1::CONFIDENTIALITY_OPENBAAR : level;
}

// Where an event sits in the log, given to Evolve beside the event. Corrections name the
// corrected event by its global position, so Evolve remembers positions of correctable events.
struct EventContext {
  // Global position (from 1, gap-free).
  uint64_t global_position = 0;
  // Version within its stream (from 0).
  uint64_t stream_version = 0;
  // Server time it was recorded. (Not the business date: the events that keep one carry it
  // in their own fields, which a correction may change.)
  absl::Time recorded_at = absl::UnixEpoch();
  // False: Evolve does not remember an event of a repeating kind (IsRepeatingCorrectable) in
  // the state's correctable_events. For a caller that keeps those elsewhere (the stored
  // deciders' state reads them from the log when a correction names one): it saves adding an
  // entry per event only to drop it. An entry already in the list is corrected as usual.
  bool remember_repeating = true;
};

// Whether events of this stored type are correctable kinds that a stream may hold without
// bound: activities, expenditures, council input and its answers, knowledge sessions.
bool IsRepeatingCorrectable(std::string_view event_type);

// One event to append, with what the store keeps beside it.
template <typename Event>
struct DecidedEvent {
  // The event (stored payload: the serialized wrapper).
  Event event;
  // Personal data about residents for the record's separate part; absent when none.
  std::optional<v1::PersonalData> personal;
  // Confidentiality of the object the event belongs to (for the header). For an allocation
  // or release on the programme stream: the higher of the programme's and the experiment's.
  v1::Confidentiality confidentiality = v1::CONFIDENTIALITY_OPENBAAR;
  // The business date of the event (header occurred_on).
  v1::Date occurred_on;
  // The reason the user gave, when the event carries one (header reason).
  std::string reason;
};

using DecidedProgrammeEvent = DecidedEvent<v1::ProgrammeEvent>;
using DecidedExperimentEvent = DecidedEvent<v1::ExperimentEvent>;

// The outcome of a command: the events to append. Empty = idempotent no-op (nothing to write).
struct Decision {
  // Stream of the programme the command concerns.
  std::string programme_stream;
  // Events for the programme stream (appended at its exact expected version).
  std::vector<DecidedProgrammeEvent> programme_events;
  // Stream of the experiment, empty for a programme command.
  std::string experiment_stream;
  // Events for the experiment stream.
  std::vector<DecidedExperimentEvent> experiment_events;
  // True for every experiment command: the append must expect the programme stream's version
  // as read (check-only when programme_events is empty), so that it cannot land after the
  // programme was closed or amended under it.
  bool checks_programme_version = false;

  bool empty() const { return programme_events.empty() && experiment_events.empty(); }
};

// What Decide may read. Pointers are borrowed for the call; null = absent.
struct DecisionContext {
  // The programme the command names; null when it was never drafted.
  const v1::ProgrammeState* programme = nullptr;
  // The experiment the command names (experiment commands); null when never proposed.
  const v1::ExperimentState* experiment = nullptr;
  // The states of ALL experiments of the programme (rules 7 and council inputs need them), in
  // any order; may include `experiment`. Only programme commands read it: the server leaves it
  // empty for experiment commands, so their cost does not grow with the programme.
  std::vector<const v1::ExperimentState*> experiments;
  // The ids of those above the caller's clearance (the application layer fills it): a command
  // that names one is answered as if it did not exist, and errors do not name them; rule 7
  // still counts them.
  std::vector<std::string> hidden_experiments;
  // The caller's business date (CommandOptions.occurred_on): the default for dates a command
  // leaves unset, and the date of events whose command has no date field of its own. Unset:
  // the date of `now` (UTC). The application layer checks it is not in the future.
  v1::Date business_date;
  // For a draft or amendment naming a predecessor: the predecessor and its predecessors in turn,
  // as far as they are in the store (the application layer fills it; a chain that comes back to
  // the programme ends with its id). A programme may not follow itself through the chain.
  std::vector<std::string> predecessor_chain;
  // TargetOf(command), when the caller worked it out already (the command handler does, to load
  // the states); null: Decide works it out.
  const CommandTarget* target = nullptr;
};

// Decides a command against the context at `now` (used only for default and "not in the
// future" business dates). Returns the events, or (messages start with the rule id, see
// domain/rules.h):
//   INVALID_ARGUMENT    a malformed command (rule 9, missing reason or decision, ...);
//   NOT_FOUND           the programme / experiment / council input / corrected event is unknown;
//   ALREADY_EXISTS      drafting or proposing an id that exists, a taken input or session id;
//   FAILED_PRECONDITION a process rule forbids the command in the current state.
[[nodiscard]] absl::StatusOr<Decision> Decide(const v1::Command& command,
                                              const DecisionContext& context, absl::Time now);

// Folds one programme event into the state (a default state for the first event). Never
// fails: an event has happened; data it cannot apply is ignored.
v1::ProgrammeState Evolve(v1::ProgrammeState state, const v1::ProgrammeEvent& event,
                          const EventContext& context);

// Folds one experiment event into the state. Never fails.
v1::ExperimentState Evolve(v1::ExperimentState state, const v1::ExperimentEvent& event,
                           const EventContext& context);

// The same, folding into `*state` where it is (no state moved in and out: a replay folds
// every event of the log).
void EvolveInPlace(v1::ProgrammeState* state, const v1::ProgrammeEvent& event,
                   const EventContext& context);
void EvolveInPlace(v1::ExperimentState* state, const v1::ExperimentEvent& event,
                   const EventContext& context);

}  // namespace proeftuin::domain
