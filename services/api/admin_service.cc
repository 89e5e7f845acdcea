#include "api/admin_service.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "api/programme_service.h"
#include "api/status.h"

namespace proeftuin::api {
namespace {

#define PT_GUARD(Service, Method)                                          \
  auto caller = guard_->Check(*ctx, MethodName(Service, Method));          \
  if (!caller.ok()) return Finish(ctx, caller.status());

template <typename T, typename F>
grpc::Status Respond(grpc::ServerContext* ctx, absl::StatusOr<T> r, F fill) {
  if (!r.ok()) return Finish(ctx, r.status());
  fill(*std::move(r));
  return grpc::Status::OK;
}

void Outcome(const eventstore::VerifyResult& v, v1::VerifyOutcome* out) {
  out->set_ok(v.ok);
  out->set_from_position(v.from);
  out->set_to_position(v.to);
  out->set_events_checked(v.events_checked);
  out->set_first_bad_position(v.first_bad_position);
  out->set_problem(v.problem);
  if (v.ok) out->set_head_hash(eventstore::ToHex(v.head.hash));
}

}  // namespace

uint64_t ResidentMemoryBytes() {
  unsigned long long size = 0, resident = 0;  // in pages
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%llu %llu", &size, &resident) != 2) resident = 0;
  std::fclose(f);
  long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? resident * static_cast<uint64_t>(page) : 0;
}

double ProcessCpuSeconds() {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

grpc::Status AdminServiceImpl::CreatePrincipal(grpc::ServerContext* ctx, const v1::CreatePrincipalRequest* req,
                                               v1::CreatePrincipalResponse* resp) {
  PT_GUARD("AdminService", "CreatePrincipal")
  return Respond(ctx, principals_->Create(*req, caller->Actor()),
                 [&](auto r) { *resp = std::move(r); });
}

grpc::Status AdminServiceImpl::ListPrincipals(grpc::ServerContext* ctx, const v1::ListPrincipalsRequest*,
                                              v1::ListPrincipalsResponse* resp) {
  PT_GUARD("AdminService", "ListPrincipals")
  return Respond(ctx, principals_->List(), [&](auto r) {
    for (auto& p : r) *resp->add_principals() = std::move(p);
  });
}

#define PT_PRINCIPAL_CHANGE(Name)                                                              \
  grpc::Status AdminServiceImpl::Name(grpc::ServerContext* ctx, const v1::Name##Request* req,  \
                                      v1::Name##Response* resp) {                              \
    PT_GUARD("AdminService", #Name)                                                            \
    return Respond(ctx, principals_->Name(*req, caller->Actor()),                              \
                   [&](auto p) { *resp->mutable_principal() = std::move(p); });                \
  }
PT_PRINCIPAL_CHANGE(ChangeRole)
PT_PRINCIPAL_CHANGE(ChangeClearance)
PT_PRINCIPAL_CHANGE(SetTokenExpiry)
PT_PRINCIPAL_CHANGE(RevokeToken)
PT_PRINCIPAL_CHANGE(RevokePrincipal)
#undef PT_PRINCIPAL_CHANGE

grpc::Status AdminServiceImpl::RotateToken(grpc::ServerContext* ctx, const v1::RotateTokenRequest* req,
                                           v1::RotateTokenResponse* resp) {
  PT_GUARD("AdminService", "RotateToken")
  return Respond(ctx, principals_->RotateToken(*req, caller->Actor()),
                 [&](auto r) { *resp = std::move(r); });
}

grpc::Status AdminServiceImpl::Backup(grpc::ServerContext* ctx, const v1::BackupRequest* req,
                                      v1::BackupResponse* resp) {
  PT_GUARD("AdminService", "Backup")
  std::filesystem::path dir(req->directory());
  if (req->directory().empty() || !dir.is_absolute()) {
    return Finish(ctx, absl::InvalidArgumentError("directory: an absolute path on the server is required"));
  }
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return Finish(ctx, absl::AlreadyExistsError("directory: " + req->directory() + " already exists"));
  }
  // The backup directory itself must be new; its parents are created as `mkdir -p` would.
  std::filesystem::create_directories(dir.parent_path(), ec);
  if (ec) {
    return Finish(ctx, absl::FailedPreconditionError("directory: cannot create " + dir.parent_path().string() +
                                                     ": " + ec.message()));
  }
  if (absl::Status s = store_->Checkpoint(req->directory()); !s.ok()) return Finish(ctx, s);
  eventstore::RocksStoreOptions o;
  o.path = req->directory();
  o.read_only = true;
  auto copy = eventstore::RocksStore::Open(o);
  if (!copy.ok()) return Finish(ctx, copy.status());
  auto digest = (*copy)->Digest();
  if (!digest.ok()) return Finish(ctx, digest.status());
  resp->set_directory(req->directory());
  resp->set_position(digest->position);
  resp->set_head_hash(eventstore::ToHex(digest->hash));
  resp->set_verified(true);  // Checkpoint verified the whole chain of the copy
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (f.is_regular_file(ec)) resp->set_size_bytes(resp->size_bytes() + f.file_size(ec));
  }
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::RebuildProjection(grpc::ServerContext* ctx,
                                                 const v1::RebuildProjectionRequest* req,
                                                 grpc::ServerWriter<v1::RebuildProjectionResponse>* writer) {
  PT_GUARD("AdminService", "RebuildProjection")
  std::atomic<uint64_t> done{0}, total{0};
  std::atomic<bool> finished{false};
  absl::Status result;
  if (req->all() && !req->name().empty()) {
    return Finish(ctx, absl::InvalidArgumentError("name: must be empty when all is set"));
  }
  if (!req->all() && req->name().empty()) {
    return Finish(ctx, absl::InvalidArgumentError(
                           "name: required (a projection GetStatistics lists), or set all"));
  }
  // The store reports progress from the rebuilding thread (this one's helper below, its writer
  // or a follower): record it, stream it from here.
  std::thread rebuild([&] {
    auto report = [&](uint64_t d, uint64_t t) {
      done.store(d);
      total.store(t);
    };
    result = req->all() ? store_->RebuildAll(report) : store_->Rebuild(req->name(), report);
    finished.store(true);
  });
  while (!finished.load()) {
    absl::SleepFor(absl::Milliseconds(200));
    v1::RebuildProjectionResponse p;
    p.set_replayed(done.load());
    p.set_total(total.load());
    if (!finished.load()) writer->Write(p);
  }
  rebuild.join();
  if (!result.ok()) return Finish(ctx, result);
  v1::RebuildProjectionResponse last;
  last.set_replayed(done.load());
  last.set_total(total.load());
  last.set_done(true);
  writer->Write(last);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::GetStatistics(grpc::ServerContext* ctx, const v1::GetStatisticsRequest*,
                                             v1::GetStatisticsResponse* resp) {
  PT_GUARD("AdminService", "GetStatistics")
  eventstore::StoreStats s = store_->Stats();
  resp->set_last_position(s.last_position);
  resp->set_appends(s.appends);
  resp->set_events_appended(s.events_appended);
  resp->set_groups_committed(s.groups_committed);
  resp->set_live_subscriptions(s.live_subscriptions);
  resp->set_size_on_disk_bytes(s.size_on_disk_bytes);
  if (!s.write_health.ok()) resp->set_write_health(std::string(s.write_health.message()));
  auto view = store_->OpenReadView();
  for (const auto& [name, is_inline] : projections_) {
    v1::ProjectionStatistics* p = resp->add_projections();
    p->set_name(name);
    p->set_inline_(is_inline);
    if (view.ok()) p->set_position((*view)->ProjectionPosition(name).value_or(0));
  }
  resp->set_store_id(store_->StoreId());
  resp->set_uptime_seconds(absl::ToInt64Seconds(absl::Now() - started_));
  resp->set_resident_memory_bytes(ResidentMemoryBytes());
  resp->set_process_cpu_seconds(ProcessCpuSeconds());
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::ListAuditEntries(grpc::ServerContext* ctx, const v1::ListAuditEntriesRequest* req,
                                                v1::ListAuditEntriesResponse* resp) {
  PT_GUARD("AuditService", "ListAuditEntries")
  return Respond(ctx, trail_.list(*req, caller->clearance(), CallDeadline(*ctx)),
                 [&](auto r) { *resp = std::move(r); });
}

grpc::Status AuditServiceImpl::GetAuditEntry(grpc::ServerContext* ctx, const v1::GetAuditEntryRequest* req,
                                             v1::GetAuditEntryResponse* resp) {
  PT_GUARD("AuditService", "GetAuditEntry")
  return Respond(ctx, trail_.get(*req, caller->clearance()), [&](auto r) { *resp = std::move(r); });
}

grpc::Status AuditServiceImpl::Verify(grpc::ServerContext* ctx, const v1::VerifyRequest* req,
                                      v1::VerifyResponse* resp) {
  PT_GUARD("AuditService", "Verify")
  if (req->to_position() != 0 && req->to_position() < req->from_position()) {
    return Finish(ctx, absl::InvalidArgumentError("to_position: must not be before from_position"));
  }
  // The store refuses a range past the end of the log with OUT_OF_RANGE naming from_position or
  // to_position (an empty log has nothing to verify), unless the log lost events there.
  return Respond(ctx, store_->Verify(req->from_position(), req->to_position()),
                 [&](auto v) { Outcome(v, resp->mutable_outcome()); });
}

grpc::Status AuditServiceImpl::VerifyExtends(grpc::ServerContext* ctx, const v1::VerifyExtendsRequest* req,
                                             v1::VerifyExtendsResponse* resp) {
  PT_GUARD("AuditService", "VerifyExtends")
  auto digest = eventstore::ChainDigest::Parse(std::to_string(req->position()) + ":" + req->head_hash());
  if (!digest.ok()) {
    return Finish(ctx, absl::InvalidArgumentError("head_hash: 64 hexadecimal digits required"));
  }
  if (digest->position == 0 && digest->hash != eventstore::kZeroDigest) {
    return Finish(ctx, absl::InvalidArgumentError(
                           "head_hash: at position 0 the chain head is 64 zeros (the chain before "
                           "its first event)"));
  }
  return Respond(ctx, store_->VerifyExtends(*digest), [&](auto v) { Outcome(v, resp->mutable_outcome()); });
}

}  // namespace proeftuin::api
