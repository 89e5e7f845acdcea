#include "bench/programme.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "domain/streams.h"
#include "domain/testing/builders.h"
#include "lib/command_client.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"

namespace proeftuin::bench {
namespace {

namespace tk = domain::testkit;

// Lowercase base 36 of the microseconds since the epoch: unique per run, a valid slug part.
std::string NewRunId() {
  uint64_t us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  std::string id;
  for (; us > 0; us /= 36) id.insert(id.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[us % 36]);
  return id;
}

std::string CreatePrincipal(Server& server, const std::string& run_id, const std::string& name, v1::Role role) {
  auto admin = v1::AdminService::NewStub(server.shared_channel(0));
  const std::string id = "bench-" + run_id + "-" + name;
  v1::CreatePrincipalRequest r;
  r.set_request_id(id);
  r.set_principal_id(id);
  r.set_display_name("proeftuin-bench " + name);
  r.set_role(role);
  r.set_reason("proeftuin-bench run " + run_id);
  v1::CreatePrincipalResponse resp;
  auto ctx = server.Context(server.admin_token());
  grpc::Status s = admin->CreatePrincipal(ctx.get(), r, &resp);
  if (!s.ok()) Fail("creating principal " + id, s, *ctx);
  server.CountWrite();
  return resp.token();
}

// Sends one setup command; exits unless it wrote events.
void Send(Server& server, BenchProgramme* p, const std::string& token, const google::protobuf::Message& action) {
  v1::Command command = domain::CommandOf(action);
  v1::CommandOptions options;
  options.set_request_id(p->run_id + "-setup-" + std::to_string(p->setup_commands));
  options.set_correlation_id("proeftuin-bench-" + p->run_id);
  v1::CommandResult result;
  auto ctx = server.Context(token);
  grpc::Status s = clients::SendCommand(server.channel(0), ctx.get(), command, options, &result);
  if (!s.ok()) Fail(domain::DescribeAction(command), s, *ctx);
  if (result.first_position() == 0 || result.duplicate()) {
    std::fprintf(stderr, "proeftuin-bench: %s wrote nothing\n", domain::DescribeAction(command).c_str());
    std::exit(1);
  }
  server.CountWrite();
  ++p->setup_commands;
}

template <typename T>
T For(const BenchProgramme& p, size_t e) {
  T action;
  action.set_programme_id(p.programme_id);
  action.set_experiment_id(p.experiments[e]);
  return action;
}

void ProposeAndSelect(Server& server, BenchProgramme* p, const std::string& proposer, const std::string& college) {
  for (size_t e = 0; e < p->experiments.size(); ++e) {
    auto propose = For<v1::ProposeExperiment>(*p, e);
    *propose.mutable_design() = tk::TestExperimentDesign("Bench-experiment " + std::to_string(e));
    propose.mutable_proposer()->set_kind(v1::PROPOSER_KIND_CIVIL_SERVANT);
    *propose.mutable_proposed_on() = tk::D(2024, 5, 28);
    Send(server, p, proposer, propose);
    auto select = For<v1::SelectExperiment>(*p, e);
    *select.add_allocation() = tk::YearEur(2025, 100);  // room for 700 experiments in the budget
    Send(server, p, college, select);
  }
}

void SubmitAndAdopt(Server& server, BenchProgramme* p, const std::string& clerk, const std::string& college) {
  v1::SubmitProgrammeToCouncil submit;
  submit.set_programme_id(p->programme_id);
  *submit.mutable_council_reference() = tk::TestCouncilReference();
  *submit.mutable_submitted_on() = tk::D(2024, 6, 20);
  Send(server, p, clerk, submit);
  v1::AdoptProgramme adopt;
  adopt.set_programme_id(p->programme_id);
  *adopt.mutable_decision() = tk::CollegeDecision("B&W-2024-0712", tk::D(2024, 7, 9));
  Send(server, p, college, adopt);
}

v1::Command Activity(const BenchProgramme& p, size_t e) {
  auto activity = For<v1::RecordActivity>(p, e);
  activity.set_kind(v1::ACTIVITY_KIND_MEETING);
  activity.set_participant_count(12);
  activity.set_seldom_heard_reached_count(3);
  *activity.mutable_held_on() = tk::D(2024, 10, 1);
  activity.set_note("proeftuin-bench");
  return domain::CommandOf(activity);
}

}  // namespace

BenchProgramme CreateBenchProgramme(Server& server, int experiments) {
  BenchProgramme p;
  p.run_id = NewRunId();
  p.programme_id = "bench-" + p.run_id;
  for (int e = 0; e < experiments; ++e) p.experiments.push_back("e" + std::to_string(e));
  p.pm_token = CreatePrincipal(server, p.run_id, "pm", v1::ROLE_PROGRAMME_MANAGER);
  const std::string proposer = CreatePrincipal(server, p.run_id, "proposer", v1::ROLE_PROPOSER);
  const std::string college = CreatePrincipal(server, p.run_id, "college", v1::ROLE_COLLEGE);
  const std::string clerk = CreatePrincipal(server, p.run_id, "griffie", v1::ROLE_COUNCIL_CLERK);
  p.reader_token = CreatePrincipal(server, p.run_id, "reader", v1::ROLE_INTEGRATION_READER);
  p.principals = 5;

  v1::DraftProgramme draft;
  draft.set_programme_id(p.programme_id);
  *draft.mutable_design() = tk::TestProgrammeDesign();
  draft.mutable_design()->set_title("proeftuin-bench " + p.run_id);
  Send(server, &p, p.pm_token, draft);
  ProposeAndSelect(server, &p, proposer, college);
  SubmitAndAdopt(server, &p, clerk, college);
  for (size_t e = 0; e < p.experiments.size(); ++e) {
    auto start = For<v1::StartExperiment>(p, e);
    *start.mutable_started_on() = tk::D(2024, 9, 2);
    Send(server, &p, p.pm_token, start);
    p.activities.push_back(Activity(p, e));
  }
  return p;
}

bool CountedActivity(Server& server, const std::string& request_id, const grpc::Status& s,
                     const grpc::ClientContext& ctx, const v1::CommandResult& result) {
  if (!s.ok()) {
    ReportFailure("RecordActivity " + request_id, s, ctx);
    return false;
  }
  if (result.first_position() == 0 || result.duplicate()) {
    std::fprintf(stderr, "proeftuin-bench: RecordActivity %s wrote nothing\n", request_id.c_str());
    return false;
  }
  server.CountWrite();
  return true;
}

bool RecordActivity(Server& server, const BenchProgramme& p, int channel, size_t e, const std::string& request_id) {
  v1::CommandOptions options;
  options.set_request_id(request_id);
  v1::CommandResult result;
  auto ctx = server.Context(p.pm_token);
  grpc::Status s = clients::SendCommand(server.channel(channel), ctx.get(), p.activities[e], options, &result);
  return CountedActivity(server, request_id, s, *ctx, result);
}

std::string ExperimentStreamPrefix(const BenchProgramme& p) {
  return domain::ExperimentStream(p.programme_id, "");
}

}  // namespace proeftuin::bench
