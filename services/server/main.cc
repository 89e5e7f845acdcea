// proeftuind: the Proeftuin gRPC server with its embedded event store.
//
//   proeftuind [--data-dir DIR] [--listen HOST:PORT] [--tls-cert F --tls-key F [--tls-client-ca F]]
//              [--allow-plaintext] [--rocksdb-memory-mb N] [--metrics-listen HOST:PORT] ...
//   proeftuind health [--server HOST:PORT] [--ca F | --tls]     (exit 0 when serving)
//   proeftuind recover-admin --reason TEXT [--data-dir DIR]      (lost admin token; server stopped)
//
// Every flag has an environment equivalent (PROEFTUIND_DATA_DIR, ...; ops/proeftuind.env.example
// lists them). SIGTERM / SIGINT: stop accepting, finish in-flight calls, close the store, exit 0.
// SIGHUP: reload the TLS certificate, key and client CA. Logs are JSON lines on stderr.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "absl/synchronization/mutex.h"
#include "server/health_probe.h"
#include "server/json_log.h"
#include "server/recover.h"
#include "server/server.h"
#ifdef PROEFTUIN_FAULT_INJECTION
#include "server/fault_control.h"
#endif

namespace {

// `proeftuind health`: probes a running server instead of starting one.
CLI::App* AddHealthCommand(CLI::App& app, proeftuin::server::HealthProbeOptions* h) {
  CLI::App* health = app.add_subcommand(
      "health", "Probe a running proeftuind (gRPC health): exit 0 when it serves");
  health->add_option("--server", h->server,
                     "HOST:PORT (default: the --listen address, a wildcard host as loopback)");
  health->add_option("--ca", h->ca, "CA certificate (PEM) to verify the server's TLS certificate")
      ->envname("PROEFTUIND_HEALTH_CA");
  health->add_flag("--tls", h->tls,
                   "Use TLS without verifying the certificate (default when --tls-cert is set)");
  health->add_option("--timeout", h->timeout_seconds, "Seconds to wait")->capture_default_str();
  return health;
}

// `proeftuind recover-admin`: a new administrator token, server stopped (docs/OPERATIONS.md).
CLI::App* AddRecoverCommand(CLI::App& app, proeftuin::server::RecoverAdminOptions* r) {
  CLI::App* recover = app.add_subcommand(
      "recover-admin",
      "Lost administrator token: with the server STOPPED, create a new administrator "
      "principal and write its token to a file (recorded in the trail)");
  recover->fallthrough();  // --data-dir and the other server flags may follow the subcommand
  recover->add_option("--reason", r->reason, "Why (stored in the trail)")->required();
  recover->add_option("--token-file", r->token_file,
                      "Where to write the token (default: <data dir>/admin-recovery-<time>.token)");
  return recover;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, which turns on the mutex deadlock detector: a global
  // graph of lock orders updated on every lock (~5% of the server's CPU under load). The tests
  // keep it; the server does without.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  proeftuin::server::ServerOptions o;
  CLI::App app{"proeftuind: the Proeftuin gRPC server with its embedded event store", "proeftuind"};
  app.add_option("--data-dir", o.data_dir, "Data directory of the store")
      ->envname("PROEFTUIND_DATA_DIR")
      ->capture_default_str();
  app.add_option("--listen", o.listen, "HOST:PORT to listen on")
      ->envname("PROEFTUIND_LISTEN")
      ->capture_default_str();
  app.add_option("--tls-cert", o.tls_cert, "Server certificate (PEM)")
      ->envname("PROEFTUIND_TLS_CERT");
  app.add_option("--tls-key", o.tls_key, "Server private key (PEM)")->envname("PROEFTUIND_TLS_KEY");
  app.add_option("--tls-client-ca", o.tls_client_ca, "CA for client certificates (mTLS)")
      ->envname("PROEFTUIND_TLS_CLIENT_CA");
  app.add_flag("--allow-plaintext", o.allow_plaintext,
               "Serve without TLS on a non-loopback address (behind a TLS-terminating proxy)")
      ->envname("PROEFTUIND_ALLOW_PLAINTEXT");
  app.add_option("--rocksdb-memory-mb", o.rocksdb_memory_mb,
                 "Memory budget for RocksDB caches and memtables")
      ->envname("PROEFTUIND_ROCKSDB_MEMORY_MB")
      ->capture_default_str();
  app.add_option("--view-cache-mb", o.view_cache_mb,
                 "Memory for assembled GetProgramme responses, served while a programme is unchanged (0: off)")
      ->envname("PROEFTUIND_VIEW_CACHE_MB")
      ->capture_default_str();
  app.add_option("--ack-spin-us", o.ack_spin_us,
                 "At low load, how long the store waits awake (spinning) for a lone command's "
                 "fsync, for a quicker answer at the cost of CPU (0: never)")
      ->envname("PROEFTUIND_ACK_SPIN_US")
      ->check(CLI::Range(int64_t{0}, int64_t{100'000}))
      ->capture_default_str();
  app.add_option("--writer-spin-us", o.writer_spin_us,
                 "At low load, how long the store's writer waits awake (spinning) for a lone "
                 "client's next command before it sleeps, for a quicker start at the cost of CPU "
                 "(0: never)")
      ->envname("PROEFTUIND_WRITER_SPIN_US")
      ->check(CLI::Range(int64_t{0}, int64_t{100'000}))
      ->capture_default_str();
  app.add_option("--shutdown-grace-seconds", o.shutdown_grace_seconds,
                 "How long SIGTERM waits for in-flight calls")
      ->envname("PROEFTUIND_SHUTDOWN_GRACE_SECONDS")
      ->capture_default_str();
  app.add_option("--metrics-listen", o.metrics_listen,
                 "HOST:PORT for Prometheus metrics at /metrics (empty: off)")
      ->envname("PROEFTUIND_METRICS_LISTEN");
  app.add_option("--tls-reload-seconds", o.tls_reload_seconds,
                 "Check the TLS files for a change this often (0: only on SIGHUP)")
      ->envname("PROEFTUIND_TLS_RELOAD_SECONDS")
      ->capture_default_str();
  app.set_version_flag("--version", PROEFTUIN_VERSION);
  proeftuin::server::HealthProbeOptions probe;
  CLI::App* health = AddHealthCommand(app, &probe);
  proeftuin::server::RecoverAdminOptions recovery;
  CLI::App* recover = AddRecoverCommand(app, &recovery);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (naming the flag); --help and --version exit 0, every flag error
    // exits 2 as the checks after parsing do (CLI11's own codes, 104, 105, ..., would differ by
    // the kind of error).
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (health->parsed()) {
    if (health->count("--server") == 0) probe.server = proeftuin::server::ProbeAddress(o.listen);
    if (!o.tls_cert.empty() && probe.ca.empty()) probe.tls = true;
    return proeftuin::server::ProbeHealth(probe);
  }
  if (recover->parsed()) {
    recovery.data_dir = o.data_dir;
    absl::StatusOr<std::string> file = proeftuin::server::RecoverAdmin(recovery);
    if (!file.ok()) {
      std::fprintf(stderr, "proeftuind recover-admin: %s\n",
                   std::string(file.status().message()).c_str());
      return file.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
    }
    std::printf(
        "new administrator token written to %s (mode 0600); revoke the lost one:\n"
        "  proeftuin --token-file %s admin principal list\n",
        file->c_str(), file->c_str());
    return 0;
  }
  proeftuin::server::SetUpJsonLogging();

  // Block the signals before any thread starts, so that only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

#ifdef PROEFTUIN_FAULT_INJECTION
  // The test build proeftuind_faulty: faults injected through <data-dir>/fault-control.
  proeftuin::server::FaultControl faults(o.data_dir);
  o.wrap_store_env = [&faults](rocksdb::Env* base) { return faults.Wrap(base); };
#endif
  proeftuin::server::ProeftuinServer server(o);
  if (absl::Status s = server.Start(); !s.ok()) {
    spdlog::error(R"j("event":"start_failed","error":{})j",
                  proeftuin::server::JsonString(std::string(s.message())));
    std::fprintf(stderr, "proeftuind: %s\n", std::string(s.message()).c_str());
    return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      spdlog::info(R"j("event":"signal","signal":"SIGHUP")j");
      (void)server.Reload();  // logs the outcome; a failed reload keeps the old certificate
      continue;
    }
    spdlog::info(R"j("event":"signal","signal":"{}")j", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  server.Shutdown();
  return 0;
}
