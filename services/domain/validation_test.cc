// Tests of the field validation behind rule 9.
#include "domain/internal/validation.h"

#include "domain/rules.h"
#include "gtest/gtest.h"

namespace proeftuin::domain {
namespace {

TEST(Validation, AcceptsLowercaseSlugsOnly) {
  EXPECT_TRUE(IsSlug("lv-2024-2027"));
  EXPECT_TRUE(IsSlug("a"));
  EXPECT_FALSE(IsSlug(""));
  EXPECT_FALSE(IsSlug("Lv"));
  EXPECT_FALSE(IsSlug("-lv"));
  EXPECT_FALSE(IsSlug("lv-"));
  EXPECT_FALSE(IsSlug("lv--2024"));
  EXPECT_FALSE(IsSlug("lv.2024"));
  EXPECT_FALSE(IsSlug("lv_2024"));
  EXPECT_FALSE(IsSlug("straat/intake"));
  EXPECT_TRUE(IsSlug(std::string(64, 'a')));
  EXPECT_FALSE(IsSlug(std::string(65, 'a')));
}

TEST(Validation, CountsCharactersNotBytes) {
  const std::string accents(200, 'x');
  EXPECT_TRUE(CheckText("f", accents, 200).ok());
  std::string dutch;
  for (int i = 0; i < 200; ++i) dutch += "\xc3\xa9";  // 200 times 'é', 400 bytes
  EXPECT_TRUE(CheckText("f", dutch, 200).ok());
  const absl::Status too_long = CheckText("f", dutch + "e", 200);
  EXPECT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RuleIdOf(too_long), rules::kTextTooLong);
}

TEST(Validation, RequiresNonBlankText) {
  EXPECT_EQ(RuleIdOf(CheckText("f", " \n", 10, Need::kRequired)), rules::kFieldRequired);
  EXPECT_TRUE(CheckText("f", "", 10, Need::kOptional).ok());
}

TEST(Validation, AcceptsWholeNonNegativeCentsOnly) {
  v1::Money money;
  money.set_cents(0);
  EXPECT_TRUE(CheckMoney("m", money).ok());
  money.set_cents(-1);
  EXPECT_EQ(RuleIdOf(CheckMoney("m", money)), rules::kAmountInvalid);
  money.set_cents(kMaxCents + 1);
  EXPECT_EQ(RuleIdOf(CheckMoney("m", money)), rules::kAmountInvalid);
  EXPECT_EQ(RuleIdOf(CheckRequiredMoney("m", false, v1::Money())), rules::kFieldRequired);
}

TEST(Validation, RequiresTheBudgetSplitToAddUp) {
  v1::Budget budget;
  budget.mutable_total()->set_cents(100);
  EXPECT_EQ(RuleIdOf(CheckBudget("b", budget)), rules::kFieldRequired);
  v1::BudgetYearAmount* year = budget.add_years();
  year->set_year(2025);
  year->mutable_amount()->set_cents(60);
  EXPECT_EQ(RuleIdOf(CheckBudget("b", budget)), rules::kBudgetSplit);
  year->mutable_amount()->set_cents(100);
  EXPECT_TRUE(CheckBudget("b", budget).ok());
  *budget.add_years() = *year;
  EXPECT_EQ(RuleIdOf(CheckBudget("b", budget)), rules::kDuplicate);
}

TEST(Validation, RejectsBudgetYearsOutOfRange) {
  EXPECT_EQ(RuleIdOf(CheckBudgetYear("y", 1999)), rules::kValueRange);
  EXPECT_TRUE(CheckBudgetYear("y", 2025).ok());
}

TEST(Validation, RejectsUnknownEnumValues) {
  EXPECT_EQ(RuleIdOf(CheckEnum("c", 99, v1::Confidentiality_IsValid, Need::kOptional)),
            rules::kValueRange);
  EXPECT_EQ(RuleIdOf(CheckEnum("c", 0, v1::Confidentiality_IsValid, Need::kRequired)),
            rules::kFieldRequired);
  EXPECT_TRUE(CheckEnum("c", 0, v1::Confidentiality_IsValid, Need::kOptional).ok());
}

TEST(Validation, OrdersPeriods) {
  v1::Date start;
  start.set_year(2025);
  start.set_month(1);
  start.set_day(2);
  v1::Date end = start;
  EXPECT_TRUE(CheckPeriod("p", start, end).ok());
  end.set_day(1);
  const absl::Status status = CheckPeriod("p", start, end);
  EXPECT_EQ(RuleIdOf(status), rules::kDateOrder);
  EXPECT_EQ(status.message(),
            "PT-DATE-ORDER: field p.end is 2025-01-01, before p.start 2025-01-02");
}

}  // namespace
}  // namespace proeftuin::domain
