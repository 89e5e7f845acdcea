// Helpers shared by the end-to-end tests: a running proeftuind in a temp dir with one
// principal per role, and running the example programme through the real API.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "e2e/server_process.h"
#include "integration/store_fixture.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::e2e {

// Creates a principal through AdminService; returns its token (fails the test on error).
std::string CreatePrincipal(ServerProcess& server, const std::string& id, v1::Role role,
                            v1::Confidentiality clearance = v1::CONFIDENTIALITY_VERTROUWELIJK);

// A server in a temp dir, started, with one principal per role ("pm", "proposer", "college",
// "griffie", "evaluator", "auditor", "reader", plus the bootstrap "admin").
class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // The token of a role name as used by domain::ExampleStep ("programme_manager", "griffie",...).
  const std::string& TokenFor(const std::string& role);
  // Runs the example programme's steps dated up to `until` (default: now) through the gRPC API,
  // with request ids "example-<step label>" and each step's date as its business date
  // (occurred_on); returns how many ran.
  int RunExample(absl::Time until = absl::Now());
  v1::CommandOptions Options(const std::string& request_id) const;

  eventstore::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<v1::ProgrammeService::Stub> programmes_;
};

}  // namespace proeftuin::e2e
