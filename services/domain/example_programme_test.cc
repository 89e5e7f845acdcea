// The whole example programme of DOMAIN.md, from draft to closure, driven through Decide and
// Evolve over the in-memory log.
#include "domain/example_programme.h"

#include "domain/testing/support.h"

namespace proeftuin::domain::testkit {
namespace {

constexpr char kLv[] = "lv-2024-2027";

class ExampleProgramme : public ::testing::Test {
 protected:
  void SetUp() override {
    ExamplePositions positions;
    for (ExampleStep& step : ExampleProgrammeSteps()) {
      ASSERT_TRUE(positions.Resolve(&step).ok()) << step.label;
      absl::StatusOr<Executed> result = log_.Execute(step.command, step.at);
      ASSERT_THAT(result, IsOk()) << step.label;
      ASSERT_FALSE(result->events.empty()) << step.label << " wrote nothing";
      for (const LoggedEvent& e : result->events) {
        positions.Record(step.label, e.stream, e.position);
        if (e.type == T(v1::CorrectionRecorded::descriptor())) ++corrections_;
        if (e.personal.has_value()) ++personal_parts_;
      }
      ++steps_;
    }
  }

  const v1::ExperimentState& Exp(const char* id) const { return *log_.Experiment(kLv, id); }

  InMemoryLog log_;
  int steps_ = 0;
  int corrections_ = 0;
  int personal_parts_ = 0;
};

TEST_F(ExampleProgramme, RunsFromDraftToClosure) {
  const v1::ProgrammeState& programme = *log_.Programme(kLv);
  EXPECT_EQ(programme.status(), v1::PROGRAMME_STATUS_CLOSED);
  EXPECT_EQ(programme.design().budget().total().cents(), 14'000'000);
  EXPECT_EQ(programme.design().period().end().year(), 2027);
  EXPECT_EQ(programme.amendment_count(), 1);
  EXPECT_EQ(programme.adoption().identification(), "B&W 24.0512");
  EXPECT_EQ(programme.council_inputs_size(), 3);
  for (const v1::CouncilInputState& input : programme.council_inputs()) {
    EXPECT_TRUE(input.answered()) << input.input_id();
  }
  EXPECT_EQ(programme.knowledge_sessions_size(), 4);
  EXPECT_GT(steps_, 60);
}

TEST_F(ExampleProgramme, HasAtLeastSixExperimentsWithEveryEnding) {
  const std::vector<const v1::ExperimentState*> experiments = log_.ExperimentsOf(kLv);
  EXPECT_EQ(experiments.size(), 7u);
  EXPECT_EQ(Exp("burgerberaad-klimaat").status(), v1::EXPERIMENT_STATUS_REJECTED);
  EXPECT_EQ(Exp("jongerenpanel-stompwijk").status(), v1::EXPERIMENT_STATUS_WITHDRAWN);
  EXPECT_EQ(Exp("digitaal-participatieplatform").end_reason().substr(0, 14), "Te weinig deel");
  for (const char* id :
       {"straatgewijze-intake-voorburg-noord", "parkeren-rond-de-mall", "adoptietuinen-sneller",
        "uitdaagrecht", "digitaal-participatieplatform"}) {
    EXPECT_EQ(Exp(id).status(), v1::EXPERIMENT_STATUS_EVALUATED) << id;
    EXPECT_EQ(Exp(id).scores_size(), 4) << id;
  }
}

TEST_F(ExampleProgramme, ReleasesTheWithdrawnAllocationAndAddsTheChallengeLater) {
  const v1::ProgrammeState& programme = *log_.Programme(kLv);
  EXPECT_EQ(AllocatedCents(programme), 10'300'000);
  EXPECT_EQ(AllocatedCentsInYear(programme, 2025), 6'500'000);
  EXPECT_FALSE(IsOverAllocated(programme));
  EXPECT_TRUE(Exp("uitdaagrecht").added_after_adoption());
  EXPECT_FALSE(Exp("parkeren-rond-de-mall").added_after_adoption());
}

TEST_F(ExampleProgramme, ShowsTheOverspendingAndTheCorrection) {
  EXPECT_EQ(OverspentCents(Exp("parkeren-rond-de-mall")), 325'000);
  const v1::ExperimentState& intake = Exp("straatgewijze-intake-voorburg-noord");
  EXPECT_EQ(intake.spent().cents(), (450 + 9'800 + 3'200) * 100);
  EXPECT_EQ(intake.correction_count(), 1);
  EXPECT_EQ(corrections_, 1);
  EXPECT_EQ(intake.participant_count(), 205);
}

TEST_F(ExampleProgramme, KeepsPersonalDataOutOfTheEvents) {
  EXPECT_EQ(personal_parts_, 2);  // the resident proposer and the named attendees
  for (const LoggedEvent& e : log_.events()) {
    EXPECT_EQ(e.payload.find("Bakker"), std::string::npos) << e.type;
    EXPECT_EQ(e.payload.find("Jansen"), std::string::npos) << e.type;
  }
}

TEST_F(ExampleProgramme, RebuildsEveryStateFromTheLog) {
  EXPECT_EQ(log_.FirstStreamNotRebuilt(), "");
}

TEST(ExamplePositionsTest, RefusesACorrectionOfAStepThatWroteNothing) {
  std::vector<ExampleStep> steps = ExampleProgrammeSteps();
  for (ExampleStep& step : steps) {
    if (step.corrects.empty()) continue;
    EXPECT_EQ(ExamplePositions().Resolve(&step).code(), absl::StatusCode::kNotFound);
  }
}

}  // namespace
}  // namespace proeftuin::domain::testkit
