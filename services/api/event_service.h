// EventService (sync gRPC API): read-only access to the log for internal systems. Events above
// the caller's clearance are redacted (position, stream and type kept), so no gap appears.
//
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <functional>

#include "api/authz.h"
#include "api/encoded_events.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::api {

// The API form of a stored event; payload and personal part left out above `clearance`.
v1::Event ToApiEvent(const eventstore::RecordedEvent& e, v1::Confidentiality clearance);

class EventServiceImpl final : public v1::EventService::Service {
 public:
  EventServiceImpl(const Guard* guard, eventstore::EventStore* store) : guard_(guard), store_(store) {}

  grpc::Status ReadStream(grpc::ServerContext* ctx, const v1::ReadStreamRequest* req,
                          v1::ReadStreamResponse* resp) override;
  grpc::Status ReadAll(grpc::ServerContext* ctx, const v1::ReadAllRequest* req,
                       v1::ReadAllResponse* resp) override;
  grpc::Status Subscribe(grpc::ServerContext* ctx, const v1::SubscribeRequest* req,
                         grpc::ServerWriter<v1::SubscribeResponse>* writer) override;
  grpc::Status GetDigest(grpc::ServerContext* ctx, const v1::GetDigestRequest* req,
                         v1::GetDigestResponse* resp) override;
  // Ends every subscription (server shutdown): they return OK to their clients.
  void Stop() { stopping_.store(true); }

  // Told, after each message a subscription sent, the last position it covered (its last event,
  // or the CaughtUp or Checkpoint position). proeftuind's subscription-lag metric uses it. Set
  // before serving; it must be cheap and thread-safe.
  using SentObserver = std::function<void(const grpc::ServerContextBase& ctx, uint64_t position)>;
  void set_sent_observer(SentObserver observer) { sent_observer_ = std::move(observer); }

 private:
  std::atomic<bool> stopping_{false};
  const Guard* guard_;
  eventstore::EventStore* store_;
  EncodedEvents encoded_;  // shared by the subscriptions
  SentObserver sent_observer_;
};

}  // namespace proeftuin::api
