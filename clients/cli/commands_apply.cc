// `proeftuin commands apply FILE`: many commands from a file of JSON lines, sent one after
// another over one ProgrammeService.ExecuteCommands stream (docs/CLI.md, "Many commands from a
// file"). Every line is read and checked before the first is sent; each command is answered
// before the next is sent, and a refused command does not stop the rest. Each line carries its
// own request id (or gets "<--request-id-prefix>-<line>"), so running the same file again
// writes nothing twice: what was written is answered as a retry.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/fields.h"
#include "cli/format.h"
#include "cli/verb.h"
#include "lib/command_client.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

struct ApplyValues {
  std::string file;
  std::string request_id_prefix;
};

struct Line {
  int number = 0;  // in the file, from 1
  v1::ExecuteCommandsRequest request;
};

// Every command of `text`: one ExecuteCommandsRequest as protobuf JSON per line; blank lines and
// lines starting with '#' are skipped. A usage error names the first line that is not a command.
Outcome ReadLines(const std::string& text, const std::string& file, const std::string& prefix,
                  std::vector<Line>* lines) {
  size_t start = 0;
  for (int number = 1; start < text.size(); ++number) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    const std::string where = file + " line " + std::to_string(number);
    Line l{number, {}};
    std::string error;
    if (!MergeJson(line, &l.request, &error)) return Usage(where + ": " + OneLine(error));
    if (l.request.command().command_case() == v1::Command::COMMAND_NOT_SET) {
      return Usage(where +
                   ": no command (expected e.g. {\"options\": {\"requestId\": \"...\"}, "
                   "\"command\": {\"recordActivity\": {...}}})");
    }
    if (l.request.options().request_id().empty()) {
      if (prefix.empty()) {
        return Usage(where +
                     ": options.requestId is empty; give each line its own, or "
                     "--request-id-prefix to number them");
      }
      l.request.mutable_options()->set_request_id(prefix + "-" + std::to_string(number));
    }
    lines->push_back(std::move(l));
  }
  if (lines->empty()) return Usage(file + ": no commands");
  return Ok();
}

// The answer to one line, as the CLI prints it.
void PrintAnswer(Cli* cli, const Line& line, const v1::ExecuteCommandsResponse& answer,
                 const Outcome& refused) {
  const std::string rpc = clients::RpcNameOf(line.request.command());
  const auto code = static_cast<grpc::StatusCode>(answer.code());
  if (cli->json()) {
    nlohmann::ordered_json j;
    j["line"] = line.number;
    j["command"] = rpc;
    j["request_id"] = line.request.options().request_id();
    j["code"] = clients::StatusCodeName(code);
    if (code != grpc::StatusCode::OK) {
      j["rule"] = answer.rule();
      j["message"] = answer.message();
    } else {
      j["result"] = nlohmann::ordered_json::parse(ToJson(answer.result(), false));
    }
    std::cout << TerminalJson(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
              << "\n";
    return;
  }
  if (code == grpc::StatusCode::OK) {
    std::cout << Green("✓", cli->color_out()) << " line " << line.number << " " << rpc << ": "
              << WrittenText(line.request.options().request_id(), answer.result()) << "\n";
  } else {
    std::cout << Red("✗", cli->color_out()) << " line " << line.number << " " << rpc << ": "
              << refused.message << "\n";
  }
}

Outcome Apply(Cli* cli, const ApplyValues& v) {
  std::string text;
  if (!ReadFileOrStdin(v.file, &text)) return Usage("commands apply: cannot read " + v.file);
  std::vector<Line> lines;
  if (Outcome o = ReadLines(text, v.file == "-" ? "stdin" : v.file, v.request_id_prefix, &lines);
      o.exit_code != 0) {
    return o;
  }
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::ProgrammeService::NewStub(cli->Channel());
  auto ctx = cli->Context(std::chrono::seconds(0));  // no deadline: a file may be long
  auto stream = stub->ExecuteCommands(ctx.get());
  size_t answered = 0, applied = 0;
  Outcome first_refusal;
  int first_refused_line = 0;
  for (const Line& line : lines) {
    v1::ExecuteCommandsResponse answer;
    if (!stream->Write(line.request) || !stream->Read(&answer)) break;
    ++answered;
    Outcome refused;
    if (answer.code() == 0) {
      ++applied;
    } else {
      // The rule at the start of the message, where FromStatus looks for it.
      std::string message = answer.message();
      if (!answer.rule().empty() && message.rfind(answer.rule(), 0) != 0) {
        message = answer.rule() + ": " + message;
      }
      refused =
          FromStatus(grpc::Status(static_cast<grpc::StatusCode>(answer.code()), message), nullptr,
                     "apply line " + std::to_string(line.number) + " (" +
                         clients::RpcNameOf(line.request.command()) + ")");
      if (first_refused_line == 0) {
        first_refused_line = line.number;
        first_refusal = refused;
      }
    }
    PrintAnswer(cli, line, answer, refused);
  }
  stream->WritesDone();
  const grpc::Status end = stream->Finish();
  const size_t refused = answered - applied;
  if (answered < lines.size()) {
    // The stream ended early (the server unreachable or stopping, the token refused): say which
    // line was not answered; a rerun of the file is safe (request ids).
    Outcome o = FromStatus(
        end.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "the stream ended") : end, ctx.get(),
        "apply line " + std::to_string(lines[answered].number) + " of " +
            (v.file == "-" ? std::string("stdin") : v.file));
    o.message += "; " + std::to_string(applied) + " of " + std::to_string(lines.size()) +
                 " commands applied, " + std::to_string(lines.size() - answered) +
                 " not sent or not answered; running the file again is safe";
    return o;
  }
  if (!cli->json()) {
    std::cout << applied << " of " << lines.size() << " commands applied";
    if (refused > 0)
      std::cout << ", " << refused << " refused (first: line " << first_refused_line << ")";
    std::cout << "\n";
  }
  if (refused == 0) return Ok();
  return {first_refusal.exit_code, std::to_string(refused) + " of " + std::to_string(lines.size()) +
                                       " commands refused; the first: " + first_refusal.message};
}

}  // namespace

void AddCommandsCommand(CLI::App* root, Cli* cli) {
  CLI::App* noun = root->add_subcommand("commands", "Many commands from a file, over one stream");
  noun->require_subcommand(1);
  auto v = std::make_shared<ApplyValues>();
  CLI::App* apply = noun->add_subcommand(
      "apply", "Send the commands of a JSON-lines file, one after another, each answered");
  apply
      ->add_option("file", v->file,
                   "One ExecuteCommandsRequest as protobuf JSON per line ('-': stdin); blank "
                   "lines and lines starting with # are skipped")
      ->required();
  apply->add_option("--request-id-prefix", v->request_id_prefix,
                    "Request id for lines without one: PREFIX-<line number> (the same file "
                    "again then writes nothing twice)");
  apply->footer(ExampleFooter(
      "proeftuin commands apply activiteiten.jsonl --request-id-prefix import-2025-03\n"
      "  with lines such as {\"command\": {\"recordActivity\": {\"programmeId\": \"lv-2024-2027\", "
      "\"experimentId\": \"uitdaagrecht\", \"kind\": \"ACTIVITY_KIND_MEETING\", "
      "\"participantCount\": 25}}}"));
  apply->callback([cli, v] { cli->set_outcome(Apply(cli, *v)); });
}

}  // namespace proeftuin::cli
