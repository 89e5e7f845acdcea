// The one place where absl::Status becomes grpc::Status (ENGINEERING.md §5). The code carries
// over; a domain rule id at the start of the message ("PT-COUNCIL-OPEN: ...") is also sent in
// the trailing metadata key "proeftuin-rule", so clients need not parse messages.
//
// Thread-safety: pure functions.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"

namespace proeftuin::api {

inline constexpr char kRuleTrailer[] = "proeftuin-rule";

grpc::Status ToGrpc(const absl::Status& s);
// The rule id at the start of a message ("PT-XXX"), or "".
std::string RuleIdOf(std::string_view message);
// Adds the rule trailer when the status names a rule; returns the grpc status.
grpc::Status Finish(grpc::ServerContextBase* ctx, const absl::Status& s);

}  // namespace proeftuin::api
