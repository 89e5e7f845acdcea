// `proeftuin commands apply FILE`: many commands from a file of JSON lines, sent one after
// another over one ProgrammeService.ExecuteCommands stream (docs/CLI.md, "Many commands from a
// file"). Every line is read and checked before the first is sent; each command is answered
// before the next is sent (within --timeout), and a refused command does not stop the rest. Each
// line carries its own request id (or gets "<--request-id-prefix>-<line>"), so running the same
// file again writes nothing twice: what was written is answered as a retry.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unordered_map>
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
// lines starting with '#' are skipped. A usage error names the first line that is not a command,
// or the second line of two with the same request id (a copied row would else be answered as a
// retry of the first and write nothing).
Outcome ReadLines(std::string_view text, const std::string& file, const std::string& prefix,
                  std::vector<Line>* lines) {
  // A UTF-8 byte-order mark, as spreadsheet exports write one.
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.remove_prefix(3);
  std::unordered_map<std::string, int> line_of_id;
  size_t start = 0;
  for (int number = 1; start < text.size(); ++number) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
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
    auto [it, fresh] = line_of_id.emplace(l.request.options().request_id(), number);
    if (!fresh) {
      return Usage(where + ": request id " + OneLine(it->first) + " is also line " +
                   std::to_string(it->second) + "'s; each command needs its own");
    }
    lines->push_back(std::move(l));
  }
  if (lines->empty()) return Usage(file + ": no commands");
  return Ok();
}

// Cancels the stream when an answer (or the stream's end) takes longer than the CLI's --timeout:
// the sync API's Read has no deadline of its own, and a server or network that went silent would
// keep it waiting. A timeout of 0 or less (--timeout 0: no deadline) never cancels.
class AnswerWatchdog {
 public:
  AnswerWatchdog(grpc::ClientContext* ctx, std::chrono::seconds timeout)
      : ctx_(ctx), timeout_(timeout), thread_([this] { Watch(); }) {}
  ~AnswerWatchdog() {
    {
      std::lock_guard l(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void Waiting() {
    if (timeout_.count() > 0) Set(std::chrono::steady_clock::now() + timeout_);
  }
  void Answered() { Set(std::chrono::steady_clock::time_point::max()); }
  bool fired() const { return fired_.load(); }

 private:
  void Set(std::chrono::steady_clock::time_point deadline) {
    {
      std::lock_guard l(mu_);
      deadline_ = deadline;
    }
    cv_.notify_one();
  }
  void Watch() {
    std::unique_lock l(mu_);
    while (!done_) {
      if (std::chrono::steady_clock::now() >= deadline_) {
        fired_.store(true);
        ctx_->TryCancel();
        return;
      }
      if (deadline_ == std::chrono::steady_clock::time_point::max()) {
        cv_.wait(l);
      } else {
        cv_.wait_until(l, deadline_);
      }
    }
  }

  grpc::ClientContext* ctx_;
  const std::chrono::seconds timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool done_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;  // last: starts once the rest is set
};

// A refused command, for people: the server's message without its rule prefix, then the rule
// or the code, on one terminal-safe line.
std::string RefusalText(const v1::ExecuteCommandsResponse& answer) {
  std::string message = answer.message();
  if (!answer.rule().empty() && message.rfind(answer.rule() + ": ", 0) == 0) {
    message = message.substr(answer.rule().size() + 2);
  }
  const std::string why =
      answer.rule().empty() ? clients::StatusCodeName(static_cast<grpc::StatusCode>(answer.code()))
                            : answer.rule();
  return OneLine(message) + " (" + why + ")";
}

// The answer to one line, as the CLI prints it.
void PrintAnswer(Cli* cli, const Line& line, const v1::ExecuteCommandsResponse& answer) {
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
              << RefusalText(answer) << "\n";
  }
}

// What the run did so far: "3 of 5 commands applied, 2 refused (first: line 5)".
struct Tally {
  size_t total = 0, answered = 0, applied = 0;
  int first_refused_line = 0;
  std::string first_refusal;  // "line 5 RecordActivity: ... (PT-...)"
  int exit_code = kExitOk;    // the most serious of the refusals' (4 > 3 > 1)

  void Refused(const Line& line, const v1::ExecuteCommandsResponse& answer) {
    if (first_refused_line == 0) {
      first_refused_line = line.number;
      first_refusal = "line " + std::to_string(line.number) + " " +
                      clients::RpcNameOf(line.request.command()) + ": " + RefusalText(answer);
    }
    exit_code = std::max(exit_code, ExitCodeOf(static_cast<grpc::StatusCode>(answer.code())));
  }
  std::string Text() const {
    std::string t = std::to_string(applied) + " of " + std::to_string(total) + " commands applied";
    if (answered > applied) {
      t += ", " + std::to_string(answered - applied) + " refused (first: line " +
           std::to_string(first_refused_line) + ")";
    }
    if (answered < total) t += ", " + std::to_string(total - answered) + " not answered";
    return t;
  }
};

Outcome Apply(Cli* cli, const ApplyValues& v) {
  std::string text;
  if (!ReadFileOrStdin(v.file, &text)) return Usage("commands apply: cannot read " + v.file);
  const std::string file = v.file == "-" ? "stdin" : v.file;
  std::vector<Line> lines;
  if (Outcome o = ReadLines(text, file, v.request_id_prefix, &lines); o.exit_code != 0) return o;
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::ProgrammeService::NewStub(cli->Channel());
  auto ctx =
      cli->Context(std::chrono::seconds(0));  // no deadline for the stream: a file may be long
  Tally tally;
  tally.total = lines.size();
  grpc::Status end;
  {
    AnswerWatchdog watchdog(ctx.get(), std::chrono::seconds(cli->flags().timeout_seconds));
    auto stream = stub->ExecuteCommands(ctx.get());
    for (const Line& line : lines) {
      v1::ExecuteCommandsResponse answer;
      watchdog.Waiting();
      if (!stream->Write(line.request) || !stream->Read(&answer)) break;
      watchdog.Answered();
      if (answer.request_id() != line.request.options().request_id()) {
        // Never from this server: answers come in the order of the requests.
        ctx->TryCancel();
        stream->Finish();
        return {kExitServerFault, "cannot apply " + file + ": line " + std::to_string(line.number) +
                                      " was answered for request id " +
                                      OneLine(answer.request_id()) + "; " + tally.Text()};
      }
      ++tally.answered;
      if (answer.code() == 0) {
        ++tally.applied;
      } else {
        tally.Refused(line, answer);
      }
      PrintAnswer(cli, line, answer);
    }
    watchdog.Waiting();  // for the stream's end too
    stream->WritesDone();
    end = stream->Finish();
    if (watchdog.fired() && end.error_code() == grpc::StatusCode::CANCELLED) {
      end = grpc::Status(
          grpc::StatusCode::DEADLINE_EXCEEDED,
          "no answer within " + std::to_string(cli->flags().timeout_seconds) + " s (--timeout)");
    }
  }
  (cli->json() ? std::cerr : std::cout) << tally.Text() << "\n";  // JSON lines stay on stdout
  if (tally.answered < lines.size()) {
    // The stream ended early (the server unreachable or stopping, the token refused, no answer
    // in time): name the first line not answered. What was applied is answered as a retry when
    // the file is sent again.
    Outcome o = FromStatus(
        end.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "the stream ended") : end, ctx.get(),
        "apply line " + std::to_string(lines[tally.answered].number) + " of " + file);
    o.message += "; " + tally.Text() + "; sending the file again writes nothing twice";
    if (tally.exit_code > o.exit_code) o.exit_code = tally.exit_code;
    return o;
  }
  if (tally.answered == tally.applied) return Ok();
  return {tally.exit_code, std::to_string(tally.answered - tally.applied) + " of " +
                               std::to_string(tally.total) +
                               " commands refused; the first: " + tally.first_refusal};
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
