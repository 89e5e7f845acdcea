// `proeftuin admin principal …`: create, list, grant (role), clearance, rotate (token), expiry,
// revoke (a token or the principal). A new token is printed once and never again.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <tuple>

#include "absl/strings/str_format.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/fields.h"
#include "cli/format.h"
#include "cli/verb.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

using Stub = v1::AdminService::Stub;
// Flag values by request field path, applied with SetFieldByPath.
using Values = std::map<std::string, std::string>;

std::string NewRequestId() {
  std::random_device rd;
  return absl::StrFormat("cli-%08x%08x", rd(), rd());
}

// Fills `req` from the collected values (paths -> text) and a default request id.
Outcome Fill(const Values& values, google::protobuf::Message* req) {
  std::string error;
  for (const auto& [path, value] : values) {
    if (value.empty()) continue;
    if (!SetFieldByPath(req, path, value, &error)) return Usage(path + ": " + error);
  }
  const auto* rid = req->GetDescriptor()->FindFieldByName("request_id");
  if (rid != nullptr && req->GetReflection()->GetString(*req, rid).empty()) {
    req->GetReflection()->SetString(req, rid, NewRequestId());
  }
  return Ok();
}

std::string PrincipalLine(const v1::Principal& p) {
  int active = 0;
  for (const auto& t : p.tokens()) active += t.revoked() ? 0 : 1;
  return p.principal_id() + " (" + p.display_name() + "), role " +
         ShortEnum(v1::Role_descriptor()->FindValueByNumber(p.role())) + ", clearance " +
         ShortEnum(v1::Confidentiality_descriptor()->FindValueByNumber(p.clearance())) + ", " +
         std::to_string(active) + " active token(s)" + (p.revoked() ? ", REVOKED" : "");
}

void PrintToken(Cli* cli, const std::string& token, const std::string& token_id) {
  if (token.empty()) {
    std::cout << "no new token: this request id was used before (the token was shown then)\n";
    return;
  }
  std::cout << Bold("token " + token_id + " (shown once; store it now):", cli->color_out()) << "\n" << token << "\n";
}

// --token-out: checked before the call, so that no token is issued that has nowhere to go.
Outcome CheckTokenOut(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(path, ec))) {
    return Usage("--token-out: " + path + " exists; a token file is never overwritten (remove it or name another)");
  }
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    return Usage("--token-out: no such directory " + parent.string());
  }
  if (::access(parent.empty() ? "." : parent.c_str(), W_OK) != 0) {
    return Usage("--token-out: cannot write in " + (parent.empty() ? std::string(".") : parent.string()));
  }
  return Ok();
}

// Writes the token alone on one line to a new file, mode 0600 (never over an existing file),
// synced with its directory. The error says why.
bool WriteTokenOut(const std::string& path, const std::string& token, std::string* error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    *error = std::strerror(errno);
    return false;
  }
  const std::string line = token + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  if (!ok) *error = std::strerror(errno);
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return false;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

// Moves the new token of `resp` (CreatePrincipalResponse, RotateTokenResponse) into the file
// `path` instead of the output: the response then carries no token.
template <typename Resp>
Outcome TokenToFile(const std::string& principal, const std::string& path, Resp* resp) {
  if (resp->token().empty()) {
    return Refused("no new token for principal " + principal +
                   ": this request id was used before (the token was issued then); nothing written to " + path);
  }
  std::string error;
  if (!WriteTokenOut(path, resp->token(), &error)) {
    return Refused("principal " + principal + ": the new token " + resp->token_id() + " could not be written to " +
                   path + " (" + error + "); issue another with: proeftuin admin principal rotate " + principal +
                   " --token-out FILE, and revoke " + resp->token_id());
  }
  resp->clear_token();
  return Ok();
}

// A response that carries a new token (create, rotate): the verb gets --token-out.
template <typename Resp>
concept IssuesToken = requires(Resp r) {
  r.token();
  r.clear_token();
  r.token_id();
};

// One verb: a request type, the RPC, and how to print the response.
template <typename Req, typename Resp>
void AddVerb(CLI::App* noun, Cli* cli, const std::string& verb, const std::string& summary, const std::string& example,
             std::vector<std::tuple<std::string, std::string, std::string, bool>> args,
             grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Req&, Resp*),
             void (*print)(Cli*, const Resp&)) {
  auto values = std::make_shared<Values>();
  auto token_out = std::make_shared<std::string>();
  CLI::App* sub = noun->add_subcommand(verb, summary);
  sub->footer(ExampleFooter(example));
  for (const auto& [name, path, help, required] : args) {
    CLI::Option* o = sub->add_option(name, (*values)[path], help);
    if (required) o->required();
  }
  sub->add_option("--request-id", (*values)["request_id"], "Idempotency key (default: random)");
  sub->add_option("--reason", (*values)["reason"], "Why");
  if constexpr (IssuesToken<Resp>) {
    sub->add_option("--token-out", *token_out,
                    "Write the new token alone to this new file (mode 0600; never overwritten) instead of "
                    "printing it: a file for --token-file / PROEFTUIN_TOKEN_FILE");
  }
  sub->callback([cli, values, token_out, rpc, print, verb] {
    Req req;
    Resp resp;
    const std::string& principal = (*values)["principal_id"];
    Outcome o = Fill(*values, &req);
    if (o.exit_code == 0 && !token_out->empty()) o = CheckTokenOut(*token_out);
    if (o.exit_code == 0) o = cli->RequireToken();
    if (o.exit_code != 0) return cli->set_outcome(o);
    auto stub = v1::AdminService::NewStub(cli->Channel());
    auto ctx = cli->Context();
    grpc::Status s = (stub.get()->*rpc)(ctx.get(), req, &resp);
    if (!s.ok()) return cli->set_outcome(FromStatus(s, ctx.get(), verb + " principal " + principal));
    if constexpr (IssuesToken<Resp>) {
      if (!token_out->empty()) {
        Outcome written = TokenToFile(principal, *token_out, &resp);
        if (written.exit_code != 0) return cli->set_outcome(written);
        if (cli->json()) {
          std::cout << ToJson(resp) << "\n";  // without the token: it is in the file only
        } else {
          std::cout << "principal " << PrincipalLine(resp.principal()) << "\n"
                    << "token " << resp.token_id() << " written to " << *token_out << " (mode 0600; not shown)\n";
        }
        return cli->set_outcome(Ok());
      }
    }
    if (cli->json()) {
      std::cout << ToJson(resp) << "\n";
    } else {
      print(cli, resp);
    }
    cli->set_outcome(Ok());
  });
}

template <typename Resp>
void PrintChanged(Cli*, const Resp& r) {
  std::cout << "principal " << PrincipalLine(r.principal()) << "\n";
}

void PrintCreated(Cli* cli, const v1::CreatePrincipalResponse& r) {
  PrintChanged(cli, r);
  PrintToken(cli, r.token(), r.token_id());
}

void PrintRotated(Cli* cli, const v1::RotateTokenResponse& r) {
  PrintChanged(cli, r);
  PrintToken(cli, r.token(), r.token_id());
}

void PrintList(Cli* cli, const v1::ListPrincipalsResponse& r) {
  Table t({"PRINCIPAL", "NAME", "ROLE", "CLEARANCE", "TOKENS", "REVOKED"});
  for (const auto& p : r.principals()) {
    int active = 0;
    for (const auto& tok : p.tokens()) active += tok.revoked() ? 0 : 1;
    t.AddRow({p.principal_id(), p.display_name(), ShortEnum(v1::Role_descriptor()->FindValueByNumber(p.role())),
              ShortEnum(v1::Confidentiality_descriptor()->FindValueByNumber(p.clearance())), std::to_string(active),
              p.revoked() ? "yes" : ""});
  }
  std::cout << t.Render(cli->color_out());
}

const std::tuple<std::string, std::string, std::string, bool> kId{"principal", "principal_id", "Principal id", true};

void AddIdentityVerbs(CLI::App* noun, Cli* cli) {
  const std::string roles = "Role: " + EnumChoices(v1::Role_descriptor());
  const std::string levels = "Clearance: " + EnumChoices(v1::Confidentiality_descriptor());
  AddVerb<v1::CreatePrincipalRequest, v1::CreatePrincipalResponse>(
      noun, cli, "create", "Create a principal; its first token is shown once",
      "proeftuin admin principal create griffie-lv --name 'Griffie Leidschendam-Voorburg' --role council-clerk\n"
      "  proeftuin admin principal create backup --name 'Backup job' --role administrator \\\n"
      "    --token-out /etc/proeftuin/backup.token",
      {kId, {"--name", "display_name", "Display name", true}, {"--role", "role", roles, true},
       {"--clearance", "clearance", levels, false},
       {"--certificate-subject", "certificate_subject", "Client certificate subject (mTLS)", false},
       {"--expires-at-us", "token_expires_at_us", "Token expiry, µs since the epoch (0 = never)", false}},
      &Stub::CreatePrincipal, PrintCreated);
  AddVerb<v1::ListPrincipalsRequest, v1::ListPrincipalsResponse>(
      noun, cli, "list", "Every principal", "proeftuin admin principal list", {}, &Stub::ListPrincipals, PrintList);
  AddVerb<v1::ChangeRoleRequest, v1::ChangeRoleResponse>(
      noun, cli, "grant", "Change a principal's role", "proeftuin admin principal grant jansen --role evaluator",
      {kId, {"--role", "role", roles, true}}, &Stub::ChangeRole, PrintChanged<v1::ChangeRoleResponse>);
  AddVerb<v1::ChangeClearanceRequest, v1::ChangeClearanceResponse>(
      noun, cli, "clearance", "Change a principal's clearance", "proeftuin admin principal clearance jansen intern",
      {kId, {"clearance", "clearance", levels, true}}, &Stub::ChangeClearance,
      PrintChanged<v1::ChangeClearanceResponse>);
  AddVerb<v1::RevokePrincipalRequest, v1::RevokePrincipalResponse>(
      noun, cli, "revoke", "Revoke a principal: nothing authenticates it any more",
      "proeftuin admin principal revoke oud-systeem --reason 'decommissioned'", {kId}, &Stub::RevokePrincipal,
      PrintChanged<v1::RevokePrincipalResponse>);
}

void AddTokenVerbs(CLI::App* noun, Cli* cli) {
  AddVerb<v1::RotateTokenRequest, v1::RotateTokenResponse>(
      noun, cli, "rotate", "Issue a new token (shown once); optionally revoke the others",
      "proeftuin admin principal rotate griffie-lv --revoke-others true --token-out griffie-lv.token",
      {kId, {"--revoke-others", "revoke_others", "true: revoke every other token", false},
       {"--expires-at-us", "expires_at_us", "Expiry, µs since the epoch (0 = never)", false}},
      &Stub::RotateToken, PrintRotated);
  AddVerb<v1::SetTokenExpiryRequest, v1::SetTokenExpiryResponse>(
      noun, cli, "expiry", "Change a token's expiry",
      "proeftuin admin principal expiry griffie-lv --token-id t-2 --expires-at-us 1798761600000000",
      {kId, {"--token-id", "token_id", "The token", true},
       {"--expires-at-us", "expires_at_us", "Expiry, µs since the epoch (0 = never)", true}},
      &Stub::SetTokenExpiry, PrintChanged<v1::SetTokenExpiryResponse>);
  AddVerb<v1::RevokeTokenRequest, v1::RevokeTokenResponse>(
      noun, cli, "revoke-token", "Revoke one token", "proeftuin admin principal revoke-token griffie-lv --token-id t-1",
      {kId, {"--token-id", "token_id", "The token", true}}, &Stub::RevokeToken,
      PrintChanged<v1::RevokeTokenResponse>);
}

}  // namespace

void AddPrincipalCommands(CLI::App* admin, Cli* cli) {
  CLI::App* noun = admin->add_subcommand("principal", "Users and systems, their roles, clearances and tokens");
  noun->require_subcommand(1);
  noun->footer(ExampleFooter("proeftuin admin principal list"));
  AddIdentityVerbs(noun, cli);
  AddTokenVerbs(noun, cli);
}

}  // namespace proeftuin::cli
