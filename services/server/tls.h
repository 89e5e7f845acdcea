// TlsIdentity: proeftuind's TLS certificate and key (and the CA of client certificates, for
// mTLS), replaceable while the server runs.
//
// gRPC reads the key material through a FileWatcherCertificateProvider (refresh every second)
// from a private staging directory that only this class writes: <staging>/current is a symlink
// to a generation directory holding key.pem, cert.pem and ca.pem. Reload() reads the configured
// files, checks them (the certificate chain and the key parse, the key belongs to the
// certificate, the CA parses), writes a new generation and swaps the symlink atomically; new
// TLS connections get the new certificate within a second, connections already open keep
// theirs. Files that do not check out are refused (the error says why) and the server keeps
// serving the certificate it has, so a half-copied renewal never breaks the service.
//
// proeftuind calls Reload() on SIGHUP, and every --tls-reload-seconds when a configured file
// changed (for certificate renewals that send no signal).
//
// Thread-safety: thread-safe.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace proeftuin::server {

struct TlsFiles {
  std::string cert;       // PEM: the certificate chain, leaf first
  std::string key;        // PEM: its private key
  std::string client_ca;  // PEM, optional: clients may present a certificate it signed (mTLS)
};

// What the server presents: enough to check a rotation from the log and the metrics.
struct CertificateInfo {
  std::string subject;             // RFC 2253, e.g. "CN=proeftuin.gemeente.example"
  std::string sha256_fingerprint;  // hex of the DER certificate
  absl::Time not_after;
};

class TlsIdentity {
 public:
  // Stages the files under `staging_parent` (a new private directory in it, removed again by the
  // destructor). INVALID_ARGUMENT naming the flag when a file cannot be read or does not check
  // out; INTERNAL when the staging directory cannot be written.
  static absl::StatusOr<std::unique_ptr<TlsIdentity>> Create(TlsFiles files, const std::string& staging_parent);
  ~TlsIdentity();

  std::shared_ptr<grpc::ServerCredentials> Credentials() const { return credentials_; }

  // Reads, checks and stages the configured files again (unconditionally). On error nothing
  // changes and the error names the file and the problem.
  absl::StatusOr<CertificateInfo> Reload();
  // Reload() only when a configured file's contents changed since the last successful stage;
  // an empty optional when nothing changed.
  absl::StatusOr<std::optional<CertificateInfo>> ReloadIfChanged();

  CertificateInfo current() const;

  // Checks a certificate chain and key (and CA, when not empty) as Reload() does.
  static absl::StatusOr<CertificateInfo> Check(const std::string& cert_pem, const std::string& key_pem,
                                               const std::string& ca_pem);

 private:
  TlsIdentity(TlsFiles files, std::string staging);
  absl::StatusOr<CertificateInfo> StageLocked(const std::string& cert, const std::string& key,
                                              const std::string& ca) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TlsFiles files_;
  const std::string staging_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  mutable absl::Mutex mu_;
  int generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::string staged_contents_ ABSL_GUARDED_BY(mu_);  // the configured files as last staged
  CertificateInfo current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace proeftuin::server
