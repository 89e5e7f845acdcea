// The views over the example programme of DOMAIN.md (lv-2024-2027), driven through the real
// application path (CommandHandler, RocksStore with every projection), from draft to closure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "app/decider_projection.h"
#include "views/testing/views_testing.h"
#include "views/views.h"

namespace proeftuin::views {
namespace {

using ::testing::ElementsAre;

using testing::kLv;
constexpr char kIntake[] = "straatgewijze-intake-voorburg-noord";
constexpr char kParking[] = "parkeren-rond-de-mall";
constexpr char kPlatform[] = "digitaal-participatieplatform";
constexpr char kYouthPanel[] = "jongerenpanel-stompwijk";
using testing::kAll;
constexpr int64_t kEur = 100;

absl::Time Day(int y, int m, int d) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, 12, 0, 0), absl::UTCTimeZone());
}

class ExampleViews : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = new testing::ViewsStore();
    testing::RunExample(*store_, [](const domain::ExampleStep& step, const eventstore::AppendResult&) {
      auto view = store_->store().OpenReadView();
      ASSERT_TRUE(view.ok());
      auto pv = GetProgrammeView(**view, kLv, kAll, step.at);
      ASSERT_TRUE(pv.ok()) << step.label << ": " << pv.status();
      after_[step.label] = *pv;
      if (step.label == "evaluate-challenge") {  // the same snapshot, asked later
        after_["evaluate-challenge@2027-03-01"] = *GetProgrammeView(**view, kLv, kAll, Day(2027, 3, 1));
      }
      if (step.label == "spend-intake-print") {
        auto ev = GetExperimentView(**view, kLv, kIntake, kAll, step.at);
        ASSERT_TRUE(ev.ok()) << ev.status();
        intake_before_correction_ = new v1::ExperimentView(*ev);
      }
    });
  }
  static void TearDownTestSuite() {
    delete store_;
    delete intake_before_correction_;
    after_.clear();
  }

  std::unique_ptr<eventstore::ReadView> View() {
    auto view = store_->store().OpenReadView();
    EXPECT_TRUE(view.ok()) << view.status();
    return *std::move(view);
  }
  v1::ProgrammeView Final() {
    auto pv = GetProgrammeView(*View(), kLv, kAll, Day(2027, 4, 1));
    EXPECT_TRUE(pv.ok()) << pv.status();
    return *pv;
  }
  v1::ExperimentView Experiment(const char* id) {
    auto ev = GetExperimentView(*View(), kLv, id, kAll, Day(2027, 4, 1));
    EXPECT_TRUE(ev.ok()) << ev.status();
    return *ev;
  }
  static const v1::ExperimentBudget* BudgetLine(const v1::BudgetView& b, const std::string& id) {
    for (const auto& e : b.experiments()) {
      if (e.experiment_id() == id) return &e;
    }
    return nullptr;
  }
  static std::vector<v1::WarningKind> Kinds(const v1::ProgrammeView& v) {
    std::vector<v1::WarningKind> kinds;
    for (const auto& w : v.warnings()) kinds.push_back(w.kind());
    return kinds;
  }

  static testing::ViewsStore* store_;
  static std::map<std::string, v1::ProgrammeView> after_;
  static v1::ExperimentView* intake_before_correction_;
};

testing::ViewsStore* ExampleViews::store_ = nullptr;
std::map<std::string, v1::ProgrammeView> ExampleViews::after_;
v1::ExperimentView* ExampleViews::intake_before_correction_ = nullptr;

TEST_F(ExampleViews, BudgetTableShowsBudgetAllocatedSpentAndRemainingPerYear) {
  const v1::BudgetView b = Final().budget();
  EXPECT_EQ(b.source(), "Kadernota 2024 (eenmalig)");
  EXPECT_EQ(b.total().budget().cents(), 140'000 * kEur);
  EXPECT_EQ(b.total().allocated().cents(), 103'000 * kEur);  // youth panel released
  // intake 450+9,800+3,200; parking 12,000+6,250; gardens 6,500+1,250; platform 9,000;
  // challenge 14,000+12,500.
  EXPECT_EQ(b.total().spent().cents(), 74'950 * kEur);
  EXPECT_EQ(b.total().remaining().cents(), (140'000 - 74'950) * kEur);
  EXPECT_EQ(b.total().unallocated().cents(), (140'000 - 103'000) * kEur);
  ASSERT_EQ(b.years_size(), 2);
  EXPECT_EQ(b.years(0).year(), 2025);
  EXPECT_EQ(b.years(0).allocated().cents(), 65'000 * kEur);
  EXPECT_EQ(b.years(0).spent().cents(), 58'000 * kEur);
  EXPECT_EQ(b.years(1).spent().cents(), 16'950 * kEur);
  EXPECT_TRUE(b.years(1).is_budget_year());
  const v1::ExperimentBudget* youth = BudgetLine(b, kYouthPanel);
  ASSERT_NE(youth, nullptr);
  EXPECT_TRUE(youth->released());
  EXPECT_EQ(youth->allocated().cents(), 0);
}

TEST_F(ExampleViews, FlagsTheOverSpentParkingConsultationOnly) {
  const v1::ProgrammeView v = Final();
  const v1::ExperimentBudget* parking = BudgetLine(v.budget(), kParking);
  ASSERT_NE(parking, nullptr);
  EXPECT_EQ(parking->overspent().cents(), 3'250 * kEur);
  std::vector<std::string> overspent;
  for (const auto& w : v.warnings()) {
    if (w.kind() == v1::WARNING_KIND_OVER_SPENT) overspent.push_back(w.experiment_id());
  }
  EXPECT_THAT(overspent, ElementsAre(kParking));
  EXPECT_EQ(after_.at("spend-parking-1").budget().experiments_size(), 6);
  EXPECT_THAT(Kinds(after_.at("spend-parking-1")),
              ::testing::Not(::testing::Contains(v1::WARNING_KIND_OVER_SPENT)));
}

TEST_F(ExampleViews, ShowsCouncilInputAsOpenUntilTheCollegeResponds) {
  const v1::ProgrammeView& recorded = after_.at("wish-parking");
  EXPECT_THAT(recorded.open_council_inputs(), ElementsAre("wb-1", "wb-2", "wb-3"));
  int unanswered = 0;
  for (const auto& w : recorded.warnings()) unanswered += w.kind() == v1::WARNING_KIND_COUNCIL_INPUT_UNANSWERED;
  EXPECT_EQ(unanswered, 3);
  EXPECT_THAT(after_.at("answer-wb-2").open_council_inputs(), ElementsAre("wb-3"));
  const v1::ProgrammeView v = Final();
  EXPECT_TRUE(v.open_council_inputs().empty());
  ASSERT_EQ(v.council_inputs_size(), 3);
  const v1::CouncilInputView& objection = v.council_inputs(1);
  EXPECT_EQ(objection.input().input_id(), "wb-2");
  EXPECT_EQ(objection.input().kind(), v1::COUNCIL_INPUT_KIND_OBJECTION);
  EXPECT_EQ(objection.input().experiment_id(), kPlatform);
  EXPECT_TRUE(objection.answered());
  EXPECT_EQ(objection.answer().disposition(), v1::DISPOSITION_PARTLY_ADOPTED);
  EXPECT_THAT(objection.answer().motivation(), ::testing::HasSubstr("papieren variant"));
}

TEST_F(ExampleViews, CountsKnowledgeSessionsAttendeesAndSeldomHeardGroups) {
  const v1::KnowledgeSessionsView k = Final().knowledge_sessions();
  EXPECT_EQ(k.count(), 4);
  EXPECT_EQ(k.attendee_count(), 9 + 18 + 11 + 40);
  EXPECT_THAT(k.seldom_heard_groups_reached(), ElementsAre("mantelzorgers"));
  EXPECT_THAT(k.organisations(), ElementsAre("Adviesraad Sociaal Domein", "Adviesraad Stompwijk",
                                             "Wijkoverleg Voorburg-Noord"));
  EXPECT_EQ(k.sessions(0).session().title(), "Informele collegesessie over potentiele projecten");
  EXPECT_THAT(k.sessions(1).session().experiment_ids(), ElementsAre(kIntake));
  EXPECT_EQ(Experiment(kIntake).knowledge_sessions_size(), 1);
}

TEST_F(ExampleViews, AppliesTheCorrectionToTheExpenditureItNames) {
  ASSERT_NE(intake_before_correction_, nullptr);
  ASSERT_EQ(intake_before_correction_->expenditures_size(), 1);
  EXPECT_EQ(intake_before_correction_->expenditures(0).expenditure().amount().cents(), 4'500 * kEur);
  const v1::ExperimentView intake = Experiment(kIntake);
  ASSERT_EQ(intake.expenditures_size(), 3);
  const v1::ExpenditureView& print = intake.expenditures(0);
  EXPECT_EQ(print.expenditure().amount().cents(), 450 * kEur);
  EXPECT_EQ(print.expenditure().description(), "Drukwerk uitnodigingen");
  EXPECT_EQ(print.correction_count(), 1);
  ASSERT_EQ(intake.corrections_size(), 1);
  const v1::HistoryEntry& correction = intake.corrections(0);
  EXPECT_EQ(correction.experiment_event().correction_recorded().corrected_position(), print.position());
  EXPECT_THAT(correction.reason(), ::testing::HasSubstr("F-2024-1187"));
  EXPECT_EQ(intake.budget().spent().cents(), (450 + 9'800 + 3'200) * kEur);
  for (const auto& h : intake.history()) {
    if (h.position() == print.position()) {
      EXPECT_THAT(h.corrected_by(), ElementsAre(correction.position()));
    }
  }
}

TEST_F(ExampleViews, ExperimentViewHoldsConditionsReachProgressAndEvaluation) {
  const v1::ExperimentView intake = Experiment(kIntake);
  EXPECT_EQ(intake.status(), v1::EXPERIMENT_STATUS_EVALUATED);
  EXPECT_EQ(intake.activities_size(), 2);
  EXPECT_EQ(intake.reach().participant_count(), 205);
  EXPECT_EQ(intake.reach().seldom_heard_reached_count(), 36);
  EXPECT_EQ(intake.progress_reports_size(), 1);
  EXPECT_EQ(intake.evaluation().criteria_size(), 4);
  EXPECT_TRUE(intake.evaluation().overall_sufficient());
  EXPECT_EQ(intake.evaluation().lessons(), "Breed inzetbaar in andere wijken.");
  EXPECT_EQ(intake.dates().started_on().year(), 2024);
  EXPECT_TRUE(intake.design().conditions().planning().has_start());
  EXPECT_EQ(intake.design().criteria_size(), 4);
  EXPECT_EQ(intake.history_size(), static_cast<int>(intake.stream_version()) + 1);
  EXPECT_FALSE(Experiment(kPlatform).evaluation().overall_sufficient());
  EXPECT_EQ(Experiment(kPlatform).status(), v1::EXPERIMENT_STATUS_EVALUATED);
  EXPECT_TRUE(Experiment("uitdaagrecht").added_after_adoption());
  const v1::ExperimentView parking = Experiment(kParking);
  EXPECT_EQ(parking.council_inputs_size(), 1);
  EXPECT_EQ(parking.warnings_size(), 1);
  EXPECT_EQ(parking.warnings(0).kind(), v1::WARNING_KIND_OVER_SPENT);
}

TEST_F(ExampleViews, ProgressReportHasEverySection) {
  auto report = BuildProgressReport(*View(), kLv, kAll, Day(2027, 4, 1));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), v1::PROGRAMME_STATUS_CLOSED);
  EXPECT_EQ(report->report_date().year(), 2027);
  EXPECT_EQ(report->budget().total().spent().cents(), 74'950 * kEur);
  EXPECT_EQ(report->experiments_size(), 6);  // every experiment ever selected
  ASSERT_EQ(report->other_proposals_size(), 1);
  EXPECT_EQ(report->other_proposals(0).status(), v1::EXPERIMENT_STATUS_REJECTED);
  int evaluated = 0;
  for (const auto& e : report->experiments()) evaluated += e.evaluation().evaluated();
  EXPECT_EQ(evaluated, 5);
  EXPECT_EQ(report->progress().evaluated(), 5);
  EXPECT_EQ(report->progress().experiments(), 5);  // the withdrawn youth panel is not counted
  EXPECT_EQ(report->council_inputs_size(), 3);
  EXPECT_EQ(report->knowledge_sessions().count(), 4);
  EXPECT_GE(report->decisions_size(), 1 + 6 + 1 + 0);
  EXPECT_THAT(report->evaluation().findings(), ::testing::HasSubstr("Vier van de vijf"));
  EXPECT_EQ(report->as_of_position(), store_->store().LastPosition());
}

TEST_F(ExampleViews, ListsDecisionsByDate) {
  const v1::ProgrammeView v = Final();
  ASSERT_GE(v.decisions_size(), 8);
  EXPECT_EQ(v.decisions(0).kind(), v1::DECISION_KIND_SELECTION);
  EXPECT_EQ(v.decisions(0).decision().identification(), "B&W 24.0456");
  int adoptions = 0, rejections = 0;
  for (const auto& d : v.decisions()) {
    adoptions += d.kind() == v1::DECISION_KIND_ADOPTION;
    rejections += d.kind() == v1::DECISION_KIND_REJECTION;
    EXPECT_GT(d.position(), 0u) << d.ShortDebugString();
  }
  EXPECT_EQ(adoptions, 1);
  EXPECT_EQ(rejections, 1);
}

TEST_F(ExampleViews, TimelineAndAmendmentShowTheExtendedPeriod) {
  const v1::ProgrammeView v = Final();
  ASSERT_EQ(v.amendments_size(), 1);
  EXPECT_THAT(v.amendments(0).reason(), ::testing::HasSubstr("begin 2027"));
  EXPECT_EQ(v.amendments(0).programme_event().programme_amended().design().period().end().year(), 2027);
  EXPECT_TRUE(v.amendments(0).programme_event().programme_amended().design().goal().empty());
  ASSERT_GT(v.timeline_size(), 5);
  bool period = false;
  for (const auto& item : v.timeline()) {
    if (item.kind() == v1::TIMELINE_ITEM_KIND_PROGRAMME_PERIOD) {
      period = true;
      EXPECT_EQ(item.end().year(), 2027);
    }
    EXPECT_FALSE(item.outside_period()) << item.ShortDebugString();
  }
  EXPECT_TRUE(period);
  EXPECT_EQ(v.dates().drafted_on().year(), 2024);
  EXPECT_EQ(v.dates().adopted_on().month(), 7);
}

TEST_F(ExampleViews, ClockFactsComeFromNowNotFromTheLog) {
  const v1::ProgrammeView& then = after_.at("evaluate-challenge");
  EXPECT_EQ(then.clock().days_to_evaluation(), 26);  // 2027-01-20 .. 2027-02-15
  EXPECT_FALSE(then.clock().evaluation_overdue());
  const v1::ProgrammeView& later = after_.at("evaluate-challenge@2027-03-01");
  EXPECT_EQ(later.clock().days_to_evaluation(), -14);
  EXPECT_TRUE(later.clock().evaluation_overdue());
  EXPECT_THAT(Kinds(later), ::testing::Contains(v1::WARNING_KIND_EVALUATION_OVERDUE));
  EXPECT_FALSE(Final().clock().evaluation_overdue());  // evaluated by then
}

TEST_F(ExampleViews, RebuildEqualsLiveByteForByte) {
  store_->CatchUp();
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> live;
  for (const std::string& p : testing::AllProjections()) live[p] = store_->Rows(p);
  // Not a comparison of nothing (the example has no chain of programmes: chain_test.cc has).
  EXPECT_FALSE(live[app::kDeciderStateProjection].empty());
  EXPECT_FALSE(live[kAuditIndexProjection].empty());
  for (const std::string& p : testing::AllProjections()) {
    ASSERT_TRUE(store_->store().Rebuild(p, nullptr).ok()) << p;
    EXPECT_TRUE(store_->Rows(p) == live[p]) << p << " differs after a rebuild";
  }
}

TEST_F(ExampleViews, UnknownProgrammeAndExperimentAreNotFound) {
  auto view = View();
  EXPECT_EQ(GetProgrammeView(*view, "bestaat-niet", kAll, absl::Now()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(GetExperimentView(*view, kLv, "bestaat-niet", kAll, absl::Now()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(BuildProgressReport(*view, "bestaat-niet", kAll, absl::Now()).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace proeftuin::views
