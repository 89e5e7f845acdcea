#include "views/bench/daemon.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <vector>

#include "bench/workload.h"
#include "server/health_probe.h"
#include "views/bench/bench_common.h"

namespace proeftuin::views::bench {
namespace {

// A loopback port nothing listens on now (the kernel's choice for port 0).
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Die("no free loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

std::string ProeftuindPath() { return PROEFTUIND_BINARY; }

Daemon::Daemon(std::string data_dir, std::string log_path)
    : data_dir_(std::move(data_dir)), log_path_(std::move(log_path)) {}

Daemon::~Daemon() {
  if (pid_ > 0) Stop(SIGKILL);
}

double Daemon::StartTimed(int poll_ms, double timeout_s) {
  port_ = FreeLoopbackPort();
  std::vector<std::string> args = {ProeftuindPath(), "--data-dir", data_dir_, "--listen", address()};
  const auto start = Clock::now();
  pid_ = fork();
  if (pid_ < 0) Die("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the benchmark
    int fd = open(log_path_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  for (;;) {
    absl::StatusOr<bool> serving = server::CheckServing(NewChannel(), absl::Seconds(1));
    if (serving.ok() && *serving) return Since(start);
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      Die("proeftuind exited during start (status " + std::to_string(status) + "); see " + log_path_);
    }
    if (Since(start) > timeout_s) Die("proeftuind did not serve within " + std::to_string(timeout_s) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
}

int Daemon::Stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

double Daemon::CpuSeconds() const { return eventstore::bench::ProcessCpuSeconds(pid_); }

double Daemon::RssMb() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; pid_ > 0 && std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;  // "VmRSS:  1234 kB"
  }
  return -1;
}

std::shared_ptr<grpc::Channel> Daemon::NewChannel() const {
  grpc::ChannelArguments args;
  args.SetInt("grpc.use_local_subchannel_pool", 1);
  return grpc::CreateCustomChannel(address(), grpc::InsecureChannelCredentials(), args);
}

}  // namespace proeftuin::views::bench
