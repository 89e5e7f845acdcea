#include "api/status.h"

namespace proeftuin::api {

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

std::string RuleIdOf(std::string_view message) {
  if (message.rfind("PT-", 0) != 0) return "";
  size_t end = 3;
  while (end < message.size() && ((message[end] >= 'A' && message[end] <= 'Z') ||
                                   (message[end] >= '0' && message[end] <= '9') || message[end] == '-')) {
    ++end;
  }
  return std::string(message.substr(0, end));
}

grpc::Status Finish(grpc::ServerContextBase* ctx, const absl::Status& s) {
  std::string rule = RuleIdOf(std::string_view(s.message().data(), s.message().size()));
  if (!rule.empty()) ctx->AddTrailingMetadata(kRuleTrailer, rule);
  return ToGrpc(s);
}

}  // namespace proeftuin::api
