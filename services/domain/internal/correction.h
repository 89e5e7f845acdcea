// What a correction may change, per corrected event type, and how Evolve remembers the events
// a correction may target. Private to the domain.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "domain/decider.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "proeftuin/v1/experiment_events.pb.h"
#include "proeftuin/v1/programme_events.pb.h"
#include "proeftuin/v1/state.pb.h"

namespace proeftuin::domain::internal {

// Bits naming the fields of v1::CorrectedFields.
inline constexpr uint32_t kCorrectAmount = 1u << 0;
inline constexpr uint32_t kCorrectBudgetYear = 1u << 1;
inline constexpr uint32_t kCorrectCount = 1u << 2;
inline constexpr uint32_t kCorrectSeldomHeardCount = 1u << 3;
inline constexpr uint32_t kCorrectDecision = 1u << 4;
inline constexpr uint32_t kCorrectCouncilReference = 1u << 5;
inline constexpr uint32_t kCorrectOccurredOn = 1u << 6;
inline constexpr uint32_t kCorrectText = 1u << 7;
inline constexpr uint32_t kCorrectDocument = 1u << 8;

// The fields a correction of an event of this type may set; 0 when the type is not
// correctable (then Evolve does not remember it).
uint32_t CorrectableFields(std::string_view event_type);

// The fields set in a correction.
uint32_t SetFields(const v1::CorrectedFields& fields);

// The field name of one bit, e.g. "fields.amount".
std::string_view CorrectionFieldName(uint32_t bit);

using CorrectableList = google::protobuf::RepeatedPtrField<v1::CorrectableEvent>;

// The remembered event at `position`, or null.
const v1::CorrectableEvent* FindCorrectable(const CorrectableList& list, uint64_t position);
v1::CorrectableEvent* FindCorrectable(CorrectableList* list, uint64_t position);

// Remembers an event of a correctable type at the context's position (no-op for other types,
// and for the repeating kinds when the context says so) and returns the entry to fill with
// its current values, or null.
v1::CorrectableEvent* RememberCorrectable(CorrectableList* list, const EventContext& context,
                                          const v1::ProgrammeEvent& event);
v1::CorrectableEvent* RememberCorrectable(CorrectableList* list, const EventContext& context,
                                          const v1::ExperimentEvent& event);

}  // namespace proeftuin::domain::internal
