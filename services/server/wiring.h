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
#include "app/decider_projection.h"
#include "app/principals.h"
#include "api/queries.h"
#include "eventstore/rocks_store.h"
#include "server/server.h"

namespace proeftuin::server {

// What one store's projectors share with the services in front of it: the decider states the
// writer offers the command handler, and the position of the newest principal event for the
// token cache.
struct StoreShared {
  std::shared_ptr<app::DeciderStateCaches> decider_states = std::make_shared<app::DeciderStateCaches>();
  std::shared_ptr<app::PrincipalChanges> principal_changes = std::make_shared<app::PrincipalChanges>(0);
};

// The store's options for a server: data dir, memory budget, every projection. `shared`: what
// the projectors share with the services (give the same to MakeServices).
eventstore::RocksStoreOptions StoreOptions(const ServerOptions& o, const StoreShared* shared = nullptr);
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
  void Stop() {
    programme->Stop();  // ends command streams
    events->Stop();     // ends subscriptions
  }
};

std::unique_ptr<Services> MakeServices(eventstore::RocksStore* store, size_t view_cache_bytes,
                                       const StoreShared* shared = nullptr);

}  // namespace proeftuin::server
