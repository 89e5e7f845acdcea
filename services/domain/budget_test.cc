// Tests of the budget arithmetic behind rules 3 and 5.
#include "domain/budget.h"

#include <limits>

#include "domain/rules.h"
#include "domain/testing/builders.h"
#include "gtest/gtest.h"

namespace proeftuin::domain::testkit {
namespace {

v1::ProgrammeState ProgrammeWith(std::initializer_list<v1::AllocationState> allocations) {
  v1::ProgrammeState programme;
  *programme.mutable_design() = TestProgrammeDesign();  // 70,000 in 2025 and in 2026
  for (const auto& a : allocations) *programme.add_allocations() = a;
  return programme;
}

v1::AllocationState Allocation(const std::string& eid, int year, int64_t euros, bool released) {
  v1::AllocationState a;
  a.set_experiment_id(eid);
  *a.add_allocation() = YearEur(year, euros);
  a.set_released(released);
  return a;
}

YearAmounts Request(std::initializer_list<v1::BudgetYearAmount> amounts) {
  YearAmounts list;
  for (const auto& a : amounts) *list.Add() = a;
  return list;
}

TEST(Budget, CountsOnlyAllocationsThatWereNotReleased) {
  const v1::ProgrammeState programme =
      ProgrammeWith({Allocation("a", 2025, 10'000, false), Allocation("b", 2025, 30'000, true),
                     Allocation("c", 2026, 5'000, false)});
  EXPECT_EQ(AllocatedCents(programme), 1'500'000);
  EXPECT_EQ(AllocatedCentsInYear(programme, 2025), 1'000'000);
  EXPECT_FALSE(IsOverAllocated(programme));
}

TEST(Budget, AllocationMayFillTheBudgetExactly) {
  const v1::ProgrammeState programme = ProgrammeWith({Allocation("a", 2025, 20'000, false)});
  EXPECT_TRUE(
      CheckAllocationFits(programme, Request({YearEur(2025, 50'000), YearEur(2026, 70'000)})).ok());
  EXPECT_EQ(RuleIdOf(CheckAllocationFits(programme, Request({YearEur(2026, 70'001)}))),
            rules::kBudgetYearExceeded);
  EXPECT_EQ(RuleIdOf(CheckAllocationFits(programme,
                                         Request({YearEur(2025, 50'000), YearEur(2026, 70'001)}))),
            rules::kBudgetExceeded);
  EXPECT_EQ(RuleIdOf(CheckAllocationFits(programme, Request({YearEur(2027, 1)}))),
            rules::kBudgetYearUnknown);
}

TEST(Budget, FlagsOverAllocationAfterACut) {
  v1::ProgrammeState programme = ProgrammeWith({Allocation("a", 2025, 60'000, false)});
  programme.mutable_design()->mutable_budget()->mutable_years(0)->mutable_amount()->set_cents(
      5'000'000);
  EXPECT_TRUE(IsOverAllocated(programme));
}

TEST(Budget, KeepsYearsInAscendingOrder) {
  YearAmounts amounts;
  AddToYear(&amounts, 2026, 5);
  AddToYear(&amounts, 2025, 7);
  AddToYear(&amounts, 2026, -2);
  ASSERT_EQ(amounts.size(), 2);
  EXPECT_EQ(amounts[0].year(), 2025);
  EXPECT_EQ(CentsInYear(amounts, 2026), 3);
  EXPECT_EQ(TotalCents(amounts), 10);
}

// Sums of amounts that are each within the limit never overflow: they stop at int64's bounds.
TEST(Budget, SumsOfCentsStopAtTheBoundsInsteadOfOverflowing) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(AddCents(kMax - 5, 10), kMax);
  EXPECT_EQ(AddCents(kMax, -10), kMax - 10);
  EXPECT_EQ(AddCents(std::numeric_limits<int64_t>::min() + 1, -2),
            std::numeric_limits<int64_t>::min());
  YearAmounts amounts;
  AddToYear(&amounts, 2025, kMax - 1);
  AddToYear(&amounts, 2025, 1'000);
  EXPECT_EQ(CentsInYear(amounts, 2025), kMax);
}

TEST(Budget, ShowsOverspendingBeyondTheAllocation) {
  v1::ExperimentState experiment;
  *experiment.add_allocation() = YearEur(2025, 100);
  experiment.mutable_spent()->set_cents(9'000);
  EXPECT_EQ(OverspentCents(experiment), 0);
  experiment.mutable_spent()->set_cents(12'500);
  EXPECT_EQ(OverspentCents(experiment), 2'500);
}

}  // namespace
}  // namespace proeftuin::domain::testkit
