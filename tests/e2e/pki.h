// A throwaway PKI for TLS tests, made with the openssl CLI: CAs and the certificates they sign
// (EC P-256, valid two days), and gRPC channels that trust a CA and may present a client
// certificate. Also RunCommand, for the tests that run other programs.
//
// Thread-safety: none; one test uses one Pki.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace proeftuin::e2e {

struct Output {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};
// Runs argv[0] (found on PATH) with the arguments; `env` entries are added to (or replace in)
// the environment.
Output RunCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

// The whole file, or "" when it cannot be read.
std::string ReadWholeFile(const std::string& path);

// Writes <dir>/<name>.pem and <dir>/<name>.key. Failures of openssl fail the test.
class Pki {
 public:
  static constexpr char kLoopbackSan[] = "DNS:localhost,IP:127.0.0.1";

  explicit Pki(std::string dir);

  // A self-signed CA with subject "/CN=<name>".
  void Ca(const std::string& name);
  // A certificate signed by `ca` with `subject` (OpenSSL form, "/O=Gemeente/CN=zaaksysteem")
  // and the subjectAltName `san` ("" for none).
  void Leaf(const std::string& name, const std::string& ca, const std::string& subject,
            const std::string& san = kLoopbackSan);
  // SHA-256 of the DER certificate, lowercase hex (as proeftuind logs it).
  std::string Fingerprint(const std::string& name);
  // The subject as RFC 2253 ("CN=zaaksysteem,O=Gemeente"), as openssl prints it.
  std::string Rfc2253Subject(const std::string& name);

  std::string Pem(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
  std::string Key(const std::string& name) const { return dir_ + "/" + name + ".key"; }

  // A new channel (its own connection) to localhost:<port> that trusts only `ca`, presenting
  // certificate `client` when not empty.
  std::shared_ptr<grpc::Channel> Channel(int port, const std::string& ca, const std::string& client = "") const;

 private:
  void Openssl(std::vector<std::string> args);
  std::string dir_;
};

}  // namespace proeftuin::e2e
