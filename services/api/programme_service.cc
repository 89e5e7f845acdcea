#include "api/programme_service.h"

#include "absl/container/flat_hash_map.h"
#include "api/status.h"
#include "domain/streams.h"

namespace proeftuin::api {

absl::Time CallDeadline(const grpc::ServerContextBase& ctx, absl::Duration cap) {
  absl::Time capped = absl::Now() + cap;
  std::chrono::system_clock::time_point d = ctx.deadline();
  if (d == std::chrono::system_clock::time_point::max()) return capped;
  return std::min(capped, absl::FromChrono(d));
}

void ProgrammeServiceImpl::Observe(const grpc::ServerContextBase& ctx, std::string_view method,
                                   std::chrono::steady_clock::time_point start,
                                   std::string_view principal_id, const grpc::Status& status,
                                   const absl::Status& s) const {
  if (!call_observer_) return;
  const std::string rule =
      s.ok() ? std::string() : RuleIdOf(std::string_view(s.message().data(), s.message().size()));
  call_observer_(EndedCall{ctx, method, start, principal_id, status, rule});
}

void ProgrammeServiceImpl::End(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
                               std::string_view method, std::chrono::steady_clock::time_point start,
                               std::string_view principal_id, const absl::Status& s) const {
  const grpc::Status status = Finish(ctx, s);
  Observe(*ctx, method, start, principal_id, status, s);
  reactor->Finish(status);
}

void ProgrammeServiceImpl::Dispatch(const grpc::ServerContextBase& ctx, std::string_view method,
                                    v1::CommandOptions options, v1::Command command,
                                    v1::CommandResult* result, CommandEnd done) const {
  std::string principal_id;
  std::shared_ptr<eventstore::ReadView> view;  // the authorisation's, which the decision reads too
  auto caller = guard_->Check(ctx, method, &view, &principal_id);
  if (!caller.ok()) return done(principal_id, caller.status());
  if (command.has_record_correction() && !command.record_correction().experiment_id().empty() &&
      !WritesExperimentStreams(caller->principal->role())) {
    return done(principal_id,
                absl::PermissionDeniedError(
                    std::string(method) +
                    " of an experiment's event requires a role that writes experiment streams; "
                    "principal " +
                    caller->principal->principal_id() + " has role " +
                    app::RoleName(caller->principal->role()) +
                    ", which may correct programme events only"));
  }
  app::CallContext call{caller->Actor(), std::move(options), caller->clearance(), nullptr};
  if (command.has_record_correction()) {
    call.may_correct = [principal = caller->principal](std::string_view type) {
      return MayCorrect(principal->role(), principal->principal_id(), type);
    };
  }
  commands_->Execute(
      std::move(command), std::move(call),
      [result, done = std::move(done),
       principal_id = std::move(principal_id)](absl::StatusOr<eventstore::AppendResult> r) {
        if (r.ok()) {
          result->set_first_position(r->first_position);
          result->set_last_position(r->last_position);
          for (auto& sv : r->stream_versions) *result->add_stream_versions() = std::move(sv);
          result->set_duplicate(r->duplicate);
        }
        done(principal_id, r.status());
      },
      std::move(view));
}

grpc::ServerUnaryReactor* ProgrammeServiceImpl::Run(grpc::CallbackServerContext* ctx,
                                                    std::string_view method,
                                                    v1::CommandOptions options, v1::Command command,
                                                    v1::CommandResult* result) {
  const auto start = std::chrono::steady_clock::now();
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  Dispatch(
      *ctx, method, std::move(options), std::move(command), result,
      [this, ctx, reactor, method, start](std::string_view principal_id, const absl::Status& s) {
        End(ctx, reactor, method, start, principal_id, s);
      });
  return reactor;
}

std::string_view CommandMethod(const v1::Command& command) {
  // By the oneof's field number: the method named like the action's message type.
  static const auto* methods = [] {
    auto* m = new absl::flat_hash_map<int, std::string>();
    const google::protobuf::OneofDescriptor* oneof =
        v1::Command::descriptor()->FindOneofByName("command");
    for (int i = 0; i < oneof->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* f = oneof->field(i);
      (*m)[f->number()] = MethodName("ProgrammeService", f->message_type()->name());
    }
    return m;
  }();
  auto it = methods->find(static_cast<int>(command.command_case()));
  return it == methods->end() ? std::string_view() : std::string_view(it->second);
}

// One ExecuteCommands call: reads a command, runs it as its own RPC would (Dispatch), writes
// its answer, and reads the next only once the answer is out. So at most one command of the
// stream is in flight, no read or write is pending while it runs, and the stream is finished
// only between commands: the reactor outlives every command it started. Stop (the server
// shutting down) finishes a stream waiting for its next command at once, and one running a
// command once its answer is out, with UNAVAILABLE: nothing unanswered was read.
class ProgrammeServiceImpl::CommandStream final
    : public grpc::ServerBidiReactor<v1::ExecuteCommandsRequest, v1::ExecuteCommandsResponse> {
 public:
  CommandStream(ProgrammeServiceImpl* service, grpc::CallbackServerContext* ctx)
      : service_(service), ctx_(ctx), start_(std::chrono::steady_clock::now()) {
    // Any role that may send a command may open a stream; each command is checked again for
    // its own RPC. Unknown callers learn nothing more than the first refusal.
    auto caller = service_->guard_->Check(*ctx_, kMethod, nullptr, &principal_id_);
    absl::Status refused = caller.status();
    if (refused.ok() && !service_->Register(this)) refused = ShuttingDown();
    if (!refused.ok()) {
      {
        absl::MutexLock l(&mu_);
        state_ = State::kFinished;  // not registered: no Stop reaches it
      }
      End(refused);
      return;
    }
    absl::MutexLock l(&mu_);
    if (state_ == State::kFinished) return;  // Stop came first and finished it
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    {
      absl::MutexLock l(&mu_);
      if (state_ == State::kFinished) return;  // Stop finished it while it waited
      state_ = ok ? State::kRunning : State::kFinished;
    }
    if (!ok) {  // the client closed its side, or the call was cancelled
      End(ctx_->IsCancelled() ? absl::CancelledError("the stream was cancelled")
                              : absl::OkStatus());
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    response_.Clear();
    response_.set_request_id(request_.options().request_id());
    std::string_view method = CommandMethod(request_.command());
    if (method.empty()) {
      // Credentials first, as a command's own RPC checks them before the request.
      std::string principal_id;
      auto caller = service_->guard_->Check(*ctx_, kMethod, nullptr, &principal_id);
      Answer(kMethod, start, principal_id,
             !caller.ok() ? caller.status()
                          : absl::InvalidArgumentError(
                                "command: no command set; an ExecuteCommandsRequest carries one "
                                "action of ProgrammeService (e.g. record_activity)"));
      return;
    }
    service_->Dispatch(*ctx_, method, std::move(*request_.mutable_options()),
                       std::move(*request_.mutable_command()), response_.mutable_result(),
                       [this, method, start](std::string_view principal_id, const absl::Status& s) {
                         Answer(method, start, principal_id, s);
                       });
  }

  void OnWriteDone(bool ok) override {
    absl::Status end;
    {
      absl::MutexLock l(&mu_);
      if (ok && !service_->stopping_.load()) {
        state_ = State::kReading;
        StartRead(&request_);  // under the lock: Stop sees either a running or a reading stream
        return;
      }
      state_ = State::kFinished;
      end = ok ? ShuttingDown() : absl::CancelledError("the stream was cancelled");
    }
    End(end);
  }

  void OnDone() override {
    service_->Unregister(this);
    delete this;
  }

  // The server is shutting down: a stream waiting for its next command ends now; one running a
  // command ends once its answer is out (OnWriteDone).
  void Stop() {
    {
      absl::MutexLock l(&mu_);
      if (state_ != State::kReading) return;
      state_ = State::kFinished;
    }
    End(ShuttingDown());  // its pending read then ends with ok = false, and is ignored
  }

 private:
  static constexpr std::string_view kMethod = "/proeftuin.v1.ProgrammeService/ExecuteCommands";
  enum class State { kReading, kRunning, kFinished };

  static absl::Status ShuttingDown() {
    return absl::UnavailableError(
        "the server is shutting down; every command sent on this stream was answered; send the "
        "next ones on a new stream");
  }

  // Answers the command in flight (any thread) and tells the observer, as its own RPC would.
  void Answer(std::string_view method, std::chrono::steady_clock::time_point start,
              std::string_view principal_id, const absl::Status& s) {
    const grpc::Status status = ToGrpc(s);
    if (!s.ok()) {
      response_.clear_result();
      response_.set_code(static_cast<int32_t>(status.error_code()));
      response_.set_message(status.error_message());
      response_.set_rule(RuleIdOf(response_.message()));
    }
    service_->Observe(*ctx_, method, start, principal_id, status, s);
    StartWrite(&response_);
  }

  // Finishes the stream (once: whoever set state_ to kFinished) and tells the observer of the
  // stream itself.
  void End(const absl::Status& s) {
    const grpc::Status status = api::Finish(ctx_, s);
    service_->Observe(*ctx_, kMethod, start_, principal_id_, status, s);
    Finish(status);
  }

  ProgrammeServiceImpl* const service_;
  grpc::CallbackServerContext* const ctx_;
  const std::chrono::steady_clock::time_point start_;
  std::string principal_id_;  // who opened the stream ("" when not authenticated)
  v1::ExecuteCommandsRequest request_;
  v1::ExecuteCommandsResponse response_;
  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kReading;
};

grpc::ServerBidiReactor<v1::ExecuteCommandsRequest, v1::ExecuteCommandsResponse>*
ProgrammeServiceImpl::ExecuteCommands(grpc::CallbackServerContext* ctx) {
  return new CommandStream(this, ctx);
}

bool ProgrammeServiceImpl::Register(CommandStream* stream) {
  absl::MutexLock l(&streams_mu_);
  if (stopping_.load()) return false;
  streams_.insert(stream);
  return true;
}

void ProgrammeServiceImpl::Unregister(CommandStream* stream) {
  absl::MutexLock l(&streams_mu_);
  streams_.erase(stream);
}

void ProgrammeServiceImpl::Stop() {
  // Under the lock: a stream's OnDone, which deletes it, waits here until it was told.
  absl::MutexLock l(&streams_mu_);
  stopping_.store(true);
  for (CommandStream* stream : streams_) stream->Stop();
}

ProgrammeServiceImpl::~ProgrammeServiceImpl() { Stop(); }

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
