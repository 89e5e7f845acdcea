// Tests of the calendar-date helpers.
#include "domain/dates.h"

#include "gtest/gtest.h"

namespace proeftuin::domain {
namespace {

TEST(Dates, KnowsLeapYears) {
  EXPECT_TRUE(IsValid(MakeDate(2024, 2, 29)));
  EXPECT_FALSE(IsValid(MakeDate(2025, 2, 29)));
  EXPECT_FALSE(IsValid(MakeDate(1900, 2, 29)));
  EXPECT_TRUE(IsValid(MakeDate(2000, 2, 29)));
}

TEST(Dates, RejectsImpossibleParts) {
  EXPECT_FALSE(IsValid(MakeDate(2024, 13, 1)));
  EXPECT_FALSE(IsValid(MakeDate(2024, 4, 31)));
  EXPECT_FALSE(IsValid(MakeDate(2024, 1, 0)));
  EXPECT_FALSE(IsValid(MakeDate(1899, 12, 31)));
  EXPECT_FALSE(IsValid(v1::Date()));
  EXPECT_FALSE(IsSet(v1::Date()));
  EXPECT_TRUE(IsSet(MakeDate(0, 0, 1)));
}

TEST(Dates, ComparesChronologically) {
  EXPECT_LT(CompareDates(MakeDate(2024, 12, 31), MakeDate(2025, 1, 1)), 0);
  EXPECT_GT(CompareDates(MakeDate(2025, 2, 1), MakeDate(2025, 1, 31)), 0);
  EXPECT_EQ(CompareDates(MakeDate(2025, 2, 1), MakeDate(2025, 2, 1)), 0);
  EXPECT_TRUE(IsWithin(MakeDate(2025, 1, 1), MakeDate(2025, 1, 1), MakeDate(2025, 1, 1)));
  EXPECT_FALSE(IsWithin(MakeDate(2026, 1, 1), MakeDate(2025, 1, 1), MakeDate(2025, 12, 31)));
}

TEST(Dates, TakesTheUtcDateOfAnInstant) {
  const absl::Time late =
      absl::FromCivil(absl::CivilSecond(2024, 12, 31, 23, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(FormatDate(DateOfUtc(late)), "2024-12-31");
  EXPECT_EQ(FormatDate(DateOfUtc(late + absl::Hours(1))), "2025-01-01");
  EXPECT_EQ(FormatDate(v1::Date()), "unset");
}

}  // namespace
}  // namespace proeftuin::domain
