// The whole example programme of DOMAIN.md, from draft to closure, driven through Decide and
// Evolve over the in-memory log.
#include "domain/example_programme.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/dates.h"
#include "domain/testing/support.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace proeftuin::domain::testkit {
namespace {

constexpr char kLv[] = "lv-2024-2027";

// What one step of the example did when run through the in-memory log.
struct StepRun {
  std::string label;
  absl::Status status;
  std::vector<LoggedEvent> events;
};

// Runs every step whose `at` is on or before `last_at`, in order, with Decide's `now` =
// `fixed_now` when given, else the step's own `at`. Stops at the first failure.
std::vector<StepRun> RunExample(absl::Time last_at, std::optional<absl::Time> fixed_now) {
  InMemoryLog log;
  ExamplePositions positions;
  std::vector<StepRun> runs;
  for (ExampleStep& step : ExampleProgrammeSteps()) {
    if (step.at > last_at) continue;
    StepRun& run = runs.emplace_back();
    run.label = step.label;
    run.status = positions.Resolve(&step);
    if (!run.status.ok()) break;
    absl::StatusOr<Executed> result = log.Execute(step.command, fixed_now.value_or(step.at));
    run.status = result.status();
    if (!run.status.ok()) break;
    run.events = result->events;
    for (const LoggedEvent& e : run.events) positions.Record(step.label, e.stream, e.position);
  }
  return runs;
}

// Every proeftuin.v1.Date inside a message, at any depth.
void CollectDates(const google::protobuf::Message& message, std::vector<v1::Date>* dates) {
  if (message.GetDescriptor() == v1::Date::descriptor()) {
    v1::Date& date = dates->emplace_back();
    date.CopyFrom(message);
    return;
  }
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        CollectDates(reflection->GetRepeatedMessage(message, field, i), dates);
      }
    } else {
      CollectDates(reflection->GetMessage(message, field), dates);
    }
  }
}

// The business dates inside a stored event's payload.
std::vector<v1::Date> PayloadDates(const LoggedEvent& e) {
  std::vector<v1::Date> dates;
  if (e.stream == ProgrammeStream(kLv)) {
    absl::StatusOr<v1::ProgrammeEvent> event = DecodeProgrammeEvent(e.type, e.payload);
    EXPECT_THAT(event, IsOk()) << e.type;
    if (event.ok()) CollectDates(*event, &dates);
  } else {
    absl::StatusOr<v1::ExperimentEvent> event = DecodeExperimentEvent(e.type, e.payload);
    EXPECT_THAT(event, IsOk()) << e.type;
    if (event.ok()) CollectDates(*event, &dates);
  }
  return dates;
}

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

// The server and the CLI's demo send the steps with the real clock as `now`. Every business
// date is explicit in the commands, so the events are the same as when each step is decided
// at its own `at`, and nothing falls back to "today".
TEST(ExampleProgrammeOnTheRealClock, DecidesTheSameEventsAsOnEachStepsOwnDate) {
  const absl::Time real_now =
      absl::FromCivil(absl::CivilSecond(2026, 11, 28, 12, 0, 0), absl::UTCTimeZone());
  const v1::Date real_today = DateOfUtc(real_now);
  const std::vector<StepRun> own = RunExample(real_now, std::nullopt);
  const std::vector<StepRun> real = RunExample(real_now, real_now);
  ASSERT_EQ(own.size(), real.size());
  ASSERT_GT(real.size(), 60u);
  int compared_events = 0;
  // Steps whose events have a header date (occurred_on) of today on the real clock.
  std::vector<std::string> dated_today;
  for (size_t i = 0; i < real.size(); ++i) {
    const std::string& label = real[i].label;
    ASSERT_EQ(own[i].label, label);
    ASSERT_THAT(own[i].status, IsOk()) << label << " at its own date";
    ASSERT_THAT(real[i].status, IsOk()) << label << " on " << FormatDate(real_today);
    ASSERT_FALSE(real[i].events.empty()) << label << " wrote nothing";
    ASSERT_EQ(own[i].events.size(), real[i].events.size()) << label;
    bool header_today = false;
    for (size_t j = 0; j < real[i].events.size(); ++j) {
      const LoggedEvent& a = own[i].events[j];
      const LoggedEvent& b = real[i].events[j];
      const std::string where = absl::StrCat(label, " event ", j, " (", b.type, ")");
      EXPECT_EQ(a.position, b.position) << where;
      EXPECT_EQ(a.stream, b.stream) << where;
      EXPECT_EQ(a.stream_version, b.stream_version) << where;
      EXPECT_EQ(a.type, b.type) << where;
      EXPECT_EQ(a.payload, b.payload) << where;
      EXPECT_EQ(a.personal.has_value(), b.personal.has_value()) << where;
      if (a.personal.has_value() && b.personal.has_value()) {
        EXPECT_EQ(a.personal->SerializeAsString(), b.personal->SerializeAsString()) << where;
      }
      EXPECT_EQ(a.confidentiality, b.confidentiality) << where;
      EXPECT_EQ(a.reason, b.reason) << where;
      for (const v1::Date& date : PayloadDates(b)) {
        EXPECT_NE(CompareDates(date, real_today), 0)
            << where << " carries " << FormatDate(date) << ": it fell back to today";
      }
      if (CompareDates(b.occurred_on, real_today) == 0) {
        header_today = true;
      } else {
        EXPECT_EQ(FormatDate(a.occurred_on), FormatDate(b.occurred_on)) << where;
      }
      ++compared_events;
    }
    if (header_today) dated_today.push_back(label);
  }
  EXPECT_GT(compared_events, 60);
  // Only the commands that have no business-date field at all (DraftProgramme, AmendProgramme,
  // RecordCorrection): Decide dates their header occurred_on `now`, whatever the example does.
  // Their payloads carry no date, so the events above are still the same.
  EXPECT_THAT(dated_today,
              ::testing::ElementsAre("draft", "extend-period", "correct-intake-print"));
}

TEST(ExampleProgrammeOnTheRealClock, SkipsOnlyTheStepsAfterToday) {
  const absl::Time real_now =
      absl::FromCivil(absl::CivilSecond(2026, 11, 28, 12, 0, 0), absl::UTCTimeZone());
  std::vector<std::string> later;
  for (const ExampleStep& step : ExampleProgrammeSteps()) {
    if (step.at > real_now) later.push_back(step.label);
  }
  EXPECT_THAT(later, ::testing::ElementsAre("complete-challenge", "evaluate-challenge",
                                            "evaluate-programme", "close"));
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
