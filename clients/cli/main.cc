// proeftuin: the command-line client of proeftuind (docs/CLI.md). The commands live in the
// proeftuin_cli library; this file parses, runs and maps the outcome to the exit code.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"

namespace {

struct ResolveFailed {
  proeftuin::cli::Outcome outcome;
};

int Report(const proeftuin::cli::Cli& cli, const proeftuin::cli::Outcome& o) {
  if (!o.message.empty()) {
    std::cerr << proeftuin::cli::Red("proeftuin: ", cli.color_err()) << o.message << "\n";
  }
  return o.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  proeftuin::cli::Cli cli;
  CLI::App app{"proeftuin: the command-line client of Proeftuin (experimenteerprogramma's inwonerparticipatie)",
               "proeftuin"};
  proeftuin::cli::BuildApp(&app, &cli);
  // Runs after parsing, before the chosen command's callback.
  app.parse_complete_callback([&cli] {
    proeftuin::cli::Outcome o = cli.Resolve();
    if (o.exit_code != 0) throw ResolveFailed{o};
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : proeftuin::cli::kExitUsage;
  } catch (const ResolveFailed& f) {
    return Report(cli, f.outcome);
  }
  proeftuin::cli::Outcome o = cli.outcome();
  // `audit verify` keeps the exit codes it had before code 4 (another session owns them,
  // docs/CLI.md): a fault of the server while it verifies is exit 1, "not verified".
  CLI::App* audit = app.get_subcommand("audit");
  if (o.exit_code == proeftuin::cli::kExitServerFault && audit->parsed() &&
      audit->get_subcommand("verify")->parsed()) {
    o.exit_code = proeftuin::cli::kExitRefused;
  }
  return Report(cli, o);
}
