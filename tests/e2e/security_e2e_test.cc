// End to end: authentication, the role x RPC matrix for every proeftuin.v1 RPC, clearance
// filtering and redaction, revoked / expired / rotated tokens.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "api/authz.h"
#include "api/programme_service.h"
#include "domain/example_programme.h"
#include "domain/streams.h"
#include "e2e/e2e_support.h"
#include "eventstore/record.h"
#include "lib/command_client.h"
#include "proeftuin/v1/audit_service.grpc.pb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::e2e {
namespace {

// Calls any method with an empty request (raw bytes), waits for the status.
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                     const std::string& token) {
  grpc::GenericStub stub(channel);
  auto ctx = Ctx(token, 3000);
  grpc::Slice empty("");  // an empty message: every field unset
  grpc::ByteBuffer request(&empty, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    std::lock_guard<std::mutex> l(mu);
    status = std::move(s);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done; });
  return status;
}

TEST(RoleMatrix, CoversEveryMethodOfEveryService) {
  std::set<std::string> in_matrix;
  for (const auto& m : api::RoleMatrix()) in_matrix.insert(m.method);
  std::set<std::string> in_protos;
  for (const char* service : {"ProgrammeService", "EventService", "AuditService", "AdminService"}) {
    const auto* d = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
        std::string("proeftuin.v1.") + service);
    ASSERT_NE(d, nullptr) << service;
    for (int i = 0; i < d->method_count(); ++i) {
      in_protos.insert(api::MethodName(service, d->method(i)->name()));
    }
  }
  for (const auto& m : in_protos) EXPECT_TRUE(in_matrix.count(m)) << m << " is missing from the role matrix";
  for (const auto& m : in_matrix) EXPECT_TRUE(in_protos.count(m)) << m << " is in the matrix but not an RPC";
}

// A command on an ExecuteCommands stream is authorised for its own RPC: the action each command
// RPC's request carries (its `command` field) names that RPC, every action a Command can hold
// is some command RPC's, and the stream may be opened by exactly the roles that may send some
// command.
TEST(RoleMatrix, EveryCommandOnAStreamIsAuthorisedForItsOwnRpc) {
  std::map<std::string, std::vector<v1::Role>> matrix;
  for (const auto& m : api::RoleMatrix()) matrix[m.method] = m.roles;
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      "proeftuin.v1.ProgrammeService");
  ASSERT_NE(service, nullptr);
  const auto* oneof = v1::Command::descriptor()->FindOneofByName("command");
  ASSERT_NE(oneof, nullptr);
  std::set<std::string> actions;  // the Command fields some RPC's request carries
  std::set<v1::Role> senders;
  for (int i = 0; i < service->method_count(); ++i) {
    const auto* field = service->method(i)->input_type()->FindFieldByName("command");
    if (field == nullptr || field->message_type() == v1::Command::descriptor()) continue;
    const auto* action = [&]() -> const google::protobuf::FieldDescriptor* {
      for (int f = 0; f < oneof->field_count(); ++f) {
        if (oneof->field(f)->message_type() == field->message_type()) return oneof->field(f);
      }
      return nullptr;
    }();
    ASSERT_NE(action, nullptr) << service->method(i)->name() << ": its action is not a Command";
    v1::Command command;
    command.GetReflection()->MutableMessage(&command, action);
    const std::string method = api::MethodName("ProgrammeService", service->method(i)->name());
    EXPECT_EQ(api::CommandMethod(command), method) << action->name();
    actions.insert(action->name());
    auto it = matrix.find(method);
    ASSERT_NE(it, matrix.end()) << method;
    senders.insert(it->second.begin(), it->second.end());
  }
  EXPECT_EQ(static_cast<int>(actions.size()), oneof->field_count())
      << "a Command action no RPC sends";
  EXPECT_EQ(api::CommandMethod(v1::Command()), "");
  const auto& stream = matrix[api::MethodName("ProgrammeService", "ExecuteCommands")];
  EXPECT_EQ(std::set<v1::Role>(stream.begin(), stream.end()), senders);
}

TEST_F(E2eTest, EveryRpcTimesEveryRoleFollowsTheMatrix) {
  const std::pair<const char*, v1::Role> roles[] = {
      {"programme_manager", v1::ROLE_PROGRAMME_MANAGER}, {"proposer", v1::ROLE_PROPOSER},
      {"college", v1::ROLE_COLLEGE},       {"council_clerk", v1::ROLE_COUNCIL_CLERK},
      {"evaluator", v1::ROLE_EVALUATOR},   {"auditor", v1::ROLE_AUDITOR},
      {"integration_reader", v1::ROLE_INTEGRATION_READER}, {"administrator", v1::ROLE_ADMINISTRATOR}};
  auto channel = server_->Channel();
  int checked = 0;
  for (const auto& m : api::RoleMatrix()) {
    const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
        "proeftuin.v1." + m.method.substr(14, m.method.rfind('/') - 14));
    if (service == nullptr || service->FindMethodByName(m.method.substr(m.method.rfind('/') + 1)) == nullptr) {
      continue;  // RoleMatrix.CoversEveryMethodOfEveryService reports it
    }
    for (const auto& [name, role] : roles) {
      bool allowed = std::find(m.roles.begin(), m.roles.end(), role) != m.roles.end();
      grpc::Status s = CallRaw(channel, m.method, TokenFor(name));
      if (allowed) {
        EXPECT_NE(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << m.method << " as " << name;
        EXPECT_NE(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << m.method << " as " << name;
      } else {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << m.method << " as " << name;
        EXPECT_NE(s.error_message().find("requires role"), std::string::npos) << s.error_message();
      }
      ++checked;
    }
    EXPECT_EQ(CallRaw(channel, m.method, "").error_code(), grpc::StatusCode::UNAUTHENTICATED) << m.method;
  }
  EXPECT_GE(checked, 8 * 40);
}

TEST_F(E2eTest, UnknownRevokedExpiredAndRotatedTokens) {
  auto channel = server_->Channel();
  const std::string method = "/proeftuin.v1.ProgrammeService/ListProgrammes";
  EXPECT_EQ(CallRaw(channel, method, "pt_not-a-token-at-all-xxxxxxxxxxxxxxxxxxxxxxxxxxxx").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto admin = v1::AdminService::NewStub(channel);
  std::string token = CreatePrincipal(*server_, "temp-reader", v1::ROLE_INTEGRATION_READER);
  EXPECT_TRUE(CallRaw(channel, method, token).ok());

  v1::RotateTokenRequest rotate;
  rotate.set_request_id("rotate-1");
  rotate.set_principal_id("temp-reader");
  rotate.set_revoke_others(true);
  v1::RotateTokenResponse rotated;
  ASSERT_TRUE(admin->RotateToken(Ctx(TokenFor("administrator")).get(), rotate, &rotated).ok());
  EXPECT_EQ(CallRaw(channel, method, token).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(CallRaw(channel, method, rotated.token()).ok());
  // A retry of the rotation shows no token again.
  v1::RotateTokenResponse retried;
  ASSERT_TRUE(admin->RotateToken(Ctx(TokenFor("administrator")).get(), rotate, &retried).ok());
  EXPECT_TRUE(retried.token().empty());

  v1::SetTokenExpiryRequest expire;
  expire.set_request_id("expire-1");
  expire.set_principal_id("temp-reader");
  expire.set_token_id(rotated.token_id());
  expire.set_expires_at_us(absl::ToUnixMicros(absl::Now() - absl::Minutes(1)));
  v1::SetTokenExpiryResponse expired;
  ASSERT_TRUE(admin->SetTokenExpiry(Ctx(TokenFor("administrator")).get(), expire, &expired).ok());
  EXPECT_EQ(CallRaw(channel, method, rotated.token()).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  v1::RevokePrincipalRequest revoke;
  revoke.set_request_id("revoke-auditor");
  revoke.set_principal_id("auditor");
  v1::RevokePrincipalResponse revoked;
  ASSERT_TRUE(admin->RevokePrincipal(Ctx(TokenFor("administrator")).get(), revoke, &revoked).ok());
  EXPECT_TRUE(revoked.principal().revoked());
  EXPECT_EQ(CallRaw(channel, method, TokenFor("auditor")).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // The trail shows who could do what: every change is an event on the principal's stream.
  auto events = v1::EventService::NewStub(channel);
  v1::ReadStreamRequest rs;
  rs.set_stream("principal-temp-reader");
  v1::ReadStreamResponse history;
  ASSERT_TRUE(events->ReadStream(Ctx(TokenFor("administrator")).get(), rs, &history).ok());
  std::vector<std::string> types;
  for (const auto& e : history.events()) types.push_back(e.header().type());
  EXPECT_EQ(types, (std::vector<std::string>{"proeftuin.v1.PrincipalCreated", "proeftuin.v1.TokenIssued",
                                             "proeftuin.v1.TokenRevoked", "proeftuin.v1.TokenIssued",
                                             "proeftuin.v1.TokenExpiryChanged"}));
  for (const auto& e : history.events()) {
    EXPECT_EQ(e.header().actor().principal_id(), "admin");
    EXPECT_EQ(e.payload().find(rotated.token()), std::string::npos);  // never the secret
  }
}

// An open Subscribe stream is not a way around a revocation or a lowered clearance: once the
// change is committed, the stream ends (UNAUTHENTICATED after a revocation, ABORTED after a
// clearance change: subscribe again) before any event committed after it is sent.
TEST_F(E2eTest, AnOpenSubscriptionEndsWhenItsCredentialsChange) {
  auto channel = server_->Channel();
  auto admin = v1::AdminService::NewStub(channel);
  auto events = v1::EventService::NewStub(channel);
  v1::Command draft = domain::ExampleProgrammeSteps()[0].command;
  struct Case {
    std::string principal;
    grpc::StatusCode ends_with;
  };
  int round = 0;
  for (const Case& c : {Case{"sub-revoked", grpc::StatusCode::UNAUTHENTICATED},
                        Case{"sub-lowered", grpc::StatusCode::ABORTED}}) {
    SCOPED_TRACE(c.principal);
    const std::string token = CreatePrincipal(*server_, c.principal, v1::ROLE_INTEGRATION_READER,
                                              v1::CONFIDENTIALITY_VERTROUWELIJK);
    auto ctx = Ctx(token, 20000);
    v1::SubscribeRequest req;
    req.set_stream_prefix("programme-");
    auto reader = events->Subscribe(ctx.get(), req);
    v1::SubscribeResponse msg;
    bool live = false;
    while (!live && reader->Read(&msg)) live = msg.has_caught_up();
    ASSERT_TRUE(live);
    if (c.ends_with == grpc::StatusCode::UNAUTHENTICATED) {
      v1::RevokePrincipalRequest revoke;
      revoke.set_request_id("revoke-" + c.principal);
      revoke.set_principal_id(c.principal);
      v1::RevokePrincipalResponse revoked;
      ASSERT_TRUE(admin->RevokePrincipal(Ctx(TokenFor("administrator")).get(), revoke, &revoked).ok());
    } else {
      v1::ChangeClearanceRequest lower;
      lower.set_request_id("lower-" + c.principal);
      lower.set_principal_id(c.principal);
      lower.set_clearance(v1::CONFIDENTIALITY_OPENBAAR);
      lower.set_reason("moved to another team");
      v1::ChangeClearanceResponse changed;
      ASSERT_TRUE(admin->ChangeClearance(Ctx(TokenFor("administrator")).get(), lower, &changed).ok());
    }
    // A confidential programme drafted after the change must not reach the stream.
    const std::string secret = "na-wijziging-" + std::to_string(++round);
    v1::Command later = draft;
    later.mutable_draft_programme()->set_programme_id(secret);
    later.mutable_draft_programme()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
    ASSERT_TRUE(clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), later,
                                     Options("draft-" + secret), nullptr)
                    .ok());
    while (reader->Read(&msg)) {
      ASSERT_FALSE(msg.has_event() && msg.event().header().stream() == "programme-" + secret)
          << "an event committed after the change was sent";
      ASSERT_FALSE(msg.has_events()) << "no batches were asked for";
    }
    grpc::Status ended = reader->Finish();
    EXPECT_EQ(ended.error_code(), c.ends_with) << ended.error_message();
  }
}

// A council clerk may correct events of the programme stream it writes (those it records), not
// an experiment's: refused before anything is read.
TEST_F(E2eTest, AClerkCannotCorrectAnExperimentsEvents) {
  auto channel = server_->Channel();
  v1::Command correction;
  v1::RecordCorrection* c = correction.mutable_record_correction();
  c->set_programme_id(domain::kExampleProgrammeId);
  c->set_experiment_id("some-experiment");
  c->set_corrected_position(1);
  c->mutable_fields()->set_text("Een ander bedrag");
  c->set_reason("typefout");
  grpc::Status s = clients::SendCommand(channel.get(), Ctx(TokenFor("griffie")).get(), correction,
                                        Options("clerk-corrects-experiment"), nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  c->clear_experiment_id();
  s = clients::SendCommand(channel.get(), Ctx(TokenFor("griffie")).get(), correction,
                           Options("clerk-corrects-programme"), nullptr);
  EXPECT_NE(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  c->set_experiment_id("some-experiment");
  s = clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), correction,
                           Options("pm-corrects-experiment"), nullptr);
  EXPECT_NE(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
}

TEST_F(E2eTest, ClearanceHidesObjectsAndRedactsEvents) {
  auto channel = server_->Channel();
  auto steps = domain::ExampleProgrammeSteps();
  v1::Command draft = steps[0].command;
  draft.mutable_draft_programme()->set_programme_id("geheim-programma");
  draft.mutable_draft_programme()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
  ASSERT_TRUE(clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), draft,
                                   Options("draft-secret"), nullptr)
                  .ok());
  ASSERT_TRUE(clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), steps[0].command,
                                   Options("draft-public"), nullptr)
                  .ok());
  std::string low = CreatePrincipal(*server_, "low-reader", v1::ROLE_INTEGRATION_READER,
                                    v1::CONFIDENTIALITY_OPENBAAR);
  v1::GetProgrammeRequest get;
  get.set_programme_id("geheim-programma");
  v1::GetProgrammeResponse got;
  EXPECT_EQ(programmes_->GetProgramme(Ctx(low).get(), get, &got).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(programmes_->GetProgramme(Ctx(TokenFor("auditor")).get(), get, &got).ok());
  v1::ListProgrammesResponse list;
  ASSERT_TRUE(programmes_->ListProgrammes(Ctx(low).get(), v1::ListProgrammesRequest(), &list).ok());
  ASSERT_EQ(list.programmes_size(), 1);
  EXPECT_EQ(list.programmes(0).programme_id(), domain::kExampleProgrammeId);

  auto events = v1::EventService::NewStub(channel);
  v1::ReadAllRequest all;
  all.set_stream_prefix("programme-");
  v1::ReadAllResponse seen;
  ASSERT_TRUE(events->ReadAll(Ctx(low).get(), all, &seen).ok());
  ASSERT_EQ(seen.events_size(), 2);
  EXPECT_EQ(seen.events(0).header().stream(), "programme-geheim-programma");
  EXPECT_TRUE(seen.events(0).redacted());
  EXPECT_TRUE(seen.events(0).payload().empty());
  EXPECT_TRUE(seen.events(0).header().actor().principal_id().empty());
  EXPECT_EQ(seen.events(0).header().type(), "proeftuin.v1.ProgrammeDrafted");
  EXPECT_FALSE(seen.events(1).redacted());
  EXPECT_FALSE(seen.events(1).payload().empty());
  EXPECT_TRUE(seen.events(1).stored_header().empty());  // only when asked for

  // Asked for, the stored header comes with each event the caller may see whole, and recomputes
  // the event's chain hash outside the server; a redacted event's stays out (it holds the reason
  // and the actor).
  all.set_include_stored_header(true);
  ASSERT_TRUE(events->ReadAll(Ctx(low).get(), all, &seen).ok());
  ASSERT_EQ(seen.events_size(), 2);
  EXPECT_TRUE(seen.events(0).stored_header().empty());
  const v1::Event& shown = seen.events(1);
  ASSERT_FALSE(shown.stored_header().empty());
  v1::EventHeader parsed;
  ASSERT_TRUE(parsed.ParseFromString(shown.stored_header()));
  EXPECT_EQ(parsed.SerializeAsString(), shown.header().SerializeAsString());
  eventstore::Digest previous{}, personal{}, hash{};
  ASSERT_EQ(parsed.previous_hash().size(), previous.size());
  std::copy(parsed.previous_hash().begin(), parsed.previous_hash().end(), previous.begin());
  std::copy(shown.personal_digest().begin(), shown.personal_digest().end(), personal.begin());
  std::copy(shown.hash().begin(), shown.hash().end(), hash.begin());
  EXPECT_EQ(eventstore::ChainHash(previous, shown.stored_header(),
                                  eventstore::Sha256Of(shown.payload()), personal),
            hash);
}

// A correction changes a recorded fact, so it is for the roles that record that fact: the
// council clerk may write the programme stream but not correct the college's adoption decision
// on it (PERMISSION_DENIED naming the college, nothing written); the college may.
TEST_F(E2eTest, OnlyTheRoleThatRecordsAFactMayCorrectIt) {
  auto channel = server_->Channel();
  absl::Time adopted_at = absl::InfinitePast();
  for (const auto& step : domain::ExampleProgrammeSteps()) {
    if (step.label == "adopt") adopted_at = step.at;
  }
  ASSERT_GT(RunExample(adopted_at), 0);
  auto events = v1::EventService::NewStub(channel);
  v1::ReadStreamRequest read;
  read.set_stream(domain::ProgrammeStream(domain::kExampleProgrammeId));
  read.set_max_count(1000);
  v1::ReadStreamResponse stream;
  ASSERT_TRUE(events->ReadStream(Ctx(TokenFor("auditor")).get(), read, &stream).ok());
  uint64_t adoption = 0;
  for (const auto& e : stream.events()) {
    if (e.header().type() == "proeftuin.v1.ProgrammeAdopted") adoption = e.header().position();
  }
  ASSERT_GT(adoption, 0u);
  v1::Command correction;
  v1::RecordCorrection* c = correction.mutable_record_correction();
  c->set_programme_id(domain::kExampleProgrammeId);
  c->set_corrected_position(adoption);
  for (const auto& step : domain::ExampleProgrammeSteps()) {
    if (step.label == "adopt") {
      *c->mutable_fields()->mutable_decision() = step.command.adopt_programme().decision();
    }
  }
  c->mutable_fields()->mutable_decision()->set_description(
      "Vaststelling experimenteerprogramma (gecorrigeerd)");
  c->set_reason("titel van het besluit verkeerd overgenomen");
  const uint64_t before = stream.events(stream.events_size() - 1).header().position();
  grpc::Status by_clerk = clients::SendCommand(channel.get(), Ctx(TokenFor("griffie")).get(),
                                               correction, Options("clerk-corrects-adoption"),
                                               nullptr);
  EXPECT_EQ(by_clerk.error_code(), grpc::StatusCode::PERMISSION_DENIED) << by_clerk.error_message();
  EXPECT_NE(by_clerk.error_message().find("requires role college"), std::string::npos)
      << by_clerk.error_message();
  v1::ReadStreamResponse after;
  ASSERT_TRUE(events->ReadStream(Ctx(TokenFor("auditor")).get(), read, &after).ok());
  EXPECT_EQ(after.events(after.events_size() - 1).header().position(), before);
  v1::CommandResult result;
  grpc::Status by_college = clients::SendCommand(channel.get(), Ctx(TokenFor("college")).get(),
                                                 correction, Options("college-corrects-adoption"),
                                                 &result);
  EXPECT_TRUE(by_college.ok()) << by_college.error_message();
  EXPECT_GT(result.first_position(), before);
}

// EventService hides what Get, List and the audit trail hide (docs/ROLES.md, "Clearance"): the
// events of an experiment of a programme above the reader's clearance, whatever the experiment's
// own level; those of an experiment whose level was raised after they were recorded; and a
// programme event naming a hidden experiment. In ReadAll, ReadStream and Subscribe, also a
// subscription that was open when the level was raised and never sees the raise itself.
TEST_F(E2eTest, EventServiceHidesWhatTheOtherReadsHide) {
  auto channel = server_->Channel();
  auto events = v1::EventService::NewStub(channel);
  auto steps = domain::ExampleProgrammeSteps();
  auto send = [&](const std::string& role, const v1::Command& c, const std::string& id) {
    v1::CommandResult result;
    grpc::Status s = clients::SendCommand(channel.get(), Ctx(TokenFor(role)).get(), c, Options(id),
                                          &result);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
    return result.last_position();
  };
  const domain::ExampleStep* propose = nullptr;
  const domain::ExampleStep* session = nullptr;
  for (const auto& step : steps) {
    if (propose == nullptr && step.label.rfind("propose-", 0) == 0) propose = &step;
    if (step.label == "session-college") session = &step;
  }
  ASSERT_NE(propose, nullptr);
  ASSERT_NE(session, nullptr);
  const std::string x = propose->command.propose_experiment().experiment_id();

  // A confidential programme, and in it an experiment whose own level is left unset (openbaar).
  v1::Command draft = steps[0].command;
  draft.mutable_draft_programme()->set_programme_id("geheim-programma");
  draft.mutable_draft_programme()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
  send("programme_manager", draft, "draft-secret");
  v1::Command in_secret = propose->command;
  in_secret.mutable_propose_experiment()->set_programme_id("geheim-programma");
  in_secret.mutable_propose_experiment()->clear_confidentiality();
  send("proposer", in_secret, "propose-in-secret");
  // A public programme, its public experiment x, and a knowledge session naming x.
  send("programme_manager", steps[0].command, "draft-public");
  v1::Command public_x = propose->command;
  public_x.mutable_propose_experiment()->clear_confidentiality();
  send("proposer", public_x, "propose-public");
  v1::Command naming_x = session->command;
  naming_x.mutable_record_knowledge_session()->add_experiment_ids(x);
  const uint64_t first_session = send("programme_manager", naming_x, "session-naming-x");
  ASSERT_GT(first_session, 0u);

  const std::string low = CreatePrincipal(*server_, "low-events", v1::ROLE_INTEGRATION_READER,
                                          v1::CONFIDENTIALITY_OPENBAAR);
  const std::string secret_x = domain::ExperimentStream("geheim-programma", x);
  const std::string public_stream = domain::ProgrammeStream(domain::kExampleProgrammeId);
  const std::string x_stream = domain::ExperimentStream(domain::kExampleProgrammeId, x);
  auto read_all = [&](const std::string& token, const std::string& prefix) {
    v1::ReadAllRequest req;
    req.set_stream_prefix(prefix);
    v1::ReadAllResponse resp;
    grpc::Status s = events->ReadAll(Ctx(token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  };
  auto read_stream = [&](const std::string& token, const std::string& stream) {
    v1::ReadStreamRequest req;
    req.set_stream(stream);
    v1::ReadStreamResponse resp;
    grpc::Status s = events->ReadStream(Ctx(token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  };
  auto expect_redacted = [](const v1::Event& e, bool redacted) {
    SCOPED_TRACE(e.header().stream() + " at " + std::to_string(e.header().position()));
    EXPECT_EQ(e.redacted(), redacted);
    EXPECT_EQ(e.payload().empty(), redacted);
    EXPECT_EQ(e.header().actor().principal_id().empty(), redacted);
    if (redacted) {
      EXPECT_TRUE(e.personal().empty());
    }
  };

  // The experiment of the confidential programme: redacted for the public reader, personal
  // part included; whole for a reader cleared for the programme.
  v1::ReadAllResponse secret_low = read_all(low, secret_x);
  ASSERT_EQ(secret_low.events_size(), 1);
  expect_redacted(secret_low.events(0), true);
  EXPECT_EQ(secret_low.events(0).header().type(), "proeftuin.v1.ExperimentProposed");
  v1::ReadAllResponse secret_cleared = read_all(TokenFor("integration_reader"), secret_x);
  ASSERT_EQ(secret_cleared.events_size(), 1);
  expect_redacted(secret_cleared.events(0), false);
  const v1::ReadStreamResponse secret_stream_low = read_stream(low, secret_x);
  ASSERT_EQ(secret_stream_low.events_size(), 1);
  expect_redacted(secret_stream_low.events(0), true);

  // A live subscription of the public reader to the programme streams, open before x's level
  // is raised: the session naming x comes whole while x is public.
  auto sub_ctx = Ctx(low, 20000);
  v1::SubscribeRequest sub_req;
  sub_req.set_stream_prefix("programme-");
  auto reader = events->Subscribe(sub_ctx.get(), sub_req);
  v1::SubscribeResponse msg;
  bool live = false;
  while (!live && reader->Read(&msg)) {
    live = msg.has_caught_up();
    if (msg.has_event() && msg.event().header().position() == first_session) {
      expect_redacted(msg.event(), false);
    }
  }
  ASSERT_TRUE(live);
  const v1::ReadStreamResponse x_before = read_stream(low, x_stream);
  ASSERT_EQ(x_before.events_size(), 1);
  expect_redacted(x_before.events(0), false);

  // x is raised above the public reader's clearance, then a second session names it.
  v1::Command raise;
  v1::AmendExperiment* amend = raise.mutable_amend_experiment();
  amend->set_programme_id(domain::kExampleProgrammeId);
  amend->set_experiment_id(x);
  *amend->mutable_design() = propose->command.propose_experiment().design();
  amend->set_confidentiality(v1::CONFIDENTIALITY_ZAAKVERTROUWELIJK);
  amend->set_reason("bevat nog niet openbare afspraken");
  send("programme_manager", raise, "raise-x");
  naming_x.mutable_record_knowledge_session()->set_title("Tweede sessie");
  const uint64_t second_session = send("programme_manager", naming_x, "second-session-naming-x");
  ASSERT_GT(second_session, first_session);
  bool delivered = false;
  while (!delivered && reader->Read(&msg)) {
    if (msg.has_event() && msg.event().header().position() == second_session) {
      delivered = true;
      expect_redacted(msg.event(), true);
    }
  }
  EXPECT_TRUE(delivered);
  sub_ctx->TryCancel();
  reader->Finish();

  // Now every event of x is redacted for the public reader, also those recorded while it was
  // public, and so is the first session naming it; the programme's other events are not.
  v1::ReadStreamResponse x_low = read_stream(low, x_stream);
  ASSERT_EQ(x_low.events_size(), 2);
  for (const v1::Event& e : x_low.events()) expect_redacted(e, true);
  const v1::ReadAllResponse programme_low = read_all(low, public_stream);
  ASSERT_GE(programme_low.events_size(), 3);
  for (const v1::Event& e : programme_low.events()) {
    const uint64_t at = e.header().position();
    expect_redacted(e, at == first_session || at == second_session);
  }
  const v1::ReadAllResponse programme_cleared =
      read_all(TokenFor("integration_reader"), public_stream);
  ASSERT_EQ(programme_cleared.events_size(), programme_low.events_size());
  for (const v1::Event& e : programme_cleared.events()) expect_redacted(e, false);

  // The programme itself is raised while a subscription to the experiment streams is open: an
  // experiment proposed in it afterwards, at its own public level, goes out redacted.
  auto live_ctx = Ctx(low, 20000);
  v1::SubscribeRequest experiments_req;
  experiments_req.set_stream_prefix("experiment-");
  auto experiments = events->Subscribe(live_ctx.get(), experiments_req);
  live = false;
  while (!live && experiments->Read(&msg)) live = msg.has_caught_up();
  ASSERT_TRUE(live);
  v1::Command raise_programme;
  v1::AmendProgramme* amend_programme = raise_programme.mutable_amend_programme();
  amend_programme->set_programme_id(domain::kExampleProgrammeId);
  *amend_programme->mutable_design() = steps[0].command.draft_programme().design();
  amend_programme->set_confidentiality(v1::CONFIDENTIALITY_ZAAKVERTROUWELIJK);
  amend_programme->set_reason("nog niet openbaar");
  send("programme_manager", raise_programme, "raise-programme");
  v1::Command later = public_x;
  later.mutable_propose_experiment()->set_experiment_id(x + "-twee");
  const uint64_t proposed = send("proposer", later, "propose-after-raise");
  delivered = false;
  while (!delivered && experiments->Read(&msg)) {
    if (msg.has_event() && msg.event().header().position() == proposed) {
      delivered = true;
      EXPECT_EQ(msg.event().header().confidentiality(), v1::CONFIDENTIALITY_OPENBAAR);
      expect_redacted(msg.event(), true);
    }
  }
  EXPECT_TRUE(delivered);
  live_ctx->TryCancel();
  experiments->Finish();
}

}  // namespace
}  // namespace proeftuin::e2e
