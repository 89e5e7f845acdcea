// AdminService and AuditService (sync gRPC API): principals and tokens, backup, rebuilding
// projections, statistics; the audit trail and chain verification.
//
// Thread-safety: thread-safe.
#pragma once

#include "api/authz.h"
#include "app/principals.h"
#include "eventstore/rocks_store.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"
#include "proeftuin/v1/audit_service.grpc.pb.h"

namespace proeftuin::api {

// Resident set size of this process in bytes, from /proc/self/statm (0 when unreadable). Used by
// GetStatistics and the metric proeftuin_process_resident_memory_bytes.
uint64_t ResidentMemoryBytes();

// CPU time this process has used, user and system, in seconds (getrusage RUSAGE_SELF; 0 when it
// fails). Used by GetStatistics and the metric proeftuin_process_cpu_seconds_total.
double ProcessCpuSeconds();

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  AdminServiceImpl(const Guard* guard, eventstore::RocksStore* store, app::PrincipalAdmin* principals,
                   std::vector<std::pair<std::string, bool>> projections)
      : guard_(guard), store_(store), principals_(principals), projections_(std::move(projections)),
        started_(absl::Now()) {}

  grpc::Status CreatePrincipal(grpc::ServerContext*, const v1::CreatePrincipalRequest*,
                               v1::CreatePrincipalResponse*) override;
  grpc::Status ListPrincipals(grpc::ServerContext*, const v1::ListPrincipalsRequest*,
                              v1::ListPrincipalsResponse*) override;
  grpc::Status ChangeRole(grpc::ServerContext*, const v1::ChangeRoleRequest*,
                          v1::ChangeRoleResponse*) override;
  grpc::Status ChangeClearance(grpc::ServerContext*, const v1::ChangeClearanceRequest*,
                               v1::ChangeClearanceResponse*) override;
  grpc::Status RotateToken(grpc::ServerContext*, const v1::RotateTokenRequest*,
                           v1::RotateTokenResponse*) override;
  grpc::Status SetTokenExpiry(grpc::ServerContext*, const v1::SetTokenExpiryRequest*,
                              v1::SetTokenExpiryResponse*) override;
  grpc::Status RevokeToken(grpc::ServerContext*, const v1::RevokeTokenRequest*,
                           v1::RevokeTokenResponse*) override;
  grpc::Status RevokePrincipal(grpc::ServerContext*, const v1::RevokePrincipalRequest*,
                               v1::RevokePrincipalResponse*) override;
  grpc::Status Backup(grpc::ServerContext*, const v1::BackupRequest*, v1::BackupResponse*) override;
  grpc::Status RebuildProjection(grpc::ServerContext*, const v1::RebuildProjectionRequest*,
                                 grpc::ServerWriter<v1::RebuildProjectionResponse>*) override;
  grpc::Status GetStatistics(grpc::ServerContext*, const v1::GetStatisticsRequest*,
                             v1::GetStatisticsResponse*) override;

 private:
  const Guard* guard_;
  eventstore::RocksStore* store_;
  app::PrincipalAdmin* principals_;
  std::vector<std::pair<std::string, bool>> projections_;  // name, inline
  absl::Time started_;
};

// Functions the audit trail needs beyond the store (the audit index lives in services/views).
struct AuditTrail {
  std::function<absl::StatusOr<v1::ListAuditEntriesResponse>(const v1::ListAuditEntriesRequest&,
                                                             v1::Confidentiality, absl::Time)>
      list;
  std::function<absl::StatusOr<v1::GetAuditEntryResponse>(const v1::GetAuditEntryRequest&,
                                                           v1::Confidentiality)>
      get;
};

class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  AuditServiceImpl(const Guard* guard, eventstore::EventStore* store, AuditTrail trail)
      : guard_(guard), store_(store), trail_(std::move(trail)) {}

  grpc::Status ListAuditEntries(grpc::ServerContext*, const v1::ListAuditEntriesRequest*,
                                v1::ListAuditEntriesResponse*) override;
  grpc::Status GetAuditEntry(grpc::ServerContext*, const v1::GetAuditEntryRequest*,
                             v1::GetAuditEntryResponse*) override;
  grpc::Status Verify(grpc::ServerContext*, const v1::VerifyRequest*, v1::VerifyResponse*) override;
  grpc::Status VerifyExtends(grpc::ServerContext*, const v1::VerifyExtendsRequest*,
                             v1::VerifyExtendsResponse*) override;

 private:
  const Guard* guard_;
  eventstore::EventStore* store_;
  AuditTrail trail_;
};

}  // namespace proeftuin::api
