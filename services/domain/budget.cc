#include "domain/budget.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "domain/rules.h"

namespace proeftuin::domain {

std::string FormatEuro(int64_t cents) {
  bool negative = cents < 0;
  uint64_t abs = negative ? static_cast<uint64_t>(-(cents + 1)) + 1 : static_cast<uint64_t>(cents);
  std::string whole = std::to_string(abs / 100);
  std::string grouped;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += '.';
    grouped += whole[i];
  }
  return absl::StrFormat("%s€ %s,%02d", negative ? "-" : "", grouped, static_cast<int>(abs % 100));
}

namespace {

std::string Euro(int64_t cents) {
  const char* sign = cents < 0 ? "-" : "";
  const int64_t abs = cents < 0 ? -cents : cents;
  const int64_t rest = abs % 100;
  return absl::StrCat(sign, "EUR ", abs / 100, ".", rest < 10 ? "0" : "", rest);
}

}  // namespace

int64_t TotalCents(const YearAmounts& amounts) {
  int64_t total = 0;
  for (const v1::BudgetYearAmount& a : amounts) total += a.amount().cents();
  return total;
}

int64_t CentsInYear(const YearAmounts& amounts, int year) {
  int64_t total = 0;
  for (const v1::BudgetYearAmount& a : amounts) {
    if (a.year() == year) total += a.amount().cents();
  }
  return total;
}

int64_t AddCents(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

void AddToYear(YearAmounts* amounts, int year, int64_t delta) {
  for (v1::BudgetYearAmount& a : *amounts) {
    if (a.year() == year) {
      a.mutable_amount()->set_cents(AddCents(a.amount().cents(), delta));
      return;
    }
  }
  v1::BudgetYearAmount* added = amounts->Add();
  added->set_year(year);
  added->mutable_amount()->set_cents(delta);
  std::sort(amounts->begin(), amounts->end(),
            [](const auto& a, const auto& b) { return a.year() < b.year(); });
}

bool HasBudgetYear(const v1::ProgrammeState& programme, int year) {
  const YearAmounts& years = programme.design().budget().years();
  return std::any_of(years.begin(), years.end(), [&](const auto& y) { return y.year() == year; });
}

int64_t AllocatedCents(const v1::ProgrammeState& programme) {
  int64_t total = 0;
  for (const v1::AllocationState& a : programme.allocations()) {
    if (!a.released()) total += TotalCents(a.allocation());
  }
  return total;
}

int64_t AllocatedCentsInYear(const v1::ProgrammeState& programme, int year) {
  int64_t total = 0;
  for (const v1::AllocationState& a : programme.allocations()) {
    if (!a.released()) total += CentsInYear(a.allocation(), year);
  }
  return total;
}

bool IsOverAllocated(const v1::ProgrammeState& programme) {
  const v1::Budget& budget = programme.design().budget();
  if (AllocatedCents(programme) > budget.total().cents()) return true;
  for (const v1::AllocationState& a : programme.allocations()) {
    for (const v1::BudgetYearAmount& y : a.allocation()) {
      if (AllocatedCentsInYear(programme, y.year()) > CentsInYear(budget.years(), y.year())) {
        return true;
      }
    }
  }
  return false;
}

int64_t OverspentCents(const v1::ExperimentState& experiment) {
  return std::max<int64_t>(0, experiment.spent().cents() - TotalCents(experiment.allocation()));
}

absl::Status CheckAllocationFits(const v1::ProgrammeState& programme,
                                 const YearAmounts& allocation) {
  for (int i = 0; i < allocation.size(); ++i) {
    if (!HasBudgetYear(programme, allocation[i].year())) {
      return FieldError(
          rules::kBudgetYearUnknown, absl::StrCat("allocation[", i, "].year"),
          absl::StrCat("is ", allocation[i].year(), ", not a budget year of the programme"));
    }
  }
  const v1::Budget& budget = programme.design().budget();
  const int64_t allocated = AllocatedCents(programme);
  const int64_t requested = TotalCents(allocation);
  if (allocated + requested > budget.total().cents()) {
    return PreconditionError(
        rules::kBudgetExceeded,
        absl::StrCat("allocating ", Euro(requested), " exceeds the budget of ",
                     Euro(budget.total().cents()), " (", Euro(allocated), " already allocated)"));
  }
  for (const v1::BudgetYearAmount& y : allocation) {
    const int64_t year_allocated = AllocatedCentsInYear(programme, y.year());
    const int64_t year_budget = CentsInYear(budget.years(), y.year());
    if (year_allocated + y.amount().cents() > year_budget) {
      return PreconditionError(
          rules::kBudgetYearExceeded,
          absl::StrCat("allocating ", Euro(y.amount().cents()), " in budget year ", y.year(),
                       " exceeds that year's budget of ", Euro(year_budget), " (",
                       Euro(year_allocated), " already allocated)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace proeftuin::domain
