#include "e2e/pki.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace proeftuin::e2e {

Output RunCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  Output o;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) o.out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return o;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Pki::Pki(std::string dir) : dir_(std::move(dir)) { std::filesystem::create_directories(dir_); }

void Pki::Ca(const std::string& name) {
  Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
           "-subj", "/CN=" + name, "-keyout", Key(name), "-out", Pem(name)});
}

void Pki::Leaf(const std::string& name, const std::string& ca, const std::string& subject, const std::string& san) {
  const std::string csr = dir_ + "/" + name + ".csr", ext = dir_ + "/" + name + ".ext";
  Openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", subject,
           "-keyout", Key(name), "-out", csr});
  std::vector<std::string> sign = {"x509", "-req", "-in", csr, "-CA", Pem(ca), "-CAkey", Key(ca),
                                   "-CAcreateserial", "-days", "2", "-out", Pem(name)};
  if (!san.empty()) {
    std::ofstream(ext) << "subjectAltName=" << san << "\n";
    sign.insert(sign.end(), {"-extfile", ext});
  }
  Openssl(sign);
}

std::string Pki::Fingerprint(const std::string& name) {
  Output o = RunCommand({"openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", Pem(name)});
  std::string hex;
  for (char c : o.out.substr(o.out.find('=') + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(c));
  }
  return hex;
}

std::string Pki::Rfc2253Subject(const std::string& name) {
  Output o = RunCommand({"openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", Pem(name)});
  EXPECT_EQ(o.exit_code, 0) << o.out;
  std::string line = o.out.substr(0, o.out.find('\n'));
  return line.rfind("subject=", 0) == 0 ? line.substr(8) : line;
}

std::shared_ptr<grpc::Channel> Pki::Channel(int port, const std::string& ca, const std::string& client) const {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadWholeFile(Pem(ca));
  if (!client.empty()) {
    ssl.pem_private_key = ReadWholeFile(Key(client));
    ssl.pem_cert_chain = ReadWholeFile(Pem(client));
  }
  grpc::ChannelArguments args;
  args.SetInt("grpc.use_local_subchannel_pool", 1);  // never share a connection between channels
  return grpc::CreateCustomChannel("localhost:" + std::to_string(port), grpc::SslCredentials(ssl), args);
}

void Pki::Openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  Output o = RunCommand(args);
  ASSERT_EQ(o.exit_code, 0) << o.out;
}

}  // namespace proeftuin::e2e
