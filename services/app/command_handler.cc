#include "app/command_handler.h"

#include <deque>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "app/decider_projection.h"
#include "app/queries.h"
#include "domain/dates.h"
#include "domain/decider.h"
#include "domain/streams.h"
#include "eventstore/sha256.h"
#include "eventstore/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace proeftuin::app {
namespace {

constexpr int kMaxAttempts = 5;

// Appends the deterministic serialization of `m` to `*out`, sized once.
void AppendDeterministic(const google::protobuf::Message& m, std::string* out) {
  const size_t size = m.ByteSizeLong();
  const size_t at = out->size();
  out->resize(at + size);
  google::protobuf::io::ArrayOutputStream array(out->data() + at, static_cast<int>(size));
  google::protobuf::io::CodedOutputStream cos(&array);
  cos.SetSerializationDeterministic(true);
  m.SerializeWithCachedSizes(&cos);
}

// SHA-256 of principal id, "\n", options (without a request id), "\n", command: each
// serialized deterministically. `options` must hold no request id.
std::string FingerprintOf(const v1::Command& command, const v1::Actor& actor,
                          const v1::CommandOptions& options) {
  thread_local std::string bytes;  // reused: no allocation per command once grown
  bytes.clear();
  AppendDeterministic(options, &bytes);
  const size_t options_size = bytes.size();
  AppendDeterministic(command, &bytes);
  const std::string_view all(bytes);
  eventstore::Sha256 h;
  h.Update(actor.principal_id());
  h.Update(std::string_view("\n", 1));
  h.Update(all.substr(0, options_size));
  h.Update(std::string_view("\n", 1));
  h.Update(all.substr(options_size));
  eventstore::Digest d = h.Finish();
  return std::string(eventstore::AsStringView(d));
}

template <typename Event>
eventstore::NewEvent ToNewEvent(const domain::DecidedEvent<Event>& d) {
  eventstore::NewEvent n;
  n.type = std::string(domain::EventTypeName(d.event));
  n.payload = d.event.SerializeAsString();
  if (d.personal.has_value()) n.personal = d.personal->SerializeAsString();
  n.confidentiality = d.confidentiality;
  if (d.occurred_on.year() != 0) n.occurred_on = d.occurred_on;
  n.reason = d.reason;
  return n;
}

template <typename State>
eventstore::ExpectedVersion VersionOf(const State* s) {
  return s != nullptr ? eventstore::ExpectedVersion::Exact(s->stream_version())
                      : eventstore::ExpectedVersion::NoStream();
}

// The caller's business date: unset, or a valid calendar date in the years dates may have
// (domain::IsValid), not after today (UTC, with the day of grace for time zones that the
// commands' own fact dates have: PT-DATE-IN-FUTURE).
absl::Status CheckOccurredOn(const v1::Date& d, absl::Time now) {
  if (!domain::IsSet(d)) return absl::OkStatus();
  if (!domain::IsValid(d)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PT-DATE-INVALID: options.occurred_on is not a valid calendar date from ",
        domain::kMinDateYear, " to ", domain::kMaxDateYear));
  }
  if (domain::CompareDates(d, domain::DateOfUtc(now + absl::Hours(24))) > 0) {
    return absl::InvalidArgumentError("PT-DATE-IN-FUTURE: options.occurred_on " +
                                      domain::FormatDate(d) + " lies in the future (today is " +
                                      domain::FormatDate(domain::DateOfUtc(now)) + ", UTC)");
  }
  return absl::OkStatus();
}

// The request id, checked before anything is decided: a command that turns out to change
// nothing is refused for a malformed id as one that writes is (the store checks it again).
absl::Status CheckRequestId(const std::string& id) {
  if (id.empty()) {
    return absl::InvalidArgumentError(
        "options.request_id: required (a client-chosen id that makes retries safe)");
  }
  return eventstore::ValidateRequestId("options.request_id", id);
}

}  // namespace

struct CommandHandler::Job {
  v1::Command command;
  CallContext call;
  CommandDone done;
  std::string fingerprint;
  int attempts = 0;
};

// Runs conflict retries off the store's writer thread.
class CommandHandler::Retrier {
 public:
  Retrier() : thread_([this] { Loop(); }) {}
  ~Retrier() {
    {
      absl::MutexLock l(&mu_);
      stop_ = true;
    }
    thread_.join();
  }
  void Post(std::function<void()> fn) {
    absl::MutexLock l(&mu_);
    queue_.push_back(std::move(fn));
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> fn;
      {
        absl::MutexLock l(&mu_);
        auto ready = [this]()
                         ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !queue_.empty(); };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty()) return;
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
  }
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

CommandHandler::CommandHandler(eventstore::EventStore* store, std::function<absl::Time()> clock,
                               std::shared_ptr<DeciderStateCaches> caches)
    : store_(store),
      clock_(std::move(clock)),
      states_(caches != nullptr ? std::move(caches) : std::make_shared<DeciderStateCaches>()),
      retrier_(std::make_unique<Retrier>()) {}

CommandHandler::~CommandHandler() = default;

std::string CommandHandler::Fingerprint(const v1::Command& command, const CallContext& call) {
  v1::CommandOptions options = call.options;
  options.clear_request_id();
  return FingerprintOf(command, call.actor, options);
}

void CommandHandler::Execute(v1::Command command, CallContext call, CommandDone done,
                             std::shared_ptr<eventstore::ReadView> view) {
  if (absl::Status s = CheckRequestId(call.options.request_id()); !s.ok()) return done(s);
  if (absl::Status s = CheckOccurredOn(call.options.occurred_on(), clock_()); !s.ok()) {
    return done(s);
  }
  if (absl::Status s = domain::CheckOptionTexts(
          call.options.reason(), call.options.correlation_id(), call.options.on_behalf_of());
      !s.ok()) {
    return done(s);
  }
  auto job = std::make_shared<Job>();
  {  // Fingerprint(command, call) without copying the options: the request id steps out.
    std::string request_id = std::move(*call.options.mutable_request_id());
    call.options.clear_request_id();
    job->fingerprint = FingerprintOf(command, call.actor, call.options);
    call.options.set_request_id(std::move(request_id));
  }
  job->command = std::move(command);
  job->call = std::move(call);
  job->done = std::move(done);
  Attempt(std::move(job), std::move(view));
}

void CommandHandler::Attempt(std::shared_ptr<Job> job, std::shared_ptr<eventstore::ReadView> view) {
  if (view == nullptr) {
    auto opened = store_->OpenReadView();
    if (!opened.ok()) return job->done(opened.status());
    view = std::move(*opened);
  }
  if (before_decision_for_testing_) before_decision_for_testing_(job->call.options.request_id());
  auto request = Plan(*job, *view);
  if (!request.ok() || request->appends.empty()) {
    // Nothing to write: in the snapshot the decision read (command_handler.h, step 4), an
    // earlier attempt of this request (still in flight when the client retried, or recovered
    // after a failed write) whose effect is in the view is found here, rather than answered
    // with the rule its own effect now breaks.
    auto stored = store_->LookupRequest(*view, job->call.options.request_id(), job->fingerprint);
    view.reset();
    if (!stored.ok()) return job->done(stored.status());
    if (stored->has_value()) return job->done(**stored);
    if (!request.ok()) return job->done(request.status());
    return job->done(eventstore::AppendResult{});  // no-op
  }
  view.reset();  // the snapshot is not held while the append waits
  // An earlier attempt of this request that is in the store by now is answered by the writer
  // with its stored result, before anything of this one is written (step 5).
  store_->AppendAsync(*std::move(request), [this, job](absl::StatusOr<eventstore::AppendResult> r) {
    // A stream the decision read changed before it was written: decided again on what is there
    // now. A caller's expected version is checked again then (PT-STALE-VERSION when it is its
    // object that changed, not another stream the decision only read, such as a predecessor).
    bool conflict = !r.ok() && r.status().code() == absl::StatusCode::kAborted;
    if (conflict && ++job->attempts < kMaxAttempts) {
      retrier_->Post([this, job] { Attempt(job, nullptr); });
      return;
    }
    if (conflict) {
      // The writer's message names the streams, which may include one above the caller's
      // clearance (a predecessor's): not passed on.
      return job->done(
          absl::AbortedError("the objects this request reads changed again on each of " +
                             std::to_string(kMaxAttempts) + " attempts to decide it; try again"));
    }
    job->done(std::move(r));
  });
}

absl::StatusOr<eventstore::AppendRequest> CommandHandler::Plan(Job& job,
                                                              eventstore::ReadView& view) {
  ASSIGN_OR_RETURN(domain::CommandTarget target, domain::TargetOf(job.command));
  // The deciders read no correctable event but the one a correction names. The states are
  // shared (DeciderStateCaches); a correction changes a copy.
  ASSIGN_OR_RETURN(std::shared_ptr<const v1::ProgrammeState> shared_programme,
                   states_->programmes.Load(view, target.programme_id));
  const v1::ProgrammeState* programme = shared_programme.get();
  std::optional<v1::ProgrammeState> corrected_programme;
  std::shared_ptr<const v1::ExperimentState> shared_experiment;
  const v1::ExperimentState* experiment = nullptr;
  std::optional<v1::ExperimentState> corrected_experiment;
  std::vector<v1::ExperimentState> experiments;
  if (target.is_experiment_command()) {
    ASSIGN_OR_RETURN(shared_experiment,
                     states_->experiments.Load(view, target.programme_id, target.experiment_id));
    experiment = shared_experiment.get();
  }
  // Above the caller's clearance: decided as if absent (NOT_FOUND, as for an unknown id), except
  // where the id itself is what the command would create.
  const v1::Confidentiality clearance = job.call.clearance;
  if (programme != nullptr && !Cleared(programme->confidentiality(), clearance) &&
      !job.command.has_draft_programme()) {
    programme = nullptr;
    experiment = nullptr;
  }
  if (experiment != nullptr && !Cleared(experiment->confidentiality(), clearance) &&
      !job.command.has_propose_experiment()) {
    experiment = nullptr;
  }
  if (job.command.has_record_correction()) {
    const v1::RecordCorrection& c = job.command.record_correction();
    google::protobuf::RepeatedPtrField<v1::CorrectableEvent>* list = nullptr;
    if (experiment != nullptr) {
      corrected_experiment = *experiment;
      experiment = &*corrected_experiment;
      list = corrected_experiment->mutable_correctable_events();
    } else if (programme != nullptr && c.experiment_id().empty()) {
      corrected_programme = *programme;
      programme = &*corrected_programme;
      list = corrected_programme->mutable_correctable_events();
    }
    if (list != nullptr) {
      RETURN_IF_ERROR(LoadCorrectable(view, target.programme_id, c.experiment_id(),
                                      c.corrected_position(), list));
    }
  }
  // Only programme commands look at the other experiments (rule 7 at evaluation and closure,
  // council input naming an experiment): an experiment command reads its own state only, so its
  // cost does not grow with the size of the programme.
  if (programme != nullptr && !target.is_experiment_command()) {
    ASSIGN_OR_RETURN(experiments, LoadExperiments(view, target.programme_id));
  }
  // A draft or amendment naming a predecessor: its chain, for the rule that a programme does not
  // follow itself. The chain's programmes are checked at their versions when the decision is
  // written, so that two amendments racing each other cannot close a loop.
  std::vector<std::string> chain;
  std::vector<eventstore::StreamCheck> chain_checks;
  const std::string* predecessor = nullptr;
  if (job.command.has_draft_programme()) {
    predecessor = &job.command.draft_programme().design().predecessor_programme_id();
  } else if (job.command.has_amend_programme()) {
    predecessor = &job.command.amend_programme().design().predecessor_programme_id();
    // An amendment that keeps the predecessor closes no loop: its chain is not read.
    if (programme != nullptr && *predecessor == programme->design().predecessor_programme_id()) {
      predecessor = nullptr;
    }
  }
  if (predecessor != nullptr && domain::CheckObjectId("", *predecessor).ok()) {
    constexpr size_t kMaxChain = 1000;
    absl::flat_hash_set<std::string> seen;
    std::string next = *predecessor;
    while (!next.empty() && chain.size() < kMaxChain && seen.insert(next).second) {
      chain.push_back(next);
      if (next == target.programme_id) break;
      if (!domain::CheckObjectId("", next).ok()) break;
      ASSIGN_OR_RETURN(std::shared_ptr<const v1::ProgrammeState> state,
                       states_->programmes.Load(view, next));
      chain_checks.push_back({domain::ProgrammeStream(next), VersionOf(state.get())});
      if (state == nullptr) break;
      next = state->design().predecessor_programme_id();
    }
  }
  const v1::CommandOptions& options = job.call.options;  // checked by Execute
  if (options.has_expected_version()) {
    bool exists = target.is_experiment_command() ? experiment != nullptr : programme != nullptr;
    uint64_t current = target.is_experiment_command() ? (exists ? experiment->stream_version() : 0)
                                                      : (exists ? programme->stream_version() : 0);
    if (!exists || current != options.expected_version()) {
      std::string object =
          target.is_experiment_command() ? target.experiment_stream : target.programme_stream;
      return absl::AbortedError(
          "PT-STALE-VERSION: " + object + " is at " +
          (exists ? "version " + std::to_string(current) : "no version (it does not exist)") +
          ", the request expected version " + std::to_string(options.expected_version()) +
          "; reload it and try again");
    }
  }
  domain::DecisionContext ctx;
  ctx.programme = programme;
  ctx.experiment = experiment;
  for (const auto& e : experiments) {
    ctx.experiments.push_back(&e);
    if (!Cleared(e.confidentiality(), clearance)) ctx.hidden_experiments.push_back(e.experiment_id());
  }
  ctx.business_date = options.occurred_on();
  ctx.target = &target;
  ctx.predecessor_chain = std::move(chain);
  ASSIGN_OR_RETURN(domain::Decision decision, domain::Decide(job.command, ctx, clock_()));
  if (job.call.may_correct && job.command.has_record_correction()) {
    // The corrected event's type is known once the decision found it, on either stream.
    auto check = [&](const auto& events) -> absl::Status {
      for (const auto& e : events) {
        if (!e.event.has_correction_recorded()) continue;
        RETURN_IF_ERROR(job.call.may_correct(e.event.correction_recorded().corrected_event_type()));
      }
      return absl::OkStatus();
    };
    RETURN_IF_ERROR(check(decision.programme_events));
    RETURN_IF_ERROR(check(decision.experiment_events));
  }

  eventstore::AppendRequest req;
  if (decision.empty()) return req;
  req.request_id = options.request_id();
  req.fingerprint = job.fingerprint;
  req.actor = job.call.actor;
  if (!options.on_behalf_of().empty()) req.actor.set_on_behalf_of(options.on_behalf_of());
  req.reason = options.reason();
  req.correlation_id = options.correlation_id();
  if (domain::IsSet(options.occurred_on())) req.occurred_on = options.occurred_on();
  // The decision is not read again: its stream names move into the request.
  if (!decision.programme_events.empty()) {
    eventstore::StreamAppend a{std::move(decision.programme_stream), VersionOf(programme), {}};
    for (const auto& e : decision.programme_events) a.events.push_back(ToNewEvent(e));
    req.appends.push_back(std::move(a));
  } else if (decision.checks_programme_version) {
    req.checks.push_back({std::move(decision.programme_stream), VersionOf(programme)});
  }
  if (!decision.experiment_events.empty()) {
    eventstore::StreamAppend a{std::move(decision.experiment_stream), VersionOf(experiment), {}};
    for (const auto& e : decision.experiment_events) a.events.push_back(ToNewEvent(e));
    req.appends.push_back(std::move(a));
  }
  for (eventstore::StreamCheck& check : chain_checks) req.checks.push_back(std::move(check));
  return req;
}

}  // namespace proeftuin::app
