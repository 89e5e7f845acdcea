#include "api/event_service.h"

#include <pthread.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include "api/status.h"
#include "app/principals.h"
#include "app/queries.h"
#include "eventstore/status_macros.h"
#include "views/visibility.h"

namespace proeftuin::api {
namespace {

absl::StatusOr<size_t> MaxCount(int requested) {
  if (requested < 0) return absl::InvalidArgumentError("max_count: must not be negative");
  return requested == 0 ? 100 : std::min(requested, 1000);
}

absl::Status ValidFilter(const std::string& prefix,
                         const google::protobuf::RepeatedPtrField<std::string>& types) {
  if (prefix.size() > 200)
    return absl::InvalidArgumentError("stream_prefix: at most 200 characters");
  if (types.size() > 50) return absl::InvalidArgumentError("types: at most 50 types");
  for (const auto& t : types) {
    if (t.empty() || t.size() > 200)
      return absl::InvalidArgumentError("types: each 1 to 200 characters");
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// Completes an event whose header is in `out`: not `whole`, only the header fields that say what
// happened where stay, and the payload and personal part are left out.
void FillApiEvent(std::string_view payload, const std::optional<std::string_view>& personal,
                  const eventstore::Digest& hash, const eventstore::Digest& personal_digest,
                  bool whole, v1::Event* out) {
  out->set_hash(std::string(eventstore::AsStringView(hash)));
  out->set_personal_digest(std::string(eventstore::AsStringView(personal_digest)));
  const v1::EventHeader& h = out->header();
  if (!whole) {
    out->set_redacted(true);
    // Only position, stream, version, type and the chain fields stay.
    v1::EventHeader kept;
    kept.set_position(h.position());
    kept.set_stream(h.stream());
    kept.set_stream_version(h.stream_version());
    kept.set_type(h.type());
    kept.set_recorded_at_us(h.recorded_at_us());
    kept.set_confidentiality(h.confidentiality());
    kept.set_previous_hash(h.previous_hash());
    *out->mutable_header() = std::move(kept);
    return;
  }
  out->set_payload(std::string(payload));
  if (personal.has_value()) out->set_personal(std::string(*personal));
}

}  // namespace

v1::Event ToApiEvent(const eventstore::RecordedEvent& e, bool whole) {
  v1::Event out;
  *out.mutable_header() = e.header;
  std::optional<std::string_view> personal;
  if (e.personal.has_value()) personal = *e.personal;
  FillApiEvent(e.payload, personal, e.hash, e.personal_digest, whole, &out);
  return out;
}

absl::Status ToApiEvent(const eventstore::EventView& e, views::EventVisibility& visibility,
                        v1::Event* out) {
  RETURN_IF_ERROR(e.ParseHeader(out->mutable_header()));
  ASSIGN_OR_RETURN(const bool whole, visibility.Whole(out->header(), e.payload));
  FillApiEvent(e.payload, e.personal, e.hash, e.personal_digest, whole, out);
  return absl::OkStatus();
}

grpc::Status EventServiceImpl::ReadStream(grpc::ServerContext* ctx,
                                          const v1::ReadStreamRequest* req,
                                          v1::ReadStreamResponse* resp) {
  auto caller = guard_->Check(*ctx, MethodName("EventService", "ReadStream"));
  if (!caller.ok()) return Finish(ctx, caller.status());
  auto max = MaxCount(req->max_count());
  if (!max.ok()) return Finish(ctx, max.status());
  bool backward = req->direction() == v1::DIRECTION_BACKWARD;
  uint64_t from = backward && req->from_version() == 0 ? UINT64_MAX : req->from_version();
  auto events = store_->ReadStream(
      req->stream(), backward ? eventstore::Direction::kBackward : eventstore::Direction::kForward,
      from, *max);
  if (!events.ok()) return Finish(ctx, events.status());
  views::EventVisibility visibility(&levels_, caller->clearance());
  for (const auto& e : *events) {
    absl::StatusOr<bool> whole = visibility.Whole(e.header, e.payload);
    if (!whole.ok()) {
      resp->Clear();
      return Finish(ctx, whole.status());
    }
    *resp->add_events() = ToApiEvent(e, *whole);
  }
  return grpc::Status::OK;
}

grpc::Status EventServiceImpl::ReadAll(grpc::ServerContext* ctx, const v1::ReadAllRequest* req,
                                       v1::ReadAllResponse* resp) {
  auto caller = guard_->Check(*ctx, MethodName("EventService", "ReadAll"));
  if (!caller.ok()) return Finish(ctx, caller.status());
  auto max = MaxCount(req->max_count());
  if (!max.ok()) return Finish(ctx, max.status());
  if (auto s = ValidFilter(req->stream_prefix(), req->types()); !s.ok()) return Finish(ctx, s);
  eventstore::EventFilter f{req->stream_prefix(), {req->types().begin(), req->types().end()}};
  // The page of views: each header is parsed once, straight into the response.
  eventstore::EventPage page;
  absl::Status read =
      store_->ReadAllViews(std::max<uint64_t>(req->from_position(), 1), *max, f, &page);
  if (!read.ok()) return Finish(ctx, read);
  resp->mutable_events()->Reserve(static_cast<int>(page.events.size()));
  views::EventVisibility visibility(&levels_, caller->clearance());
  for (const auto& e : page.events) {
    v1::Event* out = resp->add_events();
    if (absl::Status s = ToApiEvent(e, visibility, out); !s.ok()) {
      resp->Clear();
      return Finish(ctx, s);
    }
    if (req->include_stored_header() && !out->redacted()) {
      out->set_stored_header(std::string(e.header_bytes));
    }
  }
  resp->set_next_position(page.next_position);
  resp->set_end_of_log(page.end_of_log);
  return grpc::Status::OK;
}

namespace {

constexpr uint32_t kMaxSubscribeBatch = 1000;
constexpr uint32_t kMaxSubscribeDelayMs = 100;
// How long the fan-out thread waits for a commit before it looks at every subscription anyway
// (time-based checkpoints, a hold that began on another thread): with no subscription holding
// events back, and with one.
constexpr absl::Duration kIdleTick = absl::Milliseconds(50);
constexpr absl::Duration kDelayTick = absl::Milliseconds(2);

v1::SubscribeResponse MarkResponse(const eventstore::SubscriptionMessage& m) {
  v1::SubscribeResponse out;
  if (m.kind == eventstore::SubscriptionMessage::Kind::kCaughtUp) {
    out.mutable_caught_up()->set_position(m.position);
  } else {
    out.mutable_checkpoint()->set_position(m.position);
  }
  return out;
}

// A Subscribe refused before it started.
class Refusal final : public grpc::ServerWriteReactor<v1::SubscribeResponse> {
 public:
  explicit Refusal(grpc::Status s) { Finish(std::move(s)); }
  void OnDone() override { delete this; }
};

}  // namespace

// One subscription. At most one message is in flight; Pump() builds the next one from what the
// store subscription has ready, without waiting. OnWriteDone calls it; the fan-out thread calls
// PumpIfLive() after each commit. A live first event is held up to max_delay so that the events
// committed meanwhile share its message; catch-up (events ready at once) is never held. The
// reactor owns itself (`self_`) until gRPC calls OnDone; the fan-out thread may hold it a little
// longer.
class EventServiceImpl::Stream final : public grpc::ServerWriteReactor<v1::SubscribeResponse> {
 public:
  Stream(EventServiceImpl* service, grpc::CallbackServerContext* ctx,
         std::unique_ptr<eventstore::Subscription> sub, v1::Confidentiality clearance,
         size_t max_batch, absl::Duration max_delay)
      : service_(service),
        ctx_(ctx),
        sub_(std::move(sub)),
        clearance_(clearance),
        max_batch_(max_batch),
        max_delay_(max_delay),
        visibility_(&service->levels_, clearance) {}

  // Takes ownership of itself; `accepted` false (the server is stopping) ends it at once.
  void Start(std::shared_ptr<Stream> self, bool accepted) {
    {
      absl::MutexLock l(&mu_);
      self_ = std::move(self);
    }
    if (accepted) {
      Pump();
    } else {
      End(grpc::Status::OK);
    }
  }

  // Sends the next message when none is in flight, or ends the stream when asked to.
  void Pump() {
    mu_.Lock();
    PumpLocked();
  }

  // The fan-out thread's Pump: only for a live stream (catch-up is driven by OnWriteDone, so
  // the fan-out thread never reads a backlog from disk), and never waiting for the stream's
  // lock: whoever holds it looks again before it lets go.
  void PumpIfLive() {
    if (!live_.load(std::memory_order_acquire)) return;
    if (!mu_.TryLock()) {
      again_.store(true);
      return;
    }
    PumpLocked();
  }

  // Ends the stream with `status` once the message in flight (if any) was sent. With OK (the
  // server stopping) the events already gathered go out first; a cancelled client gets nothing
  // more (it resumes from the last position it received).
  void End(grpc::Status status) {
    {
      absl::MutexLock l(&mu_);
      if (!end_.has_value()) end_ = std::move(status);
    }
    Pump();
  }

  void OnWriteDone(bool ok) override {
    uint64_t sent;
    {
      absl::MutexLock l(&mu_);
      writing_ = false;
      sent = sending_;
      // The client went away (or the call was cancelled): nothing more can be sent.
      if (!ok) {
        broken_ = true;
        if (!end_.has_value()) end_ = grpc::Status::OK;
      }
    }
    if (ok && service_->sent_observer_) service_->sent_observer_(*ctx_, sent);
    Pump();
  }

  void OnCancel() override { End(grpc::Status::CANCELLED); }

  void OnDone() override {
    std::shared_ptr<Stream> keep;
    {
      absl::MutexLock l(&mu_);
      keep = std::move(self_);
    }
    service_->Unregister(this);
  }  // `keep` may delete this: nothing after it

 private:
  enum class Act { kNone, kWrite, kFinish };

  // Pump with mu_ held; releases it.
  void PumpLocked() ABSL_UNLOCK_FUNCTION(mu_) {
    for (;;) {
      Act act = Act::kNone;
      grpc::Status finish;
      again_.store(false);
      if (!writing_ && !finished_) {
        act = Decide(&finish);
        if (act == Act::kWrite) writing_ = true;
        if (act == Act::kFinish) finished_ = true;
        SetHolding(act == Act::kNone && !events_.empty());
      }
      mu_.Unlock();
      // Outside the lock: gRPC may run a reaction inline.
      if (act == Act::kWrite) StartWrite(&out_);
      if (act == Act::kFinish) Finish(std::move(finish));
      // Nothing was sent, and the fan-out thread found the lock taken meanwhile: a commit may
      // have come after Gather looked, so look again (a message in flight is followed by
      // OnWriteDone, which looks anyway).
      if (act != Act::kNone || !again_.load()) return;
      mu_.Lock();
    }
  }

  // What to do next, with no message in flight: build the next message into out_ (kWrite),
  // finish with `*finish` (kFinish), or wait (kNone).
  Act Decide(grpc::Status* finish) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (end_.has_value()) {
      // Stopping: a live stream gets what was committed up to now (a stream still catching up
      // resumes from its last position later).
      if (end_->ok() && !broken_ && live_.load()) Gather();
      if (!end_->ok() || broken_ || (events_.empty() && !held_.has_value())) {
        *finish = *end_;
        return Act::kFinish;
      }
      if (absl::Status s = Reauthorize(); !s.ok()) {
        *finish = absl::IsUnavailable(s) ? *end_ : api::Finish(ctx_, s);  // not checked: none sent
        return Act::kFinish;
      }
      return NextMessage() ? Act::kWrite : Act::kNone;  // flush what was gathered, then end
    }
    const bool drained = Gather();
    if (absl::Status s = Reauthorize(); !s.ok()) {
      // The store is reopening after a write error (reads of principals wait for it): hold what
      // was gathered and look again (the fan-out thread looks at holding streams every tick).
      if (absl::IsUnavailable(s)) return Act::kNone;
      *finish = api::Finish(ctx_, s);
      return Act::kFinish;
    }
    if (!events_.empty()) {
      const bool hold = drained && max_delay_ > absl::ZeroDuration() &&
                        absl::Now() < first_at_ + max_delay_;
      if (hold) return Act::kNone;
    }
    if (NextMessage()) return Act::kWrite;
    if (!error_.ok()) {
      *finish = api::Finish(ctx_, error_);
      return Act::kFinish;
    }
    return Act::kNone;
  }

  // Before events go out: when a principal event was committed since the caller was last
  // checked (any principal's: a token revoked, a role or clearance changed; the events gathered
  // may come after it), or kRecheckEvery passed (a token expires with time), authenticates the
  // caller again. UNAUTHENTICATED / PERMISSION_DENIED as for a new call; ABORTED when its
  // clearance changed (the stream's redaction depends on it: subscribe again). The events
  // gathered were committed before the change was, or the check sees the change.
  absl::Status Reauthorize() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const uint64_t changed = app::LastPrincipalChange();
    const bool committed = changed > checked_change_ && service_->store_->LastPosition() >= changed;
    const absl::Time now = absl::Now();
    if (!committed && now < next_check_) return absl::OkStatus();
    const uint64_t previous = checked_change_;
    if (committed) checked_change_ = changed;
    next_check_ = now + kRecheckEvery;
    absl::StatusOr<Caller> caller =
        service_->guard_->Recheck(*ctx_, MethodName("EventService", "Subscribe"));
    if (!caller.ok()) {
      if (absl::IsUnavailable(caller.status())) {  // not checked: check again next time
        if (committed) checked_change_ = previous;
        next_check_ = now;
      }
      return caller.status();
    }
    if (caller->clearance() != clearance_) {
      return absl::AbortedError(
          "the principal's clearance changed while the stream was open; subscribe again from "
          "the last position received");
    }
    return absl::OkStatus();
  }

  static constexpr absl::Duration kRecheckEvery = absl::Seconds(10);

  // Moves the gathered events (or else the held mark) into out_; false when there is none.
  bool NextMessage() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!events_.empty()) {
      SetEncodedEvents(events_, max_batch_ > 1, &out_);
      sending_ = last_;
      events_.clear();
      return true;
    }
    if (held_.has_value()) {
      out_ = MarkResponse(*held_);
      sending_ = held_->position;
      if (held_->kind == eventstore::SubscriptionMessage::Kind::kCaughtUp) {
        live_.store(true, std::memory_order_release);
      }
      held_.reset();
      return true;
    }
    return false;
  }

  // Keeps the service's count of streams holding events back (the fan-out thread then looks
  // every kDelayTick, not only at commits).
  void SetHolding(bool holding) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (holding == holding_) return;
    holding_ = holding;
    service_->holding_streams_.fetch_add(holding ? 1 : -1);
  }

  // Takes what the subscription has ready, up to a full message or a message of another kind
  // (left in held_) or an error (left in error_, reported after the events before it). True
  // when it stopped because nothing more was ready.
  bool Gather() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!held_.has_value() && error_.ok() && events_.size() < max_batch_) {
      absl::StatusOr<eventstore::SubscriptionMessage> next;
      if (unjudged_.has_value()) {
        next = *std::move(unjudged_);
        unjudged_.reset();
      } else {
        next = sub_->Next(absl::InfinitePast());
      }
      if (!next.ok()) {
        if (next.status().code() == absl::StatusCode::kDeadlineExceeded) return true;
        error_ = next.status();
        return false;
      }
      if (next->kind != eventstore::SubscriptionMessage::Kind::kEvent) {
        held_ = *std::move(next);
        return false;
      }
      const eventstore::RecordedEvent& e = *next->event;
      absl::StatusOr<bool> whole = visibility_.Whole(e.header, e.payload);
      if (!whole.ok()) {
        // The store is reopening after a write error: a live stream keeps the event and looks
        // again (the fan-out thread looks at every live stream each tick), as Reauthorize
        // waits; one catching up ends with UNAVAILABLE (the client resumes from its last
        // position), as a read of its backlog would.
        if (absl::IsUnavailable(whole.status()) && live_.load(std::memory_order_acquire)) {
          unjudged_ = *std::move(next);
          return false;
        }
        error_ = whole.status();  // reported after the events before it; the client resumes here
        return false;
      }
      if (events_.empty()) first_at_ = absl::Now();
      events_.push_back(service_->encoded_.Get(e, *whole));
      last_ = next->position;
    }
    return false;
  }

  EventServiceImpl* const service_;
  grpc::CallbackServerContext* const ctx_;
  const std::unique_ptr<eventstore::Subscription> sub_;
  const v1::Confidentiality clearance_;
  const size_t max_batch_;
  const absl::Duration max_delay_;

  absl::Mutex mu_;
  // Whether each event goes out whole (the levels of its objects now), and an event taken from
  // the subscription whose levels could not be read yet (the store reopening).
  views::EventVisibility visibility_ ABSL_GUARDED_BY(mu_);
  std::optional<eventstore::SubscriptionMessage> unjudged_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Stream> self_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;   // out_ is in flight
  bool finished_ ABSL_GUARDED_BY(mu_) = false;  // Finish was called
  bool broken_ ABSL_GUARDED_BY(mu_) = false;    // a write failed: the client is gone
  bool holding_ ABSL_GUARDED_BY(mu_) = false;   // events_ wait for company (max_delay)
  std::atomic<bool> live_{false};               // CaughtUp was sent: the fan-out thread pumps it
  std::atomic<bool> again_{false};              // the fan-out thread found mu_ taken
  std::optional<grpc::Status> end_ ABSL_GUARDED_BY(mu_);
  std::vector<EncodedEvent> events_ ABSL_GUARDED_BY(mu_);  // gathered, not yet sent
  absl::Time first_at_ ABSL_GUARDED_BY(mu_);                // when events_[0] was taken
  uint64_t last_ ABSL_GUARDED_BY(mu_) = 0;                  // position of events_.back()
  std::optional<eventstore::SubscriptionMessage> held_ ABSL_GUARDED_BY(mu_);
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  // The principal change the caller was last authenticated against, and when to check anyway.
  // 0: the first message checks once more (Subscribe's own check may predate a change that was
  // applied but not yet committed when it read).
  uint64_t checked_change_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time next_check_ ABSL_GUARDED_BY(mu_) = absl::Now() + kRecheckEvery;
  // The message in flight and the last position it covers (read by OnWriteDone).
  v1::SubscribeResponse out_;
  uint64_t sending_ ABSL_GUARDED_BY(mu_) = 0;
};

EventServiceImpl::EventServiceImpl(const Guard* guard, eventstore::EventStore* store,
                                   std::shared_ptr<const app::DeciderStateCaches> decider_states)
    : guard_(guard),
      store_(store),
      decider_states_(std::move(decider_states)),
      levels_(store, decider_states_ != nullptr ? &decider_states_->level_change : nullptr) {}

EventServiceImpl::~EventServiceImpl() { Stop(); }

grpc::ServerWriteReactor<v1::SubscribeResponse>* EventServiceImpl::Subscribe(
    grpc::CallbackServerContext* ctx, const v1::SubscribeRequest* req) {
  auto refuse = [ctx](const absl::Status& s) { return new Refusal(Finish(ctx, s)); };
  auto caller = guard_->Check(*ctx, MethodName("EventService", "Subscribe"));
  if (!caller.ok()) return refuse(caller.status());
  if (auto s = ValidFilter(req->stream_prefix(), req->types()); !s.ok()) return refuse(s);
  if (req->max_batch() > kMaxSubscribeBatch) {
    return refuse(absl::InvalidArgumentError("max_batch: at most " +
                                             std::to_string(kMaxSubscribeBatch) + ", got " +
                                             std::to_string(req->max_batch())));
  }
  if (req->max_delay_ms() > kMaxSubscribeDelayMs) {
    return refuse(absl::InvalidArgumentError("max_delay_ms: at most " +
                                             std::to_string(kMaxSubscribeDelayMs) + ", got " +
                                             std::to_string(req->max_delay_ms())));
  }
  const size_t max_batch = std::max<uint32_t>(req->max_batch(), 1);
  const absl::Duration max_delay =
      max_batch > 1 ? absl::Milliseconds(req->max_delay_ms()) : absl::ZeroDuration();
  eventstore::SubscribeOptions o;
  o.from_position = std::max<uint64_t>(req->from_position(), 1);
  o.filter = {req->stream_prefix(), {req->types().begin(), req->types().end()}};
  auto stream = std::make_shared<Stream>(this, ctx, store_->Subscribe(o), caller->clearance(),
                                         max_batch, max_delay);
  Stream* reactor = stream.get();
  const bool accepted = Register(stream);
  reactor->Start(std::move(stream), accepted);
  return reactor;
}

bool EventServiceImpl::Register(std::shared_ptr<Stream> stream) {
  absl::MutexLock l(&mu_);
  if (stopping_.load()) return false;
  streams_.push_back(std::move(stream));
  if (!fan_out_.joinable()) fan_out_ = std::thread([this] { FanOut(); });
  return true;
}

void EventServiceImpl::Unregister(const Stream* stream) {
  absl::MutexLock l(&mu_);
  std::erase_if(streams_, [stream](const auto& s) { return s.get() == stream; });
}

void EventServiceImpl::FanOut() {
  pthread_setname_np(pthread_self(), "pt-fanout");  // for top -H and perf
  uint64_t seen = store_->LastPosition();
  std::vector<std::shared_ptr<Stream>> streams;
  while (!stopping_.load()) {
    const absl::Duration tick = holding_streams_.load() > 0 ? kDelayTick : kIdleTick;
    const absl::Time until = absl::Now() + tick;
    if (!store_->WaitForCommit(seen + 1, until)) {
      // Nothing committed; when the store closed, WaitForCommit returns at once.
      if (absl::Time now = absl::Now(); now < until) absl::SleepFor(until - now);
    }
    seen = std::max(seen, store_->LastPosition());
    {
      absl::MutexLock l(&mu_);
      streams = streams_;
    }
    for (const auto& s : streams) s->PumpIfLive();
    streams.clear();
  }
}

void EventServiceImpl::Stop() {
  std::vector<std::shared_ptr<Stream>> streams;
  std::thread fan_out;
  {
    absl::MutexLock l(&mu_);
    stopping_.store(true);
    streams = streams_;
    fan_out = std::move(fan_out_);
  }
  if (fan_out.joinable()) fan_out.join();
  for (const auto& s : streams) s->End(grpc::Status::OK);
}

grpc::Status EventServiceImpl::GetDigest(grpc::ServerContext* ctx, const v1::GetDigestRequest*,
                                         v1::GetDigestResponse* resp) {
  auto caller = guard_->Check(*ctx, MethodName("EventService", "GetDigest"));
  if (!caller.ok()) return Finish(ctx, caller.status());
  auto d = store_->Digest();
  if (!d.ok()) return Finish(ctx, d.status());
  resp->set_position(d->position);
  resp->set_head_hash(eventstore::ToHex(d->hash));
  return grpc::Status::OK;
}

}  // namespace proeftuin::api
