// Given / When / Then tests of the council procedure (wensen en bedenkingen): submission to
// the council, recording wishes and objections, the college's answers (rule 1).
#include "absl/strings/str_replace.h"
#include "domain/testing/support.h"

namespace proeftuin::domain::testkit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

class CouncilDecider : public DomainTest {};

TEST_F(CouncilDecider, SubmitsTheDesignProgrammeToTheCouncil) {
  GivenProgramme({DraftedEvent()});
  absl::StatusOr<Executed> result = When(SubmitCmd());
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::ProgrammeSubmittedToCouncil::descriptor())));
  EXPECT_EQ(Programme().status(), v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL);
  EXPECT_EQ(Programme().submission().council_reference().document_id(), "rv-2024-031");
}

TEST_F(CouncilDecider, RejectsSubmittingTwice) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  EXPECT_THAT(When(SubmitCmd()),
              IsRuleError(Code::kFailedPrecondition, rules::kCouncilAlreadySubmitted));
}

TEST_F(CouncilDecider, RejectsSubmissionWithoutCouncilMeeting) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = SubmitCmd();
  command.mutable_submit_programme_to_council()->mutable_council_reference()->clear_meeting_id();
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kFieldRequired));
}

TEST_F(CouncilDecider, RejectsResponseDeadlineBeforeSubmission) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = SubmitCmd();
  *command.mutable_submit_programme_to_council()->mutable_response_deadline() = D(2024, 6, 1);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
}

TEST_F(CouncilDecider, RejectsAnInvalidCalendarDate) {
  GivenProgramme({DraftedEvent()});
  v1::Command command = SubmitCmd();
  *command.mutable_submit_programme_to_council()->mutable_submitted_on() = D(2023, 2, 29);
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kDateInvalid));
}

TEST_F(CouncilDecider, RecordsWishesNumberedWhenNoIdIsGiven) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  ASSERT_THAT(When(RecordInputCmd("")), IsOk());
  ASSERT_THAT(When(RecordInputCmd("")), IsOk());
  ASSERT_EQ(Programme().council_inputs_size(), 2);
  EXPECT_EQ(Programme().council_inputs(0).input_id(), "wb-1");
  EXPECT_EQ(Programme().council_inputs(1).input_id(), "wb-2");
  EXPECT_FALSE(Programme().council_inputs(1).answered());
}

TEST_F(CouncilDecider, RejectsCouncilInputBeforeSubmission) {
  GivenProgramme({DraftedEvent()});
  EXPECT_THAT(When(RecordInputCmd("")),
              IsRuleError(Code::kFailedPrecondition, rules::kCouncilNotSubmitted));
}

TEST_F(CouncilDecider, RejectsCouncilInputAfterAdoption) {
  GivenAdoptedProgramme();
  EXPECT_THAT(When(RecordInputCmd("")),
              IsRuleError(Code::kFailedPrecondition, rules::kCouncilClosed));
  EXPECT_THAT(When(AnswerInputCmd("wb-1")),
              IsRuleError(Code::kFailedPrecondition, rules::kCouncilClosed));
}

TEST_F(CouncilDecider, RejectsATakenInputId) {
  GivenProgramme({DraftedEvent(), SubmittedEvent(), InputRecordedEvent("motie-3")});
  EXPECT_THAT(When(RecordInputCmd("motie-3")),
              IsRuleError(Code::kAlreadyExists, rules::kCouncilInputExists));
}

TEST_F(CouncilDecider, RecordsInputAboutAnExperiment) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  GivenExperiment("parkeren", {ProposedEvent("parkeren")});
  v1::Command command = RecordInputCmd("");
  command.mutable_record_council_input()->set_concerns_experiment_id("parkeren");
  ASSERT_THAT(When(command), IsOk());
  EXPECT_EQ(Programme().council_inputs(0).experiment_id(), "parkeren");
}

TEST_F(CouncilDecider, RejectsInputAboutAnUnknownExperiment) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  v1::Command command = RecordInputCmd("");
  command.mutable_record_council_input()->set_concerns_experiment_id("onbekend");
  EXPECT_THAT(When(command), IsRuleError(Code::kNotFound, rules::kExperimentNotFound));
}

// Input about an experiment above the caller's clearance is refused as input about an unknown
// one, word for word.
TEST_F(CouncilDecider, TreatsAnExperimentAboveTheCallersClearanceAsUnknown) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  GivenExperiment("geheim", {ProposedEvent("geheim")});
  auto decide = [this](const std::string& eid) {
    v1::Command command = RecordInputCmd("");
    command.mutable_record_council_input()->set_concerns_experiment_id(eid);
    DecisionContext context = log_.ContextFor(*TargetOf(command));
    context.hidden_experiments = {"geheim"};
    return Decide(command, context, TestNow()).status();
  };
  const absl::Status hidden = decide("geheim");
  const absl::Status unknown = decide("onbekend");
  EXPECT_EQ(hidden.code(), Code::kNotFound) << hidden;
  EXPECT_EQ(absl::StrReplaceAll(unknown.message(), {{"onbekend", "geheim"}}), hidden.message());
}

TEST_F(CouncilDecider, RejectsInputWithoutKind) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  v1::Command command = RecordInputCmd("");
  command.mutable_record_council_input()->clear_kind();
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kFieldRequired));
}

TEST_F(CouncilDecider, AnswersAWish) {
  GivenProgramme({DraftedEvent(), SubmittedEvent(), InputRecordedEvent("wb-1")});
  absl::StatusOr<Executed> result = When(AnswerInputCmd("wb-1"));
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(Types(*result), ElementsAre(T(v1::CouncilInputAnswered::descriptor())));
  EXPECT_TRUE(Programme().council_inputs(0).answered());
  EXPECT_EQ(Programme().council_inputs(0).disposition(), v1::DISPOSITION_ADOPTED);
}

TEST_F(CouncilDecider, RejectsAnsweringAnUnknownInput) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  EXPECT_THAT(When(AnswerInputCmd("wb-9")),
              IsRuleError(Code::kNotFound, rules::kCouncilInputNotFound));
}

TEST_F(CouncilDecider, RejectsAnsweringTwice) {
  GivenProgramme(
      {DraftedEvent(), SubmittedEvent(), InputRecordedEvent("wb-1"), InputAnsweredEvent("wb-1")});
  EXPECT_THAT(When(AnswerInputCmd("wb-1")),
              IsRuleError(Code::kFailedPrecondition, rules::kCouncilInputAnswered));
}

TEST_F(CouncilDecider, RejectsAnswerWithoutMotivation) {
  GivenProgramme({DraftedEvent(), SubmittedEvent(), InputRecordedEvent("wb-1")});
  v1::Command command = AnswerInputCmd("wb-1");
  command.mutable_answer_council_input()->clear_motivation();
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kFieldRequired));
}

TEST_F(CouncilDecider, RejectsAnswerWithoutDisposition) {
  GivenProgramme({DraftedEvent(), SubmittedEvent(), InputRecordedEvent("wb-1")});
  v1::Command command = AnswerInputCmd("wb-1");
  command.mutable_answer_council_input()->set_disposition(static_cast<v1::Disposition>(42));
  EXPECT_THAT(When(command), IsRuleError(Code::kInvalidArgument, rules::kValueRange));
}

TEST_F(CouncilDecider, RejectsCouncilInputReceivedBeforeTheSubmission) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});  // submitted 2024-06-20
  v1::Command command = RecordInputCmd("");
  *command.mutable_record_council_input()->mutable_received_on() = D(2024, 6, 10);
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(), HasSubstr("field received_on is 2024-06-10, before"));
}

TEST_F(CouncilDecider, RejectsAnAnswerDatedBeforeTheInputWasReceived) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  ASSERT_THAT(When(RecordInputCmd("wb-1")), IsOk());  // received 2024-07-02
  v1::Command command = AnswerInputCmd("wb-1");
  *command.mutable_answer_council_input()->mutable_answered_on() = D(2024, 7, 1);
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(), HasSubstr("field answered_on is 2024-07-01, before"));
  *command.mutable_answer_council_input()->mutable_answered_on() = D(2024, 7, 2);
  EXPECT_THAT(When(command), IsOk());
}

TEST_F(CouncilDecider, RejectsAnAdoptionDatedBeforeAnAnswer) {
  GivenProgramme({DraftedEvent(), SubmittedEvent()});
  ASSERT_THAT(When(RecordInputCmd("wb-1")), IsOk());  // received 2024-07-02
  ASSERT_THAT(When(AnswerInputCmd("wb-1")), IsOk());  // answered 2024-07-08
  v1::Command command = AdoptCmd();
  *command.mutable_adopt_programme()->mutable_decision()->mutable_decision_date() = D(2024, 7, 5);
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field decision.decision_date is 2024-07-05, before"));
  EXPECT_THAT(result.status().message(), HasSubstr("wb-1"));
  EXPECT_THAT(When(AdoptCmd()), IsOk());  // decided 2024-07-09
}

// The council is given its chance to voice wishes and objections (Gemeentewet art. 169(4)): the
// college does not adopt before the council meeting on the proposal (PT-DATE-ORDER); once it was
// held, the response deadline does not hold the adoption back.
TEST_F(CouncilDecider, RejectsAnAdoptionDatedBeforeTheCouncilMeetingOnTheProposal) {
  GivenProgramme({DraftedEvent()});
  v1::Command submit = SubmitCmd();  // submitted 2024-06-20, deadline 2024-07-05
  *submit.mutable_submit_programme_to_council()
       ->mutable_council_reference()
       ->mutable_meeting_date() = D(2024, 7, 3);
  ASSERT_THAT(When(submit), IsOk());
  v1::Command command = AdoptCmd();
  *command.mutable_adopt_programme()->mutable_decision()->mutable_decision_date() = D(2024, 7, 2);
  absl::StatusOr<Executed> result = When(command);
  EXPECT_THAT(result, IsRuleError(Code::kInvalidArgument, rules::kDateOrder));
  EXPECT_THAT(result.status().message(),
              HasSubstr("field decision.decision_date is 2024-07-02, before the council meeting "
                        "on the proposal 2024-07-03"));
  EXPECT_EQ(Programme().status(), v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL);
  *command.mutable_adopt_programme()->mutable_decision()->mutable_decision_date() = D(2024, 7, 3);
  EXPECT_THAT(When(command), IsOk());  // the day of the meeting, before the deadline
}

// A submission stored without a meeting date (before it was required): the response deadline.
TEST_F(CouncilDecider, WithoutAMeetingDateTheResponseDeadlineHoldsTheAdoptionBack) {
  v1::ProgrammeEvent submitted = SubmittedEvent();
  submitted.mutable_programme_submitted_to_council()
      ->mutable_council_reference()
      ->clear_meeting_date();
  *submitted.mutable_programme_submitted_to_council()->mutable_response_deadline() = D(2024, 7, 5);
  GivenProgramme({DraftedEvent(), submitted});
  v1::Command command = AdoptCmd();
  *command.mutable_adopt_programme()->mutable_decision()->mutable_decision_date() = D(2024, 7, 4);
  EXPECT_THAT(When(command).status().message(),
              HasSubstr("before the council's response deadline 2024-07-05"));
  *command.mutable_adopt_programme()->mutable_decision()->mutable_decision_date() = D(2024, 7, 5);
  EXPECT_THAT(When(command), IsOk());
}

TEST_F(CouncilDecider, AcceptsAnswersToInputsStoredWithoutDates) {
  // A state folded before the procedure's dates were kept has none: nothing to compare.
  GivenProgramme({DraftedEvent(), SubmittedEvent(), InputRecordedEvent("wb-1")});
  ASSERT_THAT(When(AnswerInputCmd("wb-1")), IsOk());
  EXPECT_THAT(When(AdoptCmd()), IsOk());
}

}  // namespace
}  // namespace proeftuin::domain::testkit
