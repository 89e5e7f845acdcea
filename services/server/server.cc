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
#include <sstream>

#include "api/admin_service.h"
#include "api/event_service.h"
#include "api/programme_service.h"
#include "app/command_handler.h"
#include "app/decider_projection.h"
#include "app/principals.h"
#include "eventstore/rocks_store.h"
#include "eventstore/status_macros.h"
#include "server/wiring.h"

namespace proeftuin::server {
namespace {

bool IsLoopback(const std::string& listen) {
  std::string host = listen.substr(0, listen.rfind(':'));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

absl::StatusOr<std::string> ReadFile(const std::string& path, const std::string& flag) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(flag + ": cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerOptions& o) {
  if (o.tls_cert.empty()) {
    if (!IsLoopback(o.listen)) {
      spdlog::warn(R"j("event":"plaintext","listen":"{}","note":"serving without TLS on a non-loopback address, --allow-plaintext")j",
                   o.listen);
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl;
  ASSIGN_OR_RETURN(std::string cert, ReadFile(o.tls_cert, "--tls-cert"));
  ASSIGN_OR_RETURN(std::string key, ReadFile(o.tls_key, "--tls-key"));
  ssl.pem_key_cert_pairs.push_back({key, cert});
  if (!o.tls_client_ca.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(o.tls_client_ca, "--tls-client-ca"));
    // A client certificate is optional (tokens work too) but verified when sent.
    ssl.client_certificate_request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

absl::Status WriteAdminToken(const std::string& dir, const std::string& token) {
  std::string path = dir + "/admin.token";
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError("cannot write " + path);
  std::string line = token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok &= ::fsync(fd) == 0;
  ::close(fd);
  return ok ? absl::OkStatus() : absl::InternalError("cannot write " + path);
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
  if (o.rocksdb_memory_mb < 16) return absl::InvalidArgumentError("--rocksdb-memory-mb: at least 16");
  return absl::OkStatus();
}

struct ProeftuinServer::Impl {
  ServerOptions options;
  std::unique_ptr<eventstore::RocksStore> store;
  std::unique_ptr<Services> services;
  std::unique_ptr<grpc::Server> grpc_server;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::thread health;

  absl::Status Bootstrap();
  void WatchHealth();
};

ProeftuinServer::ProeftuinServer(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

ProeftuinServer::~ProeftuinServer() { Shutdown(); }

int ProeftuinServer::port() const { return impl_->port; }

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
  RETURN_IF_ERROR(WriteAdminToken(options.data_dir, created.token()));
  spdlog::info(R"("event":"bootstrap","principal":"admin","token_file":"{}/admin.token")", options.data_dir);
  return absl::OkStatus();
}

void ProeftuinServer::Impl::WatchHealth() {
  bool last = true;
  while (!stopping.load()) {
    bool serving = store->WriteHealth().ok();
    if (serving != last) {
      grpc_server->GetHealthCheckService()->SetServingStatus(serving);
      spdlog::warn(R"("event":"health","serving":{},"reason":"{}")", serving,
                   serving ? "" : std::string(store->WriteHealth().message()));
      last = serving;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

absl::Status ProeftuinServer::Start() {
  Impl& d = *impl_;
  RETURN_IF_ERROR(ValidateOptions(d.options));
  std::error_code ec;
  std::filesystem::create_directories(d.options.data_dir, ec);
  if (ec) return absl::InvalidArgumentError("--data-dir: cannot create " + d.options.data_dir);
  eventstore::RocksStoreOptions so = StoreOptions(d.options);
  ASSIGN_OR_RETURN(d.store, eventstore::RocksStore::Open(std::move(so)));
  if (!d.store->StartupCheck().ok) {
    spdlog::error(R"("event":"chain_check_failed","first_bad_position":{},"problem":"{}")",
                  d.store->StartupCheck().first_bad_position, d.store->StartupCheck().problem);
  }
  d.services = MakeServices(d.store.get());
  RETURN_IF_ERROR(d.Bootstrap());
  ASSIGN_OR_RETURN(auto creds, Credentials(d.options));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(d.options.listen, creds, &d.port);
  builder.SetMaxReceiveMessageSize(4 << 20);
  builder.SetMaxSendMessageSize(16 << 20);
  for (grpc::Service* s : d.services->grpc_services()) builder.RegisterService(s);
  d.grpc_server = builder.BuildAndStart();
  if (d.grpc_server == nullptr || d.port == 0) {
    return absl::UnavailableError("--listen: cannot listen on " + d.options.listen);
  }
  d.grpc_server->GetHealthCheckService()->SetServingStatus(true);
  d.health = std::thread([&d] { d.WatchHealth(); });
  spdlog::info(R"("event":"start","listen":"{}","port":{},"data_dir":"{}","tls":{},"mtls":{},"last_position":{},"store_id":"{}")",
               d.options.listen, d.port, d.options.data_dir, !d.options.tls_cert.empty(),
               !d.options.tls_client_ca.empty(), d.store->LastPosition(), d.store->StoreId());
  return absl::OkStatus();
}

void ProeftuinServer::Shutdown() {
  Impl& d = *impl_;
  if (d.stopping.exchange(true)) return;
  if (d.health.joinable()) d.health.join();
  if (d.grpc_server != nullptr) {
    d.services->Stop();  // ends subscriptions
    d.grpc_server->Shutdown(std::chrono::system_clock::now() +
                            std::chrono::seconds(d.options.shutdown_grace_seconds));
  }
  d.services.reset();
  if (d.store != nullptr) {
    uint64_t last = d.store->LastPosition();
    d.store->Close();
    spdlog::info(R"("event":"stop","last_position":{})", last);
  }
}

}  // namespace proeftuin::server
