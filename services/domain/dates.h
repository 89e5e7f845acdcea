// Calendar dates (proeftuin.v1.Date): business dates without a time or zone, as users enter
// them (a council meeting, a college decision). Distinct from the instant an event was recorded.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "proeftuin/v1/common.pb.h"

namespace proeftuin::domain {

// Earliest and latest year a valid date may have.
inline constexpr int kMinDateYear = 1900;
inline constexpr int kMaxDateYear = 2999;

// A date from its parts (not checked).
v1::Date MakeDate(int year, int month, int day);

// True when any part is non-zero (an unset Date is all zeros).
bool IsSet(const v1::Date& date);

// True for a real calendar date (leap years included) between kMinDateYear and kMaxDateYear.
bool IsValid(const v1::Date& date);

// Negative, zero or positive as `a` is before, equal to or after `b`.
int CompareDates(const v1::Date& a, const v1::Date& b);

// True when start <= date <= end.
bool IsWithin(const v1::Date& date, const v1::Date& start, const v1::Date& end);

// The calendar date of an instant in UTC.
v1::Date DateOfUtc(absl::Time instant);

// The date as ISO 8601, "2024-07-01"; "unset" for an unset date.
std::string FormatDate(const v1::Date& date);

}  // namespace proeftuin::domain
