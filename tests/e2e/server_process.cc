#include "e2e/server_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace proeftuin::e2e {

std::string ProeftuindPath() { return PROEFTUIND_BINARY; }

ServerProcess::ServerProcess(std::string data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)),
      binary_(ProeftuindPath()),
      extra_args_(std::move(extra_args)),
      log_path_(data_dir_ + ".log") {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(SIGKILL);
}

void ServerProcess::Start() {
  std::vector<std::string> args = {binary_, "--data-dir", data_dir_, "--listen", "127.0.0.1:0", "--shutdown-grace-seconds", "1"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::ofstream(log_path_, std::ios::trunc).close();
  size_t log_start = 0;
  pid_ = fork();
  ASSERT_GE(pid_, 0);
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    int fd = open(log_path_.c_str(), O_WRONLY | O_APPEND);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::regex port_re("\"event\":\"start\".*\"port\":([0-9]+)");
  for (int i = 0; i < 600; ++i) {
    std::string log = Log().substr(log_start);
    std::smatch m;
    if (std::regex_search(log, m, port_re)) {
      port_ = std::stoi(m[1]);
      channel_ = nullptr;
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL() << "proeftuind exited during start: " << log;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "proeftuind did not start in 30 s: " << Log();
}

int ServerProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

std::string ServerProcess::AdminToken() const {
  std::ifstream in(data_dir_ + "/admin.token");
  std::string token;
  in >> token;
  return token;
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::shared_ptr<grpc::Channel> ServerProcess::Channel() {
  if (channel_ == nullptr) channel_ = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
  return channel_;
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token, int deadline_ms) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
  return ctx;
}

}  // namespace proeftuin::e2e
