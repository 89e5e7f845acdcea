// An in-memory event log that runs commands through Decide and folds the events with Evolve,
// the way the application layer does with the real store (minus concurrency and durability):
// global positions from 1, stream versions from 0, one atomic append per decision. For tests,
// the example programme and demos; never for production data.
//
// Thread-safety: thread-compatible (no internal locking).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/decider.h"
#include "domain/streams.h"

namespace proeftuin::domain::testkit {

// One stored event, as the store would keep it.
struct LoggedEvent {
  uint64_t position = 0;
  std::string stream;
  uint64_t stream_version = 0;
  std::string type;     // EventTypeName of the event
  std::string payload;  // the serialized wrapper (ProgrammeEvent / ExperimentEvent)
  std::optional<v1::PersonalData> personal;
  v1::Confidentiality confidentiality = v1::CONFIDENTIALITY_UNSPECIFIED;
  v1::Date occurred_on;
  std::string reason;
};

// The result of executing one command.
struct Executed {
  Decision decision;
  // The events appended, in order (experiment stream first, then programme stream).
  std::vector<LoggedEvent> events;
};

class InMemoryLog {
 public:
  // Decides the command against the current states and appends its events atomically.
  // Returns Decide's error unchanged (see domain/decider.h) and appends nothing then.
  absl::StatusOr<Executed> Execute(const v1::Command& command, absl::Time now);

  // Appends an event without deciding (the "Given" of a test); returns its position.
  uint64_t AppendProgrammeEvent(std::string_view programme_id, const v1::ProgrammeEvent& event);
  uint64_t AppendExperimentEvent(std::string_view programme_id, std::string_view experiment_id,
                                 const v1::ExperimentEvent& event);

  // Current states; null when the stream does not exist.
  const v1::ProgrammeState* Programme(std::string_view programme_id) const;
  const v1::ExperimentState* Experiment(std::string_view programme_id,
                                        std::string_view experiment_id) const;
  // Every experiment of a programme, ordered by experiment id.
  std::vector<const v1::ExperimentState*> ExperimentsOf(std::string_view programme_id) const;

  // The context Decide gets for a command with this target.
  DecisionContext ContextFor(const CommandTarget& target) const;

  const std::vector<LoggedEvent>& events() const { return events_; }
  uint64_t last_position() const { return events_.size(); }

  // Rebuilds every state from the stored payloads and compares it with the live state, byte
  // for byte (deterministic serialization). Returns the first stream that differs, or "".
  std::string FirstStreamNotRebuilt() const;

 private:
  LoggedEvent& AppendRaw(const std::string& stream, std::string type, std::string payload);

  std::vector<LoggedEvent> events_;
  std::map<std::string, uint64_t, std::less<>> next_version_;            // by stream
  std::map<std::string, v1::ProgrammeState, std::less<>> programmes_;    // by stream
  std::map<std::string, v1::ExperimentState, std::less<>> experiments_;  // by stream
};

}  // namespace proeftuin::domain::testkit
