#include "e2e/e2e_support.h"

#include "domain/dates.h"
#include "domain/example_programme.h"
#include "lib/command_client.h"

namespace proeftuin::e2e {

std::string CreatePrincipal(ServerProcess& server, const std::string& id, v1::Role role,
                            v1::Confidentiality clearance) {
  auto admin = v1::AdminService::NewStub(server.Channel());
  v1::CreatePrincipalRequest r;
  r.set_request_id("create-" + id);
  r.set_principal_id(id);
  r.set_display_name("Test " + id);
  r.set_role(role);
  r.set_clearance(clearance);
  v1::CreatePrincipalResponse resp;
  grpc::Status s = admin->CreatePrincipal(Ctx(server.AdminToken()).get(), r, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.token();
}

void E2eTest::SetUp() {
  server_ = std::make_unique<ServerProcess>(dir_.Sub("data"));
  server_->Start();
  ASSERT_GT(server_->port(), 0);
  tokens_["administrator"] = server_->AdminToken();
  const std::pair<const char*, v1::Role> roles[] = {
      {"programme_manager", v1::ROLE_PROGRAMME_MANAGER}, {"proposer", v1::ROLE_PROPOSER},
      {"college", v1::ROLE_COLLEGE},       {"council_clerk", v1::ROLE_COUNCIL_CLERK},
      {"evaluator", v1::ROLE_EVALUATOR},   {"auditor", v1::ROLE_AUDITOR},
      {"integration_reader", v1::ROLE_INTEGRATION_READER}};
  for (const auto& [name, role] : roles) {
    std::string id = name;
    std::replace(id.begin(), id.end(), '_', '-');
    tokens_[name] = CreatePrincipal(*server_, id, role);
  }
  tokens_["griffie"] = tokens_["council_clerk"];
  programmes_ = v1::ProgrammeService::NewStub(server_->Channel());
}

void E2eTest::TearDown() {
  if (server_ != nullptr && server_->running()) {
    EXPECT_EQ(server_->Stop(), 0) << server_->Log();
    if (getenv("PROEFTUIN_E2E_SHOW_LOG") != nullptr) fprintf(stderr, "%s\n", server_->Log().c_str());
  }
}

const std::string& E2eTest::TokenFor(const std::string& role) {
  auto it = tokens_.find(role);
  EXPECT_NE(it, tokens_.end()) << role;
  return it->second;
}

v1::CommandOptions E2eTest::Options(const std::string& request_id) const {
  v1::CommandOptions o;
  o.set_request_id(request_id);
  return o;
}

int E2eTest::RunExample(absl::Time until) {
  domain::ExamplePositions positions;
  auto channel = server_->Channel();
  int ran = 0;
  for (domain::ExampleStep& step : domain::ExampleProgrammeSteps()) {
    if (step.at > until) break;
    EXPECT_TRUE(positions.Resolve(&step).ok()) << step.label;
    v1::CommandResult result;
    // The step's business date, as the seed gives it: the events' occurred_on and the dates the
    // domain takes from it (a draft's, an amendment's) do not depend on the day the test runs.
    v1::CommandOptions options = Options("example-" + step.label);
    *options.mutable_occurred_on() = domain::DateOfUtc(step.at);
    grpc::Status s =
        clients::SendCommand(channel.get(), Ctx(TokenFor(step.role)).get(), step.command, options, &result);
    EXPECT_TRUE(s.ok()) << step.label << ": " << s.error_message();
    if (!s.ok()) break;
    if (result.stream_versions_size() > 0) {
      positions.Record(step.label, result.stream_versions(0).stream(), result.first_position());
      positions.Record(step.label, result.stream_versions(result.stream_versions_size() - 1).stream(),
                       result.last_position());
    }
    ++ran;
  }
  return ran;
}

}  // namespace proeftuin::e2e
