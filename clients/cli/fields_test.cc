// Flags on an amendment, which starts from the current design: a list flag replaces the list
// (budget years by year) instead of adding to it, so a retry builds the same command.
#include "cli/fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proeftuin/v1/commands.pb.h"

namespace proeftuin::cli {
namespace {

v1::AmendProgramme Current() {
  v1::AmendProgramme a;
  a.mutable_design()->add_areas("Leidschendam");
  a.mutable_design()->add_areas("Voorburg");
  for (int year : {2025, 2026}) {
    v1::BudgetYearAmount* y = a.mutable_design()->mutable_budget()->add_years();
    y->set_year(year);
    y->mutable_amount()->set_cents(7000000);
  }
  return a;
}

std::vector<std::pair<int, int64_t>> Years(const v1::AmendProgramme& a) {
  std::vector<std::pair<int, int64_t>> out;
  for (const auto& y : a.design().budget().years()) out.emplace_back(y.year(), y.amount().cents());
  return out;
}

TEST(ReplaceFieldByPath, AListFlagReplacesTheList) {
  v1::AmendProgramme a = Current();
  std::string error;
  ASSERT_TRUE(ReplaceFieldByPath(&a, "design.areas", {"Stompwijk"}, &error)) << error;
  EXPECT_THAT(a.design().areas(), ::testing::ElementsAre("Stompwijk"));
  ASSERT_TRUE(ReplaceFieldByPath(&a, "design.areas", {"Nootdorp", "Voorburg"}, &error)) << error;
  EXPECT_THAT(a.design().areas(), ::testing::ElementsAre("Nootdorp", "Voorburg"));
  // Applied again (a retry), the result is the same.
  ASSERT_TRUE(ReplaceFieldByPath(&a, "design.areas", {"Nootdorp", "Voorburg"}, &error)) << error;
  EXPECT_THAT(a.design().areas(), ::testing::ElementsAre("Nootdorp", "Voorburg"));
}

TEST(ReplaceFieldByPath, ABudgetYearReplacesThatYearAndKeepsTheOthersInOrder) {
  v1::AmendProgramme a = Current();
  std::string error;
  ASSERT_TRUE(
      ReplaceFieldByPath(&a, "design.budget.years", {"2026=80000", "2024=1.000,50"}, &error))
      << error;
  using Y = std::vector<std::pair<int, int64_t>>;
  EXPECT_EQ(Years(a), (Y{{2024, 100050}, {2025, 7000000}, {2026, 8000000}}));
  ASSERT_TRUE(
      ReplaceFieldByPath(&a, "design.budget.years", {"2026=80000", "2024=1.000,50"}, &error))
      << error;
  EXPECT_EQ(Years(a), (Y{{2024, 100050}, {2025, 7000000}, {2026, 8000000}}));
  EXPECT_FALSE(ReplaceFieldByPath(&a, "design.budget.years", {"2027=1", "2027=2"}, &error));
  EXPECT_EQ(error, "year 2027 is given twice");
  EXPECT_FALSE(ReplaceFieldByPath(&a, "design.budget.years", {"2027=1.5555"}, &error));
  EXPECT_EQ(error,
            "expected YEAR=EUROS (e.g. 2025=70000), got '2027=1.5555': '1.5555' has 4 decimals; an "
            "amount has at most 2 (whole cents)");
}

TEST(ReplaceFieldByPath, ASingleFieldTakesTheLastValue) {
  v1::AmendProgramme a = Current();
  std::string error;
  ASSERT_TRUE(ReplaceFieldByPath(&a, "design.title", {"Eerste", "Tweede"}, &error)) << error;
  EXPECT_EQ(a.design().title(), "Tweede");
  ASSERT_TRUE(ReplaceFieldByPath(&a, "design.budget.total", {"150.000"}, &error)) << error;
  EXPECT_EQ(a.design().budget().total().cents(), 15000000);
  EXPECT_FALSE(ReplaceFieldByPath(&a, "design.nope", {"x"}, &error));
}

}  // namespace
}  // namespace proeftuin::cli
