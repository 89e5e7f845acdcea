// Warnings of the programme and experiment views, and what readers below an object's
// clearance see of it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

#include "domain/testing/builders.h"
#include "views/testing/views_testing.h"
#include "views/views.h"

namespace proeftuin::views {
namespace {

using ::testing::ElementsAre;
namespace tk = domain::testkit;

using testing::kAll;
using testing::kPublic;

class ViewsOfTestProgramme : public ::testing::Test {
 protected:
  void SetUp() override {
    store_.SetNow(tk::TestNow());
    Run(tk::DraftCmd());
  }
  void Run(const v1::Command& c, const std::string& role = "programme_manager") {
    auto r = store_.Run(c, role);
    ASSERT_TRUE(r.ok()) << c.ShortDebugString() << ": " << r.status();
  }
  v1::ProgrammeView View(v1::Confidentiality clearance = kAll) {
    auto view = store_.store().OpenReadView();
    EXPECT_TRUE(view.ok());
    auto pv = GetProgrammeView(**view, tk::kPid, clearance, store_.now());
    EXPECT_TRUE(pv.ok()) << pv.status();
    return pv.ok() ? *pv : v1::ProgrammeView();
  }
  static std::vector<std::string> Warnings(const v1::ProgrammeView& v, v1::WarningKind kind) {
    std::vector<std::string> out;
    for (const auto& w : v.warnings()) {
      if (w.kind() == kind) out.push_back(w.experiment_id() + "/" + w.subject());
    }
    return out;
  }
  testing::ViewsStore store_;
};

TEST_F(ViewsOfTestProgramme, FlagsABudgetCutARemovedYearAndAShorterPeriod) {
  Run(tk::ProposeCmd("e1"));
  Run(tk::SelectCmd("e1", {tk::YearEur(2025, 20'000), tk::YearEur(2026, 10'000)}), "college");
  v1::ProgrammeDesign cut = tk::TestProgrammeDesign();
  cut.mutable_budget()->mutable_total()->set_cents(15'000 * 100);
  cut.mutable_budget()->clear_years();
  *cut.mutable_budget()->add_years() = tk::YearEur(2025, 15'000);
  *cut.mutable_period()->mutable_end() = tk::D(2025, 3, 31);
  *cut.mutable_evaluation_date() = tk::D(2025, 4, 30);
  Run(tk::AmendProgrammeCmd(cut, "Bezuiniging"));
  const v1::ProgrammeView v = View();
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_OVER_ALLOCATED), ElementsAre("/", "/2025"));
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_ALLOCATION_OUTSIDE_BUDGET_YEARS), ElementsAre("e1/2026"));
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_PLANNING_OUTSIDE_PERIOD), ElementsAre("e1/"));
  ASSERT_EQ(v.budget().years_size(), 2);
  EXPECT_FALSE(v.budget().years(1).is_budget_year());
  EXPECT_EQ(v.budget().total().unallocated().cents(), -15'000 * 100);
  bool flagged = false;
  for (const auto& item : v.timeline()) flagged |= item.outside_period();
  EXPECT_TRUE(flagged);
}

// Every warning is said in English (message) and in Dutch (message_nl, what the council's
// progress report shows), with euros in Dutch style.
TEST_F(ViewsOfTestProgramme, SaysEachWarningInEnglishAndInDutch) {
  Run(tk::ProposeCmd("e1"));
  Run(tk::SelectCmd("e1", {tk::YearEur(2025, 20'000), tk::YearEur(2026, 10'000)}), "college");
  Run(tk::ProposeCmd("e2"));
  v1::ProgrammeDesign cut = tk::TestProgrammeDesign();
  cut.mutable_budget()->mutable_total()->set_cents(15'000 * 100);
  cut.mutable_budget()->clear_years();
  *cut.mutable_budget()->add_years() = tk::YearEur(2025, 15'000);
  *cut.mutable_period()->mutable_end() = tk::D(2025, 3, 31);
  *cut.mutable_evaluation_date() = tk::D(2025, 4, 30);
  Run(tk::AmendProgrammeCmd(cut, "Bezuiniging"));
  std::map<std::string, std::pair<std::string, std::string>> said;  // kind/experiment/subject
  const v1::ProgrammeView v = View();
  for (const auto& w : v.warnings()) {
    EXPECT_FALSE(w.message().empty()) << w.ShortDebugString();
    EXPECT_FALSE(w.message_nl().empty()) << w.ShortDebugString();
    EXPECT_NE(w.message(), w.message_nl()) << w.ShortDebugString();
    said[v1::WarningKind_Name(w.kind()) + "/" + w.experiment_id() + "/" + w.subject()] = {w.message(),
                                                                                         w.message_nl()};
  }
  EXPECT_EQ(said["WARNING_KIND_OVER_ALLOCATED//"].second,
            "de toekenningen (€ 30.000,00) zijn hoger dan het budget van het programma (€ 15.000,00)");
  EXPECT_EQ(said["WARNING_KIND_OVER_ALLOCATED//"].first,
            "allocations of EUR 30000.00 exceed the programme budget of EUR 15000.00");
  EXPECT_EQ(said["WARNING_KIND_OVER_ALLOCATED//2025"].second,
            "de toekenningen in 2025 (€ 20.000,00) zijn hoger dan het budget van dat jaar (€ 15.000,00)");
  EXPECT_EQ(said["WARNING_KIND_ALLOCATION_OUTSIDE_BUDGET_YEARS/e1/2026"].second,
            "aan experiment e1 is € 10.000,00 toegekend in begrotingsjaar 2026, dat het programma niet meer "
            "heeft");
  EXPECT_THAT(said["WARNING_KIND_PLANNING_OUTSIDE_PERIOD/e1/"].second,
              ::testing::MatchesRegex("experiment e1 is gepland van [0-9-]+ tot en met [0-9-]+, buiten de "
                                      "programmaperiode \\([0-9-]+ tot en met 2025-03-31\\)"));
}

// Each experiment's participant total stays within int32 (the deciders refuse more); the
// programme's roll-up of two such totals is held at the largest value, not wrapped negative.
TEST_F(ViewsOfTestProgramme, TheProgressRollUpDoesNotWrapPastInt32) {
  for (const char* e : {"e1", "e2"}) {
    Run(tk::ProposeCmd(e));
    Run(tk::SelectCmd(e, {tk::YearEur(2025, 1'000)}), "college");
  }
  Run(tk::SubmitCmd(), "council_clerk");
  Run(tk::AdoptCmd(), "college");
  for (const char* e : {"e1", "e2"}) {
    Run(tk::StartCmd(e));
    for (int i = 0; i < 110; ++i) Run(tk::ActivityCmd(e, 10'000'000, 0));  // 1.1 billion each
  }
  const v1::ProgrammeView v = View();
  EXPECT_EQ(v.progress().participant_count(), INT32_MAX);
  EXPECT_EQ(v.progress().activity_count(), 220);
}

// An experiment marked not evaluable before it started did not get done: it counts 0 in the
// roll-up's average, as in its own summary, not 100.
TEST_F(ViewsOfTestProgramme, AnExperimentThatNeverStartedCountsNoProgress) {
  for (const char* e : {"e1", "e2"}) {
    Run(tk::ProposeCmd(e));
    Run(tk::SelectCmd(e, {tk::YearEur(2025, 1'000)}), "college");
  }
  Run(tk::SubmitCmd(), "council_clerk");
  Run(tk::AdoptCmd(), "college");
  Run(tk::StartCmd("e2"));
  Run(tk::NotEvaluableCmd("e1", "Geen deelnemers gevonden"), "evaluator");
  const v1::ProgrammeView v = View();
  EXPECT_EQ(v.progress().experiments(), 2);
  EXPECT_EQ(v.progress().average_progress_percent(), 0);
}

// One marked not evaluable while it ran did get done: the programme counts it 100 %, and its own
// view says so beside the 40 % it last reported; the one that never started counts 0 there too.
TEST_F(ViewsOfTestProgramme, AnExperimentEndedWhileRunningCountsAsDoneInItsOwnViewToo) {
  for (const char* e : {"e1", "e2"}) {
    Run(tk::ProposeCmd(e));
    Run(tk::SelectCmd(e, {tk::YearEur(2025, 1'000)}), "college");
  }
  Run(tk::SubmitCmd(), "council_clerk");
  Run(tk::AdoptCmd(), "college");
  Run(tk::StartCmd("e1"));
  Run(tk::ProgressCmd("e1", 40, "Halverwege de werving"));
  Run(tk::NotEvaluableCmd("e1", "Te weinig deelnemers"), "evaluator");
  Run(tk::NotEvaluableCmd("e2", "Geen deelnemers gevonden"), "evaluator");
  auto view = store_.store().OpenReadView();
  ASSERT_TRUE(view.ok());
  auto ran = GetExperimentView(**view, tk::kPid, "e1", kAll, store_.now());
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_EQ(ran->progress_percent(), 40);
  EXPECT_EQ(ran->counted_progress_percent(), 100);
  auto never = GetExperimentView(**view, tk::kPid, "e2", kAll, store_.now());
  ASSERT_TRUE(never.ok()) << never.status();
  EXPECT_EQ(never->counted_progress_percent(), 0);
  EXPECT_EQ(View().progress().average_progress_percent(), 50);
}

// Spending corrected out of a year the programme no longer has leaves no empty line for it.
TEST_F(ViewsOfTestProgramme, SpendingCorrectedIntoAnotherYearLeavesNoEmptyYearLine) {
  Run(tk::ProposeCmd("e1"));
  Run(tk::SelectCmd("e1", {tk::YearEur(2025, 10'000)}), "college");
  Run(tk::SubmitCmd(), "council_clerk");
  Run(tk::AdoptCmd(), "college");
  Run(tk::StartCmd("e1"));
  auto spent = store_.Run(tk::SpendCmd("e1", 500, 2026));
  ASSERT_TRUE(spent.ok()) << spent.status();
  ASSERT_EQ(View().budget().years_size(), 2);
  v1::CorrectedFields fields;
  fields.set_budget_year(2025);
  Run(tk::CorrectCmd("e1", spent->last_position, fields, "Verkeerd begrotingsjaar"));
  const v1::ProgrammeView v = View();
  ASSERT_EQ(v.budget().years_size(), 2);  // 2025 and 2026 are both budget years
  v1::ProgrammeDesign cut = tk::TestProgrammeDesign();
  cut.mutable_budget()->clear_years();
  *cut.mutable_budget()->add_years() = tk::YearEur(2025, 70'000);
  cut.mutable_budget()->mutable_total()->set_cents(70'000 * 100);
  Run(tk::AmendProgrammeCmd(cut, "Het jaar 2026 vervalt"));
  const v1::ProgrammeView after = View();
  ASSERT_EQ(after.budget().years_size(), 1) << after.budget().ShortDebugString();
  EXPECT_EQ(after.budget().years(0).year(), 2025);
  EXPECT_EQ(after.budget().years(0).spent().cents(), 500 * 100);
}

TEST_F(ViewsOfTestProgramme, FlagsProposalsThatCannotBeSelectedYet) {
  v1::Command bare = tk::ProposeCmd("e2");
  bare.mutable_propose_experiment()->mutable_design()->clear_criteria();
  bare.mutable_propose_experiment()->mutable_design()->clear_participation_level();
  Run(bare);
  Run(tk::ProposeCmd("e1"));
  const v1::ProgrammeView v = View();
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_MISSING_CRITERIA), ElementsAre("e2/"));
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_MISSING_LEVEL), ElementsAre("e2/"));
  ASSERT_EQ(v.experiments_by_status_size(), 1);
  EXPECT_EQ(v.experiments_by_status(0).count(), 2);
}

TEST_F(ViewsOfTestProgramme, ComputesDeadlinesFromNow) {
  Run(tk::ProposeCmd("e1"));
  Run(tk::SelectCmd("e1", {tk::YearEur(2025, 20'000)}), "college");
  Run(tk::SubmitCmd(), "griffie");  // response deadline 2024-07-05
  Run(tk::RecordInputCmd("wb-1"), "griffie");
  v1::ProgrammeView v = View();
  EXPECT_EQ(v.clock().days_to_response_deadline(), -241);  // 2024-07-05 .. 2025-03-03
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_RESPONSE_DEADLINE_PASSED), ElementsAre("/"));
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_COUNCIL_INPUT_UNANSWERED), ElementsAre("/wb-1"));
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_EXPERIMENT_NOT_STARTED), ElementsAre("e1/"));
  Run(tk::AnswerInputCmd("wb-1"), "college");
  Run(tk::AdoptCmd(), "college");
  Run(tk::StartCmd("e1"));
  store_.SetNow(absl::FromCivil(absl::CivilDay(2025, 7, 10), absl::UTCTimeZone()));
  v = View();
  EXPECT_FALSE(v.clock().has_days_to_response_deadline());
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_EXPERIMENT_PAST_PLANNING_END), ElementsAre("e1/"));
  EXPECT_TRUE(Warnings(v, v1::WARNING_KIND_RESPONSE_DEADLINE_PASSED).empty());
  EXPECT_EQ(v.clock().days_to_period_end(), 174);  // 2025-07-10 .. 2025-12-31
}

TEST_F(ViewsOfTestProgramme, FlagsSpendingInAYearTheProgrammeNoLongerHas) {
  Run(tk::ProposeCmd("e1"));
  Run(tk::SelectCmd("e1", {tk::YearEur(2025, 20'000)}), "college");
  Run(tk::SubmitCmd(), "griffie");
  Run(tk::AdoptCmd(), "college");
  Run(tk::StartCmd("e1"));
  Run(tk::SpendCmd("e1", 25'000, 2026));
  v1::ProgrammeDesign only_2025 = tk::TestProgrammeDesign();
  only_2025.mutable_budget()->mutable_total()->set_cents(70'000 * 100);
  only_2025.mutable_budget()->clear_years();
  *only_2025.mutable_budget()->add_years() = tk::YearEur(2025, 70'000);
  Run(tk::AmendProgrammeCmd(only_2025, "Jaar 2026 vervalt"));
  const v1::ProgrammeView v = View();
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_SPENDING_OUTSIDE_BUDGET_YEARS), ElementsAre("e1/2026"));
  EXPECT_THAT(Warnings(v, v1::WARNING_KIND_OVER_SPENT), ElementsAre("e1/"));
  auto view = store_.store().OpenReadView();
  ASSERT_TRUE(view.ok());
  auto ev = GetExperimentView(**view, tk::kPid, "e1", kAll, store_.now());
  ASSERT_TRUE(ev.ok()) << ev.status();
  ASSERT_EQ(ev->expenditures_size(), 1);
  EXPECT_TRUE(ev->expenditures(0).outside_budget_years());
  EXPECT_EQ(ev->budget().overspent().cents(), 5'000 * 100);
}

TEST_F(ViewsOfTestProgramme, LeavesOutExperimentsAboveTheReadersClearance) {
  Run(tk::ProposeCmd("e1"));
  v1::Command secret = tk::ProposeCmd("e2");
  secret.mutable_propose_experiment()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
  Run(secret);
  Run(tk::SelectCmd("e1", {tk::YearEur(2025, 20'000)}), "college");
  Run(tk::SelectCmd("e2", {tk::YearEur(2025, 30'000)}), "college");
  Run(tk::SubmitCmd(), "griffie");
  v1::Command input = tk::RecordInputCmd("wb-1");
  input.mutable_record_council_input()->set_concerns_experiment_id("e2");
  Run(input, "griffie");
  const v1::ProgrammeView low = View(kPublic);
  ASSERT_EQ(low.experiments_size(), 1);
  EXPECT_EQ(low.experiments(0).experiment_id(), "e1");
  EXPECT_EQ(low.budget().total().allocated().cents(), 20'000 * 100);
  EXPECT_EQ(low.budget().experiments_size(), 1);
  EXPECT_EQ(low.decisions_size(), 1);
  EXPECT_EQ(low.council_inputs(0).input().experiment_id(), "");
  const v1::ProgrammeView high = View(v1::CONFIDENTIALITY_VERTROUWELIJK);
  EXPECT_EQ(high.experiments_size(), 2);
  EXPECT_EQ(high.budget().total().allocated().cents(), 50'000 * 100);
  EXPECT_EQ(high.council_inputs(0).input().experiment_id(), "e2");
  auto view = store_.store().OpenReadView();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(GetExperimentView(**view, tk::kPid, "e2", kPublic, store_.now()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(GetExperimentView(**view, tk::kPid, "e2", kAll, store_.now()).ok());
}

TEST(ViewsOfAConfidentialProgramme, AreNotFoundBelowItsLevel) {
  testing::ViewsStore store;
  store.SetNow(tk::TestNow());
  v1::Command draft = tk::DraftCmd();
  draft.mutable_draft_programme()->set_confidentiality(v1::CONFIDENTIALITY_GEHEIM);
  ASSERT_TRUE(store.Run(draft).ok());
  auto view = store.store().OpenReadView();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(GetProgrammeView(**view, tk::kPid, kPublic, store.now()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(BuildProgressReport(**view, tk::kPid, kPublic, store.now()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(GetProgrammeView(**view, tk::kPid, v1::CONFIDENTIALITY_GEHEIM, store.now()).ok());
}

}  // namespace
}  // namespace proeftuin::views
