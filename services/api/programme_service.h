// ProgrammeService over the callback (async) gRPC API: a command's handler never blocks a gRPC
// thread on the fsync, so every command in flight lands in one commit group.
//
// Its calls are not seen by a gRPC server interceptor: with one, gRPC passes each of a call's
// batches through its completion queue once more, which cost a command about 15 µs of the
// server's CPU (docs/PERFORMANCE.md, "What changed on 2026-12-06 (sixteenth session)"). The
// service tells its call observer (set_call_observer) of every call it ends instead.
//
// Thread-safety: thread-safe (gRPC calls it concurrently).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "api/authz.h"
#include "api/queries.h"
#include "app/command_handler.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

// Every command RPC of ProgrammeService, as an X-macro: X(Name) for each. The declarations
// below and the definitions in programme_service.cc both come from this one list.
#define PT_PROGRAMME_COMMAND_RPCS(X) \
  X(DraftProgramme)                  \
  X(AmendProgramme)                  \
  X(SubmitProgrammeToCouncil)        \
  X(RecordCouncilInput)              \
  X(AnswerCouncilInput)              \
  X(AdoptProgramme)                  \
  X(RecordKnowledgeSession)          \
  X(EvaluateProgramme)               \
  X(CloseProgramme)                  \
  X(ProposeExperiment)               \
  X(AmendExperiment)                 \
  X(WithdrawExperiment)              \
  X(SelectExperiment)                \
  X(RejectExperiment)                \
  X(StartExperiment)                 \
  X(RecordActivity)                  \
  X(RecordExpenditure)               \
  X(ReportProgress)                  \
  X(StopExperimentEarly)             \
  X(CompleteExperiment)              \
  X(MarkExperimentNotEvaluable)      \
  X(EvaluateExperiment)              \
  X(RecordCorrection)

namespace proeftuin::api {

// One call ProgrammeService ends, as it sends the status: for proeftuind's per-RPC log line and
// metrics. Valid only during the observer's call.
struct EndedCall {
  const grpc::ServerContextBase& ctx;
  std::string_view method;                      // "/proeftuin.v1.ProgrammeService/<Method>"
  std::chrono::steady_clock::time_point start;  // when the handler was called
  std::string_view principal_id;                // "" when the caller was not authenticated
  const grpc::Status& status;
  std::string_view rule;  // the rule id of a refused command ("PT-..."), or ""
};

class ProgrammeServiceImpl final : public v1::ProgrammeService::CallbackService {
 public:
  ProgrammeServiceImpl(const Guard* guard, app::CommandHandler* commands, Queries* queries)
      : guard_(guard), commands_(commands), queries_(queries) {}
  ~ProgrammeServiceImpl() override;

#define PT_COMMAND_RPC(Name)                                                            \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* ctx,                     \
                                 const v1::Name##Request* req, v1::Name##Response* resp) override;
  PT_PROGRAMME_COMMAND_RPCS(PT_COMMAND_RPC)
#undef PT_COMMAND_RPC

  grpc::ServerUnaryReactor* GetProgramme(grpc::CallbackServerContext* ctx,
                                         const v1::GetProgrammeRequest* req,
                                         v1::GetProgrammeResponse* resp) override;
  grpc::ServerUnaryReactor* ListProgrammes(grpc::CallbackServerContext* ctx,
                                           const v1::ListProgrammesRequest* req,
                                           v1::ListProgrammesResponse* resp) override;
  grpc::ServerUnaryReactor* GetExperiment(grpc::CallbackServerContext* ctx,
                                          const v1::GetExperimentRequest* req,
                                          v1::GetExperimentResponse* resp) override;
  grpc::ServerUnaryReactor* ListExperiments(grpc::CallbackServerContext* ctx,
                                            const v1::ListExperimentsRequest* req,
                                            v1::ListExperimentsResponse* resp) override;
  grpc::ServerUnaryReactor* GetProgressReport(grpc::CallbackServerContext* ctx,
                                              const v1::GetProgressReportRequest* req,
                                              v1::GetProgressReportResponse* resp) override;
  grpc::ServerUnaryReactor* GetProgrammeChain(grpc::CallbackServerContext* ctx,
                                              const v1::GetProgrammeChainRequest* req,
                                              v1::GetProgrammeChainResponse* resp) override;

  // Commands one after another over one stream, each as its own RPC would run it.
  grpc::ServerBidiReactor<v1::ExecuteCommandsRequest, v1::ExecuteCommandsResponse>* ExecuteCommands(
      grpc::CallbackServerContext* ctx) override;

  // The server is shutting down: ends every ExecuteCommands stream with UNAVAILABLE, one
  // waiting for its next command at once, one running a command once its answer is out, and
  // refuses new ones. Call before grpc::Server::Shutdown, which waits for every open call.
  void Stop();

  // Told of every call as it ends, and of every command of an ExecuteCommands stream as it is
  // answered (with the command's own RPC as the method). Set before serving; it must be cheap
  // and thread-safe.
  using CallObserver = std::function<void(const EndedCall&)>;
  void set_call_observer(CallObserver observer) { call_observer_ = std::move(observer); }

 private:
  class CommandStream;  // one ExecuteCommands call

  // Authenticates, checks the role, runs the command, finishes the call with its result.
  // `method` must outlive the call (the RPCs pass a static string).
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* ctx, std::string_view method,
                                v1::CommandOptions options, v1::Command command,
                                v1::CommandResult* result);
  // What Run does before it finishes the call: authenticates and authorises `method` on `ctx`,
  // runs the command, fills `result` when it was written, and calls `done(principal_id,
  // status)` once (on this thread when refused before the store, else on the store's).
  using CommandEnd = std::function<void(std::string_view principal_id, const absl::Status& s)>;
  void Dispatch(const grpc::ServerContextBase& ctx, std::string_view method,
                v1::CommandOptions options, v1::Command command, v1::CommandResult* result,
                CommandEnd done) const;
  // Keeps track of the open streams for Stop; false (not kept) once stopping.
  bool Register(CommandStream* stream);
  void Unregister(CommandStream* stream);

  // Tells the call observer, if any, of one ended call or answered command.
  void Observe(const grpc::ServerContextBase& ctx, std::string_view method,
               std::chrono::steady_clock::time_point start, std::string_view principal_id,
               const grpc::Status& status, const absl::Status& s) const;
  // Authenticates, checks the role, runs a query on this thread (from the view the
  // authentication read when the request asks for no later position), finishes the call.
  template <typename Query>
  grpc::ServerUnaryReactor* Read(grpc::CallbackServerContext* ctx, std::string_view method,
                                 Query query);

  // Sends `s` (api::Finish: with its rule trailer) and tells the call observer first.
  void End(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor, std::string_view method,
           std::chrono::steady_clock::time_point start, std::string_view principal_id,
           const absl::Status& s) const;

  const Guard* guard_;
  app::CommandHandler* commands_;
  Queries* queries_;
  CallObserver call_observer_;
  absl::Mutex streams_mu_;
  absl::flat_hash_set<CommandStream*> streams_ ABSL_GUARDED_BY(streams_mu_);
  std::atomic<bool> stopping_{false};
};

// The ProgrammeService method of the action `command` holds
// ("/proeftuin.v1.ProgrammeService/RecordActivity": the RPC named like the action's message), or
// "" when it holds none. A static string.
std::string_view CommandMethod(const v1::Command& command);

// The deadline of a call, capped so a query never waits longer than `cap`.
absl::Time CallDeadline(const grpc::ServerContextBase& ctx, absl::Duration cap = absl::Seconds(10));

}  // namespace proeftuin::api
