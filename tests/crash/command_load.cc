#include "crash/command_load.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "domain/example_programme.h"
#include "e2e/e2e_support.h"
#include "lib/command_client.h"

namespace proeftuin::crash {
namespace {

// The commands of the example programme the load repeats, by step label.
const v1::Command& ExampleCommand(const std::string& label) {
  static const std::map<std::string, v1::Command> commands = [] {
    std::map<std::string, v1::Command> m;
    for (const auto& step : domain::ExampleProgrammeSteps()) m[step.label] = step.command;
    return m;
  }();
  auto it = commands.find(label);
  if (it == commands.end()) {
    ADD_FAILURE() << "the example programme has no step " << label;
    static const v1::Command none;
    return none;
  }
  return it->second;
}

v1::Command Draft(const std::string& programme) {
  v1::Command c = ExampleCommand("draft");
  c.mutable_draft_programme()->set_programme_id(programme);
  return c;
}

// The intake experiment's proposal: its design is complete enough to be selected.
v1::Command Propose(const std::string& programme, const std::string& experiment) {
  const std::string& intake = ExampleCommand("select-intake").select_experiment().experiment_id();
  v1::Command c = ExampleCommand("propose-" + intake);
  c.mutable_propose_experiment()->set_programme_id(programme);
  c.mutable_propose_experiment()->set_experiment_id(experiment);
  return c;
}

v1::Command Select(const std::string& programme, const std::string& experiment) {
  v1::Command c = ExampleCommand("select-intake");
  v1::SelectExperiment* s = c.mutable_select_experiment();
  s->set_programme_id(programme);
  s->set_experiment_id(experiment);
  int year = s->allocation(0).year();
  s->clear_allocation();
  v1::BudgetYearAmount* a = s->add_allocation();
  a->set_year(year);
  a->mutable_amount()->set_cents(100);  // one euro: thousands fit the programme's budget
  return c;
}

v1::Command Session(const std::string& programme, int i) {
  v1::Command c = ExampleCommand("session-college");
  c.mutable_record_knowledge_session()->set_programme_id(programme);
  c.mutable_record_knowledge_session()->set_session_id("s" + std::to_string(i));
  return c;
}

}  // namespace

LoadTokens CreateLoadPrincipals(e2e::ServerProcess& server) {
  LoadTokens t;
  t.programme_manager = e2e::CreatePrincipal(server, "load-pm", v1::ROLE_PROGRAMME_MANAGER);
  t.proposer = e2e::CreatePrincipal(server, "load-proposer", v1::ROLE_PROPOSER);
  t.college = e2e::CreatePrincipal(server, "load-college", v1::ROLE_COLLEGE);
  return t;
}

int ExpectedEvents(const std::string& request_id) {
  if (request_id.find("-select-") != std::string::npos) return 2;
  return 1;  // draft, propose, session
}

CommandLoad::CommandLoad(std::shared_ptr<grpc::Channel> channel, LoadTokens tokens, std::string prefix,
                         int clients)
    : channel_(std::move(channel)), tokens_(std::move(tokens)), prefix_(std::move(prefix)), clients_(clients) {}

CommandLoad::~CommandLoad() { Stop(); }

void CommandLoad::Start() {
  for (int c = 0; c < clients_; ++c) threads_.emplace_back([this, c] { Run(c); });
}

void CommandLoad::Stop() {
  stop_.store(true);
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::vector<Outcome> CommandLoad::outcomes() const {
  std::lock_guard<std::mutex> l(mu_);
  return outcomes_;
}

std::vector<std::string> CommandLoad::programmes() const {
  std::vector<std::string> ids;
  for (int c = 0; c < clients_; ++c) ids.push_back(prefix_ + "-c" + std::to_string(c));
  return ids;
}

void CommandLoad::Run(int client) {
  const std::string programme = prefix_ + "-c" + std::to_string(client);
  // Step 0 drafts; then each i proposes, selects and records a session: steps 3i+1 .. 3i+3.
  for (int step = 0; !stop_.load();) {
    int i = (step - 1) / 3;
    std::string experiment = "e" + std::to_string(i);
    Outcome o;
    switch (step == 0 ? 0 : (step - 1) % 3 + 1) {
      case 0:
        o = Send(programme + "-draft", Draft(programme), tokens_.programme_manager);
        break;
      case 1:
        o = Send(programme + "-propose-" + std::to_string(i), Propose(programme, experiment), tokens_.proposer);
        break;
      case 2:
        o = Send(programme + "-select-" + std::to_string(i), Select(programme, experiment), tokens_.college);
        break;
      default:
        o = Send(programme + "-session-" + std::to_string(i), Session(programme, i), tokens_.programme_manager);
        break;
    }
    bool ok = o.status.ok();
    {
      std::lock_guard<std::mutex> l(mu_);
      outcomes_.push_back(std::move(o));
    }
    if (ok) {
      ++acknowledged_;
      ++step;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // then retry with the same id
    }
  }
}

Outcome CommandLoad::Send(const std::string& request_id, const v1::Command& command, const std::string& token) {
  Outcome o;
  o.request_id = request_id;
  o.kind = clients::RpcNameOf(command);
  o.events = ExpectedEvents(request_id);
  o.phase_started = phase();
  v1::CommandOptions options;
  options.set_request_id(request_id);
  o.status = clients::SendCommand(channel_.get(), e2e::Ctx(token, 15000).get(), command, options, &o.result);
  o.phase_ended = phase();
  return o;
}

}  // namespace proeftuin::crash
