#include "server/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace proeftuin::server {
namespace {

namespace fs = std::filesystem;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

Bio MemoryBio(const std::string& pem) { return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); }

absl::StatusOr<std::string> ReadFile(const std::string& path, const std::string& flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(flag + ": cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Subject(X509* cert) {
  Bio out(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(out.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

std::string Fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  std::string hex;
  static const char* kDigits = "0123456789abcdef";
  for (unsigned int i = 0; i < n; ++i) {
    hex += kDigits[md[i] >> 4];
    hex += kDigits[md[i] & 0xF];
  }
  return hex;
}

absl::Time NotAfter(X509* cert) {
  struct tm tm = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return absl::InfinitePast();
  return absl::FromTimeT(timegm(&tm));
}

absl::Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return absl::InternalError("cannot write " + path);
  ::chmod(path.c_str(), 0600);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CertificateInfo> TlsIdentity::Check(const std::string& cert_pem, const std::string& key_pem,
                                                   const std::string& ca_pem) {
  Cert leaf(PEM_read_bio_X509(MemoryBio(cert_pem).get(), nullptr, nullptr, nullptr));
  Key key(PEM_read_bio_PrivateKey(MemoryBio(key_pem).get(), nullptr, nullptr, const_cast<char*>("")));
  absl::Status s;
  if (leaf == nullptr) {
    s = absl::InvalidArgumentError("--tls-cert: no PEM certificate in the file");
  } else if (key == nullptr) {
    s = absl::InvalidArgumentError("--tls-key: no unencrypted PEM private key in the file");
  } else if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    s = absl::InvalidArgumentError("--tls-key: the key does not belong to the certificate of --tls-cert");
  } else if (!ca_pem.empty() && Cert(PEM_read_bio_X509(MemoryBio(ca_pem).get(), nullptr, nullptr, nullptr)) == nullptr) {
    s = absl::InvalidArgumentError("--tls-client-ca: no PEM certificate in the file");
  }
  ERR_clear_error();
  if (!s.ok()) return s;
  return CertificateInfo{Subject(leaf.get()), Fingerprint(leaf.get()), NotAfter(leaf.get())};
}

TlsIdentity::TlsIdentity(TlsFiles files, std::string staging) : files_(std::move(files)), staging_(std::move(staging)) {}

TlsIdentity::~TlsIdentity() {
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

absl::StatusOr<std::unique_ptr<TlsIdentity>> TlsIdentity::Create(TlsFiles files, const std::string& staging_parent) {
  std::string tmpl = (fs::path(staging_parent) / "proeftuind-tls-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError("cannot create a private directory for TLS files in " + staging_parent);
  }
  std::unique_ptr<TlsIdentity> id(new TlsIdentity(std::move(files), tmpl));
  if (absl::StatusOr<CertificateInfo> first = id->Reload(); !first.ok()) return first.status();
  std::string current = id->staging_ + "/current/";
  bool mtls = !id->files_.client_ca.empty();
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      current + "key.pem", current + "cert.pem", mtls ? current + "ca.pem" : "", 1);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (mtls) {
    options.watch_root_certs();
    // A client certificate is optional (tokens work too) but verified when sent.
    options.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  id->credentials_ = grpc::experimental::TlsServerCredentials(options);
  return id;
}

absl::StatusOr<CertificateInfo> TlsIdentity::Reload() {
  absl::StatusOr<std::string> cert = ReadFile(files_.cert, "--tls-cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(files_.key, "--tls-key");
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> ca = files_.client_ca.empty() ? "" : ReadFile(files_.client_ca, "--tls-client-ca");
  if (!ca.ok()) return ca.status();
  absl::MutexLock l(&mu_);
  return StageLocked(*cert, *key, *ca);
}

absl::StatusOr<std::optional<CertificateInfo>> TlsIdentity::ReloadIfChanged() {
  absl::StatusOr<std::string> cert = ReadFile(files_.cert, "--tls-cert");
  absl::StatusOr<std::string> key = ReadFile(files_.key, "--tls-key");
  absl::StatusOr<std::string> ca = files_.client_ca.empty() ? "" : ReadFile(files_.client_ca, "--tls-client-ca");
  for (const auto* s : {&cert, &key, &ca}) {
    if (!s->ok()) return s->status();
  }
  absl::MutexLock l(&mu_);
  if (*cert + '\0' + *key + '\0' + *ca == staged_contents_) return std::optional<CertificateInfo>();
  absl::StatusOr<CertificateInfo> info = StageLocked(*cert, *key, *ca);
  if (!info.ok()) return info.status();
  return std::optional<CertificateInfo>(*info);
}

absl::StatusOr<CertificateInfo> TlsIdentity::StageLocked(const std::string& cert, const std::string& key,
                                                         const std::string& ca) {
  absl::StatusOr<CertificateInfo> info = Check(cert, key, ca);
  if (!info.ok()) return info.status();
  int next = generation_ + 1;
  std::string dir = staging_ + "/gen-" + std::to_string(next);
  std::error_code ec;
  fs::create_directory(dir, ec);
  if (ec) return absl::InternalError("cannot create " + dir + ": " + ec.message());
  for (const auto& [name, data] : {std::pair{"cert.pem", &cert}, {"key.pem", &key}, {"ca.pem", &ca}}) {
    if (absl::Status s = WriteFile(dir + "/" + name, *data); !s.ok()) return s;
  }
  // Swap atomically: gRPC's reader re-reads when a file changed under it, so it never mixes
  // a key of one generation with a certificate of another.
  std::string link = staging_ + "/current.new";
  fs::remove(link, ec);
  fs::create_directory_symlink("gen-" + std::to_string(next), link, ec);
  if (!ec) fs::rename(link, staging_ + "/current", ec);
  if (ec) return absl::InternalError("cannot switch " + staging_ + "/current: " + ec.message());
  fs::remove_all(staging_ + "/gen-" + std::to_string(next - 2), ec);
  generation_ = next;
  staged_contents_ = cert + '\0' + key + '\0' + ca;
  current_ = *info;
  return info;
}

CertificateInfo TlsIdentity::current() const {
  absl::MutexLock l(&mu_);
  return current_;
}

}  // namespace proeftuin::server
