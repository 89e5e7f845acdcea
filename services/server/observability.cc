#include "server/observability.h"

#include <civetweb.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "api/admin_service.h"
#include "server/json_log.h"

#ifndef PROEFTUIN_VERSION
#define PROEFTUIN_VERSION "unknown"
#endif

namespace proeftuin::server {
namespace {

using Labels = std::vector<std::string>;

// One scrape-time family with a single value (no labels).
void Single(std::string* out, const std::string& name, const std::string& help, MetricType type, double value) {
  MetricFamily f(name, help, type);
  f.Set({}, value);
  f.Render(out);
}

double Seconds(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }

// The time recorded in <data dir>/last-backup, or InfinitePast.
absl::Time LastBackupFromFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return absl::InfinitePast();
  std::ifstream in(path);
  long long seconds = 0;
  if (in >> seconds && seconds > 0) return absl::FromUnixSeconds(seconds);
  auto mtime = std::filesystem::last_write_time(path, ec);
  if (ec) return absl::InfinitePast();
  auto sys = std::chrono::file_clock::to_sys(mtime);
  return absl::FromChrono(std::chrono::time_point_cast<std::chrono::system_clock::duration>(sys));
}

int ServeMetrics(mg_connection* conn, void* self) {
  const mg_request_info* ri = mg_get_request_info(conn);
  if (std::strcmp(ri->request_method, "GET") != 0 && std::strcmp(ri->request_method, "HEAD") != 0) {
    mg_send_http_error(conn, 405, "only GET");
    return 405;
  }
  std::string body = static_cast<Observability*>(self)->Render();
  mg_printf(conn,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: %zu\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            body.size());
  if (std::strcmp(ri->request_method, "GET") == 0) mg_write(conn, body.data(), body.size());
  return 200;
}

int LogCivetweb(const mg_connection*, const char* message) {
  spdlog::warn(R"j("event":"metrics_http","message":{})j", JsonString(message == nullptr ? "" : message));
  return 1;
}

}  // namespace

Observability::Observability(std::string data_dir)
    : data_dir_(std::move(data_dir)),
      fsync_seconds_("proeftuin_fsync_duration_seconds",
                     "Duration of each sync of a file the store writes; file=wal is the fsync every commit group waits for",
                     MetricType::kHistogram, {"file"}, LatencyBuckets()),
      rpcs_total_("proeftuin_rpcs_total", "gRPC calls finished, by service, method and status code",
                  MetricType::kCounter, {"service", "method", "code"}),
      rpc_seconds_("proeftuin_rpc_duration_seconds", "Duration of gRPC calls (streams: until they end)",
                   MetricType::kHistogram, {"service", "method"}, LatencyBuckets()),
      group_events_("proeftuin_commit_group_events",
                    "Events per commit group (one WriteBatch and one fsync), sampled every 250 ms",
                    MetricType::kHistogram, {}, {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}),
      tls_reloads_("proeftuin_tls_reloads_total", "TLS certificate reloads (SIGHUP or a changed file), by result",
                   MetricType::kCounter, {"result"}),
      sync_env_(&fsync_seconds_),
      rpcs_(&rpcs_total_, &rpc_seconds_) {}

Observability::~Observability() { Stop(); }

void Observability::Attach(eventstore::RocksStore* store, std::vector<std::pair<std::string, bool>> projections,
                           const TlsIdentity* tls) {
  store_ = store;
  projections_ = std::move(projections);
  tls_ = tls;
  eventstore::StoreStats s = store_->Counters();
  sampled_groups_ = s.groups_committed;
  sampled_events_ = s.events_appended;
  sampler_ = std::thread([this] {
    while (!stopping_.load()) {
      absl::SleepFor(absl::Milliseconds(250));
      SampleGroups();
    }
  });
}

void Observability::SampleGroups() {
  // Counters, not Stats: the walk of the store's folder for its size, four times a second, cost
  // an idle server 10 to 30 ms of CPU per 10 s on a 1M-event store (docs/PERFORMANCE.md).
  eventstore::StoreStats s = store_->Counters();
  uint64_t groups = s.groups_committed - sampled_groups_, events = s.events_appended - sampled_events_;
  sampled_groups_ = s.groups_committed;
  sampled_events_ = s.events_appended;
  if (groups == 0) return;
  group_events_.Observe({}, static_cast<double>(events) / static_cast<double>(groups), groups,
                        static_cast<double>(events));
}

absl::Status Observability::StartHttp(const std::string& listen) {
  if (listen.empty()) return absl::OkStatus();
  static const int init = mg_init_library(0);
  (void)init;
  const char* options[] = {"listening_ports", listen.c_str(), "num_threads", "2", "request_timeout_ms", "10000",
                           "enable_keep_alive", "no", nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  callbacks.log_message = LogCivetweb;
  http_ = mg_start(&callbacks, this, options);
  if (http_ == nullptr) {
    return absl::InvalidArgumentError("--metrics-listen: cannot listen on " + listen + " (HOST:PORT, e.g. 127.0.0.1:9464)");
  }
  mg_set_request_handler(http_, "/metrics", ServeMetrics, this);
  mg_server_port ports[1];
  if (mg_get_server_ports(http_, 1, ports) > 0) http_port_ = ports[0].port;
  return absl::OkStatus();
}

void Observability::Stop() {
  if (http_ != nullptr) {
    mg_stop(http_);
    http_ = nullptr;
  }
  stopping_.store(true);
  if (sampler_.joinable()) sampler_.join();
}

std::string Observability::Render() {
  std::string out;
  MetricFamily build("proeftuin_build_info", "Version of proeftuind (value 1)", MetricType::kGauge, {"version"});
  build.Set({PROEFTUIN_VERSION}, 1);
  build.Render(&out);
  Single(&out, "proeftuin_start_time_seconds", "When this proeftuind process started (Unix seconds)",
         MetricType::kGauge, Seconds(started_));
  Single(&out, "proeftuin_process_resident_memory_bytes",
         "Resident set size of the proeftuind process (bytes, from /proc/self/statm)", MetricType::kGauge,
         static_cast<double>(api::ResidentMemoryBytes()));
  Single(&out, "proeftuin_process_cpu_seconds_total",
         "CPU time of the proeftuind process, user and system (seconds, from getrusage)",
         MetricType::kCounter, api::ProcessCpuSeconds());
  if (store_ != nullptr) RenderStore(&out);
  group_events_.Render(&out);
  fsync_seconds_.Render(&out);
  rpcs_total_.Render(&out);
  rpc_seconds_.Render(&out);
  RenderBackup(&out);
  tls_reloads_.Render(&out);
  if (tls_ != nullptr) {
    Single(&out, "proeftuin_tls_certificate_expiry_timestamp_seconds",
           "notAfter of the certificate the server presents (Unix seconds)", MetricType::kGauge,
           Seconds(tls_->current().not_after));
  }
  return out;
}

void Observability::RenderStore(std::string* out) {
  eventstore::StoreStats s = store_->Stats();
  Single(out, "proeftuin_commands_appended_total", "Commands (atomic appends) written since start",
         MetricType::kCounter, static_cast<double>(s.appends));
  Single(out, "proeftuin_events_appended_total", "Events written since start", MetricType::kCounter,
         static_cast<double>(s.events_appended));
  Single(out, "proeftuin_commit_groups_total", "Commit groups (one WriteBatch, one fsync) written since start",
         MetricType::kCounter, static_cast<double>(s.groups_committed));
  Single(out, "proeftuin_chain_head_position", "Position of the last event (the head of the hash chain)",
         MetricType::kGauge, static_cast<double>(s.last_position));
  eventstore::VerifyResult check = store_->StartupCheck();
  Single(out, "proeftuin_chain_startup_check_ok",
         "1 when the chain of the newest events verified when the store opened, else 0", MetricType::kGauge,
         check.ok ? 1 : 0);
  Single(out, "proeftuin_store_write_healthy", "1 when the store can write, 0 while it cannot (disk full, I/O error)",
         MetricType::kGauge, s.write_health.ok() ? 1 : 0);
  Single(out, "proeftuin_store_size_bytes", "Size of the data directory's files", MetricType::kGauge,
         static_cast<double>(s.size_on_disk_bytes));
  Single(out, "proeftuin_subscriptions_live", "Subscriptions open in the store", MetricType::kGauge,
         static_cast<double>(s.live_subscriptions));
  RenderSubscriptions(out, s.last_position);

  MetricFamily position("proeftuin_projection_position", "Last log position a projection has applied",
                        MetricType::kGauge, {"projection", "kind"});
  MetricFamily lag("proeftuin_projection_lag_events", "Events a projection is behind the log", MetricType::kGauge,
                   {"projection", "kind"});
  auto view = store_->OpenReadView();
  for (const auto& [name, is_inline] : projections_) {
    if (!view.ok()) break;
    uint64_t p = (*view)->ProjectionPosition(name).value_or(0);
    Labels l = {name, is_inline ? "inline" : "async"};
    position.Set(l, static_cast<double>(p));
    lag.Set(l, static_cast<double>((*view)->position() > p ? (*view)->position() - p : 0));
  }
  position.Render(out);
  lag.Render(out);
}

void Observability::RenderSubscriptions(std::string* out, uint64_t head) {
  MetricFamily lag("proeftuin_subscription_lag_events",
                   "Events between the head and the last position sent to a subscriber (the largest per principal)",
                   MetricType::kGauge, {"principal"});
  std::map<std::string, uint64_t> worst;
  for (const auto& sub : rpcs_.Subscriptions()) {
    uint64_t behind = head > sub.sent_position ? head - sub.sent_position : 0;
    uint64_t& w = worst[sub.principal_id.empty() ? "unknown" : sub.principal_id];
    w = std::max(w, behind);
  }
  for (const auto& [principal, behind] : worst) lag.Set({principal}, static_cast<double>(behind));
  lag.Render(out);
}

void Observability::RenderBackup(std::string* out) {
  absl::Time rpc = rpcs_.last_backup();
  absl::Time file = LastBackupFromFile(data_dir_ + "/" + kLastBackupFile);
  MetricFamily last("proeftuin_backup_last_success_timestamp_seconds",
                    "When the last good backup finished (Unix seconds): source=rpc for AdminService.Backup in this "
                    "process, source=file for <data dir>/last-backup written by the backup script",
                    MetricType::kGauge, {"source"});
  if (rpc != absl::InfinitePast()) last.Set({"rpc"}, Seconds(rpc));
  if (file != absl::InfinitePast()) last.Set({"file"}, Seconds(file));
  last.Render(out);
  absl::Time newest = std::max(rpc, file);
  Single(out, "proeftuin_backup_age_seconds", "Seconds since the last good backup (+Inf when none is known)",
         MetricType::kGauge,
         newest == absl::InfinitePast() ? std::numeric_limits<double>::infinity()
                                        : absl::ToDoubleSeconds(absl::Now() - newest));
}

}  // namespace proeftuin::server
