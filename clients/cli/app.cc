// The root of the command tree: global options, then every noun.
#include <CLI/CLI.hpp>

#include "cli/cli.h"
#include "cli/commands.h"

namespace proeftuin::cli {

void BuildApp(CLI::App* app, Cli* cli) {
  GlobalOptions& g = cli->flags();
  app->require_subcommand(1);
  app->fallthrough();  // global options also after the command: `programme show X -o json`
  app->set_help_all_flag("--help-all", "Help for every command");
  app->add_option("--server", g.server, "Server HOST:PORT (env PROEFTUIN_SERVER; default 127.0.0.1:50051)")
      ->group("Global");
  app->add_option("--token", g.token, "Bearer token (env PROEFTUIN_TOKEN)")->group("Global");
  app->add_option("--token-file", g.token_file,
                  "File holding the token (env PROEFTUIN_TOKEN_FILE; default ./var/data/admin.token if present)")
      ->group("Global");
  app->add_option("--ca", g.ca, "CA certificate (PEM): connect with TLS (env PROEFTUIN_CA)")->group("Global");
  app->add_option("-o,--output", g.output, "table or json (env PROEFTUIN_OUTPUT)")->group("Global");
  app->add_option("--config", g.config,
                  "Config file (env PROEFTUIN_CONFIG; default ~/.config/proeftuin/config.json)")
      ->group("Global");
  app->add_flag("--no-color", g.no_color, "No colour, also on a terminal (or set NO_COLOR)")->group("Global");
  app->add_option("--timeout", g.timeout_seconds, "Deadline of one call in seconds")->group("Global");
  app->footer(
      "\nExit codes: 0 ok, 1 refused by a rule or a conflict (or a failed verification), 2 usage,\n"
      "3 unavailable or not authorised, 4 a fault of the server. docs/CLI.md has the details.\n"
      "\nExample:\n  proeftuin --server 127.0.0.1:50051 --token-file var/data/admin.token "
      "programme list\n");
  AddProgrammeCommands(app, cli);
  AddExperimentCommands(app, cli);
  AddCouncilCommands(app, cli);
  AddSessionCommands(app, cli);
  AddReportCommands(app, cli);
  AddAuditCommands(app, cli);
  AddEventsCommands(app, cli);
  AddAdminCommands(app, cli);
  AddCommandsCommand(app, cli);
  AddDemoCommand(app, cli);
  AddCompletionCommand(app, cli);
}

}  // namespace proeftuin::cli
