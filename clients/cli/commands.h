// The command tree of `proeftuin`: one registration function per noun. Each adds its verbs
// (CLI11 subcommands with help, an example footer and a callback) to the root app; the callback
// runs the verb and stores its Outcome in the Cli.
//
// Thread-safety: registration and parsing happen on one thread.
#pragma once

namespace CLI {
class App;
}

namespace proeftuin::cli {

class Cli;

// Global options and every noun below.
void BuildApp(CLI::App* app, Cli* cli);

void AddProgrammeCommands(CLI::App* root, Cli* cli);   // programme draft|amend|adopt|...|show|list
void AddExperimentCommands(CLI::App* root, Cli* cli);  // experiment propose|select|start|...
void AddCouncilCommands(CLI::App* root, Cli* cli);     // council submit|record|answer|list
void AddSessionCommands(CLI::App* root, Cli* cli);     // session record|list
void AddReportCommands(CLI::App* root, Cli* cli);      // report progress
void AddAuditCommands(CLI::App* root, Cli* cli);       // audit log|show|verify|digest|export
void AddAuditExport(CLI::App* audit, Cli* cli);        // audit export --format csv|jsonl|html
void AddAuditVerifyExport(CLI::App* audit, Cli* cli);  // audit verify-export FILE
void AddEventsCommands(CLI::App* root, Cli* cli);      // events tail|read|stream
void AddAdminCommands(CLI::App* root, Cli* cli);       // admin backup|restore|rebuild|stats
void AddPrincipalCommands(CLI::App* admin, Cli* cli);  // admin principal create|list|...
void AddCommandsCommand(CLI::App* root, Cli* cli);     // commands apply FILE
void AddDemoCommand(CLI::App* root, Cli* cli);         // demo
void AddCompletionCommand(CLI::App* root, Cli* cli);   // completion bash|zsh

}  // namespace proeftuin::cli
