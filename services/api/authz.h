// Authentication and authorisation of every proeftuin.v1 RPC, in one place.
//
// Authentication: "authorization: Bearer <token>" (a token issued by AdminService), or a client
// certificate whose subject is mapped to a principal (mTLS). Missing, unknown, expired or revoked
// credentials: UNAUTHENTICATED. Authorisation: the role matrix below (docs/ROLES.md); a wrong role
// gets PERMISSION_DENIED naming the roles that may call the method. Health checking and
// reflection are not proeftuin.v1 methods and need no credentials.
//
// Thread-safety: thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "app/principals.h"
#include "eventstore/event_store.h"
#include "proeftuin/v1/audit_service.pb.h"

namespace proeftuin::api {

// Which roles may call one method ("/proeftuin.v1.ProgrammeService/DraftProgramme").
struct MethodRoles {
  std::string method;
  std::vector<v1::Role> roles;
};
// Every proeftuin.v1 method with its roles.
const std::vector<MethodRoles>& RoleMatrix();

// True when `role` may send a command that writes an experiment's stream: the roles that may
// correct an experiment's events at all (RecordCorrection; see MayCorrect for which).
bool WritesExperimentStreams(v1::Role role);

// The ProgrammeService method that records events of `event_type` (e.g. "AdoptProgramme" for
// "proeftuin.v1.ProgrammeAdopted"), for each type a correction may name (docs/DOMAIN-RULES.md,
// "Corrections"); "" for any other type.
std::string_view MethodRecording(std::string_view event_type);
// A correction changes a recorded fact, so only the roles that may record that fact may correct
// it (the college its adoption decision, the council clerk the council input it recorded, the
// evaluator an evaluation): OK when `role` may call MethodRecording(corrected_type), else
// PERMISSION_DENIED naming the roles that may.
absl::Status MayCorrect(v1::Role role, std::string_view principal_id,
                        std::string_view corrected_type);

// The authenticated caller of one RPC.
struct Caller {
  std::shared_ptr<const v1::Principal> principal;  // never null
  // From the call's metadata ("proeftuin-application", "proeftuin-on-behalf-of", at most 200
  // bytes each): views valid while the call's context lives.
  std::string_view application, on_behalf_of;
  v1::Confidentiality clearance() const { return principal->clearance(); }
  // Who acts, as an event records it: principal id, display name, role, application,
  // on-behalf-of. Built on demand: a query never needs it.
  v1::Actor Actor() const;
};

class Guard {
 public:
  // `principal_changes`: the store's (app::PrincipalsProjector), for the token cache.
  Guard(eventstore::EventStore* store, std::function<absl::Time()> clock,
        std::shared_ptr<const app::PrincipalChanges> principal_changes = nullptr)
      : store_(store), clock_(std::move(clock)), tokens_(std::move(principal_changes)) {}
  // UNAUTHENTICATED, PERMISSION_DENIED (names the roles needed), INTERNAL for a method missing
  // from the matrix (a programming error: fail closed). With `view`, hands over the read view the
  // authentication used, for a query to read from (api/queries.h); a long-lived call must not
  // keep it, as it holds a RocksDB snapshot. With `principal_id`, sets who the caller turned out
  // to be, also when the role or clearance refused it ("" when not authenticated).
  absl::StatusOr<Caller> Check(const grpc::ServerContextBase& ctx, std::string_view method,
                               std::shared_ptr<eventstore::ReadView>* view = nullptr,
                               std::string* principal_id = nullptr) const;

  // Check again for a call that is still open (a Subscribe stream), against the credentials as
  // they are now; not told to the observer (the call was logged when it began).
  absl::StatusOr<Caller> Recheck(const grpc::ServerContextBase& ctx, std::string_view method) const {
    std::string principal_id;
    return Authorize(ctx, method, &principal_id, nullptr);
  }

  // Told the outcome of every Check without a `principal_id` out-parameter: the principal id
  // ("" when the caller was not authenticated) and the status Check returns. proeftuind's
  // per-RPC log and metrics use it; a caller that asks for the principal id reports its call
  // itself (ProgrammeService, which no interceptor sees). Set before serving; it must be cheap
  // and thread-safe.
  using Observer = std::function<void(const grpc::ServerContextBase& ctx,
                                      std::string_view principal_id, const absl::Status& outcome)>;
  void set_observer(Observer observer) { observer_ = std::move(observer); }

 private:
  absl::StatusOr<Caller> Authorize(const grpc::ServerContextBase& ctx, std::string_view method,
                                   std::string* principal_id,
                                   std::shared_ptr<eventstore::ReadView>* view) const;

  eventstore::EventStore* store_;
  std::function<absl::Time()> clock_;
  Observer observer_;
  mutable app::TokenCache tokens_;  // of store_'s principals
};

// "/proeftuin.v1.<Service>/<Method>"
std::string MethodName(std::string_view service, std::string_view method);

}  // namespace proeftuin::api
