// Stream names, the streams a command touches, and the stored type name of an event.
//
// Streams: `programme-<programme-id>` and `experiment-<programme-id>.<experiment-id>` (ids are
// lowercase slugs, so the '.' separates them unambiguously). Stored event convention:
// header.type = EventTypeName(event) (the full name of the message set in the wrapper's oneof,
// e.g. "proeftuin.v1.ProgrammeDrafted"), payload = the serialized wrapper.
//
// Thread-safety: pure functions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proeftuin/v1/commands.pb.h"
#include "proeftuin/v1/experiment_events.pb.h"
#include "proeftuin/v1/programme_events.pb.h"

namespace proeftuin::domain {

inline constexpr char kProgrammeStreamPrefix[] = "programme-";
inline constexpr char kExperimentStreamPrefix[] = "experiment-";

// OK when `id` is a programme or experiment id as commands accept it (a lowercase slug, at
// most 64 characters); else INVALID_ARGUMENT naming `field` and the rule (PT-FIELD-REQUIRED,
// PT-ID-INVALID). Queries check their ids and page tokens with it.
absl::Status CheckObjectId(std::string_view field, std::string_view id);

// OK when the free texts of a command's options (CommandOptions) fit: `reason` at most 4,000
// characters, `correlation_id` and `on_behalf_of` at most 200; else INVALID_ARGUMENT naming
// options.<field> (PT-TEXT-TOO-LONG). Checked before anything is decided.
absl::Status CheckOptionTexts(std::string_view reason, std::string_view correlation_id,
                              std::string_view on_behalf_of);

// "programme-<programme_id>".
std::string ProgrammeStream(std::string_view programme_id);
// "experiment-<programme_id>.<experiment_id>".
std::string ExperimentStream(std::string_view programme_id, std::string_view experiment_id);

// The ids a stream name carries.
struct StreamIds {
  std::string programme_id;
  std::string experiment_id;  // empty for a programme stream
};
// Parses a stream name made by the functions above; nullopt for anything else.
std::optional<StreamIds> ParseStream(std::string_view stream);
// The same as views into `stream` (no copies).
struct StreamIdViews {
  std::string_view programme_id;
  std::string_view experiment_id;  // empty for a programme stream
};
std::optional<StreamIdViews> ParseStreamView(std::string_view stream);

// The streams a command touches, known before Decide runs.
struct CommandTarget {
  std::string programme_id;
  std::string experiment_id;      // empty for a programme command
  std::string programme_stream;   // always set
  std::string experiment_stream;  // empty for a programme command
  // True for SelectExperiment (BudgetAllocated) and WithdrawExperiment (BudgetReleased when it
  // was selected): the programme stream may be written, at its exact version.
  bool may_write_programme_stream = false;

  bool is_experiment_command() const { return !experiment_stream.empty(); }
};

// The target of a command. INVALID_ARGUMENT (PT-COMMAND-EMPTY) when no command is set,
// (PT-ID-INVALID / PT-FIELD-REQUIRED) when its programme or experiment id is not a slug.
// RecordCorrection with an empty experiment_id targets the programme stream.
[[nodiscard]] absl::StatusOr<CommandTarget> TargetOf(const v1::Command& command);

// The stored type name of an event, e.g. "proeftuin.v1.ProgrammeDrafted"; "" when unset.
std::string_view EventTypeName(const v1::ProgrammeEvent& event);
std::string_view EventTypeName(const v1::ExperimentEvent& event);

// Parses a stored payload (the serialized wrapper) and checks it against the stored type.
// INVALID_ARGUMENT when the bytes do not parse or the type does not match the oneof.
[[nodiscard]] absl::StatusOr<v1::ProgrammeEvent> DecodeProgrammeEvent(std::string_view type,
                                                                      std::string_view payload);
[[nodiscard]] absl::StatusOr<v1::ExperimentEvent> DecodeExperimentEvent(std::string_view type,
                                                                        std::string_view payload);
// The same into `*event` (e.g. a message on an arena); on error `*event` is unspecified.
[[nodiscard]] absl::Status DecodeProgrammeEventInto(std::string_view type,
                                                    std::string_view payload,
                                                    v1::ProgrammeEvent* event);
[[nodiscard]] absl::Status DecodeExperimentEventInto(std::string_view type,
                                                     std::string_view payload,
                                                     v1::ExperimentEvent* event);
// For EvolveInPlace with context.remember_repeating false only: the same into an empty
// `*event`, but of an activity or an expenditure it sets only what Evolve then reads (the
// participant and seldom-heard counts; the amount and budget year), without parsing the texts,
// dates and document. The same status as DecodeExperimentEventInto for the same bytes (a
// payload of another shape than this build writes is parsed whole). fold_decode.cc.
[[nodiscard]] absl::Status DecodeExperimentEventForFold(std::string_view type,
                                                        std::string_view payload,
                                                        v1::ExperimentEvent* event);

// Wraps one action message (e.g. a v1::AdoptProgramme) in a v1::Command; the Command is left
// empty when the message is not one of its actions.
v1::Command CommandOf(const google::protobuf::Message& action);
// The same without copying: the Command takes ownership of `action` (heap-allocated, not on an
// arena), or deletes it when it is not one of its actions.
v1::Command CommandOf(std::unique_ptr<google::protobuf::Message> action);

// A human phrase for a command and its object, e.g. "adopt programme lv-2024-2027",
// "record expenditure for experiment lv-2024-2027.parkeren-rond-de-mall".
std::string DescribeAction(const v1::Command& command);

}  // namespace proeftuin::domain
