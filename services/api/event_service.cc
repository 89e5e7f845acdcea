#include "api/event_service.h"

#include <functional>
#include <optional>

#include "api/status.h"
#include "app/queries.h"
#include "eventstore/status_macros.h"

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

v1::Event ToApiEvent(const eventstore::RecordedEvent& e, v1::Confidentiality clearance) {
  v1::Event out;
  *out.mutable_header() = e.header;
  out.set_hash(std::string(eventstore::AsStringView(e.hash)));
  out.set_personal_digest(std::string(eventstore::AsStringView(e.personal_digest)));
  if (!app::Cleared(e.header.confidentiality(), clearance)) {
    out.set_redacted(true);
    // Only position, stream, version, type and the chain fields stay.
    v1::EventHeader kept;
    kept.set_position(e.header.position());
    kept.set_stream(e.header.stream());
    kept.set_stream_version(e.header.stream_version());
    kept.set_type(e.header.type());
    kept.set_recorded_at_us(e.header.recorded_at_us());
    kept.set_confidentiality(e.header.confidentiality());
    kept.set_previous_hash(e.header.previous_hash());
    *out.mutable_header() = std::move(kept);
    return out;
  }
  out.set_payload(e.payload);
  if (e.personal.has_value()) out.set_personal(*e.personal);
  return out;
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
  for (const auto& e : *events) *resp->add_events() = ToApiEvent(e, caller->clearance());
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
  auto r = store_->ReadAll(std::max<uint64_t>(req->from_position(), 1), *max, f);
  if (!r.ok()) return Finish(ctx, r.status());
  for (const auto& e : r->events) *resp->add_events() = ToApiEvent(e, caller->clearance());
  resp->set_next_position(r->next_position);
  resp->set_end_of_log(r->end_of_log);
  return grpc::Status::OK;
}

namespace {

constexpr uint32_t kMaxSubscribeBatch = 1000;
constexpr uint32_t kMaxSubscribeDelayMs = 100;

v1::SubscribeResponse MarkResponse(const eventstore::SubscriptionMessage& m) {
  v1::SubscribeResponse out;
  if (m.kind == eventstore::SubscriptionMessage::Kind::kCaughtUp) {
    out.mutable_caught_up()->set_position(m.position);
  } else {
    out.mutable_checkpoint()->set_position(m.position);
  }
  return out;
}

// Adds the events that are ready after `first`, up to `max` in all, to `events` (`*last`: the
// position of the last one). When fewer are ready (the subscription is live), it sleeps once
// until `until` (while `stop` stays false) and takes what arrived meanwhile: a consumer catching
// up or behind is never slowed by the delay. A message of another kind read meanwhile is left in
// `*held` for the next response. An error other than "nothing more ready" is returned after the
// batch is filled.
absl::Status FillBatch(eventstore::Subscription& sub, EncodedEvents& encoded,
                       const eventstore::SubscriptionMessage& first, size_t max, absl::Time until,
                       const std::function<bool()>& stop, v1::Confidentiality clearance,
                       std::vector<EncodedEvent>* events, uint64_t* last,
                       std::optional<eventstore::SubscriptionMessage>* held) {
  events->push_back(encoded.Get(*first.event, clearance));
  *last = first.position;
  bool slept = false;
  while (events->size() < max) {
    auto next = sub.Next(absl::InfinitePast());  // what is ready, without waiting
    if (!next.ok()) {
      if (next.status().code() != absl::StatusCode::kDeadlineExceeded) return next.status();
      if (slept || absl::Now() >= until) return absl::OkStatus();
      // Sleep rather than wait for each commit: a hundred subscriptions woken by every commit
      // group cost more CPU than the deliveries themselves. In slices, to notice a cancel.
      for (absl::Time now = absl::Now(); now < until && !stop(); now = absl::Now()) {
        absl::SleepFor(std::min(until - now, absl::Milliseconds(10)));
      }
      slept = true;
      continue;
    }
    if (next->kind != eventstore::SubscriptionMessage::Kind::kEvent) {
      *held = *std::move(next);
      return absl::OkStatus();
    }
    events->push_back(encoded.Get(*next->event, clearance));
    *last = next->position;
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status EventServiceImpl::Subscribe(grpc::ServerContext* ctx, const v1::SubscribeRequest* req,
                                         grpc::ServerWriter<v1::SubscribeResponse>* writer) {
  auto caller = guard_->Check(*ctx, MethodName("EventService", "Subscribe"));
  if (!caller.ok()) return Finish(ctx, caller.status());
  if (auto s = ValidFilter(req->stream_prefix(), req->types()); !s.ok()) return Finish(ctx, s);
  if (req->max_batch() > kMaxSubscribeBatch) {
    return Finish(
        ctx, absl::InvalidArgumentError("max_batch: at most " + std::to_string(kMaxSubscribeBatch) +
                                        ", got " + std::to_string(req->max_batch())));
  }
  if (req->max_delay_ms() > kMaxSubscribeDelayMs) {
    return Finish(ctx, absl::InvalidArgumentError(
                           "max_delay_ms: at most " + std::to_string(kMaxSubscribeDelayMs) +
                           ", got " + std::to_string(req->max_delay_ms())));
  }
  const size_t max_batch = std::max<uint32_t>(req->max_batch(), 1);
  const absl::Duration max_delay =
      max_batch > 1 ? absl::Milliseconds(req->max_delay_ms()) : absl::ZeroDuration();
  eventstore::SubscribeOptions o;
  o.from_position = std::max<uint64_t>(req->from_position(), 1);
  o.filter = {req->stream_prefix(), {req->types().begin(), req->types().end()}};
  auto sub = store_->Subscribe(o);
  v1::Confidentiality clearance = caller->clearance();
  std::optional<eventstore::SubscriptionMessage> held;
  std::vector<EncodedEvent> events;
  v1::SubscribeResponse out;
  const std::function<bool()> stop = [&] { return ctx->IsCancelled() || stopping_.load(); };
  while (!stop()) {
    eventstore::SubscriptionMessage m;
    if (held.has_value()) {
      m = *std::move(held);
      held.reset();
    } else {
      auto next = sub->Next(absl::Now() + absl::Milliseconds(200));
      if (!next.ok()) {
        if (next.status().code() == absl::StatusCode::kDeadlineExceeded) continue;
        return Finish(ctx, next.status());
      }
      m = *std::move(next);
    }
    absl::Status after = absl::OkStatus();
    uint64_t sent = m.position;
    if (m.kind == eventstore::SubscriptionMessage::Kind::kEvent) {
      events.clear();
      // A live first event waits max_delay for company (FillBatch).
      absl::Time until = max_delay > absl::ZeroDuration() ? absl::Now() + max_delay
                                                           : absl::InfinitePast();
      after = FillBatch(*sub, encoded_, m, max_batch, until, stop, clearance, &events, &sent,
                        &held);
      SetEncodedEvents(events, max_batch > 1, &out);
    } else {
      out = MarkResponse(m);
    }
    if (!writer->Write(out)) break;  // the client went away
    if (sent_observer_) sent_observer_(*ctx, sent);
    if (!after.ok()) return Finish(ctx, after);
  }
  return grpc::Status::OK;
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
