// End to end against the real proeftuind: the example programme through the API, retries,
// rule errors, If-Match, restart.
#include <gtest/gtest.h>

#include <tuple>

#include "domain/dates.h"
#include "domain/example_programme.h"
#include "e2e/e2e_support.h"
#include "lib/command_client.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"
#include "proeftuin/v1/audit_service.grpc.pb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::e2e {
namespace {

std::string Trailer(const grpc::ClientContext& ctx, const std::string& key) {
  auto md = ctx.GetServerTrailingMetadata();
  auto it = md.find(key);
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

TEST_F(E2eTest, ExampleProgrammeRunsThroughTheApiAndSurvivesARestart) {
  int ran = RunExample();
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
  EXPECT_EQ(RunExample(), ran);
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

// An integrating system names itself and the end user it acts for in the call's metadata
// (proeftuin-application, proeftuin-on-behalf-of, at most 200 bytes each): the event's actor
// records both, and a command without them records neither.
TEST_F(E2eTest, TheAuditTrailRecordsTheApplicationAndTheEndUserASystemActsFor) {
  auto steps = domain::ExampleProgrammeSteps();  // the draft, then a knowledge session, both the PM's
  ASSERT_EQ(steps[0].role, "programme_manager");
  ASSERT_EQ(steps[1].role, "programme_manager");
  auto options = [&](int step) {
    v1::CommandOptions o = Options("metadata-" + steps[step].label);
    *o.mutable_occurred_on() = domain::DateOfUtc(steps[step].at);  // as the example runs them
    return o;
  };
  auto channel = server_->Channel();
  auto ctx = Ctx(TokenFor("programme_manager"));
  ctx->AddMetadata("proeftuin-application", "zaaksysteem " + std::string(250, 'z'));
  ctx->AddMetadata("proeftuin-on-behalf-of", "medewerker-wijkzaken");
  v1::CommandResult by_system_result;
  grpc::Status s =
      clients::SendCommand(channel.get(), ctx.get(), steps[0].command, options(0), &by_system_result);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::CommandResult by_person_result;
  s = clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), steps[1].command,
                           options(1), &by_person_result);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto audit = v1::AuditService::NewStub(channel);
  v1::ListAuditEntriesRequest list;
  list.set_actor("programme-manager");
  list.set_min_position(by_person_result.last_position());
  v1::ListAuditEntriesResponse entries;
  ASSERT_TRUE(audit->ListAuditEntries(Ctx(TokenFor("auditor")).get(), list, &entries).ok());
  ASSERT_EQ(entries.entries_size(), 2);
  const v1::Actor& by_person = entries.entries(0).actor();  // newest first
  const v1::Actor& by_system = entries.entries(1).actor();
  EXPECT_EQ(entries.entries(1).position(), by_system_result.first_position());
  EXPECT_EQ(by_system.application(), ("zaaksysteem " + std::string(250, 'z')).substr(0, 200));
  EXPECT_EQ(by_system.on_behalf_of(), "medewerker-wijkzaken");
  EXPECT_EQ(by_system.role(), by_person.role());
  EXPECT_EQ(by_person.application(), "");
  EXPECT_EQ(by_person.on_behalf_of(), "");
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
  grpc::Status s = programmes_->AdoptProgramme(ctx.get(), adopt, &resp);
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

namespace proeftuin::e2e {
namespace {

TEST_F(E2eTest, ViewsAuditTrailAndAdministrationThroughTheApi) {
  ASSERT_GT(RunExample(), 50);
  auto channel = server_->Channel();
  v1::GetProgrammeRequest get;
  get.set_programme_id(domain::kExampleProgrammeId);
  v1::GetProgrammeResponse programme;
  ASSERT_TRUE(programmes_->GetProgramme(Ctx(TokenFor("college")).get(), get, &programme).ok());
  EXPECT_TRUE(programme.has_view());
  EXPECT_EQ(programme.view().programme_id(), domain::kExampleProgrammeId);
  v1::GetProgressReportRequest report_req;
  report_req.set_programme_id(domain::kExampleProgrammeId);
  v1::GetProgressReportResponse report;
  ASSERT_TRUE(programmes_->GetProgressReport(Ctx(TokenFor("council_clerk")).get(), report_req, &report).ok());
  EXPECT_TRUE(report.has_report());

  // The audit trail: who did what, with the state before and after.
  auto audit = v1::AuditService::NewStub(channel);
  v1::ListAuditEntriesRequest by_college;
  by_college.set_actor("college");
  by_college.set_min_position(programme.as_of_position());
  v1::ListAuditEntriesResponse entries;
  ASSERT_TRUE(audit->ListAuditEntries(Ctx(TokenFor("auditor")).get(), by_college, &entries).ok());
  ASSERT_GT(entries.entries_size(), 5);
  for (const auto& e : entries.entries()) EXPECT_EQ(e.actor().principal_id(), "college");
  EXPECT_GT(entries.entries(0).position(), entries.entries(1).position());  // newest first
  v1::GetAuditEntryRequest one;
  for (const auto& e : entries.entries()) {
    if (e.event_type() == "proeftuin.v1.ProgrammeAdopted") one.set_position(e.position());
  }
  ASSERT_GT(one.position(), 0u);
  v1::GetAuditEntryResponse entry;
  ASSERT_TRUE(audit->GetAuditEntry(Ctx(TokenFor("auditor")).get(), one, &entry).ok());
  EXPECT_EQ(entry.before().programme().status(), v1::PROGRAMME_STATUS_SUBMITTED_TO_COUNCIL);
  EXPECT_EQ(entry.after().programme().status(), v1::PROGRAMME_STATUS_ADOPTED);
  v1::VerifyResponse verified;
  ASSERT_TRUE(audit->Verify(Ctx(TokenFor("auditor")).get(), v1::VerifyRequest(), &verified).ok());
  EXPECT_TRUE(verified.outcome().ok()) << verified.outcome().problem();
  auto events = v1::EventService::NewStub(channel);
  v1::GetDigestResponse digest;
  ASSERT_TRUE(events->GetDigest(Ctx(TokenFor("auditor")).get(), v1::GetDigestRequest(), &digest).ok());
  v1::VerifyExtendsRequest extends;
  extends.set_position(digest.position());
  extends.set_head_hash(digest.head_hash());
  v1::VerifyExtendsResponse extended;
  ASSERT_TRUE(audit->VerifyExtends(Ctx(TokenFor("auditor")).get(), extends, &extended).ok());
  EXPECT_TRUE(extended.outcome().ok());

  // Administration: statistics, a verified online backup, a projection rebuild with progress.
  auto admin = v1::AdminService::NewStub(channel);
  v1::GetStatisticsResponse stats;
  ASSERT_TRUE(admin->GetStatistics(Ctx(TokenFor("administrator")).get(), v1::GetStatisticsRequest(), &stats).ok());
  EXPECT_EQ(stats.last_position(), digest.position());
  EXPECT_GE(stats.projections_size(), 4);
  v1::BackupRequest backup;
  backup.set_directory(dir_.Sub("backup"));
  v1::BackupResponse backed;
  ASSERT_TRUE(admin->Backup(Ctx(TokenFor("administrator")).get(), backup, &backed).ok());
  EXPECT_TRUE(backed.verified());
  EXPECT_EQ(backed.position(), digest.position());
  EXPECT_EQ(backed.head_hash(), digest.head_hash());
  EXPECT_EQ(admin->Backup(Ctx(TokenFor("administrator")).get(), backup, &backed).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  v1::RebuildProjectionRequest rebuild;
  rebuild.set_name("decider_state");
  auto ctx = Ctx(TokenFor("administrator"), 60000);
  auto reader = admin->RebuildProjection(ctx.get(), rebuild);
  v1::RebuildProjectionResponse progress;
  bool done = false;
  while (reader->Read(&progress)) done = progress.done();
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(done);
  EXPECT_EQ(progress.replayed(), progress.total());
  v1::GetProgrammeResponse rebuilt;
  ASSERT_TRUE(programmes_->GetProgramme(Ctx(TokenFor("college")).get(), get, &rebuilt).ok());
  EXPECT_EQ(rebuilt.programme().SerializeAsString(), programme.programme().SerializeAsString());

  // Every projection at once: the inline ones in one pass, then each async one (audit index).
  v1::GetStatisticsResponse now;
  ASSERT_TRUE(admin->GetStatistics(Ctx(TokenFor("administrator")).get(), v1::GetStatisticsRequest(), &now).ok());
  uint64_t passes = 1;
  for (const auto& p : now.projections()) passes += p.inline_() ? 0 : 1;
  EXPECT_GE(passes, 2u);
  v1::RebuildProjectionRequest all;
  all.set_all(true);
  auto all_ctx = Ctx(TokenFor("administrator"), 60000);
  auto all_reader = admin->RebuildProjection(all_ctx.get(), all);
  done = false;
  while (all_reader->Read(&progress)) done = progress.done();
  ASSERT_TRUE(all_reader->Finish().ok());
  EXPECT_TRUE(done);
  EXPECT_EQ(progress.replayed(), progress.total());
  EXPECT_EQ(progress.total(), passes * now.last_position());
  ASSERT_TRUE(programmes_->GetProgramme(Ctx(TokenFor("college")).get(), get, &rebuilt).ok());
  EXPECT_EQ(rebuilt.programme().SerializeAsString(), programme.programme().SerializeAsString());
  // A request must name one projection or ask for all, not both, not neither.
  for (auto [name, every, field] : {std::tuple{"decider_state", true, "must be empty"},
                                    std::tuple{"", false, "name: required"}}) {
    v1::RebuildProjectionRequest bad;
    bad.set_name(name);
    bad.set_all(every);
    auto bad_ctx = Ctx(TokenFor("administrator"));
    auto bad_reader = admin->RebuildProjection(bad_ctx.get(), bad);
    while (bad_reader->Read(&progress)) {
    }
    grpc::Status status = bad_reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
    EXPECT_NE(status.error_message().find(field), std::string::npos) << status.error_message();
  }
}

}  // namespace
}  // namespace proeftuin::e2e
