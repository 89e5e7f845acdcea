// `proeftuind health`: asks a running proeftuind whether it serves (grpc.health.v1.Health/Check
// for the whole server), for container HEALTHCHECKs, systemd ExecStartPost and scripts.
// Exit codes as the CLI's (docs/CLI.md): 0 serving, 1 not serving (the store cannot write),
// 3 unreachable.
//
// Thread-safety: a plain function.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace proeftuin::server {

struct HealthProbeOptions {
  std::string server = "127.0.0.1:50051";
  std::string ca;    // PEM file: TLS, verifying the server against this CA
  bool tls = false;  // TLS without verifying the certificate (a local liveness probe sends no secret)
  int timeout_seconds = 5;
};

// The address to probe for a --listen address: a wildcard host becomes the loopback.
std::string ProbeAddress(const std::string& listen);

// One grpc.health.v1.Health/Check of the whole server over `channel` (fail fast, no retries):
// true when SERVING, false when NOT_SERVING (or an unknown status); the RPC's error otherwise
// (UNAVAILABLE while nothing listens, DEADLINE_EXCEEDED after `timeout`).
absl::StatusOr<bool> CheckServing(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout);

// Prints one line ("SERVING", "NOT_SERVING", or the error) to stdout and returns the exit code.
int ProbeHealth(const HealthProbeOptions& o);

}  // namespace proeftuin::server
