#include "api/authz.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "app/principals.h"
#include "eventstore/status_macros.h"

namespace proeftuin::api {
namespace {

using R = v1::Role;
constexpr R kPm = v1::ROLE_PROGRAMME_MANAGER, kProposer = v1::ROLE_PROPOSER,
            kCollege = v1::ROLE_COLLEGE, kClerk = v1::ROLE_COUNCIL_CLERK,
            kEvaluator = v1::ROLE_EVALUATOR, kAuditor = v1::ROLE_AUDITOR,
            kReader = v1::ROLE_INTEGRATION_READER, kAdmin = v1::ROLE_ADMINISTRATOR;

std::vector<MethodRoles> BuildMatrix() {
  const std::vector<R> everyone = {kPm,        kProposer, kCollege, kClerk,
                                   kEvaluator, kAuditor,  kReader,  kAdmin};
  std::vector<MethodRoles> m;
  auto add = [&m](std::string_view service, std::vector<std::string_view> methods,
                  std::vector<R> roles) {
    for (auto method : methods) m.push_back({MethodName(service, method), roles});
  };
  add("ProgrammeService",
      {"DraftProgramme", "AmendProgramme", "RecordKnowledgeSession", "CloseProgramme",
       "AmendExperiment", "WithdrawExperiment", "StartExperiment", "RecordActivity",
       "RecordExpenditure", "ReportProgress", "StopExperimentEarly", "CompleteExperiment"},
      {kPm});
  add("ProgrammeService", {"ProposeExperiment"}, {kPm, kProposer});
  add("ProgrammeService", {"SubmitProgrammeToCouncil", "RecordCouncilInput"}, {kClerk});
  add("ProgrammeService",
      {"AnswerCouncilInput", "AdoptProgramme", "SelectExperiment", "RejectExperiment"}, {kCollege});
  add("ProgrammeService", {"EvaluateProgramme", "MarkExperimentNotEvaluable", "EvaluateExperiment"},
      {kEvaluator});
  add("ProgrammeService", {"RecordCorrection"}, {kPm, kCollege, kClerk, kEvaluator});
  // Any role that sends commands may open the stream; each command on it is checked again
  // against its own RPC's row.
  add("ProgrammeService", {"ExecuteCommands"}, {kPm, kProposer, kCollege, kClerk, kEvaluator});
  add("ProgrammeService",
      {"GetProgramme", "ListProgrammes", "GetExperiment", "ListExperiments", "GetProgressReport",
       "GetProgrammeChain"},
      everyone);
  add("EventService", {"ReadStream", "ReadAll", "Subscribe"}, {kReader, kAuditor, kAdmin});
  add("EventService", {"GetDigest"}, {kAuditor, kAdmin});
  add("AuditService", {"ListAuditEntries", "GetAuditEntry", "Verify", "VerifyExtends"},
      {kAuditor, kAdmin});
  add("AdminService",
      {"CreatePrincipal", "ListPrincipals", "ChangeRole", "ChangeClearance", "RotateToken",
       "SetTokenExpiry", "RevokeToken", "RevokePrincipal", "Backup", "RebuildProjection",
       "GetStatistics"},
      {kAdmin});
  return m;
}

// Valid while the call is: the value in gRPC's own copy of the request's metadata.
std::string_view Metadata(const grpc::ServerContextBase& ctx, std::string_view key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  return it == md.end() ? std::string_view() : std::string_view(it->second.data(), it->second.size());
}

std::string CertificateSubject(const grpc::ServerContextBase& ctx) {
  auto auth = ctx.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return "";
  for (const auto& v : auth->FindPropertyValues("x509_subject"))
    return std::string(v.data(), v.size());
  return "";
}

}  // namespace

std::string MethodName(std::string_view service, std::string_view method) {
  return "/proeftuin.v1." + std::string(service) + "/" + std::string(method);
}

bool WritesExperimentStreams(v1::Role role) {
  static const std::vector<std::string> methods = [] {
    std::vector<std::string> out;
    for (std::string_view m :
         {"ProposeExperiment", "AmendExperiment", "WithdrawExperiment", "SelectExperiment",
          "RejectExperiment", "StartExperiment", "RecordActivity", "RecordExpenditure",
          "ReportProgress", "StopExperimentEarly", "CompleteExperiment",
          "MarkExperimentNotEvaluable", "EvaluateExperiment"}) {
      out.push_back(MethodName("ProgrammeService", m));
    }
    return out;
  }();
  for (const MethodRoles& entry : RoleMatrix()) {
    if (std::find(methods.begin(), methods.end(), entry.method) == methods.end()) continue;
    if (std::find(entry.roles.begin(), entry.roles.end(), role) != entry.roles.end()) return true;
  }
  return false;
}

const std::vector<MethodRoles>& RoleMatrix() {
  static const std::vector<MethodRoles> m = BuildMatrix();
  return m;
}

std::string_view MethodRecording(std::string_view event_type) {
  static const auto* methods = new absl::flat_hash_map<std::string_view, std::string_view>{
      {"proeftuin.v1.ProgrammeSubmittedToCouncil", "SubmitProgrammeToCouncil"},
      {"proeftuin.v1.CouncilInputRecorded", "RecordCouncilInput"},
      {"proeftuin.v1.CouncilInputAnswered", "AnswerCouncilInput"},
      {"proeftuin.v1.ProgrammeAdopted", "AdoptProgramme"},
      {"proeftuin.v1.KnowledgeSessionHeld", "RecordKnowledgeSession"},
      {"proeftuin.v1.ProgrammeEvaluated", "EvaluateProgramme"},
      {"proeftuin.v1.ExperimentSelected", "SelectExperiment"},
      {"proeftuin.v1.ExperimentRejected", "RejectExperiment"},
      {"proeftuin.v1.ExperimentStarted", "StartExperiment"},
      {"proeftuin.v1.ExperimentStoppedEarly", "StopExperimentEarly"},
      {"proeftuin.v1.ActivityRecorded", "RecordActivity"},
      {"proeftuin.v1.ExpenditureRecorded", "RecordExpenditure"},
      {"proeftuin.v1.ExperimentCompleted", "CompleteExperiment"},
      {"proeftuin.v1.ExperimentEvaluated", "EvaluateExperiment"},
  };
  auto it = methods->find(event_type);
  return it == methods->end() ? std::string_view() : it->second;
}

absl::Status MayCorrect(v1::Role role, std::string_view principal_id,
                        std::string_view corrected_type) {
  const std::string_view recording = MethodRecording(corrected_type);
  const std::string method = MethodName("ProgrammeService", recording);
  for (const MethodRoles& entry : RoleMatrix()) {
    if (recording.empty() || entry.method != method) continue;
    if (std::find(entry.roles.begin(), entry.roles.end(), role) != entry.roles.end()) {
      return absl::OkStatus();
    }
    std::string names;
    for (auto r : entry.roles) names += (names.empty() ? "" : " or ") + app::RoleName(r);
    return absl::PermissionDeniedError(
        "a correction of " + std::string(corrected_type) + " requires role " + names +
        " (who may " + std::string(recording) + "); principal " + std::string(principal_id) +
        " has role " + app::RoleName(role));
  }
  return absl::PermissionDeniedError("no role may correct an event of type " +
                                     std::string(corrected_type));
}

absl::StatusOr<Caller> Guard::Check(const grpc::ServerContextBase& ctx, std::string_view method,
                                    std::shared_ptr<eventstore::ReadView>* view,
                                    std::string* principal_id) const {
  if (principal_id != nullptr) return Authorize(ctx, method, principal_id, view);
  std::string id;
  absl::StatusOr<Caller> caller = Authorize(ctx, method, &id, view);
  if (observer_) observer_(ctx, id, caller.status());
  return caller;
}

absl::StatusOr<Caller> Guard::Authorize(const grpc::ServerContextBase& ctx, std::string_view method,
                                        std::string* principal_id,
                                        std::shared_ptr<eventstore::ReadView>* view_out) const {
  static const auto* index = [] {
    auto* idx = new std::map<std::string, const MethodRoles*, std::less<>>();
    for (const auto& m : RoleMatrix()) (*idx)[m.method] = &m;
    return idx;
  }();
  auto entry = index->find(method);
  if (entry == index->end()) {
    return absl::InternalError("method " + std::string(method) +
                               " is missing from the role matrix");
  }
  // A caller without credentials is refused before the store is touched: it learns nothing,
  // not even that the store is reopening.
  std::string_view auth = Metadata(ctx, "authorization");
  const bool bearer = auth.substr(0, 7) == "Bearer ";
  std::string subject;
  if (!bearer) subject = CertificateSubject(ctx);
  if (!bearer && subject.empty()) {
    return absl::UnauthenticatedError(
        "credentials required: send \"authorization: Bearer <token>\" or a client certificate");
  }
  ASSIGN_OR_RETURN(auto view, store_->OpenReadView());
  absl::StatusOr<app::Authenticated> who =
      bearer ? tokens_.Authenticate(*view, auth.substr(7), clock_())
             : app::AuthenticateCertificate(*view, subject);
  if (!who.ok()) return who.status();
  const v1::Principal& p = *who->principal;
  *principal_id = p.principal_id();
  const auto& roles = entry->second->roles;
  if (std::find(roles.begin(), roles.end(), p.role()) == roles.end()) {
    std::string names;
    for (auto r : roles) names += (names.empty() ? "" : " or ") + app::RoleName(r);
    return absl::PermissionDeniedError(std::string(method) + " requires role " + names +
                                       "; principal " + p.principal_id() + " has role " +
                                       app::RoleName(p.role()));
  }
  if (view_out != nullptr) *view_out = std::move(view);
  Caller c;
  c.application = Metadata(ctx, "proeftuin-application").substr(0, 200);
  c.on_behalf_of = Metadata(ctx, "proeftuin-on-behalf-of").substr(0, 200);
  c.principal = std::move(who->principal);
  return c;
}

v1::Actor Caller::Actor() const {
  v1::Actor a;
  a.set_principal_id(principal->principal_id());
  a.set_display_name(principal->display_name());
  const std::string_view role = app::RoleNameView(principal->role());
  a.set_role(role.data(), role.size());
  // Set only when sent: setting even "" allocates the field's string (the bytes are the same).
  if (!application.empty()) a.set_application(application.data(), application.size());
  if (!on_behalf_of.empty()) a.set_on_behalf_of(on_behalf_of.data(), on_behalf_of.size());
  return a;
}

}  // namespace proeftuin::api
