// End to end against the real proeftuind: the example programme through the API, retries,
// rule errors, If-Match, restart.
#include <gtest/gtest.h>

#include "domain/example_programme.h"
#include "e2e/e2e_support.h"
#include "lib/command_client.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::e2e {
namespace {

std::string Trailer(const grpc::ClientContext& ctx, const std::string& key) {
  auto md = ctx.GetServerTrailingMetadata();
  auto it = md.find(key);
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

TEST_F(E2eTest, ExampleProgrammeRunsThroughTheApiAndSurvivesARestart) {
  int ran = RunExampleUpToToday();
  EXPECT_GT(ran, 50);
  v1::GetProgrammeRequest get;
  get.set_programme_id(domain::kExampleProgrammeId);
  v1::GetProgrammeResponse before;
  ASSERT_TRUE(programmes_->GetProgramme(Ctx(TokenFor("auditor")).get(), get, &before).ok());
  EXPECT_EQ(before.programme().status(), v1::PROGRAMME_STATUS_ADOPTED);
  v1::ListExperimentsRequest list;
  list.set_programme_id(domain::kExampleProgrammeId);
  list.set_page_size(3);
  int total = 0;
  for (;;) {
    v1::ListExperimentsResponse page;
    ASSERT_TRUE(programmes_->ListExperiments(Ctx(TokenFor("college")).get(), list, &page).ok());
    total += page.experiments_size();
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(total, 7);

  ASSERT_EQ(server_->Stop(), 0);  // SIGTERM: exit 0
  server_->Start();
  programmes_ = v1::ProgrammeService::NewStub(server_->Channel());
  v1::GetProgrammeResponse after;
  ASSERT_TRUE(programmes_->GetProgramme(Ctx(TokenFor("auditor")).get(), get, &after).ok());
  EXPECT_EQ(after.programme().SerializeAsString(), before.programme().SerializeAsString());
  // Tokens survive the restart too (they are events); a retry still returns the original.
  EXPECT_EQ(RunExampleUpToToday(), ran);
}

TEST_F(E2eTest, RetryReturnsTheOriginalResultAndReusedIdWithOtherCommandIsRefused) {
  auto steps = domain::ExampleProgrammeSteps();
  auto channel = server_->Channel();
  v1::CommandResult first, again;
  ASSERT_TRUE(clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), steps[0].command,
                                   Options("draft-1"), &first)
                  .ok());
  EXPECT_FALSE(first.duplicate());
  ASSERT_TRUE(clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), steps[0].command,
                                   Options("draft-1"), &again)
                  .ok());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.first_position(), first.first_position());
  // Same id, another command: ALREADY_EXISTS naming the rule.
  grpc::Status reused = clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(),
                                             steps[1].command, Options("draft-1"), nullptr);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_NE(reused.error_message().find("PT-REQUEST-REUSED"), std::string::npos);
  // Drafting the same id again under a new request id: ALREADY_EXISTS from the domain.
  grpc::ClientContext* ctx;
  auto c = Ctx(TokenFor("programme_manager"));
  ctx = c.get();
  grpc::Status exists = clients::SendCommand(channel.get(), ctx, steps[0].command, Options("draft-2"), nullptr);
  EXPECT_EQ(exists.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Trailer(*ctx, "proeftuin-rule"), "PT-PROGRAMME-EXISTS");
}

TEST_F(E2eTest, ProcessRuleIsFailedPreconditionWithTheRuleInTheTrailer) {
  auto steps = domain::ExampleProgrammeSteps();
  auto channel = server_->Channel();
  ASSERT_TRUE(clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), steps[0].command,
                                   Options("d"), nullptr)
                  .ok());
  v1::AdoptProgrammeRequest adopt;
  *adopt.mutable_options() = Options("adopt-too-early");
  adopt.mutable_command()->set_programme_id(domain::kExampleProgrammeId);
  for (const auto& s : steps) {
    if (s.command.has_adopt_programme()) *adopt.mutable_command() = s.command.adopt_programme();
  }
  v1::AdoptProgrammeResponse resp;
  auto ctx = Ctx(TokenFor("college"));
  absl::Time t0 = absl::Now();
  grpc::Status s = programmes_->AdoptProgramme(ctx.get(), adopt, &resp);
  fprintf(stderr, "TIMING adopt %s\n", absl::FormatDuration(absl::Now() - t0).c_str());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_EQ(Trailer(*ctx, "proeftuin-rule"), "PT-COUNCIL-NOT-SUBMITTED") << s.error_message();
  EXPECT_NE(s.error_message().find(domain::kExampleProgrammeId), std::string::npos);
}

TEST_F(E2eTest, StaleExpectedVersionIsAborted) {
  auto steps = domain::ExampleProgrammeSteps();
  auto channel = server_->Channel();
  v1::CommandResult drafted;
  ASSERT_TRUE(clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), steps[0].command,
                                   Options("d"), &drafted)
                  .ok());
  v1::CommandOptions stale = Options("session-stale");
  stale.set_expected_version(7);
  grpc::Status s = clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(),
                                        steps[1].command, stale, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_NE(s.error_message().find("PT-STALE-VERSION"), std::string::npos) << s.error_message();
  v1::CommandOptions fresh = Options("session-fresh");
  fresh.set_expected_version(drafted.stream_versions(0).version());
  EXPECT_TRUE(clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), steps[1].command,
                                   fresh, nullptr)
                  .ok());
}

}  // namespace
}  // namespace proeftuin::e2e
