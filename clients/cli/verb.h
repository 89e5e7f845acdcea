// A verb that sends one domain command (ProgrammeService mutation), described as data: its
// positional arguments and flags name fields of the command by path (cli/fields.h), `-f FILE`
// merges proto JSON of the command message, and the common flags fill CommandOptions
// (--request-id, --expected-version, --reason, --occurred-on, --correlation-id, --on-behalf-of).
//
// Thread-safety: registration happens on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}
namespace google::protobuf {
class Message;
}
namespace proeftuin::v1 {
class CommandResult;
}

namespace proeftuin::cli {

class Cli;
struct Outcome;

// The stream versions a Prefill read: the current one (sent as the expected version, If-Match,
// unless --expected-version is given) and, when the stream has been amended, the version it had
// before its newest amendment: the expected version the CLI sent for that amendment, which a
// retry of it with the same --request-id sends again (docs/CLI.md, "Retrying an amendment").
struct SeenVersions {
  uint64_t current = 0;
  std::optional<uint64_t> before_last_amendment;
};

// Fills the command before the flags apply (an amendment starts from the current design) and
// reports the versions it read. Gets the positional values. Not run with -f.
using Prefill = std::function<Outcome(Cli*, const std::vector<std::string>&,
                                      google::protobuf::Message*, SeenVersions* seen)>;

struct FlagSpec {
  std::string flag;  // "--title"
  std::string path;  // "design.title"
  std::string help;
};

struct VerbSpec {
  std::string verb;     // "draft"
  std::string command;  // the field of v1::Command, e.g. "draft_programme"
  std::string object;   // for errors: "programme {programme_id}" ({path} = that field's value)
  std::string summary;  // one line
  std::string example;  // shown in the help footer
  std::vector<std::pair<std::string, std::string>> positionals;  // name, field path
  std::vector<FlagSpec> flags;
  // Optional; skipped when -f is given (the file is the complete command). A verb with a prefill
  // (amend) replaces a list with the values of its flag instead of adding to it.
  Prefill prefill;
};

// Adds `spec` as a subcommand of `noun`; returns it.
CLI::App* AddCommandVerb(CLI::App* noun, Cli* cli, VerbSpec spec);

// What a command wrote, for people: "written at position 12; programme/x now at version 3", "(a
// retry of request R: the original result)", or that nothing changed. One terminal-safe line.
std::string WrittenText(const std::string& request_id, const v1::CommandResult& r);

// "Example:\n  <example>" for CLI11 footers.
std::string ExampleFooter(const std::string& example);

// Positional helpers for the many verbs on one programme / experiment.
std::vector<std::pair<std::string, std::string>> ProgrammeArg();
std::vector<std::pair<std::string, std::string>> ExperimentArgs();

}  // namespace proeftuin::cli
