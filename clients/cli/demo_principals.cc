#include "cli/demo_principals.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "proeftuin/v1/admin_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

struct RoleInfo {
  const char* role;
  const char* principal_id;
  const char* display_name;
  v1::Role api_role;
};

constexpr RoleInfo kRoles[] = {
    {"programme_manager", "demo-programme-manager", "Demo: programmamanager", v1::ROLE_PROGRAMME_MANAGER},
    {"proposer", "demo-proposer", "Demo: indiener (intake)", v1::ROLE_PROPOSER},
    {"college", "demo-college", "Demo: college van B&W (secretaris)", v1::ROLE_COLLEGE},
    {"griffie", "demo-griffie", "Demo: griffie", v1::ROLE_COUNCIL_CLERK},
    {"evaluator", "demo-evaluator", "Demo: evaluator", v1::ROLE_EVALUATOR}};

std::string FilePath(const Cli* cli, const std::string& store_id) {
  return cli->config_dir() + "/demo/" + store_id + ".json";
}

DemoPrincipals Load(const std::string& path) {
  DemoPrincipals out;
  std::ifstream in(path);
  if (!in) return out;
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("principals") || !j["principals"].is_object()) return out;
  for (const auto& [role, p] : j["principals"].items()) {
    if (!p.is_object()) continue;
    out[role] = {p.value("principal_id", ""), p.value("token", "")};
  }
  return out;
}

Outcome Save(const std::string& path, const std::string& store_id, const DemoPrincipals& ps) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  ::chmod(std::filesystem::path(path).parent_path().c_str(), 0700);
  nlohmann::ordered_json j;
  j["store_id"] = store_id;
  j["principals"] = nlohmann::ordered_json::object();
  for (const auto& [role, p] : ps) j["principals"][role] = {{"principal_id", p.principal_id}, {"token", p.token}};
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    ::chmod(tmp.c_str(), 0600);
    out << j.dump(2) << "\n";
    if (!out.good()) return Usage("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  return ec ? Usage("cannot write " + path + ": " + ec.message()) : Ok();
}

// A fresh token for a principal that exists but whose token we do not have.
Outcome Rotate(Cli* cli, v1::AdminService::Stub* stub, const RoleInfo& r, std::string* token) {
  v1::RotateTokenRequest req;
  req.set_request_id("demo-rotate-" + std::string(r.principal_id) + "-" +
                     std::to_string(std::chrono::system_clock::now().time_since_epoch().count()));
  req.set_principal_id(r.principal_id);
  req.set_revoke_others(true);
  req.set_reason("demo: the CLI had lost this principal's token");
  v1::RotateTokenResponse resp;
  auto ctx = cli->Context();
  grpc::Status s = stub->RotateToken(ctx.get(), req, &resp);
  if (!s.ok()) return FromStatus(s, ctx.get(), "issue a token for demo principal " + std::string(r.principal_id));
  *token = resp.token();
  return Ok();
}

Outcome Create(Cli* cli, v1::AdminService::Stub* stub, const RoleInfo& r, std::string* token) {
  v1::CreatePrincipalRequest req;
  req.set_request_id(std::string("demo-create-") + r.principal_id);
  req.set_principal_id(r.principal_id);
  req.set_display_name(r.display_name);
  req.set_role(r.api_role);
  req.set_clearance(v1::CONFIDENTIALITY_VERTROUWELIJK);
  req.set_reason("proeftuin demo: acts as the " + std::string(r.role) + " of the example programme");
  v1::CreatePrincipalResponse resp;
  auto ctx = cli->Context();
  grpc::Status s = stub->CreatePrincipal(ctx.get(), req, &resp);
  bool exists = s.error_code() == grpc::StatusCode::ALREADY_EXISTS || (s.ok() && resp.token().empty());
  if (exists) return Rotate(cli, stub, r, token);
  if (!s.ok()) return FromStatus(s, ctx.get(), "create demo principal " + std::string(r.principal_id));
  *token = resp.token();
  return Ok();
}

}  // namespace

Outcome DemoStoreId(Cli* cli, std::string* store_id) {
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::AdminService::NewStub(cli->Channel());
  v1::GetStatisticsResponse r;
  auto ctx = cli->Context();
  grpc::Status s = stub->GetStatistics(ctx.get(), v1::GetStatisticsRequest(), &r);
  if (!s.ok()) return FromStatus(s, ctx.get(), "run the demo (it needs an administrator token)");
  *store_id = r.store_id();
  return Ok();
}

Outcome EnsureDemoPrincipals(Cli* cli, const std::string& store_id, DemoPrincipals* out, int* created) {
  std::string path = FilePath(cli, store_id);
  *out = Load(path);
  *created = 0;
  auto stub = v1::AdminService::NewStub(cli->Channel());
  for (const RoleInfo& r : kRoles) {
    DemoPrincipal& p = (*out)[r.role];
    if (p.principal_id == r.principal_id && !p.token.empty()) continue;
    p.principal_id = r.principal_id;
    if (Outcome o = Create(cli, stub.get(), r, &p.token); o.exit_code != 0) return o;
    ++*created;
    if (Outcome o = Save(path, store_id, *out); o.exit_code != 0) return o;
  }
  return Ok();
}

}  // namespace proeftuin::cli
