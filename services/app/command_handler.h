// CommandHandler: runs one domain command end to end (ENGINEERING.md §1-2):
//   1. open a read view (on a first attempt, the caller's: the one its authorisation read);
//   2. read the decider state at a known version (inline projection, from that view);
//   3. check the version the caller saw (If-Match), then Decide (pure);
//   4. when the decision writes nothing (a broken rule, a stale version, a no-op), look the
//      request id up in the same view: an earlier attempt of the same request whose effect the
//      view holds answers with its original result (the two are written in one batch, so a
//      retry never meets its own effect as a broken rule);
//   5. append the events atomically: each stream written at its exact version, the programme
//      stream as a check-only expectation for experiment commands. A request id the store
//      already holds is answered by the writer with the stored result, and nothing is written
//      (a retry that decided to write again, its first attempt having landed meanwhile or
//      before). While the store cannot write (UNAVAILABLE, RESOURCE_EXHAUSTED), such a retry
//      gets that error, not its stored result: the append fails before the writer looks at
//      request ids. The client's next retry, once the store writes again, gets the result. (A
//      lookup after the failure could find the failed write's own batch before the store has
//      recovered, and answer it as durable.)
//   6. on a version conflict (someone else wrote in between) decide again, a bounded number of
//      times.
// The answer arrives through a callback, usually on the store's writer thread after the fsync:
// keep callbacks short.
//
// Thread-safety: Execute is thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "proeftuin/v1/commands.pb.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::app {

struct DeciderStateCaches;

// Who sends the command and how (from the authenticated call).
struct CallContext {
  v1::Actor actor;
  v1::CommandOptions options;
  // The caller's clearance. A programme or experiment above it is treated as absent: the caller
  // gets the NOT_FOUND an unknown one gets, so its existence is not revealed and it cannot be
  // changed (docs/ROLES.md). Proposing or drafting under an id that is taken still answers
  // ALREADY_EXISTS: ids are unique whoever can see them. Unset counts as openbaar.
  v1::Confidentiality clearance = v1::CONFIDENTIALITY_UNSPECIFIED;
  // For a correction: whether the caller may correct an event of the type it names (known only
  // once the decision found the event); an error refuses the command. Unset: no check.
  std::function<absl::Status(std::string_view corrected_type)> may_correct;
};

using CommandDone = std::function<void(absl::StatusOr<eventstore::AppendResult>)>;

class CommandHandler {
 public:
  // `caches`: those the store's DeciderStateProjector fills (decider_projection.h); without,
  // the handler keeps caches of its own, which it fills as it parses.
  CommandHandler(eventstore::EventStore* store, std::function<absl::Time()> clock,
                 std::shared_ptr<DeciderStateCaches> caches = nullptr);
  ~CommandHandler();

  // Executes `command` and calls `done` once with what was written (first/last position 0 for
  // an idempotent no-op). Errors: those of domain::Decide (the message starts with the rule
  // id), INVALID_ARGUMENT for bad options, ABORTED ("PT-STALE-VERSION") when the version the
  // caller saw is not the current one or conflicts persisted, and the store's errors.
  // `view`, when given, is the first attempt's (a view this store opened just before, such as
  // the one the caller's authorisation read); without, the handler opens one.
  void Execute(v1::Command command, CallContext call, CommandDone done,
               std::shared_ptr<eventstore::ReadView> view = nullptr);

  // The fingerprint of a command as sent by a principal (SHA-256 of the deterministic
  // serialization of the command and its options without the request id).
  static std::string Fingerprint(const v1::Command& command, const CallContext& call);

  // Tests only, set or cleared while no command is in flight: called with the view open, before
  // the decision (a test makes an earlier attempt of the same request land there).
  void SetBeforeDecisionForTesting(std::function<void(const std::string& request_id)> hook) {
    before_decision_for_testing_ = std::move(hook);
  }

 private:
  struct Job;
  class Retrier;
  void Attempt(std::shared_ptr<Job> job, std::shared_ptr<eventstore::ReadView> view);
  absl::StatusOr<eventstore::AppendRequest> Plan(Job& job, eventstore::ReadView& view);

  eventstore::EventStore* store_;
  std::function<absl::Time()> clock_;
  std::shared_ptr<DeciderStateCaches> states_;
  std::unique_ptr<Retrier> retrier_;
  std::function<void(const std::string& request_id)> before_decision_for_testing_;
};

}  // namespace proeftuin::app
