// End to end: ProgrammeService.ExecuteCommands, many commands over one stream, each answered as
// its own RPC would answer it: results, idempotent retries, rules, roles, revoked credentials.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>

#include "domain/example_programme.h"
#include "e2e/e2e_support.h"
#include "lib/command_client.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"

namespace proeftuin::e2e {
namespace {

class ExecuteCommandsTest : public E2eTest {
 protected:
  // Opens a stream with `token`.
  struct Stream {
    std::unique_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<
        grpc::ClientReaderWriter<v1::ExecuteCommandsRequest, v1::ExecuteCommandsResponse>>
        rw;
  };
  Stream Open(const std::string& token) {
    Stream s;
    s.ctx = Ctx(token, 20000);
    s.rw = programmes_->ExecuteCommands(s.ctx.get());
    return s;
  }
  // Sends one command and reads its answer (fails the test when none comes).
  static v1::ExecuteCommandsResponse Send(Stream& s, const v1::Command& command,
                                          const v1::CommandOptions& options) {
    v1::ExecuteCommandsRequest req;
    *req.mutable_options() = options;
    *req.mutable_command() = command;
    v1::ExecuteCommandsResponse resp;
    EXPECT_TRUE(s.rw->Write(req)) << options.request_id();
    EXPECT_TRUE(s.rw->Read(&resp)) << options.request_id();
    return resp;
  }
  static grpc::Status Close(Stream& s) {
    s.rw->WritesDone();
    v1::ExecuteCommandsResponse extra;
    EXPECT_FALSE(s.rw->Read(&extra)) << "an answer no command asked for";
    return s.rw->Finish();
  }
};

const v1::Command& StepOf(const std::vector<domain::ExampleStep>& steps,
                          bool (v1::Command::*has)() const) {
  for (const auto& s : steps) {
    if ((s.command.*has)()) return s.command;
  }
  ADD_FAILURE() << "the example has no such step";
  static const v1::Command none;
  return none;
}

TEST_F(ExecuteCommandsTest, CommandsOnOneStreamAreAnsweredInOrderAsTheirOwnRpcsWouldBe) {
  auto steps =
      domain::ExampleProgrammeSteps();  // the draft, then a knowledge session, both the PM's
  ASSERT_EQ(steps[0].role, "programme_manager");
  ASSERT_EQ(steps[1].role, "programme_manager");
  Stream s = Open(TokenFor("programme_manager"));

  v1::ExecuteCommandsResponse drafted = Send(s, steps[0].command, Options("stream-draft"));
  EXPECT_EQ(drafted.request_id(), "stream-draft");
  ASSERT_EQ(drafted.code(), 0) << drafted.message();
  EXPECT_EQ(drafted.message(), "");
  EXPECT_GT(drafted.result().first_position(), 0u);
  EXPECT_FALSE(drafted.result().duplicate());
  ASSERT_EQ(drafted.result().stream_versions_size(), 1);

  // A retry on the stream: the stored result, nothing written.
  v1::ExecuteCommandsResponse again = Send(s, steps[0].command, Options("stream-draft"));
  ASSERT_EQ(again.code(), 0) << again.message();
  EXPECT_TRUE(again.result().duplicate());
  EXPECT_EQ(again.result().first_position(), drafted.result().first_position());

  // The same request id with another command: ALREADY_EXISTS, as the RPC answers it.
  v1::ExecuteCommandsResponse reused = Send(s, steps[1].command, Options("stream-draft"));
  EXPECT_EQ(reused.code(), static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_NE(reused.message().find("PT-REQUEST-REUSED"), std::string::npos) << reused.message();
  EXPECT_EQ(reused.rule(), "PT-REQUEST-REUSED");
  EXPECT_FALSE(reused.has_result());

  // A process rule: the programme exists already. The rule id in its own field, as the RPC's
  // trailer carries it.
  v1::ExecuteCommandsResponse exists = Send(s, steps[0].command, Options("stream-draft-2"));
  EXPECT_EQ(exists.code(), static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(exists.rule(), "PT-PROGRAMME-EXISTS") << exists.message();

  // Another role's command: PERMISSION_DENIED naming the role, for the command's own RPC.
  v1::ExecuteCommandsResponse adopt =
      Send(s, StepOf(steps, &v1::Command::has_adopt_programme), Options("stream-adopt"));
  EXPECT_EQ(adopt.code(), static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_NE(adopt.message().find("AdoptProgramme"), std::string::npos) << adopt.message();
  EXPECT_NE(adopt.message().find("college"), std::string::npos) << adopt.message();

  // No command at all, and a bad request id: INVALID_ARGUMENT naming the field.
  v1::ExecuteCommandsResponse empty = Send(s, v1::Command(), Options("stream-empty"));
  EXPECT_EQ(empty.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_NE(empty.message().find("command"), std::string::npos) << empty.message();
  v1::ExecuteCommandsResponse bad_id = Send(s, steps[1].command, Options("no spaces allowed"));
  EXPECT_EQ(bad_id.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_NE(bad_id.message().find("request_id"), std::string::npos) << bad_id.message();

  // A stale expected version: ABORTED.
  v1::CommandOptions stale = Options("stream-session-stale");
  stale.set_expected_version(drafted.result().stream_versions(0).version() + 5);
  v1::ExecuteCommandsResponse aborted = Send(s, steps[1].command, stale);
  EXPECT_EQ(aborted.code(), static_cast<int>(grpc::StatusCode::ABORTED));
  EXPECT_EQ(aborted.rule(), "PT-STALE-VERSION") << aborted.message();

  // The stream went on after every refusal, and none of them wrote anything: the next command's
  // events follow the draft's.
  v1::CommandOptions fresh = Options("stream-session");
  fresh.set_expected_version(drafted.result().stream_versions(0).version());
  v1::ExecuteCommandsResponse session = Send(s, steps[1].command, fresh);
  ASSERT_EQ(session.code(), 0) << session.message();
  EXPECT_EQ(session.result().first_position(), drafted.result().last_position() + 1);
  EXPECT_EQ(session.result().stream_versions(0).version(),
            drafted.result().stream_versions(0).version() + 1);

  grpc::Status closed = Close(s);
  EXPECT_TRUE(closed.ok()) << closed.error_message();

  // What the stream wrote is what the RPCs would have: a retry of the session through its own
  // RPC is a duplicate of it.
  v1::CommandResult retried;
  ASSERT_TRUE(clients::SendCommand(server_->Channel().get(),
                                   Ctx(TokenFor("programme_manager")).get(), steps[1].command,
                                   fresh, &retried)
                  .ok());
  EXPECT_TRUE(retried.duplicate());
  EXPECT_EQ(retried.first_position(), session.result().first_position());
}

TEST_F(ExecuteCommandsTest, UnknownCallersAndRolesThatSendNoCommandsGetNothing) {
  for (const std::string& token :
       {std::string(), std::string("pt_not-a-token-at-all-xxxxxxxxxxxxxxxxxxxx")}) {
    Stream s = Open(token);
    v1::ExecuteCommandsResponse resp;
    EXPECT_FALSE(s.rw->Read(&resp));
    grpc::Status st = s.rw->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << st.error_message();
  }
  for (const char* role : {"integration_reader", "auditor", "administrator"}) {
    Stream s = Open(TokenFor(role));
    v1::ExecuteCommandsRequest req;
    *req.mutable_options() = Options(std::string("denied-") + role);
    *req.mutable_command() = domain::ExampleProgrammeSteps()[0].command;
    s.rw->Write(req);  // may fail: the server may have ended the stream already
    v1::ExecuteCommandsResponse resp;
    EXPECT_FALSE(s.rw->Read(&resp)) << role;
    grpc::Status st = s.rw->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << role << ": " << st.error_message();
    EXPECT_NE(st.error_message().find("requires role"), std::string::npos) << st.error_message();
  }
  // Nothing was written: the programme can still be drafted, and its first event is its own.
  v1::CommandResult drafted;
  ASSERT_TRUE(
      clients::SendCommand(server_->Channel().get(), Ctx(TokenFor("programme_manager")).get(),
                           domain::ExampleProgrammeSteps()[0].command, Options("draft"), &drafted)
          .ok());
  EXPECT_EQ(drafted.stream_versions(0).version(), 0u);
}

// Credentials are checked for every command on the stream, as they are now: a principal
// revoked while its stream is open has its next command refused, before anything is written.
TEST_F(ExecuteCommandsTest, AStreamsNextCommandIsRefusedOnceItsPrincipalIsRevoked) {
  auto steps = domain::ExampleProgrammeSteps();
  const std::string token = CreatePrincipal(*server_, "temp-pm", v1::ROLE_PROGRAMME_MANAGER);
  Stream s = Open(token);
  v1::ExecuteCommandsResponse drafted = Send(s, steps[0].command, Options("temp-draft"));
  ASSERT_EQ(drafted.code(), 0) << drafted.message();

  auto admin = v1::AdminService::NewStub(server_->Channel());
  v1::RevokePrincipalRequest revoke;
  revoke.set_request_id("revoke-temp-pm");
  revoke.set_principal_id("temp-pm");
  v1::RevokePrincipalResponse revoked;
  ASSERT_TRUE(admin->RevokePrincipal(Ctx(TokenFor("administrator")).get(), revoke, &revoked).ok());

  v1::ExecuteCommandsResponse refused = Send(s, steps[1].command, Options("temp-session"));
  EXPECT_EQ(refused.code(), static_cast<int>(grpc::StatusCode::UNAUTHENTICATED))
      << refused.message();
  EXPECT_FALSE(refused.has_result());
  EXPECT_TRUE(Close(s).ok());

  // The programme has only the draft: the PM's knowledge session lands right after it.
  v1::CommandResult session;
  ASSERT_TRUE(clients::SendCommand(server_->Channel().get(),
                                   Ctx(TokenFor("programme_manager")).get(), steps[1].command,
                                   Options("pm-session"), &session)
                  .ok());
  EXPECT_EQ(session.stream_versions(0).version(),
            drafted.result().stream_versions(0).version() + 1);
}

// Commands sent ahead of their answers are run one after another, in the order sent, and
// answered in that order: a client may pipeline on one stream.
TEST_F(ExecuteCommandsTest, CommandsSentAheadAreAnsweredInTheOrderSent) {
  auto steps = domain::ExampleProgrammeSteps();
  Stream s = Open(TokenFor("programme_manager"));
  const std::vector<std::pair<std::string, const v1::Command*>> sent = {
      {"ahead-draft", &steps[0].command},       // writes the programme
      {"ahead-session", &steps[1].command},     // needs the programme: only after the draft
      {"ahead-draft-again", &steps[0].command}  // refused: the programme exists by then
  };
  for (const auto& [id, command] : sent) {
    v1::ExecuteCommandsRequest req;
    *req.mutable_options() = Options(id);
    *req.mutable_command() = *command;
    ASSERT_TRUE(s.rw->Write(req)) << id;
  }
  std::vector<v1::ExecuteCommandsResponse> answers(sent.size());
  for (auto& a : answers) ASSERT_TRUE(s.rw->Read(&a));
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(answers[i].request_id(), sent[i].first);
  ASSERT_EQ(answers[0].code(), 0) << answers[0].message();
  ASSERT_EQ(answers[1].code(), 0) << answers[1].message();
  EXPECT_EQ(answers[1].result().first_position(), answers[0].result().last_position() + 1);
  EXPECT_EQ(answers[2].rule(), "PT-PROGRAMME-EXISTS") << answers[2].message();
  EXPECT_TRUE(Close(s).ok());
}

// A client that cancels its stream while a command is in flight loses nothing and breaks
// nothing: the command is written whole or not at all (a retry through the RPC tells which),
// and the server goes on serving.
TEST_F(ExecuteCommandsTest, ACancelWhileACommandIsInFlightLeavesTheStoreWhole) {
  auto steps = domain::ExampleProgrammeSteps();
  for (int round = 0; round < 10; ++round) {
    Stream s = Open(TokenFor("programme_manager"));
    v1::ExecuteCommandsRequest req;
    const std::string id = "cancelled-" + std::to_string(round);
    *req.mutable_options() = Options(id);
    *req.mutable_command() = round == 0 ? steps[0].command : steps[1].command;
    s.rw->Write(req);
    s.ctx->TryCancel();
    v1::ExecuteCommandsResponse resp;
    while (s.rw->Read(&resp)) {
    }
    EXPECT_EQ(s.rw->Finish().error_code(), grpc::StatusCode::CANCELLED);
    // The same request through the RPC: the stored result when the cancelled one was written,
    // else written now; either way the command is in the store exactly once.
    v1::CommandResult result;
    grpc::Status retried =
        clients::SendCommand(server_->Channel().get(), Ctx(TokenFor("programme_manager")).get(),
                             req.command(), req.options(), &result);
    ASSERT_TRUE(retried.ok()) << id << ": " << retried.error_message();
    EXPECT_GT(result.first_position(), 0u) << id;
  }
  // Each round's command is in the store once: the draft at version 0, nine sessions after it.
  Stream s = Open(TokenFor("programme_manager"));
  v1::CommandOptions after = Options("after-cancels");
  after.set_expected_version(9);
  v1::ExecuteCommandsResponse next = Send(s, steps[1].command, after);
  EXPECT_EQ(next.code(), 0) << next.message();
  EXPECT_EQ(next.result().stream_versions(0).version(), 10u);
  EXPECT_TRUE(Close(s).ok());
}

// A role that may open a stream may still send only its own commands on it: a proposer's
// activity is refused for RecordActivity's roles, and its proposal goes through.
TEST_F(ExecuteCommandsTest, EachCommandNeedsTheRoleOfItsOwnRpc) {
  auto steps = domain::ExampleProgrammeSteps();
  Stream pm = Open(TokenFor("programme_manager"));
  ASSERT_EQ(Send(pm, steps[0].command, Options("roles-draft")).code(), 0);
  EXPECT_TRUE(Close(pm).ok());

  Stream s = Open(TokenFor("proposer"));
  v1::Command activity;
  activity.mutable_record_activity()->set_programme_id(domain::kExampleProgrammeId);
  activity.mutable_record_activity()->set_experiment_id("anything");
  v1::ExecuteCommandsResponse refused = Send(s, activity, Options("roles-activity"));
  EXPECT_EQ(refused.code(), static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_NE(refused.message().find("RecordActivity requires role programme_manager"),
            std::string::npos)
      << refused.message();
  const v1::Command& proposal = StepOf(steps, &v1::Command::has_propose_experiment);
  v1::ExecuteCommandsResponse proposed = Send(s, proposal, Options("roles-propose"));
  EXPECT_NE(proposed.code(), static_cast<int>(grpc::StatusCode::PERMISSION_DENIED))
      << proposed.message();
  EXPECT_NE(proposed.code(), static_cast<int>(grpc::StatusCode::UNAUTHENTICATED))
      << proposed.message();
  EXPECT_TRUE(Close(s).ok());
}

// A shutdown does not wait out its grace period for open streams, nor let them go on sending
// commands: a stream waiting for its next command ends at once with UNAVAILABLE, saying that
// every command it sent was answered, and the server exits cleanly.
TEST_F(ExecuteCommandsTest, AShutdownEndsAnOpenStreamWithUnavailable) {
  auto steps = domain::ExampleProgrammeSteps();
  Stream s = Open(TokenFor("programme_manager"));
  ASSERT_EQ(Send(s, steps[0].command, Options("before-stop")).code(), 0);
  const int status = server_->Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << server_->Log();
  v1::ExecuteCommandsResponse none;
  EXPECT_FALSE(s.rw->Read(&none));
  grpc::Status ended = s.rw->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();
  EXPECT_NE(ended.error_message().find("shutting down"), std::string::npos)
      << ended.error_message();
}

}  // namespace
}  // namespace proeftuin::e2e
