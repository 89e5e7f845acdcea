// CommandLoad: concurrent clients sending real commands to a running proeftuind over gRPC and
// recording every answer, for the crash loop and the fault tests.
//
// Client c works on its own programme "<prefix>-c<c>": it drafts it, then repeats
//   ProposeExperiment "e<i>" (1 event), SelectExperiment "e<i>" (2 events in one atomic append:
//   the experiment's selection and the programme's budget allocation), RecordKnowledgeSession
//   (1 event).
// Every request has its own id ("<programme>-<kind>-<i>"). A failed request is retried with the
// same id after a short pause (as a real client would: if the failed write landed after all,
// the retry gets the original result back), so a client never skips a command.
//
// A test marks phases (set_phase) as it injects faults; every outcome records the phase at its
// start and at its end, so a failure can be held against the faults active meanwhile.
//
// Thread-safety: Start/Stop from one thread; the getters may be called while clients run.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "e2e/server_process.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::crash {

// The principals the load sends commands as.
struct LoadTokens {
  std::string programme_manager;
  std::string proposer;
  std::string college;
};

// Creates them on `server` through AdminService (fails the test on error).
LoadTokens CreateLoadPrincipals(e2e::ServerProcess& server);

// What one request did.
struct Outcome {
  std::string request_id;
  std::string kind;  // the RPC: "DraftProgramme", "ProposeExperiment", ...
  int events = 0;    // how many events the command writes when it succeeds
  grpc::Status status;
  v1::CommandResult result;  // when status is OK
  int phase_started = 0;
  int phase_ended = 0;
};

// How many events a request of this kind writes: the request id names its kind.
int ExpectedEvents(const std::string& request_id);

class CommandLoad {
 public:
  CommandLoad(std::shared_ptr<grpc::Channel> channel, LoadTokens tokens, std::string prefix, int clients);
  ~CommandLoad();

  void Start();
  // Stops every client after its current call and waits for them.
  void Stop();

  void set_phase(int phase) { phase_.store(phase); }
  int phase() const { return phase_.load(); }

  // Requests answered OK so far.
  size_t acknowledged() const { return acknowledged_.load(); }
  // Every outcome so far, in the order the answers came.
  std::vector<Outcome> outcomes() const;
  // The programmes of the clients.
  std::vector<std::string> programmes() const;

 private:
  void Run(int client);
  Outcome Send(const std::string& request_id, const v1::Command& command, const std::string& token);

  const std::shared_ptr<grpc::Channel> channel_;
  const LoadTokens tokens_;
  const std::string prefix_;
  const int clients_;
  std::atomic<int> phase_{0};
  std::atomic<bool> stop_{false};
  std::atomic<size_t> acknowledged_{0};
  mutable std::mutex mu_;
  std::vector<Outcome> outcomes_;  // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace proeftuin::crash
