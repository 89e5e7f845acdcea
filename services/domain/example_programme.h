// The example programme of DOMAIN.md as a sequence of commands: Leidschendam-Voorburg's
// "Experimenteerprogramma inwonerparticipatie 2024-2027" (`lv-2024-2027`, EUR 140,000 over
// budget years 2025 and 2026), from draft to closure: seven experiments (among them the
// street-by-street intake in Voorburg-Noord, the online parking consultation around the Mall,
// faster handling of residents' initiatives such as adoption gardens, and the right to
// challenge), the council's wishes and objections with the college's answers, adoption, the
// period extended to early 2027, one experiment rejected, one withdrawn, one stopped early, one
// over-spent, a correction, every experiment evaluated, the programme evaluated and closed.
//
// Figures the seed does not give (amounts per experiment, attendance, scores, decision numbers,
// names) are invented but plausible, and marked so in the programme's texts. Used by the
// domain's tests and, later, the CLI's `demo` and the server tests.
//
// Thread-safety: pure functions; ExamplePositions is thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proeftuin/v1/commands.pb.h"

namespace proeftuin::domain {

inline constexpr char kExampleProgrammeId[] = "lv-2024-2027";

// One step of the example.
struct ExampleStep {
  // Unique label, e.g. "select-parkeren-rond-de-mall".
  std::string label;
  // The role expected to send the command: "programme_manager", "proposer", "college",
  // "griffie" or "evaluator" (the domain does not check roles; the server does).
  std::string role;
  // When the step is performed: Decide's `now` (10:00 UTC on the step's date).
  absl::Time at;
  // The command. For a correction, corrected_position is 0 until ExamplePositions::Resolve.
  v1::Command command;
  // For a correction: the label of the step whose event it corrects; empty otherwise.
  std::string corrects;
  // What happens, in English.
  std::string note;
};

// The whole example, in order. Every step succeeds when run in order against an empty store.
// Every business date a command has a field for (submitted_on, held_on, spent_on, ...) is set
// explicitly, usually to the date of the step's `at`, so a step decides the same events when
// `now` is a real clock later than `at` (the server, the CLI's demo) as when `now` is `at`.
// Only DraftProgramme, AmendProgramme and RecordCorrection have no such field: their events'
// header occurred_on is the date of `now`. Steps after the real `now` fail as "in the future".
std::vector<ExampleStep> ExampleProgrammeSteps();

// Remembers which events each step wrote, so that a correction step can name its target.
class ExamplePositions {
 public:
  // Records that the step `label` wrote an event at `position` to `stream`.
  void Record(std::string_view label, std::string_view stream, uint64_t position);

  // Sets a correction step's corrected_position to the first event its target step wrote to
  // the stream the correction is on. OK for steps that correct nothing; NOT_FOUND when the
  // target step wrote nothing to that stream (not run yet, or the wrong label).
  absl::Status Resolve(ExampleStep* step) const;

 private:
  std::map<std::string, std::vector<std::pair<std::string, uint64_t>>, std::less<>> written_;
};

}  // namespace proeftuin::domain
