// The parts of proeftuind and how they connect: which projections the store runs, and the
// application objects and gRPC services built on it.
//
// Thread-safety: built once at start; the objects are thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "api/admin_service.h"
#include "api/event_service.h"
#include "api/programme_service.h"
#include "app/command_handler.h"
#include "app/principals.h"
#include "api/queries.h"
#include "eventstore/rocks_store.h"
#include "server/server.h"

namespace proeftuin::server {

// The store's options for a server: data dir, memory budget, every projection. `caches`: what
// the decider state projector offers the states it writes to (give the same to MakeServices).
eventstore::RocksStoreOptions StoreOptions(const ServerOptions& o,
                                           std::shared_ptr<app::DeciderStateCaches> caches = nullptr);
// Every projection of the store: name, and whether it is inline.
std::vector<std::pair<std::string, bool>> ProjectionNames();

struct Services {
  std::unique_ptr<api::Guard> guard;
  std::unique_ptr<app::CommandHandler> commands;
  std::unique_ptr<api::Queries> queries;
  std::unique_ptr<app::PrincipalAdmin> principals;
  std::unique_ptr<api::ProgrammeServiceImpl> programme;
  std::unique_ptr<api::EventServiceImpl> events;
  std::unique_ptr<api::AuditServiceImpl> audit;
  std::unique_ptr<api::AdminServiceImpl> admin;

  std::vector<grpc::Service*> grpc_services() const {
    return {programme.get(), events.get(), audit.get(), admin.get()};
  }
  void Stop() { events->Stop(); }
};

std::unique_ptr<Services> MakeServices(eventstore::RocksStore* store, size_t view_cache_bytes,
                                       std::shared_ptr<app::DeciderStateCaches> caches = nullptr);

}  // namespace proeftuin::server
