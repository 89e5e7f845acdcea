// A proeftuind process for views_bench: started on a free loopback port with a data dir, timed
// from fork/exec until gRPC health answers SERVING, stopped with a signal.
//
// Thread-safety: a Daemon is used from one thread; NewChannel may be called from any.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>

namespace proeftuin::views::bench {

// The proeftuind binary built with views_bench.
std::string ProeftuindPath();

class Daemon {
 public:
  // Logs (stderr) are appended to `log_path`.
  Daemon(std::string data_dir, std::string log_path);
  ~Daemon();  // SIGKILL when still running

  // Starts proeftuind with its defaults on a free port, then asks grpc.health.v1.Health/Check
  // every `poll_ms` (each time on a new connection, so gRPC's reconnect backoff never delays
  // it) until it answers SERVING. Returns the seconds from just before fork() to that answer.
  // Exits the program when proeftuind exits or does not serve within `timeout_s`.
  double StartTimed(int poll_ms = 2, double timeout_s = 600);
  // Sends `signal` and waits; returns the wait status (0 for a clean exit).
  int Stop(int signal);
  bool running() const { return pid_ > 0; }
  // CPU seconds (user + system) the running proeftuind has used so far; -1 when unknown.
  double CpuSeconds() const;
  // Resident memory of the running proeftuind in MB (VmRSS); -1 when unknown.
  double RssMb() const;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // A channel with its own connection (never shared with another channel).
  std::shared_ptr<grpc::Channel> NewChannel() const;

 private:
  std::string data_dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace proeftuin::views::bench
