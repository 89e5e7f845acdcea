// What `programme show` and `experiment show` print beneath the state, from hand-made views:
// the cases the example programme does not reach on the day a test runs (deadlines ahead and
// passed, a running experiment, one marked not evaluable, a year that is not a budget year, a
// warning kind this CLI does not know, a server that sends no Dutch sentence).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/views.h"
#include "domain/dates.h"

namespace proeftuin::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::Money Euros(int64_t euros) {
  v1::Money m;
  m.set_cents(euros * 100);
  return m;
}

v1::BudgetLine Line(int year, int64_t budget, int64_t allocated, int64_t spent, bool budget_year) {
  v1::BudgetLine l;
  l.set_year(year);
  *l.mutable_budget() = Euros(budget);
  *l.mutable_allocated() = Euros(allocated);
  *l.mutable_spent() = Euros(spent);
  *l.mutable_unallocated() = Euros(budget - allocated);
  *l.mutable_remaining() = Euros(budget - spent);
  l.set_is_budget_year(budget_year);
  return l;
}

v1::ProgrammeView Programme() {
  v1::ProgrammeView v;
  *v.mutable_budget()->add_years() = Line(2025, 70000, 80000, 1000, true);
  *v.mutable_budget()->add_years() = Line(2028, 0, 5000, 0, false);
  *v.mutable_budget()->mutable_total() = Line(0, 70000, 85000, 1000, true);
  v.add_experiments()->set_experiment_id("a");
  v.add_experiments()->set_experiment_id("b");
  v1::StatusCount* running = v.add_experiments_by_status();
  running->set_status(v1::EXPERIMENT_STATUS_STARTED);
  running->set_count(1);
  v1::StatusCount* proposed = v.add_experiments_by_status();
  proposed->set_status(v1::EXPERIMENT_STATUS_PROPOSED);
  proposed->set_count(1);
  v.mutable_progress()->set_experiments(1);
  v.mutable_progress()->set_average_progress_percent(40);
  v.mutable_progress()->set_activity_count(3);
  v.mutable_progress()->set_participant_count(120);
  v.mutable_progress()->set_seldom_heard_reached_count(9);
  v.add_council_inputs();
  v.add_council_inputs();
  v.add_open_council_inputs("wb-2");
  v.mutable_knowledge_sessions()->set_count(2);
  v.mutable_knowledge_sessions()->set_attendee_count(31);
  v.mutable_knowledge_sessions()->add_seldom_heard_groups_reached("mantelzorgers");
  *v.mutable_clock()->mutable_today() = domain::MakeDate(2027, 2, 20);
  v.mutable_clock()->set_days_to_period_end(39);
  v.mutable_clock()->set_days_to_evaluation(-5);
  v.mutable_clock()->set_evaluation_overdue(true);
  v.mutable_clock()->set_days_to_response_deadline(1);
  v1::ViewWarning* over = v.add_warnings();
  over->set_kind(v1::WARNING_KIND_OVER_ALLOCATED);
  over->set_message("2025: EUR 80000.00 allocated against a budget of EUR 70000.00");
  over->set_message_nl("2025: € 80.000,00 toegekend bij een begroting van € 70.000,00");
  over->set_subject("2025");
  v1::ViewWarning* future = v.add_warnings();
  future->set_kind(static_cast<v1::WarningKind>(99));
  future->set_message("a warning of a newer server");
  return v;
}

TEST(ProgrammeViewText, ShowsTheBudgetPerYearTheOverviewTheDeadlinesAndTheWarnings) {
  const std::string text = ProgrammeViewText(Programme(), false);
  // A year that is not a budget year is starred and explained.
  EXPECT_THAT(text, HasSubstr("\n2025    € 70.000,00  € 80.000,00  € 1.000,00  -€ 10.000,00  € 69.000,00\n")) << text;
  EXPECT_THAT(text, HasSubstr("\n2028 *       € 0,00   € 5.000,00      € 0,00   -€ 5.000,00       € 0,00\n")) << text;
  EXPECT_THAT(text, HasSubstr("* not a budget year of the programme\n")) << text;
  EXPECT_THAT(text, HasSubstr("unallocated: vrij te besteden (budget - allocated)")) << text;
  EXPECT_THAT(text, HasSubstr("Experiments             2 (1 started, 1 proposed)\n")) << text;
  EXPECT_THAT(text, HasSubstr("Progress                average 40 % over the 1 selected; 3 activities, 120 "
                              "participants, 9 seldom-heard reached\n"))
      << text;
  EXPECT_THAT(text, HasSubstr("Council input           2 wish(es)/objection(s) (wensen en bedenkingen), 1 without "
                              "the college's response: wb-2\n"))
      << text;
  EXPECT_THAT(text, HasSubstr("Session reach           31 attendees at 2 knowledge session(s); seldom-heard groups "
                              "reached: mantelzorgers\n"))
      << text;
  // Deadlines counted from the server's today, ahead and passed.
  EXPECT_THAT(text, HasSubstr("Today                   2027-02-20\n")) << text;
  EXPECT_THAT(text, HasSubstr("Period end              in 39 days\n")) << text;
  EXPECT_THAT(text, HasSubstr("Evaluation due          5 days ago (overdue: not evaluated)\n")) << text;
  EXPECT_THAT(text, HasSubstr("Council's response due  tomorrow (reactietermijn)\n")) << text;
  // Warnings: English, the Dutch sentence beneath; an unknown kind by its number, without Dutch.
  EXPECT_THAT(text, HasSubstr("\n- over-allocated (2025): 2025: EUR 80000.00 allocated against a budget of EUR "
                              "70000.00\n  nl: 2025: € 80.000,00 toegekend bij een begroting van € 70.000,00\n"))
      << text;
  EXPECT_THAT(text, HasSubstr("\n- warning 99: a warning of a newer server\n")) << text;
  EXPECT_THAT(text, Not(HasSubstr("nl: a warning"))) << text;
}

TEST(ProgrammeViewText, SaysSoWhenNothingIsSelectedAndNothingIsWrong) {
  v1::ProgrammeView v;
  *v.mutable_budget()->mutable_total() = Line(0, 140000, 0, 0, true);
  const std::string text = ProgrammeViewText(v, false);
  EXPECT_THAT(text, HasSubstr("Progress       no experiment selected yet\n")) << text;
  EXPECT_THAT(text, HasSubstr("none open")) << text;
  EXPECT_THAT(text, HasSubstr("Warnings (signaleringen)\nnone\n")) << text;
  // No clock facts: no deadline lines.
  EXPECT_THAT(text, Not(HasSubstr("Period end"))) << text;
  EXPECT_THAT(text, Not(HasSubstr("Evaluation due"))) << text;
}

v1::ExperimentView Experiment(v1::ExperimentStatus status) {
  v1::ExperimentView v;
  v.set_programme_id("lv-2024-2027");
  v.set_experiment_id("uitdaagrecht");
  v.set_status(status);
  *v.mutable_dates()->mutable_started_on() = domain::MakeDate(2024, 11, 1);
  *v.mutable_budget()->mutable_allocated() = Euros(30000);
  *v.mutable_budget()->mutable_spent() = Euros(26500);
  v.set_progress_percent(80);
  v.set_counted_progress_percent(80);
  *v.mutable_clock()->mutable_today() = domain::MakeDate(2026, 12, 5);
  v.mutable_clock()->set_days_to_planning_end(26);
  v1::CriterionEvaluation* c = v.mutable_evaluation()->add_criteria();
  c->mutable_criterion()->set_criterion_id("bereik");
  c->mutable_criterion()->set_norm("breder dan gebruikelijk");
  return v;
}

TEST(ExperimentViewText, ARunningExperimentShowsWhatItReportedAndItsPlanningEnd) {
  const std::string text = ExperimentViewText(Experiment(v1::EXPERIMENT_STATUS_STARTED), false);
  EXPECT_THAT(text, HasSubstr("Progress            80 %\n")) << text;
  EXPECT_THAT(text, HasSubstr("Spending            € 26.500,00 of € 30.000,00 allocated\n")) << text;
  EXPECT_THAT(text, HasSubstr("Planning end        in 26 days\n")) << text;
  EXPECT_THAT(text, HasSubstr("History             0 events (proeftuin audit log --object "
                              "experiment-lv-2024-2027.uitdaagrecht)\n"))
      << text;
  EXPECT_THAT(text, HasSubstr("\nbereik     breder dan gebruikelijk  -\nnot evaluated yet\n")) << text;
}

TEST(ExperimentViewText, AnExperimentMarkedNotEvaluableIsDoneAndSaysWhyItIsNotEvaluated) {
  v1::ExperimentView v = Experiment(v1::EXPERIMENT_STATUS_NOT_EVALUABLE);
  v.set_end_reason("te weinig deelnemers");
  v.set_counted_progress_percent(100);  // the server's count: it ended after it started
  // Marked not evaluable while it ran: done, no planning deadline.
  const std::string text = ExperimentViewText(v, false);
  EXPECT_THAT(text, HasSubstr("Progress            100 % (ended; last reported 80 %)\n")) << text;
  EXPECT_THAT(text, Not(HasSubstr("Planning end"))) << text;
  EXPECT_THAT(text, HasSubstr("not evaluated: not evaluable (te weinig deelnemers)\n")) << text;
}

TEST(ExperimentViewText, AnEvaluationGivesTheScoresTheCountsTheVerdictAndTheConclusion) {
  v1::ExperimentView v = Experiment(v1::EXPERIMENT_STATUS_EVALUATED);
  v1::EvaluationView* e = v.mutable_evaluation();
  e->mutable_criteria(0)->mutable_score()->set_score(v1::SCORE_INSUFFICIENT);
  e->set_evaluated(true);
  *e->mutable_evaluated_on() = domain::MakeDate(2025, 2, 20);
  e->set_insufficient_count(1);
  e->set_overall_sufficient(false);
  e->set_conclusion(v1::CONCLUSION_STOP);
  v.mutable_budget()->set_released(true);
  *v.mutable_budget()->mutable_overspent() = Euros(250);
  const std::string text = ExperimentViewText(v, false);
  EXPECT_THAT(text, HasSubstr("\nbereik     breder dan gebruikelijk  insufficient\n")) << text;
  EXPECT_THAT(text, HasSubstr("Evaluated on 2025-02-20: 0 good, 0 sufficient, 1 insufficient (not sufficient "
                              "overall); conclusion stop\n"))
      << text;
  EXPECT_THAT(text, HasSubstr("allocated, € 250,00 over (allocation released)\n")) << text;
}

v1::BudgetYearAmount Year(int year, int64_t euros) {
  v1::BudgetYearAmount y;
  y.set_year(year);
  *y.mutable_amount() = Euros(euros);
  return y;
}

std::vector<v1::ExperimentState> WithdrawnAndRunning() {
  std::vector<v1::ExperimentState> es(2);
  es[0].set_experiment_id("jongerenpanel");
  es[0].set_status(v1::EXPERIMENT_STATUS_WITHDRAWN);
  es[0].set_was_selected(true);
  *es[0].add_allocation() = Year(2025, 10000);
  es[1].set_experiment_id("uitdaagrecht");
  es[1].set_status(v1::EXPERIMENT_STATUS_STARTED);
  *es[1].add_allocation() = Year(2025, 10000);
  *es[1].add_allocation() = Year(2026, 20000);
  return es;
}

// The line of `id` in a table.
std::string LineOf(const std::string& table, const std::string& id) {
  size_t at = table.find("\n" + id + " ");
  return at == std::string::npos ? "" : table.substr(at + 1, table.find('\n', at + 1) - at - 1);
}

TEST(ExperimentsTable, AllocatedIsWhatTheProgrammeCountsAReleasedAllocationIsZero) {
  v1::GetProgrammeResponse p;
  v1::ExperimentBudget* released = p.mutable_view()->mutable_budget()->add_experiments();
  released->set_experiment_id("jongerenpanel");
  released->set_released(true);
  v1::ExperimentBudget* running = p.mutable_view()->mutable_budget()->add_experiments();
  running->set_experiment_id("uitdaagrecht");
  *running->mutable_allocated() = Euros(30000);
  const std::string text = ExperimentsTable(WithdrawnAndRunning(), AllocatedByExperiment(p), false);
  EXPECT_THAT(LineOf(text, "jongerenpanel"), HasSubstr("  € 0,00 (vrijgevallen / released)  "))
      << text;
  EXPECT_THAT(LineOf(text, "uitdaagrecht"), HasSubstr("  € 30.000,00  ")) << text;
  EXPECT_THAT(text, Not(HasSubstr("10.000"))) << text;
}

TEST(ExperimentsTable, WithoutAViewTheProgrammesAllocationsSayWhatWasReleased) {
  v1::GetProgrammeResponse p;
  v1::AllocationState* released = p.mutable_programme()->add_allocations();
  released->set_experiment_id("jongerenpanel");
  *released->add_allocation() = Year(2025, 10000);
  released->set_released(true);
  v1::AllocationState* running = p.mutable_programme()->add_allocations();
  running->set_experiment_id("uitdaagrecht");
  *running->add_allocation() = Year(2025, 10000);
  *running->add_allocation() = Year(2026, 20000);
  const std::string text = ExperimentsTable(WithdrawnAndRunning(), AllocatedByExperiment(p), false);
  EXPECT_THAT(LineOf(text, "jongerenpanel"), HasSubstr("  € 0,00 (vrijgevallen / released)  "))
      << text;
  EXPECT_THAT(LineOf(text, "uitdaagrecht"), HasSubstr("  € 30.000,00  ")) << text;
}

TEST(ExperimentText, AReleasedAllocationShowsAsZeroWithWhatItWas) {
  const v1::ExperimentState e = WithdrawnAndRunning()[0];
  v1::ExperimentBudget budget;
  budget.set_released(true);
  EXPECT_THAT(
      ExperimentText(e, &budget, false),
      HasSubstr(
          "\nAllocated            € 0,00 (vrijgevallen / released; was 2025: € 10.000,00)\n"));
  budget.set_released(false);
  EXPECT_THAT(ExperimentText(e, &budget, false),
              HasSubstr("\nAllocated            2025: € 10.000,00\n"));
}

TEST(ExperimentsTable, ALongWaiverIsCutByCharacterNotByByte) {
  std::vector<v1::ExperimentState> es = WithdrawnAndRunning();
  es[0].mutable_design()->set_level_waiver_reason("géén inspraak: één besluit");  // é is two bytes
  const std::string text = ExperimentsTable(es, {}, false);
  EXPECT_THAT(LineOf(text, "jongerenpanel"), HasSubstr("  none: géén inspraak…  ")) << text;
}

}  // namespace
}  // namespace proeftuin::cli
