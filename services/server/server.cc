#include "server/server.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "api/admin_service.h"
#include "api/event_service.h"
#include "api/programme_service.h"
#include "app/command_handler.h"
#include "app/decider_projection.h"
#include "app/principals.h"
#include "eventstore/rocks_store.h"
#include "eventstore/status_macros.h"
#include "server/json_log.h"
#include "server/observability.h"
#include "server/recover.h"
#include "server/tls.h"
#include "server/wiring.h"

namespace proeftuin::server {
namespace {

bool IsLoopback(const std::string& listen) {
  std::string host = listen.substr(0, listen.rfind(':'));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// Where TLS files are staged for gRPC: systemd's RuntimeDirectory when there is one.
std::string TlsStagingParent() {
  const char* runtime = std::getenv("RUNTIME_DIRECTORY");
  if (runtime != nullptr && *runtime != '\0') return std::string(runtime).substr(0, std::string(runtime).find(':'));
  return std::filesystem::temp_directory_path().string();
}

std::string Rfc3339(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

void LogCertificate(const char* event, const CertificateInfo& c) {
  spdlog::info(R"j("event":"{}","subject":{},"sha256":"{}","not_after":"{}")j", event, JsonString(c.subject),
               c.sha256_fingerprint, Rfc3339(c.not_after));
}

// Every option, so the log shows what the server runs with (paths only, never key material).
void LogConfig(const ServerOptions& o) {
  spdlog::info(
      R"j("event":"config","version":"{}","data_dir":{},"listen":{},"tls_cert":{},"tls_key":{},"tls_client_ca":{},)j"
      R"j("allow_plaintext":{},"rocksdb_memory_mb":{},"view_cache_mb":{},"ack_spin_us":{},"writer_spin_us":{},"shutdown_grace_seconds":{},)j"
      R"j("metrics_listen":{},)j"
      R"j("tls_reload_seconds":{})j",
      PROEFTUIN_VERSION, JsonString(o.data_dir), JsonString(o.listen), JsonString(o.tls_cert),
      JsonString(o.tls_key), JsonString(o.tls_client_ca), o.allow_plaintext, o.rocksdb_memory_mb,
      o.view_cache_mb, o.ack_spin_us, o.writer_spin_us, o.shutdown_grace_seconds,
      JsonString(o.metrics_listen), o.tls_reload_seconds);
}

// The most memory a MiB flag may ask for: 1 TiB (the byte counts derived from it fit size_t
// with room to spare).
constexpr size_t kMaxMemoryMb = size_t{1} << 20;
constexpr int kMaxShutdownGraceSeconds = 3600;

// CLI11 reads "-1" into a size_t as 2^64-1 (and a number beyond 2^64 as 2^64-1): say so.
std::string Given(size_t v) {
  if (v <= static_cast<size_t>(std::numeric_limits<int64_t>::max())) return std::to_string(v);
  return "a negative or huge number (read as " + std::to_string(v) + ")";
}

absl::Status OutOfRange(const char* flag, const std::string& given, const std::string& range) {
  return absl::InvalidArgumentError(std::string(flag) + ": must be " + range + ", not " + given);
}

// Every numeric option (flags and their PROEFTUIND_* environment forms), so a negative or
// absurd value stops the start with an error naming the flag instead of running with it.
absl::Status ValidateNumbers(const ServerOptions& o) {
  if (o.rocksdb_memory_mb < 16 || o.rocksdb_memory_mb > kMaxMemoryMb) {
    return OutOfRange("--rocksdb-memory-mb", Given(o.rocksdb_memory_mb),
                      "between 16 and " + std::to_string(kMaxMemoryMb) + " (MiB)");
  }
  if (o.view_cache_mb > kMaxMemoryMb) {
    return OutOfRange("--view-cache-mb", Given(o.view_cache_mb),
                      "between 0 (off) and " + std::to_string(kMaxMemoryMb) + " (MiB)");
  }
  if (o.ack_spin_us < 0 || o.ack_spin_us > 100'000) {
    return OutOfRange("--ack-spin-us", std::to_string(o.ack_spin_us), "between 0 (never) and 100000 (µs)");
  }
  if (o.writer_spin_us < 0 || o.writer_spin_us > 100'000) {
    return OutOfRange("--writer-spin-us", std::to_string(o.writer_spin_us),
                      "between 0 (never) and 100000 (µs)");
  }
  if (o.shutdown_grace_seconds < 0 || o.shutdown_grace_seconds > kMaxShutdownGraceSeconds) {
    return OutOfRange("--shutdown-grace-seconds", std::to_string(o.shutdown_grace_seconds),
                      "between 0 and " + std::to_string(kMaxShutdownGraceSeconds) + " (seconds)");
  }
  if (o.tls_reload_seconds < 0) {
    return OutOfRange("--tls-reload-seconds", std::to_string(o.tls_reload_seconds),
                      "0 (only on SIGHUP) or more (seconds); it must not be negative");
  }
  return absl::OkStatus();
}

// The chain head "POS:HASH" for the log lines at start and stop: an operator who ships the log
// elsewhere holds an anchor the store's own disk cannot rewrite (docs/OPERATIONS.md).
std::string ChainHead(eventstore::EventStore& store) {
  absl::StatusOr<eventstore::ChainDigest> d = store.Digest();
  return d.ok() ? d->ToString() : "unreadable: " + std::string(d.status().message());
}

}  // namespace

absl::Status ValidateOptions(const ServerOptions& o) {
  if (o.data_dir.empty()) return absl::InvalidArgumentError("--data-dir: must not be empty");
  if (o.listen.find(':') == std::string::npos) {
    return absl::InvalidArgumentError("--listen: expected HOST:PORT, got '" + o.listen + "'");
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key: give both or neither");
  }
  if (!o.tls_client_ca.empty() && o.tls_cert.empty()) {
    return absl::InvalidArgumentError("--tls-client-ca: needs --tls-cert and --tls-key");
  }
  for (const auto& [flag, path] : {std::pair{"--tls-cert", o.tls_cert}, {"--tls-key", o.tls_key},
                                   {"--tls-client-ca", o.tls_client_ca}}) {
    if (!path.empty() && !std::filesystem::exists(path)) {
      return absl::InvalidArgumentError(std::string(flag) + ": no such file " + path);
    }
  }
  if (o.tls_cert.empty() && !o.allow_plaintext && !IsLoopback(o.listen)) {
    return absl::InvalidArgumentError(
        "--listen: " + o.listen + " is not a loopback address; give --tls-cert and --tls-key, or "
        "--allow-plaintext when a TLS-terminating proxy sits in front");
  }
  if (!o.metrics_listen.empty() && o.metrics_listen.find(':') == std::string::npos) {
    return absl::InvalidArgumentError("--metrics-listen: expected HOST:PORT, got '" + o.metrics_listen + "'");
  }
  return ValidateNumbers(o);
}

// Members are destroyed in reverse order: the gRPC server before the TLS files and the
// interceptors (in obs) it uses, the store before the Env (in obs) it writes through.
struct ProeftuinServer::Impl {
  ServerOptions options;
  std::unique_ptr<Observability> obs;
  std::unique_ptr<TlsIdentity> tls;
  std::unique_ptr<eventstore::RocksStore> store;
  std::unique_ptr<Services> services;
  std::unique_ptr<grpc::Server> grpc_server;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::thread health;

  absl::Status Bootstrap();
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials();
  absl::Status BuildAndStart();
  void WatchHealth();
  void ReloadTlsIfChanged();
};

ProeftuinServer::ProeftuinServer(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

ProeftuinServer::~ProeftuinServer() { Shutdown(); }

int ProeftuinServer::port() const { return impl_->port; }

int ProeftuinServer::metrics_port() const { return impl_->obs == nullptr ? 0 : impl_->obs->http_port(); }

absl::Status ProeftuinServer::Impl::Bootstrap() {
  ASSIGN_OR_RETURN(bool empty, services->principals->Empty());
  if (!empty) return absl::OkStatus();
  v1::CreatePrincipalRequest r;
  r.set_request_id("proeftuind-first-start-admin");
  r.set_principal_id("admin");
  r.set_display_name("Administrator (created at first start)");
  r.set_role(v1::ROLE_ADMINISTRATOR);
  r.set_clearance(v1::CONFIDENTIALITY_ZEER_GEHEIM);
  r.set_reason("first start of proeftuind on an empty data directory");
  v1::Actor system;
  system.set_principal_id("proeftuind");
  system.set_display_name("proeftuind");
  system.set_role("system");
  system.set_application("proeftuind");
  ASSIGN_OR_RETURN(v1::CreatePrincipalResponse created, services->principals->Create(r, system));
  RETURN_IF_ERROR(WriteTokenFile(options.data_dir + "/admin.token", created.token(), true));
  spdlog::info(R"j("event":"bootstrap","principal":"admin","token_file":{})j", JsonString(options.data_dir + "/admin.token"));
  return absl::OkStatus();
}

void ProeftuinServer::Impl::WatchHealth() {
  bool last = true;
  absl::Time next_tls_check = absl::Now() + absl::Seconds(options.tls_reload_seconds);
  while (!stopping.load()) {
    bool serving = store->WriteHealth().ok();
    if (serving != last) {
      grpc_server->GetHealthCheckService()->SetServingStatus(serving);
      spdlog::warn(R"j("event":"health","serving":{},"reason":{})j", serving,
                   JsonString(serving ? "" : std::string(store->WriteHealth().message())));
      last = serving;
    }
    if (tls != nullptr && options.tls_reload_seconds > 0 && absl::Now() >= next_tls_check) {
      ReloadTlsIfChanged();
      next_tls_check = absl::Now() + absl::Seconds(options.tls_reload_seconds);
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

void ProeftuinServer::Impl::ReloadTlsIfChanged() {
  absl::StatusOr<std::optional<CertificateInfo>> r = tls->ReloadIfChanged();
  if (r.ok() && !r->has_value()) return;
  obs->NoteTlsReload(r.ok());
  if (r.ok()) {
    LogCertificate("tls_reloaded", **r);
  } else {
    spdlog::warn(R"j("event":"tls_reload_failed","trigger":"file changed","error":{})j",
                 JsonString(std::string(r.status().message())));
  }
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ProeftuinServer::Impl::Credentials() {
  if (options.tls_cert.empty()) {
    if (!IsLoopback(options.listen)) {
      spdlog::warn(R"j("event":"plaintext","listen":{},"note":"serving without TLS on a non-loopback address, --allow-plaintext")j",
                   JsonString(options.listen));
    }
    return grpc::InsecureServerCredentials();
  }
  ASSIGN_OR_RETURN(tls, TlsIdentity::Create({options.tls_cert, options.tls_key, options.tls_client_ca},
                                            TlsStagingParent()));
  LogCertificate("tls", tls->current());
  return tls->Credentials();
}

absl::Status ProeftuinServer::Impl::BuildAndStart() {
  ASSIGN_OR_RETURN(auto creds, Credentials());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, creds, &port);
  builder.SetMaxReceiveMessageSize(4 << 20);
  builder.SetMaxSendMessageSize(16 << 20);
  for (grpc::Service* s : services->grpc_services()) builder.RegisterService(s);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(obs->rpcs()->NewInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  grpc_server = builder.BuildAndStart();
  if (grpc_server == nullptr || port == 0) {
    return absl::UnavailableError("--listen: cannot listen on " + options.listen);
  }
  grpc_server->GetHealthCheckService()->SetServingStatus(true);
  return absl::OkStatus();
}

absl::Status ProeftuinServer::Start() {
  Impl& d = *impl_;
  RETURN_IF_ERROR(ValidateOptions(d.options));
  LogConfig(d.options);
  std::error_code ec;
  std::filesystem::create_directories(d.options.data_dir, ec);
  if (ec) return absl::InvalidArgumentError("--data-dir: cannot create " + d.options.data_dir);
  d.obs = std::make_unique<Observability>(d.options.data_dir);
  // The decider states the store's writer serializes, for the command handler to find parsed;
  // the newest principal event, for the token cache.
  const StoreShared shared;
  eventstore::RocksStoreOptions so = StoreOptions(d.options, &shared);
  // The answers of a committed group log their lines in one write (json_log.h).
  so.before_acks = BeginLogBatch;
  so.after_acks = EndLogBatch;
  so.env = d.options.wrap_store_env ? d.options.wrap_store_env(d.obs->env()) : d.obs->env();
  ASSIGN_OR_RETURN(d.store, eventstore::RocksStore::Open(std::move(so)));
  if (!d.store->StartupCheck().ok) {
    spdlog::error(R"j("event":"chain_check_failed","first_bad_position":{},"problem":{})j",
                  d.store->StartupCheck().first_bad_position, JsonString(d.store->StartupCheck().problem));
  }
  d.services = MakeServices(d.store.get(), d.options.view_cache_mb << 20, &shared);
  RpcObserver* rpcs = d.obs->rpcs();
  d.services->guard->set_observer([rpcs](const grpc::ServerContextBase& ctx, std::string_view principal,
                                         const absl::Status& outcome) { rpcs->OnCheck(ctx, principal, outcome); });
  d.services->programme->set_call_observer([rpcs](const api::EndedCall& call) { rpcs->Ended(call); });
  d.services->events->set_sent_observer(
      [rpcs](const grpc::ServerContextBase& ctx, uint64_t position) { rpcs->OnSent(ctx, position); });
  RETURN_IF_ERROR(d.Bootstrap());
  RETURN_IF_ERROR(d.BuildAndStart());
  d.obs->Attach(d.store.get(), ProjectionNames(), d.tls.get());
  RETURN_IF_ERROR(d.obs->StartHttp(d.options.metrics_listen));
  d.health = std::thread([&d] { d.WatchHealth(); });
  spdlog::info(
      R"j("event":"start","pid":{},"listen":{},"port":{},"metrics_port":{},"data_dir":{},"tls":{},"mtls":{},"last_position":{},"chain_head":{},"store_id":"{}")j",
      ::getpid(), JsonString(d.options.listen), d.port, d.obs->http_port(),
      JsonString(d.options.data_dir), !d.options.tls_cert.empty(), !d.options.tls_client_ca.empty(),
      d.store->LastPosition(), JsonString(ChainHead(*d.store)), d.store->StoreId());
  return absl::OkStatus();
}

absl::Status ProeftuinServer::Reload() {
  Impl& d = *impl_;
  if (d.tls == nullptr) {
    spdlog::info(R"j("event":"reload","note":"no TLS configured: nothing to reload")j");
    return absl::OkStatus();
  }
  absl::StatusOr<CertificateInfo> r = d.tls->Reload();
  d.obs->NoteTlsReload(r.ok());
  if (!r.ok()) {
    spdlog::warn(R"j("event":"tls_reload_failed","trigger":"SIGHUP","error":{},"note":"still serving the previous certificate")j",
                 JsonString(std::string(r.status().message())));
    return r.status();
  }
  LogCertificate("tls_reloaded", *r);
  return absl::OkStatus();
}

void ProeftuinServer::Shutdown() {
  Impl& d = *impl_;
  if (d.stopping.exchange(true)) return;
  if (d.health.joinable()) d.health.join();
  if (d.obs != nullptr) d.obs->Stop();  // the metrics endpoint reads the store
  // A RebuildProjection call would hold gRPC's shutdown until its rebuild ends (on a large
  // store, past the service manager's stop timeout): it ends now, its projection unchanged.
  if (d.store != nullptr) d.store->StopRebuilds();
  if (d.grpc_server != nullptr) {
    d.services->Stop();  // ends command streams and subscriptions
    d.grpc_server->Shutdown(std::chrono::system_clock::now() +
                            std::chrono::seconds(d.options.shutdown_grace_seconds));
  }
  d.services.reset();
  if (d.store != nullptr) {
    uint64_t last = d.store->LastPosition();
    std::string head = ChainHead(*d.store);  // nothing appends any more
    d.store->Close();
    spdlog::info(R"j("event":"stop","last_position":{},"chain_head":{})j", last, JsonString(head));
  }
}

}  // namespace proeftuin::server
