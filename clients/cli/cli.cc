#include "cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/format.h"
#include "lib/command_client.h"

namespace proeftuin::cli {
namespace {

constexpr char kDefaultServer[] = "127.0.0.1:50051";
constexpr char kDefaultTokenFile[] = "./var/data/admin.token";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string FirstOf(std::initializer_list<std::string> values) {
  for (const auto& v : values) {
    if (!v.empty()) return v;
  }
  return "";
}

// Why the token file named for this run cannot be used ("" when it can, or none was named).
// Resolve() notes it instead of failing, because commands that never call the server (admin
// restore, audit verify --data-dir) must work with an unreadable token file: ops/restore.sh moves
// the data directory, and the admin.token in it, aside before it restores. RequireToken() and a
// call refused as UNAUTHENTICATED report it. One Cli per process (main.cc), so one note.
std::string& TokenFileProblem() {
  static std::string problem;
  return problem;
}

// The token in a token file's text: the token alone on one line (a final newline, and blanks
// around it, are allowed). Anything else, e.g. the whole table output of `admin principal
// create` redirected into the file, is refused: sent as a Bearer value it would fail every call.
bool TokenFromFile(const std::string& path, const std::string& text, std::string* token, std::string* problem) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t begin = 0, end = text.size();
  while (begin < end && blank(text[begin])) ++begin;
  while (end > begin && blank(text[end - 1])) --end;
  std::string t = text.substr(begin, end - begin);
  const std::string fix =
      "; a token file holds the token alone on one line (`proeftuin admin principal create|rotate ... "
      "--token-out FILE` writes one)";
  if (t.empty()) {
    *problem = "--token-file: " + path + " is empty" + fix;
    return false;
  }
  if (size_t lines = 1 + std::count(t.begin(), t.end(), '\n'); lines > 1) {
    *problem = "--token-file: " + path + " holds " + std::to_string(lines) + " lines, not a token" + fix;
    return false;
  }
  for (char c : t) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      *problem = "--token-file: " + path + " holds text with blanks or control characters, not a token" + fix;
      return false;
    }
  }
  *token = std::move(t);
  return true;
}

std::string ConfigPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (!Env("PROEFTUIN_CONFIG").empty()) return Env("PROEFTUIN_CONFIG");
  if (!Env("XDG_CONFIG_HOME").empty()) return Env("XDG_CONFIG_HOME") + "/proeftuin/config.json";
  if (!Env("HOME").empty()) return Env("HOME") + "/.config/proeftuin/config.json";
  return "";
}

}  // namespace

bool ReadFileOrStdin(const std::string& path, std::string* out) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    ss << in.rdbuf();
  }
  *out = ss.str();
  return true;
}

int ExitCodeOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::CANCELLED:
      return kExitUnavailable;
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      return kExitServerFault;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::DO_NOT_USE:
      return kExitRefused;
  }
  return kExitRefused;
}

std::string RuleIdOf(std::string_view message) {
  if (message.substr(0, 3) != "PT-") return "";
  size_t end = 3;
  while (end < message.size() && (std::isupper(static_cast<unsigned char>(message[end])) ||
                                  std::isdigit(static_cast<unsigned char>(message[end])) || message[end] == '-')) {
    ++end;
  }
  return std::string(message.substr(0, end));
}

std::string RuleOf(const grpc::Status& status, const grpc::ClientContext* ctx) {
  std::string rule = RuleIdOf(status.error_message());
  if (ctx != nullptr && rule.empty()) {
    auto trailers = ctx->GetServerTrailingMetadata();
    auto it = trailers.find("proeftuin-rule");
    if (it != trailers.end()) {
      rule = OneLine(std::string_view(it->second.data(), it->second.size()));
    }
  }
  return rule;
}

Outcome FromStatus(const grpc::Status& status, const grpc::ClientContext* ctx,
                   std::string_view action) {
  if (status.ok()) return Ok();
  std::string message = OneLine(status.error_message());  // text from the server: one safe line
  const std::string rule = RuleOf(status, ctx);
  if (!rule.empty() && message.rfind(rule + ": ", 0) == 0) {
    message = message.substr(rule.size() + 2);
  }
  if (message.rfind("cannot ", 0) != 0) message = "cannot " + std::string(action) + ": " + message;
  message += " (" + (rule.empty() ? clients::StatusCodeName(status.error_code()) : rule) + ")";
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED && !TokenFileProblem().empty()) {
    message += "; no token was sent: " + TokenFileProblem();
  }
  return {ExitCodeOf(status.error_code()), message};
}

Outcome Cli::LoadConfig(std::string* token_file, std::string* ca, std::string* output) {
  std::string path = ConfigPath(flags_.config);
  config_dir_ = path.empty() ? "./.proeftuin" : std::filesystem::path(path).parent_path().string();
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) {
    if (!flags_.config.empty()) return Usage("--config: no such file " + path);
    return Ok();
  }
  std::string text;
  if (!ReadFileOrStdin(path, &text)) return Usage("config file " + path + ": cannot be read");
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Usage("config file " + path + ": not a JSON object");
  auto get = [&j](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  if (server_.empty()) server_ = get("server");
  *token_file = get("token_file").empty() ? get("token-file") : get("token_file");
  *ca = get("ca");
  *output = get("output");
  return Ok();
}

Outcome Cli::Resolve() {
  server_ = FirstOf({flags_.server, Env("PROEFTUIN_SERVER")});
  std::string cfg_token_file, cfg_ca, cfg_output;
  if (Outcome o = LoadConfig(&cfg_token_file, &cfg_ca, &cfg_output); o.exit_code != 0) return o;
  if (server_.empty()) server_ = kDefaultServer;
  std::string output = FirstOf({flags_.output, Env("PROEFTUIN_OUTPUT"), cfg_output, "table"});
  if (output != "table" && output != "json") return Usage("-o/--output: 'table' or 'json', not '" + output + "'");
  json_ = output == "json";
  token_ = FirstOf({flags_.token, Env("PROEFTUIN_TOKEN")});
  if (token_.empty()) {
    std::error_code ec;
    std::string file = FirstOf({flags_.token_file, Env("PROEFTUIN_TOKEN_FILE"), cfg_token_file});
    if (file.empty() && std::filesystem::exists(kDefaultTokenFile, ec)) file = kDefaultTokenFile;
    TokenFileProblem().clear();
    std::string text;
    if (!file.empty() && !ReadFileOrStdin(file, &text)) {
      TokenFileProblem() = "--token-file: cannot read " + file;
    } else if (!file.empty() && !TokenFromFile(file, text, &token_, &TokenFileProblem())) {
      token_.clear();
    }
  }
  std::string ca = FirstOf({flags_.ca, Env("PROEFTUIN_CA"), cfg_ca});
  if (!ca.empty() && !ReadFileOrStdin(ca, &ca_pem_)) return Usage("--ca: cannot read " + ca);
  bool color = !flags_.no_color && Env("NO_COLOR").empty() && Env("TERM") != "dumb";
  color_out_ = color && isatty(STDOUT_FILENO);
  color_err_ = color && isatty(STDERR_FILENO);
  progress_ = isatty(STDERR_FILENO) && Env("TERM") != "dumb";
  return Ok();
}

Outcome Cli::RequireToken() const {
  if (!token_.empty()) return Ok();
  if (!TokenFileProblem().empty()) return Usage(TokenFileProblem());
  return Usage("no token: give --token, --token-file, PROEFTUIN_TOKEN or PROEFTUIN_TOKEN_FILE");
}

std::shared_ptr<grpc::Channel> Cli::Channel() {
  if (channel_ != nullptr) return channel_;
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (!ca_pem_.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca_pem_;
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  channel_ = grpc::CreateCustomChannel(server_, creds, args);
  return channel_;
}

std::unique_ptr<grpc::ClientContext> Cli::Context(std::chrono::seconds deadline) {
  return ContextAs(token_, deadline);
}

std::unique_ptr<grpc::ClientContext> Cli::ContextAs(const std::string& token, std::chrono::seconds deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->AddMetadata("proeftuin-application", "proeftuin-cli");
  if (deadline.count() < 0) deadline = std::chrono::seconds(flags_.timeout_seconds);
  if (deadline.count() > 0) ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  return ctx;
}

}  // namespace proeftuin::cli
