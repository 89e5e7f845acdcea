#include "server/wiring.h"

#include "app/decider_projection.h"
#include "views/views.h"

namespace proeftuin::server {

eventstore::RocksStoreOptions StoreOptions(const ServerOptions& o, const StoreShared* shared) {
  eventstore::RocksStoreOptions so;
  so.path = o.data_dir;
  so.block_cache_bytes = o.rocksdb_memory_mb * 3 / 4 << 20;
  so.write_buffer_bytes = o.rocksdb_memory_mb / 4 << 20;
  so.ack_spin_limit_us = o.ack_spin_us;
  so.writer_spin_limit_us = o.writer_spin_us;
  so.inline_projectors = {
      std::make_shared<app::DeciderStateProjector>(shared != nullptr ? shared->decider_states : nullptr),
      std::make_shared<app::PrincipalsProjector>(shared != nullptr ? shared->principal_changes : nullptr)};
  for (auto& p : views::InlineViewProjectors()) so.inline_projectors.push_back(std::move(p));
  so.async_projectors = views::AsyncViewProjectors();
  return so;
}

std::vector<std::pair<std::string, bool>> ProjectionNames() {
  std::vector<std::pair<std::string, bool>> projections;
  eventstore::RocksStoreOptions so = StoreOptions(ServerOptions{});
  for (const auto& p : so.inline_projectors) projections.emplace_back(p->Name(), true);
  for (const auto& p : so.async_projectors) projections.emplace_back(p->Name(), false);
  return projections;
}

std::unique_ptr<Services> MakeServices(eventstore::RocksStore* store, size_t view_cache_bytes,
                                       const StoreShared* shared) {
  auto s = std::make_unique<Services>();
  auto clock = [] { return absl::Now(); };
  s->guard = std::make_unique<api::Guard>(store, clock, shared != nullptr ? shared->principal_changes : nullptr);
  s->commands =
      std::make_unique<app::CommandHandler>(store, clock, shared != nullptr ? shared->decider_states : nullptr);
  s->queries = std::make_unique<api::Queries>(store, view_cache_bytes);
  s->principals = std::make_unique<app::PrincipalAdmin>(store, clock);
  s->programme = std::make_unique<api::ProgrammeServiceImpl>(s->guard.get(), s->commands.get(),
                                                             s->queries.get());
  s->events = std::make_unique<api::EventServiceImpl>(
      s->guard.get(), store, shared != nullptr ? shared->decider_states : nullptr);
  api::AuditTrail trail;
  trail.list = [store](const v1::ListAuditEntriesRequest& r, v1::Confidentiality c,
                       absl::Time deadline) {
    return views::ListAuditEntries(*store, r, c, deadline);
  };
  trail.get = [store](const v1::GetAuditEntryRequest& r, v1::Confidentiality c) {
    return views::GetAuditEntry(*store, r, c);
  };
  s->audit = std::make_unique<api::AuditServiceImpl>(s->guard.get(), store, std::move(trail));
  s->admin = std::make_unique<api::AdminServiceImpl>(s->guard.get(), store, s->principals.get(),
                                                     ProjectionNames());
  return s;
}

}  // namespace proeftuin::server
