// RpcObserver: sees every gRPC call of proeftuind, and
//   - logs it as one JSON line when it ends: principal id, method, status code (and the rule
//     id of a refused command), latency; calls refused for their credentials or role are logged
//     as "denied" at warning level, with the peer address;
//   - counts it: proeftuin_rpcs_total{service,method,code} and the latency histogram
//     proeftuin_rpc_duration_seconds{service,method};
//   - follows live EventService.Subscribe calls (the last position sent to each), so the
//     metrics can report their lag;
//   - remembers when AdminService.Backup last succeeded.
// It sees ProgrammeService's calls through api::ProgrammeServiceImpl's call observer (Ended):
// a server interceptor makes gRPC pass every batch of a call through its completion queue once
// more, which cost a command about 15 µs of CPU. Every other call it sees through a server
// interceptor, with the principal from api::Guard through OnCheck (the guard runs inside the
// call).
// Messages are never looked at except a subscription's positions: nothing personal is logged.
//
// Thread-safety: thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/programme_service.h"
#include "server/metrics.h"

namespace proeftuin::server {

class RpcObserver {
 public:
  // Both families must outlive the observer: a counter with labels (service, method, code) and
  // a histogram with labels (service, method).
  RpcObserver(MetricFamily* rpcs_total, MetricFamily* rpc_seconds);
  ~RpcObserver();

  // A factory for ServerBuilder::experimental().SetInterceptorCreators: an interceptor for
  // every call but ProgrammeService's.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory();

  // For api::ProgrammeServiceImpl::set_call_observer: a ProgrammeService call ended.
  void Ended(const api::EndedCall& call);
  // For api::Guard::set_observer: who is making the call on `ctx`.
  void OnCheck(const grpc::ServerContextBase& ctx, std::string_view principal_id, const absl::Status& outcome);
  // For api::EventServiceImpl::set_sent_observer: the subscription on `ctx` sent up to `position`.
  void OnSent(const grpc::ServerContextBase& ctx, uint64_t position);

  struct SubscriptionState {
    std::string principal_id;
    uint64_t sent_position = 0;  // the last position sent (event, caught-up or checkpoint)
  };
  // Every EventService.Subscribe call in progress.
  std::vector<SubscriptionState> Subscriptions() const;
  // When AdminService.Backup last returned OK in this process (InfinitePast: never).
  absl::Time last_backup() const;

  // The name of a gRPC status code, e.g. "PERMISSION_DENIED".
  static std::string_view CodeName(grpc::StatusCode code);

  struct Call;  // one call in progress (rpc_observer.cc)

  // Used by the interceptor of each call.
  void Begin(const grpc::ServerContextBase* ctx, Call* call);
  void End(const grpc::ServerContextBase* ctx, Call* call, const grpc::Status& status, std::string_view rule);

 private:
  // Counts and logs one ended call (`ctx` may be null: no peer to log).
  void Record(const grpc::ServerContextBase* ctx, std::string_view full_method, double seconds,
              std::string_view principal_id, const grpc::Status& status, std::string_view rule);

  MetricFamily* rpcs_total_;
  MetricFamily* rpc_seconds_;
  mutable absl::Mutex mu_;
  std::unordered_map<const grpc::ServerContextBase*, Call*> calls_ ABSL_GUARDED_BY(mu_);
  absl::Time last_backup_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace proeftuin::server
