#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "bench/bench.h"
#include "lib/command_client.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"

namespace proeftuin::bench {
namespace {

std::string ReadFile(const std::string& path, const char* flag) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "proeftuin-bench: %s: cannot read %s\n", flag, path.c_str());
    std::exit(2);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  const char* space = " \t\r\n";
  s.erase(s.find_last_not_of(space) + 1);
  s.erase(0, s.find_first_not_of(space));
  return s;
}

}  // namespace

Server::Server(const Options& options) {
  admin_token_ = Trim(ReadFile(options.token_file, "--token-file"));
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (!options.ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(options.ca, "--ca");
    creds = grpc::SslCredentials(ssl);
  }
  for (int i = 0; i < std::max(1, options.channels); ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // its own TCP connection
    args.SetMaxReceiveMessageSize(64 << 20);
    channels_.push_back(grpc::CreateCustomChannel(options.server, creds, args));
  }
}

std::unique_ptr<grpc::ClientContext> Server::Context(const std::string& token) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->AddMetadata("proeftuin-application", "proeftuin-bench");
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return ctx;
}

v1::GetStatisticsResponse Server::Statistics() const {
  auto admin = v1::AdminService::NewStub(shared_channel(0));
  v1::GetStatisticsResponse stats;
  auto ctx = Context(admin_token_);
  grpc::Status s = admin->GetStatistics(ctx.get(), {}, &stats);
  if (!s.ok()) Fail("AdminService.GetStatistics", s, *ctx);
  return stats;
}

void ReportFailure(const std::string& what, const grpc::Status& status, const grpc::ClientContext& ctx) {
  static std::mutex mu;
  std::string rule;
  const auto& trailers = ctx.GetServerTrailingMetadata();
  if (auto it = trailers.find("proeftuin-rule"); it != trailers.end()) {
    rule = " (rule " + std::string(it->second.data(), it->second.size()) + ")";
  }
  std::lock_guard<std::mutex> l(mu);
  std::fprintf(stderr, "proeftuin-bench: %s failed: %s %s%s\n", what.c_str(),
               clients::StatusCodeName(status.error_code()).c_str(), status.error_message().c_str(), rule.c_str());
}

void Fail(const std::string& what, const grpc::Status& status, const grpc::ClientContext& ctx) {
  ReportFailure(what, status, ctx);
  std::fflush(stdout);
  std::exit(1);
}

}  // namespace proeftuin::bench
