// Warnings (allowed but worth a look) and the facts that depend on the clock. Computed at query
// time, never stored: "overdue" changes while the log does not.
#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "domain/budget.h"
#include "domain/dates.h"
#include "views/internal/assemble.h"

namespace proeftuin::views::internal {
namespace {

// Euros in the English sentences ("EUR 1250.50"), and in the Dutch ones ("€ 1.250,50").
std::string Euro(int64_t cents) {
  const int64_t abs = cents < 0 ? -cents : cents;
  return absl::StrCat(cents < 0 ? "-" : "", "EUR ", abs / 100, ".", abs % 100 < 10 ? "0" : "",
                      abs % 100);
}

std::string EuroNl(int64_t cents) { return domain::FormatEuro(cents); }

// A warning, in English (`message`) and in Dutch (`message_nl`).
void Add(std::vector<v1::ViewWarning>* out, v1::WarningKind kind, std::string message,
         std::string message_nl, std::string_view experiment_id = {}, std::string_view subject = {}) {
  v1::ViewWarning& w = out->emplace_back();
  w.set_kind(kind);
  w.set_message(std::move(message));
  w.set_message_nl(std::move(message_nl));
  w.set_experiment_id(std::string(experiment_id));
  w.set_subject(std::string(subject));
}

bool HasYear(const v1::BudgetView& b, int year) {
  return std::any_of(b.years().begin(), b.years().end(),
                     [year](const auto& l) { return l.year() == year && l.is_budget_year(); });
}

// Over-allocation, over-spending and money in years the programme no longer has.
void MoneyWarnings(const v1::ExperimentBudget& e, const v1::BudgetView& b,
                   std::vector<v1::ViewWarning>* out) {
  if (e.overspent().cents() > 0) {
    Add(out, v1::WARNING_KIND_OVER_SPENT,
        absl::StrCat("experiment ", e.experiment_id(), " spent ", Euro(e.spent().cents()), " of ",
                     Euro(e.allocated().cents()), " allocated (", Euro(e.overspent().cents()),
                     " over)"),
        absl::StrCat("experiment ", e.experiment_id(), " heeft ", EuroNl(e.spent().cents()),
                     " besteed, ", EuroNl(e.overspent().cents()), " meer dan de toegekende ",
                     EuroNl(e.allocated().cents())),
        e.experiment_id());
  }
  for (const v1::BudgetYearAmount& y : e.allocated_per_year()) {
    if (HasYear(b, y.year()) || y.amount().cents() == 0) continue;
    Add(out, v1::WARNING_KIND_ALLOCATION_OUTSIDE_BUDGET_YEARS,
        absl::StrCat("experiment ", e.experiment_id(), " has ", Euro(y.amount().cents()),
                     " allocated in ", y.year(), ", no longer a budget year of the programme"),
        absl::StrCat("aan experiment ", e.experiment_id(), " is ", EuroNl(y.amount().cents()),
                     " toegekend in begrotingsjaar ", y.year(), ", dat het programma niet meer heeft"),
        e.experiment_id(), absl::StrCat(y.year()));
  }
  for (const v1::BudgetYearAmount& y : e.spent_per_year()) {
    if (HasYear(b, y.year()) || y.amount().cents() == 0) continue;
    Add(out, v1::WARNING_KIND_SPENDING_OUTSIDE_BUDGET_YEARS,
        absl::StrCat("experiment ", e.experiment_id(), " has ", Euro(y.amount().cents()),
                     " booked to ", y.year(), ", no longer a budget year of the programme"),
        absl::StrCat("experiment ", e.experiment_id(), " heeft ", EuroNl(y.amount().cents()),
                     " geboekt op begrotingsjaar ", y.year(), ", dat het programma niet meer heeft"),
        e.experiment_id(), absl::StrCat(y.year()));
  }
}

void BudgetWarnings(const v1::BudgetView& b, std::vector<v1::ViewWarning>* out) {
  const v1::BudgetLine& total = b.total();
  if (total.allocated().cents() > total.budget().cents()) {
    Add(out, v1::WARNING_KIND_OVER_ALLOCATED,
        absl::StrCat("allocations of ", Euro(total.allocated().cents()),
                     " exceed the programme budget of ", Euro(total.budget().cents())),
        absl::StrCat("de toekenningen (", EuroNl(total.allocated().cents()),
                     ") zijn hoger dan het budget van het programma (", EuroNl(total.budget().cents()), ")"));
  }
  if (total.spent().cents() > total.budget().cents()) {
    Add(out, v1::WARNING_KIND_OVER_SPENT,
        absl::StrCat("spending of ", Euro(total.spent().cents()),
                     " exceeds the programme budget of ", Euro(total.budget().cents())),
        absl::StrCat("de bestedingen (", EuroNl(total.spent().cents()),
                     ") zijn hoger dan het budget van het programma (", EuroNl(total.budget().cents()), ")"));
  }
  for (const v1::BudgetLine& y : b.years()) {
    if (!y.is_budget_year() || y.allocated().cents() <= y.budget().cents()) continue;
    Add(out, v1::WARNING_KIND_OVER_ALLOCATED,
        absl::StrCat("allocations of ", Euro(y.allocated().cents()), " in ", y.year(),
                     " exceed that year's budget of ", Euro(y.budget().cents())),
        absl::StrCat("de toekenningen in ", y.year(), " (", EuroNl(y.allocated().cents()),
                     ") zijn hoger dan het budget van dat jaar (", EuroNl(y.budget().cents()), ")"),
        "", absl::StrCat(y.year()));
  }
  for (const v1::ExperimentBudget& e : b.experiments()) MoneyWarnings(e, b, out);
}

// Design warnings of one experiment (money is handled by MoneyWarnings).
void DesignWarnings(const v1::ExperimentState& e, const v1::ProgrammeState& programme,
                    std::vector<v1::ViewWarning>* out) {
  const std::string& id = e.experiment_id();
  const v1::Planning& planning = e.design().conditions().planning();
  const v1::Period& period = programme.design().period();
  const bool planned = domain::IsSet(planning.start()) && domain::IsSet(planning.end());
  if (InProgramme(e) && planned && domain::IsSet(period.start()) &&
      (!domain::IsWithin(planning.start(), period.start(), period.end()) ||
       !domain::IsWithin(planning.end(), period.start(), period.end()))) {
    Add(out, v1::WARNING_KIND_PLANNING_OUTSIDE_PERIOD,
        absl::StrCat("experiment ", id, " is planned ", domain::FormatDate(planning.start()), "..",
                     domain::FormatDate(planning.end()), ", outside the programme period ",
                     domain::FormatDate(period.start()), "..", domain::FormatDate(period.end())),
        absl::StrCat("experiment ", id, " is gepland van ", domain::FormatDate(planning.start()),
                     " tot en met ", domain::FormatDate(planning.end()),
                     ", buiten de programmaperiode (", domain::FormatDate(period.start()),
                     " tot en met ", domain::FormatDate(period.end()), ")"),
        id);
  }
  if (e.status() == v1::EXPERIMENT_STATUS_PROPOSED && e.design().criteria().empty()) {
    Add(out, v1::WARNING_KIND_MISSING_CRITERIA,
        absl::StrCat("experiment ", id, " has no evaluation criteria (toetsingscriteria)"),
        absl::StrCat("experiment ", id, " heeft geen toetsingscriteria"), id);
  }
  if (e.status() == v1::EXPERIMENT_STATUS_PROPOSED &&
      e.design().participation_level() == v1::PARTICIPATION_LEVEL_UNSPECIFIED &&
      e.design().level_waiver_reason().empty()) {
    Add(out, v1::WARNING_KIND_MISSING_LEVEL,
        absl::StrCat("experiment ", id, " states no participation level and no waiver reason"),
        absl::StrCat("experiment ", id,
                     " noemt geen trede op de participatieladder en geen reden waarom die ontbreekt"),
        id);
  }
}

// Clock warnings of one experiment.
void ClockWarnings(const v1::ExperimentState& e, const v1::Date& today,
                   std::vector<v1::ViewWarning>* out) {
  const std::string& id = e.experiment_id();
  const v1::Planning& planning = e.design().conditions().planning();
  if (e.status() == v1::EXPERIMENT_STATUS_STARTED && domain::IsSet(planning.end()) &&
      domain::CompareDates(planning.end(), today) < 0) {
    Add(out, v1::WARNING_KIND_EXPERIMENT_PAST_PLANNING_END,
        absl::StrCat("experiment ", id, " still runs; its planning ended on ",
                     domain::FormatDate(planning.end())),
        absl::StrCat("experiment ", id, " loopt nog; de planning eindigde op ",
                     domain::FormatDate(planning.end())),
        id);
  }
  if (e.status() == v1::EXPERIMENT_STATUS_SELECTED && domain::IsSet(planning.start()) &&
      domain::CompareDates(planning.start(), today) < 0) {
    Add(out, v1::WARNING_KIND_EXPERIMENT_NOT_STARTED,
        absl::StrCat("experiment ", id, " has not started; its planning started on ",
                     domain::FormatDate(planning.start())),
        absl::StrCat("experiment ", id, " is nog niet gestart; de planning begon op ",
                     domain::FormatDate(planning.start())),
        id);
  }
}

void ProgrammeClockWarnings(const v1::ProgrammeState& p, const v1::ClockFacts& clock,
                            std::vector<v1::ViewWarning>* out) {
  if (clock.evaluation_overdue()) {
    Add(out, v1::WARNING_KIND_EVALUATION_OVERDUE,
        absl::StrCat("the evaluation was due on ",
                     domain::FormatDate(p.design().evaluation_date()), " (",
                     -clock.days_to_evaluation(), " days ago)"),
        absl::StrCat("de evaluatie was gepland op ", domain::FormatDate(p.design().evaluation_date()),
                     " (", -clock.days_to_evaluation(),
                     clock.days_to_evaluation() == -1 ? " dag" : " dagen", " geleden)"));
  }
  if (clock.has_days_to_response_deadline() && clock.days_to_response_deadline() < 0) {
    Add(out, v1::WARNING_KIND_RESPONSE_DEADLINE_PASSED,
        absl::StrCat("the council's response deadline ",
                     domain::FormatDate(p.submission().response_deadline()),
                     " has passed and the programme is not adopted"),
        absl::StrCat("de reactietermijn van de raad (", domain::FormatDate(p.submission().response_deadline()),
                     ") is verstreken en het programma is nog niet vastgesteld"));
  }
}

}  // namespace

v1::Date Today(absl::Time now) {
  static const absl::TimeZone zone = [] {
    absl::TimeZone tz;
    return absl::LoadTimeZone("Europe/Amsterdam", &tz) ? tz : absl::UTCTimeZone();
  }();
  const absl::CivilDay day = absl::ToCivilDay(now, zone);
  return domain::MakeDate(static_cast<int>(day.year()), day.month(), day.day());
}

int DaysBetween(const v1::Date& from, const v1::Date& to) {
  return static_cast<int>(absl::CivilDay(to.year(), to.month(), to.day()) -
                          absl::CivilDay(from.year(), from.month(), from.day()));
}

v1::ClockFacts ProgrammeClock(const v1::ProgrammeState& p, const v1::Date& today) {
  v1::ClockFacts c;
  *c.mutable_today() = today;
  const v1::ProgrammeDesign& design = p.design();
  if (domain::IsSet(design.period().end())) {
    c.set_days_to_period_end(DaysBetween(today, design.period().end()));
  }
  if (domain::IsSet(design.evaluation_date())) {
    c.set_days_to_evaluation(DaysBetween(today, design.evaluation_date()));
    c.set_evaluation_overdue(p.status() < v1::PROGRAMME_STATUS_EVALUATED &&
                             c.days_to_evaluation() < 0);
  }
  if (p.status() == v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL &&
      domain::IsSet(p.submission().response_deadline())) {
    c.set_days_to_response_deadline(DaysBetween(today, p.submission().response_deadline()));
  }
  return c;
}

std::vector<v1::ViewWarning> ProgrammeWarnings(const ProgrammeData& d, const v1::BudgetView& budget,
                                               const std::vector<v1::CouncilInputView>& inputs,
                                               const v1::Date& today) {
  std::vector<v1::ViewWarning> out;
  BudgetWarnings(budget, &out);
  for (const v1::ExperimentState& e : d.experiments) {
    DesignWarnings(e, d.programme, &out);
    ClockWarnings(e, today, &out);
  }
  for (const v1::CouncilInputView& v : inputs) {
    if (v.answered()) continue;
    Add(&out, v1::WARNING_KIND_COUNCIL_INPUT_UNANSWERED,
        absl::StrCat("council input ", v.input().input_id(), " has no college response"),
        absl::StrCat("wens of bedenking ", v.input().input_id(), " heeft nog geen reactie van het college"),
        v.input().experiment_id(), v.input().input_id());
  }
  ProgrammeClockWarnings(d.programme, ProgrammeClock(d.programme, today), &out);
  SortWarnings(&out);
  return out;
}

std::vector<v1::ViewWarning> ExperimentWarnings(const v1::ExperimentState& e,
                                                const v1::ProgrammeState& programme,
                                                const v1::Date& today) {
  std::vector<v1::ViewWarning> out;
  v1::BudgetView years;  // only the programme's budget years matter here
  for (const v1::BudgetYearAmount& y : programme.design().budget().years()) {
    v1::BudgetLine* line = years.add_years();
    line->set_year(y.year());
    line->set_is_budget_year(true);
  }
  MoneyWarnings(BudgetOf(e), years, &out);
  DesignWarnings(e, programme, &out);
  ClockWarnings(e, today, &out);
  SortWarnings(&out);
  return out;
}

void SortWarnings(std::vector<v1::ViewWarning>* warnings) {
  std::stable_sort(warnings->begin(), warnings->end(), [](const auto& a, const auto& b) {
    if (a.kind() != b.kind()) return a.kind() < b.kind();
    return std::tie(a.experiment_id(), a.subject(), a.message()) <
           std::tie(b.experiment_id(), b.subject(), b.message());
  });
}

}  // namespace proeftuin::views::internal

namespace proeftuin::views {

v1::Date ViewDate(absl::Time now) { return internal::Today(now); }

}  // namespace proeftuin::views
