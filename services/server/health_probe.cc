#include "server/health_probe.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "lib/health_check.h"

namespace proeftuin::server {
namespace {

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const HealthProbeOptions& o, std::string* error) {
  if (!o.ca.empty()) {
    std::ifstream in(o.ca);
    if (!in) {
      *error = "--ca: cannot read " + o.ca;
      return nullptr;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ss.str();
    return grpc::SslCredentials(ssl);
  }
  if (!o.tls) return grpc::InsecureChannelCredentials();
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_verify_server_certs(false);
  tls.set_check_call_host(false);
  tls.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  return grpc::experimental::TlsCredentials(tls);
}

// HealthCheckResponse.status (field 1, varint) from its wire bytes; 0 (UNKNOWN) if absent.
int StatusOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return 0;
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  if (bytes.size() >= 2 && bytes[0] == 0x08) return static_cast<unsigned char>(bytes[1]) & 0x7F;
  return 0;
}

}  // namespace

std::string ProbeAddress(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return listen;
  std::string host = listen.substr(0, colon);
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") host = "127.0.0.1";
  return host + listen.substr(colon);
}

absl::StatusOr<bool> CheckServing(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::ByteBuffer response;
  grpc::Status status = clients::HealthCheck(stub, &ctx, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  return StatusOf(response) == 1;  // SERVING
}

int ProbeHealth(const HealthProbeOptions& o) {
  std::string error;
  auto creds = ChannelCredentials(o, &error);
  if (creds == nullptr) {
    std::printf("%s\n", error.c_str());
    return 3;
  }
  absl::StatusOr<bool> serving = CheckServing(grpc::CreateChannel(o.server, creds), absl::Seconds(o.timeout_seconds));
  if (!serving.ok()) {
    std::printf("unreachable: %s (%d)\n", std::string(serving.status().message()).c_str(),
                static_cast<int>(serving.status().code()));
    return 3;
  }
  std::printf("%s\n", *serving ? "SERVING" : "NOT_SERVING");
  return *serving ? 0 : 1;
}

}  // namespace proeftuin::server
