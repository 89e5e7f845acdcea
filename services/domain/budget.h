// Budget arithmetic of a programme (rule 3) and an experiment's spending (rule 5), in euro
// cents. Views use the same functions to flag over-allocation (after a budget cut) and
// over-spending, which are allowed but always visible.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "proeftuin/v1/state.pb.h"

namespace proeftuin::domain {

using YearAmounts = google::protobuf::RepeatedPtrField<v1::BudgetYearAmount>;

// Euros in Dutch style, for people: "€ 140.000,00", "-€ 12,50".
std::string FormatEuro(int64_t cents);

// Sum of the amounts.
int64_t TotalCents(const YearAmounts& amounts);
// The amount for `year`, 0 when absent.
int64_t CentsInYear(const YearAmounts& amounts, int year);
// `a` + `b` cents, held at the int64 bounds instead of overflowing (sums of many amounts that
// each are within the limit; Evolve never fails and never overflows).
int64_t AddCents(int64_t a, int64_t b);
// Adds `delta` cents to `year` (AddCents), inserting the year in ascending order when absent.
void AddToYear(YearAmounts* amounts, int year, int64_t delta);

// True when `year` is one of the programme's budget years.
bool HasBudgetYear(const v1::ProgrammeState& programme, int year);
// Allocated and not released, in total and in one budget year.
int64_t AllocatedCents(const v1::ProgrammeState& programme);
int64_t AllocatedCentsInYear(const v1::ProgrammeState& programme, int year);
// True when allocations exceed the budget in total or in any year (possible only after an
// amendment cut the budget; flagged, not forbidden).
bool IsOverAllocated(const v1::ProgrammeState& programme);
// What an experiment spent beyond its allocation, 0 when within it.
int64_t OverspentCents(const v1::ExperimentState& experiment);

// Checks that a new allocation fits what is left of the programme's budget. Returns
// INVALID_ARGUMENT (PT-BUDGET-YEAR-UNKNOWN) for a year that is not a budget year of the
// programme, FAILED_PRECONDITION PT-BUDGET-EXCEEDED when the total would exceed the budget,
// PT-BUDGET-YEAR-EXCEEDED when one year would.
absl::Status CheckAllocationFits(const v1::ProgrammeState& programme,
                                 const YearAmounts& allocation);

}  // namespace proeftuin::domain
