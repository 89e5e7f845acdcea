// Observability: the metrics of proeftuind (docs/OPERATIONS.md lists them) and the HTTP
// endpoint that serves them as Prometheus text at /metrics (civetweb, --metrics-listen).
//
// Some metrics are recorded as things happen (RPCs through RpcObserver, fsyncs through
// SyncTimingEnv, TLS reloads); the rest are read from the store when scraped (positions, sizes,
// health, projections, subscriptions, the last backup). Commit-group sizes are sampled from
// StoreStats every 250 ms: with g groups and e events since the last sample, the histogram
// gets g observations of e/g (its _sum and _count are exact, the buckets approximate the
// distribution when groups of different sizes fall in one sample).
//
// Lifecycle: construct before the store opens (the store's Env records fsyncs), Attach() the
// open store, StartHttp(), and Stop() before the store closes.
//
// Thread-safety: thread-safe after Attach().
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "eventstore/rocks_store.h"
#include "server/metrics.h"
#include "server/rpc_observer.h"
#include "server/sync_timing_fs.h"
#include "server/tls.h"

struct mg_context;

namespace proeftuin::server {

// The file a backup script writes after a good backup: "<unix seconds> [anything]" (the
// modification time counts when the content does not parse).
inline constexpr char kLastBackupFile[] = "last-backup";

class Observability {
 public:
  explicit Observability(std::string data_dir);
  ~Observability();

  // The Env the store must use, so fsyncs are timed.
  rocksdb::Env* env() const { return sync_env_.env(); }
  RpcObserver* rpcs() { return &rpcs_; }

  // `projections`: name and whether it is inline. `tls` may be null (plaintext).
  void Attach(eventstore::RocksStore* store, std::vector<std::pair<std::string, bool>> projections,
              const TlsIdentity* tls);
  // INVALID_ARGUMENT naming --metrics-listen when it cannot listen there.
  absl::Status StartHttp(const std::string& listen);
  int http_port() const { return http_port_; }
  // Stops the HTTP endpoint and the sampler. Idempotent.
  void Stop();

  void NoteTlsReload(bool ok) { tls_reloads_.Add({ok ? "ok" : "error"}); }

  // The body of /metrics.
  std::string Render();

 private:
  void SampleGroups();
  void RenderStore(std::string* out);
  void RenderSubscriptions(std::string* out, uint64_t head);
  void RenderBackup(std::string* out);

  const std::string data_dir_;
  const absl::Time started_ = absl::Now();
  MetricFamily fsync_seconds_;
  MetricFamily rpcs_total_;
  MetricFamily rpc_seconds_;
  MetricFamily group_events_;
  MetricFamily tls_reloads_;
  SyncTimingEnv sync_env_;
  RpcObserver rpcs_;

  eventstore::RocksStore* store_ = nullptr;
  std::vector<std::pair<std::string, bool>> projections_;
  const TlsIdentity* tls_ = nullptr;

  std::atomic<bool> stopping_{false};
  std::thread sampler_;
  uint64_t sampled_groups_ = 0, sampled_events_ = 0;  // sampler thread only
  mg_context* http_ = nullptr;
  int http_port_ = 0;
};

}  // namespace proeftuin::server
