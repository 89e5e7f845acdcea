#include "e2e/cli_support.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "domain/dates.h"
#include "domain/example_programme.h"
#include "google/protobuf/util/json_util.h"

namespace proeftuin::e2e {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// noun, verb and the positional fields of every domain command, by its field in v1::Command.
struct VerbOf {
  const char* noun;
  const char* verb;
  std::vector<const char*> positionals;
};

const std::map<std::string, VerbOf>& Verbs() {
  static const auto* m = new std::map<std::string, VerbOf>{
      {"draft_programme", {"programme", "draft", {"programme_id"}}},
      {"amend_programme", {"programme", "amend", {"programme_id"}}},
      {"submit_programme_to_council", {"council", "submit", {"programme_id"}}},
      {"record_council_input", {"council", "record", {"programme_id"}}},
      {"answer_council_input", {"council", "answer", {"programme_id", "input_id"}}},
      {"adopt_programme", {"programme", "adopt", {"programme_id"}}},
      {"record_knowledge_session", {"session", "record", {"programme_id"}}},
      {"evaluate_programme", {"programme", "evaluate", {"programme_id"}}},
      {"close_programme", {"programme", "close", {"programme_id"}}},
      {"propose_experiment", {"experiment", "propose", {"programme_id", "experiment_id"}}},
      {"amend_experiment", {"experiment", "amend", {"programme_id", "experiment_id"}}},
      {"withdraw_experiment", {"experiment", "withdraw", {"programme_id", "experiment_id"}}},
      {"select_experiment", {"experiment", "select", {"programme_id", "experiment_id"}}},
      {"reject_experiment", {"experiment", "reject", {"programme_id", "experiment_id"}}},
      {"start_experiment", {"experiment", "start", {"programme_id", "experiment_id"}}},
      {"record_activity", {"experiment", "activity", {"programme_id", "experiment_id"}}},
      {"record_expenditure", {"experiment", "spend", {"programme_id", "experiment_id"}}},
      {"report_progress", {"experiment", "progress", {"programme_id", "experiment_id"}}},
      {"stop_experiment_early", {"experiment", "stop", {"programme_id", "experiment_id"}}},
      {"complete_experiment", {"experiment", "complete", {"programme_id", "experiment_id"}}},
      {"mark_experiment_not_evaluable", {"experiment", "not-evaluable", {"programme_id", "experiment_id"}}},
      {"evaluate_experiment", {"experiment", "evaluate", {"programme_id", "experiment_id"}}},
      {"record_correction", {"programme", "correct", {"programme_id"}}}};
  return *m;
}

const std::vector<std::string>& VaryingKeys() {
  static const auto* keys = new std::vector<std::string>{
      "recorded_at_us", "recorded_at", "committed_at_us", "hash",          "head_hash",    "previous_hash",
      "event_id",       "store_id",    "uptime_seconds",  "size_on_disk_bytes", "token", "token_id",
      "issued_at_us",   "exported_at", "directory"};
  return *keys;
}

void Normalise(nlohmann::json& j, const std::vector<std::string>& keys) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if (std::find(keys.begin(), keys.end(), k) != keys.end() && !v.is_object() && !v.is_array()) {
        if (!v.is_null()) v = "<" + k + ">";
      } else {
        Normalise(v, keys);
      }
    }
  } else if (j.is_array()) {
    for (auto& v : j) Normalise(v, keys);
  }
}

}  // namespace

std::string ProeftuinCliPath() {
  const char* other = std::getenv("PROEFTUIN_CLI_UNDER_TEST");
  return other != nullptr && *other != '\0' ? other : PROEFTUIN_CLI_BINARY;
}

CliResult RunCli(const std::vector<std::string>& args, const std::string& cwd, const std::string& home,
                 const std::string& input) {
  static std::atomic<int> runs{0};
  std::string base = home + "/.run-" + std::to_string(::getpid()) + "-" + std::to_string(runs++);
  std::filesystem::create_directories(home);
  std::ofstream(base + ".in", std::ios::binary) << input;
  pid_t pid = fork();
  if (pid == 0) {
    ::chdir(cwd.c_str());
    int in = ::open((base + ".in").c_str(), O_RDONLY);
    int out = ::open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const char* v : {"PROEFTUIN_SERVER", "PROEFTUIN_TOKEN", "PROEFTUIN_TOKEN_FILE", "PROEFTUIN_CONFIG",
                          "PROEFTUIN_OUTPUT", "PROEFTUIN_CA", "XDG_CONFIG_HOME"}) {
      ::unsetenv(v);
    }
    ::setenv("HOME", home.c_str(), 1);
    ::setenv("TZ", "UTC", 1);
    std::vector<std::string> full = {ProeftuinCliPath()};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(base + ".out");
  r.err = Slurp(base + ".err");
  return r;
}

void CliTest::SetUp() {
  E2eTest::SetUp();
  std::filesystem::create_directories(dir_.path() + "/tokens");
  for (const auto& [role, token] : tokens_) std::ofstream(TokenFile(role)) << token << "\n";
}

CliResult CliTest::Cli(const std::vector<std::string>& args, const std::string& role, const std::string& input) {
  std::vector<std::string> full = {"--server", server_->address(), "--token-file", TokenFile(role), "--no-color"};
  full.insert(full.end(), args.begin(), args.end());
  return RunCli(full, dir_.path(), home(), input);
}

int CliTest::RunExampleThroughCli(absl::Time until) {
  domain::ExamplePositions positions;
  int ran = 0;
  for (domain::ExampleStep& step : domain::ExampleProgrammeSteps()) {
    if (step.at > until) break;
    EXPECT_TRUE(positions.Resolve(&step).ok()) << step.label;
    const auto* oneof = step.command.GetDescriptor()->FindOneofByName("command");
    const auto* field = step.command.GetReflection()->GetOneofFieldDescriptor(step.command, oneof);
    const auto& action = step.command.GetReflection()->GetMessage(step.command, field);
    const VerbOf& v = Verbs().at(field->name());
    std::vector<std::string> args = {"-o", "json", v.noun, v.verb};
    for (const char* p : v.positionals) {
      args.push_back(action.GetReflection()->GetString(action, action.GetDescriptor()->FindFieldByName(p)));
    }
    // The step's business date, as RunExample sends it.
    args.insert(args.end(), {"-f", "-", "--request-id", "example-" + step.label, "--occurred-on",
                             domain::FormatDate(domain::DateOfUtc(step.at))});
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(action, &json);
    CliResult r = Cli(args, step.role, json);
    EXPECT_EQ(r.exit_code, 0) << step.label << ": " << r.err;
    if (r.exit_code != 0) break;
    nlohmann::json out = nlohmann::json::parse(r.out);
    const auto& svs = out["result"]["stream_versions"];
    if (!svs.empty()) {
      positions.Record(step.label, svs.front()["stream"].get<std::string>(),
                       std::stoull(out["result"]["first_position"].get<std::string>()));
      positions.Record(step.label, svs.back()["stream"].get<std::string>(),
                       std::stoull(out["result"]["last_position"].get<std::string>()));
    }
    ++ran;
  }
  return ran;
}

std::string NormaliseJson(const std::string& json, const std::vector<std::string>& also_keys) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded()) return "NOT JSON: " + json;
  std::vector<std::string> keys = VaryingKeys();
  keys.insert(keys.end(), also_keys.begin(), also_keys.end());
  Normalise(j, keys);
  return j.dump(2) + "\n";
}

void ExpectGolden(const std::string& name, const std::string& normalised_json) {
  std::string path = std::string(PROEFTUIN_GOLDEN_DIR) + "/" + name + ".json";
  const char* update = std::getenv("PROEFTUIN_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(PROEFTUIN_GOLDEN_DIR);
    std::ofstream(path, std::ios::trunc) << normalised_json;
    return;
  }
  EXPECT_EQ(normalised_json, Slurp(path)) << "golden " << path << " differs; PROEFTUIN_UPDATE_GOLDEN=1 rewrites it";
}

}  // namespace proeftuin::e2e
