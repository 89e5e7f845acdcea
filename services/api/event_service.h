// EventService (gRPC API): read-only access to the log for internal systems. Events above
// the caller's clearance, or about an object above it now (views::EventVisibility), are
// redacted (position, stream and type kept), so no gap appears.
//
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "api/authz.h"
#include "absl/synchronization/mutex.h"
#include "api/encoded_events.h"
#include "app/decider_projection.h"
#include "views/visibility.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::api {

// The API form of a stored event; payload, actor and personal part left out unless `whole`
// (views::EventVisibility decides).
v1::Event ToApiEvent(const eventstore::RecordedEvent& e, bool whole);
// The same from a view of the stored record, into `*out`, whole as `visibility` says; DATA_LOSS
// when its header does not parse, the store's status when the levels cannot be read.
absl::Status ToApiEvent(const eventstore::EventView& e, views::EventVisibility& visibility,
                        v1::Event* out);

// Subscribe uses gRPC's callback API: a subscription holds no thread. One fan-out thread waits
// for commits and hands each idle subscription what is ready; a subscription whose message is
// in flight continues from gRPC's completion (OnWriteDone). The other methods are synchronous.
class EventServiceImpl final
    : public v1::EventService::WithCallbackMethod_Subscribe<v1::EventService::Service> {
 public:
  // `decider_states`: the store's (DeciderStateProjector's), whose level_change tells the
  // service when to read the levels of programmes and experiments again; without them it reads
  // them again after every commit.
  EventServiceImpl(const Guard* guard, eventstore::EventStore* store,
                   std::shared_ptr<const app::DeciderStateCaches> decider_states = nullptr);
  ~EventServiceImpl() override;

  grpc::Status ReadStream(grpc::ServerContext* ctx, const v1::ReadStreamRequest* req,
                          v1::ReadStreamResponse* resp) override;
  grpc::Status ReadAll(grpc::ServerContext* ctx, const v1::ReadAllRequest* req,
                       v1::ReadAllResponse* resp) override;
  grpc::ServerWriteReactor<v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* ctx, const v1::SubscribeRequest* req) override;
  grpc::Status GetDigest(grpc::ServerContext* ctx, const v1::GetDigestRequest* req,
                         v1::GetDigestResponse* resp) override;
  // Ends every subscription (server shutdown): they return OK to their clients after the events
  // already gathered. Later subscriptions end at once. Idempotent. Call it before the gRPC
  // server's Shutdown, and destroy the service only after that Shutdown returned: a
  // subscription's OnDone unregisters from the service.
  void Stop();

  // Told, after each message a subscription sent, the last position it covered (its last event,
  // or the CaughtUp or Checkpoint position). proeftuind's subscription-lag metric uses it. Set
  // before serving; it must be cheap and thread-safe.
  using SentObserver = std::function<void(const grpc::ServerContextBase& ctx, uint64_t position)>;
  void set_sent_observer(SentObserver observer) { sent_observer_ = std::move(observer); }

 private:
  class Stream;  // one subscription: a ServerWriteReactor

  // False when the service is stopping (the stream is then not kept).
  bool Register(std::shared_ptr<Stream> stream);
  void Unregister(const Stream* stream);
  void FanOut();  // the fan-out thread

  const Guard* guard_;
  eventstore::EventStore* store_;
  const std::shared_ptr<const app::DeciderStateCaches> decider_states_;  // may be null
  views::LevelsCache levels_;  // the levels now, shared by every call and subscription
  EncodedEvents encoded_;  // shared by the subscriptions
  SentObserver sent_observer_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> holding_streams_{0};  // subscriptions holding live events back (max_delay_ms)
  absl::Mutex mu_;
  std::vector<std::shared_ptr<Stream>> streams_ ABSL_GUARDED_BY(mu_);
  std::thread fan_out_ ABSL_GUARDED_BY(mu_);  // started with the first subscription
};

}  // namespace proeftuin::api
