// The session of one `proeftuin` invocation: the global options (flags, environment, config
// file), the gRPC channel to proeftuind, the output format, and the outcome (exit code and
// message) of the command that ran. Every command module registers its verbs against one Cli.
//
// Exit codes (docs/CLI.md): 0 ok; 1 refused by a rule, a conflict or a failed verification;
// 2 usage (bad flags, bad input files); 3 unavailable or not authorised; 4 a fault of the server
// (INTERNAL, UNKNOWN, DATA_LOSS).
//
// Thread-safety: thread-compatible (one command runs at a time).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace proeftuin::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitRefused = 1,
  kExitUsage = 2,
  kExitUnavailable = 3,
  kExitServerFault = 4
};

// What a command ended with.
struct Outcome {
  int exit_code = kExitOk;
  std::string message;  // printed on stderr as "proeftuin: <message>" when not empty
};
inline Outcome Ok() { return {}; }
inline Outcome Usage(std::string message) { return {kExitUsage, std::move(message)}; }
inline Outcome Refused(std::string message) { return {kExitRefused, std::move(message)}; }
inline Outcome Unavailable(std::string message) { return {kExitUnavailable, std::move(message)}; }

// The exit code of a server status: 0 for OK, 1 for a rule or a conflict, 3 for unavailable /
// not authorised, 4 for a fault of the server (INTERNAL, UNKNOWN, DATA_LOSS).
int ExitCodeOf(grpc::StatusCode code);
// "cannot <action>: <what is wrong> (PT-RULE)" from a failed call; `action` e.g. "adopt
// programme lv-2024-2027". The rule comes from the "proeftuin-rule" trailer or the message.
Outcome FromStatus(const grpc::Status& status, const grpc::ClientContext* ctx, std::string_view action);
// The rule id at the start of a message ("PT-XXX"), or "".
std::string RuleIdOf(std::string_view message);
// The rule a failed call names: at the start of its message, else in the "proeftuin-rule"
// trailer (when `ctx` is given); "" when none.
std::string RuleOf(const grpc::Status& status, const grpc::ClientContext* ctx);

// Global options as given on the command line (empty = not given).
struct GlobalOptions {
  std::string server;
  std::string token;
  std::string token_file;
  std::string ca;
  std::string output;
  std::string config;
  bool no_color = false;
  int timeout_seconds = 30;
};

class Cli {
 public:
  Cli() = default;

  GlobalOptions& flags() { return flags_; }
  // Applies environment variables, the config file and the defaults. Usage outcome on a bad
  // config file or output format.
  Outcome Resolve();

  bool json() const { return json_; }
  const std::string& server() const { return server_; }
  // Colour on stdout / stderr: only on a terminal, never with --no-color or NO_COLOR.
  bool color_out() const { return color_out_; }
  bool color_err() const { return color_err_; }
  // Progress bars: only when stderr is a terminal.
  bool progress() const { return progress_; }
  // The directory of the CLI's own files ($XDG_CONFIG_HOME/proeftuin, ~/.config/proeftuin, or
  // the folder of $PROEFTUIN_CONFIG).
  const std::string& config_dir() const { return config_dir_; }

  // The channel to the server (TLS when --ca is given).
  std::shared_ptr<grpc::Channel> Channel();
  // A context with "authorization: Bearer <token>" and the call deadline; `deadline` 0 means
  // none (streams).
  std::unique_ptr<grpc::ClientContext> Context(std::chrono::seconds deadline = std::chrono::seconds(-1));
  // The same with another principal's token (the demo acts as each role in turn).
  std::unique_ptr<grpc::ClientContext> ContextAs(const std::string& token,
                                                 std::chrono::seconds deadline = std::chrono::seconds(-1));
  // Usage outcome when no token could be found.
  Outcome RequireToken() const;

  void set_outcome(Outcome o) { outcome_ = std::move(o); }
  const Outcome& outcome() const { return outcome_; }

 private:
  Outcome LoadConfig(std::string* token_file, std::string* ca, std::string* output);

  GlobalOptions flags_;
  std::string server_;
  std::string token_;
  std::string ca_pem_;
  std::string config_dir_;
  bool json_ = false;
  bool color_out_ = false;
  bool color_err_ = false;
  bool progress_ = false;
  std::shared_ptr<grpc::Channel> channel_;
  Outcome outcome_;
};

// Reads a whole file ("-" = stdin). False when it cannot be read.
bool ReadFileOrStdin(const std::string& path, std::string* out);

}  // namespace proeftuin::cli
