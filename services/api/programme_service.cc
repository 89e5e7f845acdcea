#include "api/programme_service.h"

#include "api/status.h"
#include "domain/streams.h"

namespace proeftuin::api {

absl::Time CallDeadline(const grpc::ServerContextBase& ctx, absl::Duration cap) {
  absl::Time capped = absl::Now() + cap;
  std::chrono::system_clock::time_point d = ctx.deadline();
  if (d == std::chrono::system_clock::time_point::max()) return capped;
  return std::min(capped, absl::FromChrono(d));
}

void ProgrammeServiceImpl::End(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
                               std::string_view method, std::chrono::steady_clock::time_point start,
                               std::string_view principal_id, const absl::Status& s) const {
  const grpc::Status status = Finish(ctx, s);
  if (call_observer_) {
    const std::string rule =
        s.ok() ? std::string() : RuleIdOf(std::string_view(s.message().data(), s.message().size()));
    call_observer_(EndedCall{*ctx, method, start, principal_id, status, rule});
  }
  reactor->Finish(status);
}

grpc::ServerUnaryReactor* ProgrammeServiceImpl::Run(grpc::CallbackServerContext* ctx,
                                                    std::string_view method,
                                                    v1::CommandOptions options,
                                                    v1::Command command,
                                                    v1::CommandResult* result) {
  const auto start = std::chrono::steady_clock::now();
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  std::string principal_id;
  std::shared_ptr<eventstore::ReadView> view;  // the authorisation's, which the decision reads too
  auto caller = guard_->Check(*ctx, method, &view, &principal_id);
  if (!caller.ok()) {
    End(ctx, reactor, method, start, principal_id, caller.status());
    return reactor;
  }
  if (command.has_record_correction() && !command.record_correction().experiment_id().empty() &&
      !WritesExperimentStreams(caller->principal->role())) {
    End(ctx, reactor, method, start, principal_id,
        absl::PermissionDeniedError(
            std::string(method) +
            " of an experiment's event requires a role that writes experiment streams; "
            "principal " + caller->principal->principal_id() + " has role " +
            app::RoleName(caller->principal->role()) +
            ", which may correct programme events only"));
    return reactor;
  }
  app::CallContext call{caller->Actor(), std::move(options), caller->clearance(), nullptr};
  if (command.has_record_correction()) {
    call.may_correct = [principal = caller->principal](std::string_view type) {
      return MayCorrect(principal->role(), principal->principal_id(), type);
    };
  }
  commands_->Execute(std::move(command), std::move(call),
                     [this, ctx, reactor, result, method, start, principal_id = std::move(principal_id)](
                         absl::StatusOr<eventstore::AppendResult> r) {
                       if (r.ok()) {
                         result->set_first_position(r->first_position);
                         result->set_last_position(r->last_position);
                         for (auto& sv : r->stream_versions)
                           *result->add_stream_versions() = std::move(sv);
                         result->set_duplicate(r->duplicate);
                       }
                       End(ctx, reactor, method, start, principal_id, r.status());
                     },
                     std::move(view));
  return reactor;
}

template <typename Query>
grpc::ServerUnaryReactor* ProgrammeServiceImpl::Read(grpc::CallbackServerContext* ctx,
                                                     std::string_view method, Query query) {
  const auto start = std::chrono::steady_clock::now();
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  std::shared_ptr<eventstore::ReadView> view;
  std::string principal_id;
  auto caller = guard_->Check(*ctx, method, &view, &principal_id);
  absl::Status s = caller.ok()
                       ? query(QueryScope{caller->clearance(), CallDeadline(*ctx), std::move(view)})
                       : caller.status();
  End(ctx, reactor, method, start, principal_id, s);
  return reactor;
}

// "/proeftuin.v1.ProgrammeService/<Method>" (as api::MethodName builds it), a literal: a call
// keeps a view of it until it ends.
#define PT_METHOD(Name) std::string_view("/proeftuin.v1.ProgrammeService/" #Name)

namespace {

// The request's options and action, taken out of it rather than copied (a dozen allocations a
// command). gRPC parses a request into an object it made for the call, not a const one, and
// does not read it again; the callback API hands it to the handler as const only so that a
// handler need not own it.
template <typename Request>
std::pair<v1::CommandOptions, v1::Command> TakeCommand(const Request* req) {
  Request& owned = *const_cast<Request*>(req);
  owned.mutable_command();  // an empty action when none was sent, as a copy of it would be
  return {std::move(*owned.mutable_options()),
          domain::CommandOf(std::unique_ptr<google::protobuf::Message>(owned.release_command()))};
}

}  // namespace

#define PT_COMMAND_RPC(Name)                                                                      \
  grpc::ServerUnaryReactor* ProgrammeServiceImpl::Name(                                           \
      grpc::CallbackServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) { \
    auto [options, command] = TakeCommand(req);                                                   \
    return Run(ctx, PT_METHOD(Name), std::move(options), std::move(command),                      \
               resp->mutable_result());                                                           \
  }
PT_PROGRAMME_COMMAND_RPCS(PT_COMMAND_RPC)
#undef PT_COMMAND_RPC

#define PT_QUERY_RPC(Name)                                                                        \
  grpc::ServerUnaryReactor* ProgrammeServiceImpl::Name(                                           \
      grpc::CallbackServerContext* ctx, const v1::Name##Request* req, v1::Name##Response* resp) { \
    return Read(ctx, PT_METHOD(Name),                                                             \
                [&](const QueryScope& scope) -> absl::Status {                                    \
                  auto r = queries_->Name(*req, scope);                                           \
                  if (r.ok()) *resp = *std::move(r);                                              \
                  return r.status();                                                              \
                });                                                                               \
  }
PT_QUERY_RPC(ListProgrammes)
PT_QUERY_RPC(GetExperiment)
PT_QUERY_RPC(ListExperiments)
PT_QUERY_RPC(GetProgressReport)
PT_QUERY_RPC(GetProgrammeChain)
#undef PT_QUERY_RPC

// A cache hit goes out as the stored bytes (Queries::GetProgrammeToSend).
grpc::ServerUnaryReactor* ProgrammeServiceImpl::GetProgramme(grpc::CallbackServerContext* ctx,
                                                             const v1::GetProgrammeRequest* req,
                                                             v1::GetProgrammeResponse* resp) {
  return Read(ctx, PT_METHOD(GetProgramme), [&](const QueryScope& scope) {
    return queries_->GetProgrammeToSend(*req, scope, resp);
  });
}

#undef PT_METHOD

}  // namespace proeftuin::api
