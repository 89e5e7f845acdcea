// proeftuind: the Proeftuin gRPC server with its embedded event store.
//
//   proeftuind [--data-dir DIR] [--listen HOST:PORT] [--tls-cert F --tls-key F [--tls-client-ca F]]
//              [--allow-plaintext] [--rocksdb-memory-mb N]
//
// Every flag has an environment equivalent (PROEFTUIND_DATA_DIR, ...). SIGTERM / SIGINT: stop
// accepting, finish in-flight calls, close the store, exit 0. Logs are JSON lines on stderr.
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "server/server.h"

namespace {

void SetUpLogging() {
  auto logger = spdlog::stderr_logger_mt("proeftuind");
  logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace

int main(int argc, char** argv) {
  proeftuin::server::ServerOptions o;
  CLI::App app{"proeftuind: the Proeftuin gRPC server with its embedded event store", "proeftuind"};
  app.add_option("--data-dir", o.data_dir, "Data directory of the store")->envname("PROEFTUIND_DATA_DIR")->capture_default_str();
  app.add_option("--listen", o.listen, "HOST:PORT to listen on")->envname("PROEFTUIND_LISTEN")->capture_default_str();
  app.add_option("--tls-cert", o.tls_cert, "Server certificate (PEM)")->envname("PROEFTUIND_TLS_CERT");
  app.add_option("--tls-key", o.tls_key, "Server private key (PEM)")->envname("PROEFTUIND_TLS_KEY");
  app.add_option("--tls-client-ca", o.tls_client_ca, "CA for client certificates (mTLS)")->envname("PROEFTUIND_TLS_CLIENT_CA");
  app.add_flag("--allow-plaintext", o.allow_plaintext,
               "Serve without TLS on a non-loopback address (behind a TLS-terminating proxy)")
      ->envname("PROEFTUIND_ALLOW_PLAINTEXT");
  app.add_option("--rocksdb-memory-mb", o.rocksdb_memory_mb, "Memory budget for RocksDB caches and memtables")
      ->envname("PROEFTUIND_ROCKSDB_MEMORY_MB")->capture_default_str();
  app.add_option("--shutdown-grace-seconds", o.shutdown_grace_seconds, "How long SIGTERM waits for in-flight calls")
      ->envname("PROEFTUIND_SHUTDOWN_GRACE_SECONDS")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  SetUpLogging();

  // Block the signals before any thread starts, so that only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  proeftuin::server::ProeftuinServer server(o);
  if (absl::Status s = server.Start(); !s.ok()) {
    spdlog::error(R"("event":"start_failed","error":"{}")", std::string(s.message()));
    std::fprintf(stderr, "proeftuind: %s\n", std::string(s.message()).c_str());
    return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      spdlog::info(R"("event":"sighup","note":"nothing to reload yet")");
      continue;
    }
    spdlog::info(R"("event":"signal","signal":"{}")", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  server.Shutdown();
  return 0;
}
