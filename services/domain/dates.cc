#include "domain/dates.h"

#include <tuple>

#include "absl/strings/str_format.h"

namespace proeftuin::domain {
namespace {

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

}  // namespace

v1::Date MakeDate(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

bool IsSet(const v1::Date& date) {
  return date.year() != 0 || date.month() != 0 || date.day() != 0;
}

bool IsValid(const v1::Date& date) {
  if (date.year() < kMinDateYear || date.year() > kMaxDateYear) return false;
  if (date.month() < 1 || date.month() > 12) return false;
  return date.day() >= 1 && date.day() <= DaysInMonth(date.year(), date.month());
}

int CompareDates(const v1::Date& a, const v1::Date& b) {
  const auto ta = std::make_tuple(a.year(), a.month(), a.day());
  const auto tb = std::make_tuple(b.year(), b.month(), b.day());
  if (ta < tb) return -1;
  return ta == tb ? 0 : 1;
}

bool IsWithin(const v1::Date& date, const v1::Date& start, const v1::Date& end) {
  return CompareDates(start, date) <= 0 && CompareDates(date, end) <= 0;
}

v1::Date DateOfUtc(absl::Time instant) {
  const absl::CivilDay day = absl::ToCivilDay(instant, absl::UTCTimeZone());
  return MakeDate(static_cast<int>(day.year()), day.month(), day.day());
}

std::string FormatDate(const v1::Date& date) {
  if (!IsSet(date)) return "unset";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

}  // namespace proeftuin::domain
