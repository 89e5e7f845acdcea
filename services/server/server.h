// ProeftuinServer: the store, the application layer and the gRPC services of proeftuind, wired
// together. main.cc parses flags and signals; tests can run a server in-process.
//
// Thread-safety: Start, Shutdown and Wait from one thread; the rest is internal.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace proeftuin::server {

struct ServerOptions {
  std::string data_dir = "./var/data";
  std::string listen = "127.0.0.1:50051";
  std::string tls_cert;       // PEM file; with tls_key: TLS
  std::string tls_key;        // PEM file
  std::string tls_client_ca;  // PEM file; clients may then authenticate by certificate (mTLS)
  bool allow_plaintext = false;  // non-loopback without TLS (behind a TLS-terminating proxy)
  size_t rocksdb_memory_mb = 128;  // block cache + memtables
  size_t view_cache_mb = 16;       // assembled GetProgramme responses (0: off)
  // At low load the store's acknowledger waits for a lone command's fsync spinning, at most
  // this long (0: never; docs/DESIGN.md "Acknowledger at low load").
  int64_t ack_spin_us = 2000;
  // At low load the store's writer waits for a lone client's next command spinning, at most
  // this long, before it sleeps (0: never; docs/DESIGN.md "Writer at low load").
  int64_t writer_spin_us = 1000;
  // How long SIGTERM lets in-flight calls deliver their answers. gRPC's Shutdown waits this
  // long whenever clients keep connections open, so keep it short; appends already handed to
  // the store finish regardless.
  int shutdown_grace_seconds = 2;
  // HOST:PORT of the Prometheus endpoint (/metrics); empty: none.
  std::string metrics_listen;
  // How often the TLS files are checked for a change (0: only on SIGHUP / Reload()).
  int tls_reload_seconds = 300;
  // Test builds only: wraps the Env the store writes through (given the fsync-timing one), e.g.
  // to put a fault-injecting file system under the store (proeftuind_faulty). Unset: no wrapper.
  std::function<rocksdb::Env*(rocksdb::Env* base)> wrap_store_env;
};

// INVALID_ARGUMENT naming the flag when options are inconsistent (e.g. a non-loopback listen
// address without TLS or --allow-plaintext, a key without a certificate, a missing file).
absl::Status ValidateOptions(const ServerOptions& o);

class ProeftuinServer {
 public:
  explicit ProeftuinServer(ServerOptions options);
  ~ProeftuinServer();

  // Opens the store (creating it and an administrator on first start), starts listening.
  absl::Status Start();
  // The port actually bound (when listen asked for port 0).
  int port() const;
  // The port of the metrics endpoint (0 when there is none).
  int metrics_port() const;
  // SIGHUP: reloads the TLS certificate, key and client CA from their files (a no-op without
  // TLS). On error the server keeps serving the certificate it has; the error says why.
  absl::Status Reload();
  // Stops accepting, finishes in-flight calls (appends complete), closes the store.
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace proeftuin::server
