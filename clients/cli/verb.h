// A verb that sends one domain command (ProgrammeService mutation), described as data: its
// positional arguments and flags name fields of the command by path (cli/fields.h), `-f FILE`
// merges proto JSON of the command message, and the common flags fill CommandOptions
// (--request-id, --expected-version, --reason, --occurred-on, --correlation-id, --on-behalf-of).
//
// Thread-safety: registration happens on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}
namespace google::protobuf {
class Message;
}

namespace proeftuin::cli {

class Cli;
struct Outcome;

// Fills the command before -f and the flags apply (e.g. an amendment starts from the current
// design); may set the expected version (If-Match) it read. Gets the positional values.
using Prefill = std::function<Outcome(Cli*, const std::vector<std::string>&, google::protobuf::Message*,
                                      uint64_t* expected_version)>;

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
  Prefill prefill;  // optional; skipped when -f is given (the file is the complete command)
};

// Adds `spec` as a subcommand of `noun`; returns it.
CLI::App* AddCommandVerb(CLI::App* noun, Cli* cli, VerbSpec spec);

// "Example:\n  <example>" for CLI11 footers.
std::string ExampleFooter(const std::string& example);

// Positional helpers for the many verbs on one programme / experiment.
std::vector<std::pair<std::string, std::string>> ProgrammeArg();
std::vector<std::pair<std::string, std::string>> ExperimentArgs();

}  // namespace proeftuin::cli
