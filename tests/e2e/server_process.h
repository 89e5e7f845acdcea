// ServerProcess: the real proeftuind binary, started on a free loopback port with a temp data
// dir, for end-to-end tests; and small helpers to call it with a principal's token.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace proeftuin::e2e {

class ServerProcess {
 public:
  // `data_dir` is kept across Stop/Start (restart tests). Extra flags go to proeftuind.
  explicit ServerProcess(std::string data_dir, std::vector<std::string> extra_args = {});
  ~ServerProcess();

  // The binary Start() runs (default: ProeftuindPath()), e.g. the test build proeftuind_faulty.
  void set_binary(std::string path) { binary_ = std::move(path); }

  // Starts proeftuind and waits until it logged its port (fails the test otherwise).
  void Start();
  // Sends `signal` and waits; returns the exit status (as from waitpid).
  int Stop(int signal = 15);
  // Waits until the server exits by itself; returns the exit status (as from waitpid).
  int WaitForExit() { return Stop(0); }
  void Kill() { Stop(9); }
  bool running() const { return pid_ > 0; }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  // The administrator token written at first start.
  std::string AdminToken() const;
  // Everything the server wrote to stderr so far.
  std::string Log() const;
  // One channel per server run (shared by the test's stubs).
  std::shared_ptr<grpc::Channel> Channel();

 private:
  std::string data_dir_;
  std::string binary_;
  std::vector<std::string> extra_args_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

// A client context carrying "authorization: Bearer <token>" and a deadline.
std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token, int deadline_ms = 10000);

// The path of the proeftuind binary under test.
std::string ProeftuindPath();

}  // namespace proeftuin::e2e
