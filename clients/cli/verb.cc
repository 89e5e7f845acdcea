#include "cli/verb.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "cli/cli.h"
#include "cli/fields.h"
#include "cli/format.h"
#include "lib/command_client.h"
#include "proeftuin/v1/commands.pb.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::cli {
namespace {

using google::protobuf::Message;

// The values a verb's flags collected during parsing.
struct VerbValues {
  std::vector<std::string> positionals;
  std::map<std::string, std::vector<std::string>> flags;  // flag -> values
  std::string file;
  std::string request_id;
  std::string expected_version;
  std::string reason;
  std::string occurred_on;
  std::string correlation_id;
  std::string on_behalf_of;
};

std::string RandomRequestId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  return absl::StrFormat("cli-%016x", gen());
}

// "programme {programme_id}" with the command's field values filled in.
std::string ObjectText(const std::string& tmpl, const Message& action) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    size_t close = tmpl.find('}', i);
    if (tmpl[i] != '{' || close == std::string::npos) {
      out += tmpl[i];
      continue;
    }
    const auto* f = action.GetDescriptor()->FindFieldByName(tmpl.substr(i + 1, close - i - 1));
    if (f != nullptr && f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING && !f->is_repeated()) {
      out += action.GetReflection()->GetString(action, f);
    }
    i = close;
  }
  return out;
}

Outcome BuildOptions(const VerbValues& v, v1::CommandOptions* o) {
  o->set_request_id(v.request_id.empty() ? RandomRequestId() : v.request_id);
  if (!v.expected_version.empty()) {
    uint64_t seen = 0;
    if (!absl::SimpleAtoi(v.expected_version, &seen)) return Usage("--expected-version: expected a whole number");
    o->set_expected_version(seen);
  }
  o->set_reason(v.reason);
  o->set_correlation_id(v.correlation_id);
  o->set_on_behalf_of(v.on_behalf_of);
  if (!v.occurred_on.empty() && !ParseDate(v.occurred_on, o->mutable_occurred_on())) {
    return Usage("--occurred-on: expected a date YYYY-MM-DD, got '" + v.occurred_on + "'");
  }
  return Ok();
}

// `amends`: the verb starts from the current design, so a list flag replaces the list.
Outcome BuildAction(const VerbSpec& spec, const VerbValues& v, bool amends, Message* action) {
  std::string error;
  if (!v.file.empty()) {
    std::string text;
    if (!ReadFileOrStdin(v.file, &text)) return Usage("-f: cannot read " + v.file);
    if (!MergeJson(text, action, &error)) return Usage("-f " + v.file + ": " + error);
  }
  for (size_t i = 0; i < spec.positionals.size() && i < v.positionals.size(); ++i) {
    if (!SetFieldByPath(action, spec.positionals[i].second, v.positionals[i], &error)) {
      return Usage(spec.positionals[i].first + ": " + error);
    }
  }
  for (const FlagSpec& f : spec.flags) {
    auto it = v.flags.find(f.flag);
    if (it == v.flags.end() || it->second.empty()) continue;
    if (amends) {
      if (!ReplaceFieldByPath(action, f.path, it->second, &error)) {
        return Usage(f.flag + ": " + error);
      }
      continue;
    }
    for (const std::string& value : it->second) {
      if (!SetFieldByPath(action, f.path, value, &error)) return Usage(f.flag + ": " + error);
    }
  }
  // Commands with their own reason field take --reason there too.
  const auto* reason = action->GetDescriptor()->FindFieldByName("reason");
  if (reason != nullptr && !v.reason.empty() && action->GetReflection()->GetString(*action, reason).empty()) {
    action->GetReflection()->SetString(action, reason, v.reason);
  }
  return Ok();
}

void PrintResult(Cli* cli, const std::string& rpc, const v1::CommandOptions& o, const v1::CommandResult& r) {
  if (cli->json()) {
    // The request id as the caller gave it (the server checked it) is still escaped as JSON.
    std::cout << TerminalJson("{\n  \"command\": " +
                              nlohmann::json(rpc).dump(-1, ' ', false,
                                                       nlohmann::json::error_handler_t::replace) +
                              ",\n  \"request_id\": " +
                              nlohmann::json(o.request_id())
                                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                              ",\n  \"result\": " + ToJson(r, false) + "\n}")
              << "\n";
    return;
  }
  std::cout << Green("✓", cli->color_out()) << " " << rpc << ": " << WrittenText(o.request_id(), r)
            << "\n";
}

bool RequestReused(const grpc::Status& s, const grpc::ClientContext* ctx) {
  return s.error_code() == grpc::StatusCode::ALREADY_EXISTS &&
         RuleOf(s, ctx) == "PT-REQUEST-REUSED";
}

// Sends the command. An amendment's retry (the same --request-id, no --expected-version) whose
// first attempt landed finds the stream moved on by that attempt, so the expected version it
// read is not the one the first attempt sent: the server refuses it as PT-REQUEST-REUSED. It is
// sent once more with the version the stream had before its newest amendment; the server then
// answers with the original result when, and only when, the command is the same as the first.
grpc::Status Send(Cli* cli, const v1::Command& command, v1::CommandOptions* options,
                  std::optional<uint64_t> retry_version, std::unique_ptr<grpc::ClientContext>* ctx,
                  v1::CommandResult* result) {
  *ctx = cli->Context();
  grpc::Status s =
      clients::SendCommand(cli->Channel().get(), ctx->get(), command, *options, result);
  if (!retry_version.has_value() || !RequestReused(s, ctx->get())) return s;
  options->set_expected_version(*retry_version);
  *ctx = cli->Context();
  return clients::SendCommand(cli->Channel().get(), ctx->get(), command, *options, result);
}

Outcome RunVerb(Cli* cli, const VerbSpec& spec, const VerbValues& v) {
  v1::Command command;
  const auto* field = command.GetDescriptor()->FindFieldByName(spec.command);
  Message* action = command.GetReflection()->MutableMessage(&command, field);
  v1::CommandOptions options;
  if (Outcome o = BuildOptions(v, &options); o.exit_code != 0) return o;
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  const bool amends = static_cast<bool>(spec.prefill);
  SeenVersions seen;
  if (amends && v.file.empty()) {
    if (Outcome o = spec.prefill(cli, v.positionals, action, &seen); o.exit_code != 0) return o;
    if (!options.has_expected_version()) options.set_expected_version(seen.current);
  }
  if (Outcome o = BuildAction(spec, v, amends, action); o.exit_code != 0) return o;
  const bool may_retry =
      amends && v.file.empty() && !v.request_id.empty() && v.expected_version.empty();
  std::unique_ptr<grpc::ClientContext> ctx;
  v1::CommandResult result;
  grpc::Status s = Send(cli, command, &options,
                        may_retry ? seen.before_last_amendment : std::nullopt, &ctx, &result);
  if (!s.ok()) {
    Outcome o = FromStatus(s, ctx.get(), spec.verb + " " + ObjectText(spec.object, *action));
    if (amends && RequestReused(s, ctx.get())) {
      o.message +=
          "; a retry gives the first attempt's flags again, and --expected-version N with the "
          "version the first attempt expected when the stream changed since (docs/CLI.md)";
    }
    return o;
  }
  PrintResult(cli, clients::RpcNameOf(command), options, result);
  return Ok();
}

void AddCommonFlags(CLI::App* sub, VerbValues* v) {
  sub->add_option("-f,--file", v->file, "The command as proto JSON (docs/CLI.md); '-' reads stdin")
      ->group("Input");
  sub->add_option("--request-id", v->request_id, "Idempotency key (default: a random cli-… id)")->group("Request");
  sub->add_option("--expected-version", v->expected_version,
                  "The stream version you saw (If-Match); refused when it changed")
      ->group("Request");
  sub->add_option("--reason", v->reason, "Why (toelichting), recorded with the events")->group("Request");
  sub->add_option("--occurred-on", v->occurred_on, "Business date of the action, YYYY-MM-DD (default today)")
      ->group("Request");
  sub->add_option("--correlation-id", v->correlation_id, "Groups the requests of one transaction")->group("Request");
  sub->add_option("--on-behalf-of", v->on_behalf_of, "For systems: the end user acted for")->group("Request");
}

}  // namespace

std::string WrittenText(const std::string& request_id, const v1::CommandResult& r) {
  std::string what;
  if (r.first_position() == 0) {
    what = "nothing changed (the command was a no-op)";
  } else {
    what = r.first_position() == r.last_position()
               ? "written at position " + std::to_string(r.first_position())
               : "written at positions " + std::to_string(r.first_position()) + "–" +
                     std::to_string(r.last_position());
    for (const auto& sv : r.stream_versions()) {
      what += "; " + sv.stream() + " now at version " + std::to_string(sv.version());
    }
  }
  if (r.duplicate()) what += " (a retry of request " + request_id + ": the original result)";
  return OneLine(what);
}

std::string ExampleFooter(const std::string& example) { return "\nExample:\n  " + example + "\n"; }

std::vector<std::pair<std::string, std::string>> ProgrammeArg() { return {{"programme", "programme_id"}}; }

std::vector<std::pair<std::string, std::string>> ExperimentArgs() {
  return {{"programme", "programme_id"}, {"experiment", "experiment_id"}};
}

CLI::App* AddCommandVerb(CLI::App* noun, Cli* cli, VerbSpec spec) {
  auto v = std::make_shared<VerbValues>();
  auto shared_spec = std::make_shared<VerbSpec>(std::move(spec));
  CLI::App* sub = noun->add_subcommand(shared_spec->verb, shared_spec->summary);
  sub->footer(ExampleFooter(shared_spec->example));
  v->positionals.resize(shared_spec->positionals.size());
  for (size_t i = 0; i < shared_spec->positionals.size(); ++i) {
    const auto& [name, path] = shared_spec->positionals[i];
    sub->add_option(name, v->positionals[i], "The " + name + " id (" + path + ")")->required();
  }
  for (const FlagSpec& f : shared_spec->flags) {
    sub->add_option(f.flag, v->flags[f.flag], f.help)->group("Fields")->allow_extra_args(false);
  }
  AddCommonFlags(sub, v.get());
  sub->callback([cli, v, shared_spec] { cli->set_outcome(RunVerb(cli, *shared_spec, *v)); });
  return sub;
}

}  // namespace proeftuin::cli
