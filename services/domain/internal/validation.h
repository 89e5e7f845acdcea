// Field validation of commands (rule 9 and friends): ids are lowercase slugs, texts have length
// limits, amounts are non-negative cents, dates are valid and ordered. Private to the domain.
//
// Every function returns OK or INVALID_ARGUMENT with a rule id and the field named (see
// domain/rules.h). Field names are the command's field paths, e.g. "design.period.start".
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "proeftuin/v1/domain_types_events.pb.h"
#include "proeftuin/v1/experiment_events.pb.h"
#include "proeftuin/v1/personal_data_events.pb.h"
#include "proeftuin/v1/programme_events.pb.h"

namespace proeftuin::domain {

// Limits (characters are Unicode code points).
inline constexpr size_t kMaxIdLength = 64;
inline constexpr size_t kMaxShortText = 200;   // titles, names, labels, external ids
inline constexpr size_t kMaxText = 4000;       // reasons, notes, motivations, council texts
inline constexpr size_t kMaxLongText = 20000;  // goals, designs, summaries, findings, lessons
inline constexpr size_t kMaxUrl = 2048;
inline constexpr int kMaxItems = 100;                     // entries of a repeated field
inline constexpr int kMaxAttendees = 1000;                // named attendees of one session
inline constexpr int64_t kMaxCents = 10'000'000'000'000;  // EUR 100 billion
inline constexpr int32_t kMaxCount = 10'000'000;          // people counted
inline constexpr int32_t kMaxHours = 1'000'000;
// An experiment's participants (or seldom-heard residents reached) summed over its activities,
// after corrections: what its state's int32 totals hold.
inline constexpr int64_t kMaxReachTotal = std::numeric_limits<int32_t>::max();
inline constexpr int kMinBudgetYear = 2000;
inline constexpr int kMaxBudgetYear = 2100;

// Whether an empty value is accepted.
enum class Need { kOptional, kRequired };

// True for a lowercase slug: [a-z0-9]+ words joined by single '-', 1..kMaxIdLength chars.
bool IsSlug(std::string_view value);

absl::Status CheckId(std::string_view field, std::string_view value, Need need = Need::kRequired);
absl::Status CheckText(std::string_view field, std::string_view value, size_t max_chars,
                       Need need = Need::kOptional);
// True for text that is empty or only whitespace (what a required text may not be).
bool IsBlank(std::string_view value);
absl::Status CheckTextList(std::string_view field,
                           const google::protobuf::RepeatedPtrField<std::string>& values,
                           size_t max_chars);
absl::Status CheckItemCount(std::string_view field, int count, int max = kMaxItems);
absl::Status CheckCount(std::string_view field, int64_t value, int64_t max = kMaxCount);
// An experiment's reach total after one activity's count changes from `before` to `after`
// (0 -> count for a new activity) stays at most kMaxReachTotal; the error names `field`.
absl::Status CheckReachTotal(std::string_view field, int64_t total, int64_t before, int64_t after);
absl::Status CheckMoney(std::string_view field, const v1::Money& money);
// Like CheckMoney, but the message must be present.
absl::Status CheckRequiredMoney(std::string_view field, bool present, const v1::Money& money);
absl::Status CheckBudgetYear(std::string_view field, int year);
// An enum value this build knows (`is_valid` is the generated <Enum>_IsValid); when required,
// not the zero (UNSPECIFIED) value.
absl::Status CheckEnum(std::string_view field, int value, bool (*is_valid)(int), Need need);

// A date that is set and valid, or (kOptional) unset.
absl::Status CheckDate(std::string_view field, const v1::Date& date, Need need);
// A date something happened: unset (then today is used), or valid and not after today (UTC),
// with one day of grace for time zones.
absl::Status CheckFactDate(std::string_view field, const v1::Date& date, absl::Time now);
// The fact date to store: `date` when set, else `today` (the caller's business date, or UTC today).
v1::Date FactDate(const v1::Date& date, const v1::Date& today);
// `start` and `end` both set and valid, start <= end.
absl::Status CheckPeriod(std::string_view field, const v1::Date& start, const v1::Date& end);
// `later` (when set) is not before `earlier`; the error names `later_field`.
absl::Status CheckNotBefore(std::string_view later_field, const v1::Date& later,
                            std::string_view earlier_field, const v1::Date& earlier);
// `earlier` (when set) is not after `later`; the error names `earlier_field` (the field to fix
// when the earlier date is the one that moved, e.g. a milestone after its planning's end).
absl::Status CheckNotAfter(std::string_view earlier_field, const v1::Date& earlier,
                           std::string_view later_field, const v1::Date& later);

absl::Status CheckDocument(std::string_view field, const v1::DocumentReference& document);
absl::Status CheckCouncilReference(std::string_view field, const v1::CouncilReference& ref,
                                   Need need);
// A college decision: when required, identification and decision date must be set; the
// deciding body must be the college (or unset). The decision date may not lie in the future.
absl::Status CheckCollegeDecision(std::string_view field, const v1::DecisionReference& decision,
                                  Need need, absl::Time now);
// True when any field of the decision reference is set.
bool IsGiven(const v1::DecisionReference& decision);

absl::Status CheckPersonContact(std::string_view field, const v1::PersonContact& contact);
absl::Status CheckBudget(std::string_view field, const v1::Budget& budget);
absl::Status CheckProgrammeDesign(const v1::ProgrammeDesign& design, std::string_view programme_id);
absl::Status CheckExperimentDesign(const v1::ExperimentDesign& design);
// An allocation / amounts per budget year: years unique and in range, amounts valid.
absl::Status CheckYearAmounts(std::string_view field,
                              const google::protobuf::RepeatedPtrField<v1::BudgetYearAmount>& list);

}  // namespace proeftuin::domain
