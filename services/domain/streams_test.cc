// Tests of stream names, command targets, event type names and payload decoding.
#include "domain/streams.h"

#include "domain/rules.h"
#include "domain/testing/builders.h"
#include "gtest/gtest.h"

namespace proeftuin::domain::testkit {
namespace {

TEST(Streams, NamesProgrammeAndExperimentStreams) {
  EXPECT_EQ(ProgrammeStream("lv-2024-2027"), "programme-lv-2024-2027");
  EXPECT_EQ(ExperimentStream("lv-2024-2027", "uitdaagrecht"),
            "experiment-lv-2024-2027.uitdaagrecht");
}

TEST(Streams, ParsesTheNamesBack) {
  std::optional<StreamIds> p = ParseStream("programme-lv-2024-2027");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->programme_id, "lv-2024-2027");
  EXPECT_EQ(p->experiment_id, "");
  std::optional<StreamIds> e = ParseStream("experiment-lv-2024-2027.uitdaagrecht");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->programme_id, "lv-2024-2027");
  EXPECT_EQ(e->experiment_id, "uitdaagrecht");
  EXPECT_FALSE(ParseStream("experiment-lv").has_value());
  EXPECT_FALSE(ParseStream("programme-LV").has_value());
  EXPECT_FALSE(ParseStream("other-lv").has_value());
}

TEST(Streams, TargetsTheProgrammeStreamForProgrammeCommands) {
  absl::StatusOr<CommandTarget> target = TargetOf(AdoptCmd());
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->programme_stream, "programme-lv-test");
  EXPECT_FALSE(target->is_experiment_command());
  EXPECT_FALSE(target->may_write_programme_stream);
  // The council input names an experiment, but is a programme command.
  v1::Command input = RecordInputCmd("");
  input.mutable_record_council_input()->set_concerns_experiment_id("a");
  EXPECT_FALSE(TargetOf(input)->is_experiment_command());
}

TEST(Streams, TargetsBothStreamsForExperimentCommands) {
  absl::StatusOr<CommandTarget> target = TargetOf(SelectCmd("a", {}));
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->experiment_stream, "experiment-lv-test.a");
  EXPECT_EQ(target->programme_stream, "programme-lv-test");
  EXPECT_TRUE(target->may_write_programme_stream);
  EXPECT_TRUE(TargetOf(WithdrawCmd("a", "x"))->may_write_programme_stream);
  EXPECT_FALSE(TargetOf(StartCmd("a"))->may_write_programme_stream);
}

TEST(Streams, TargetsACorrectionByItsExperimentId) {
  EXPECT_FALSE(TargetOf(CorrectCmd("", 1, {}, "x"))->is_experiment_command());
  EXPECT_TRUE(TargetOf(CorrectCmd("a", 1, {}, "x"))->is_experiment_command());
}

TEST(Streams, RejectsEmptyCommandsAndBadIds) {
  EXPECT_EQ(RuleIdOf(TargetOf(v1::Command()).status()), rules::kCommandEmpty);
  v1::Command bad = StartCmd("Straat Intake");
  EXPECT_EQ(RuleIdOf(TargetOf(bad).status()), rules::kIdInvalid);
  EXPECT_EQ(RuleIdOf(TargetOf(StartCmd("")).status()), rules::kFieldRequired);
}

TEST(Streams, NamesTheStoredTypeOfAnEvent) {
  EXPECT_EQ(EventTypeName(DraftedEvent()), "proeftuin.v1.ProgrammeDrafted");
  EXPECT_EQ(EventTypeName(StartedEvent()), "proeftuin.v1.ExperimentStarted");
  EXPECT_EQ(EventTypeName(v1::ProgrammeEvent()), "");
}

TEST(Streams, DecodesAPayloadOfTheStoredType) {
  const std::string payload = DraftedEvent().SerializeAsString();
  absl::StatusOr<v1::ProgrammeEvent> event =
      DecodeProgrammeEvent("proeftuin.v1.ProgrammeDrafted", payload);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->programme_drafted().programme_id(), kPid);
  EXPECT_EQ(DecodeProgrammeEvent("proeftuin.v1.ProgrammeClosed", payload).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeExperimentEvent("proeftuin.v1.ExperimentStarted", "\xff\xff").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Streams, DescribesActionsWithTheirObject) {
  EXPECT_EQ(DescribeAction(AdoptCmd()), "adopt programme lv-test");
  EXPECT_EQ(DescribeAction(SubmitCmd()), "submit programme lv-test to council");
  EXPECT_EQ(DescribeAction(StopCmd("a", "x")), "stop experiment lv-test.a early");
  EXPECT_EQ(DescribeAction(SpendCmd("a", 1, 2025)), "record expenditure for experiment lv-test.a");
  EXPECT_EQ(DescribeAction(RecordInputCmd("")), "record council input for programme lv-test");
  EXPECT_EQ(DescribeAction(CorrectCmd("", 1, {}, "")), "record correction for programme lv-test");
}

TEST(Streams, WrapsActionsInACommand) {
  v1::StartExperiment start;
  start.set_programme_id("p");
  EXPECT_EQ(CommandOf(start).command_case(), v1::Command::kStartExperiment);
  EXPECT_EQ(CommandOf(v1::Date()).command_case(), v1::Command::COMMAND_NOT_SET);
}

}  // namespace
}  // namespace proeftuin::domain::testkit
