// The break-glass procedure for a lost administrator token (issue 7, docs/OPERATIONS.md):
// `proeftuind recover-admin` refuses while the server runs, and with the server stopped
// creates an administrator whose token works, recorded in the trail as done by proeftuind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>

#include "e2e/e2e_support.h"
#include "integration/store_fixture.h"
#include "ops/ops_support.h"
#include "proeftuin/v1/admin_service.grpc.pb.h"

namespace proeftuin::ops_test {
namespace {

TEST(OpsRecoverAdmin, NewAdministratorTokenOnlyWithTheServerStoppedAndInTheTrail) {
  eventstore::testing::TempDir dir;
  e2e::ServerProcess server(dir.Sub("data"));
  server.Start();
  const std::string token_file = dir.Sub("recovered.token");
  std::vector<std::string> recover = {e2e::ProeftuindPath(), "recover-admin", "--data-dir", server.data_dir(),
                                      "--reason", "admin token lost (test)", "--token-file", token_file};
  Output busy = RunCommand(recover);
  EXPECT_EQ(busy.exit_code, 1) << busy.out;
  EXPECT_NE(busy.out.find("stop proeftuind first"), std::string::npos) << busy.out;
  Output no_reason = RunCommand({e2e::ProeftuindPath(), "recover-admin", "--data-dir", server.data_dir()});
  EXPECT_EQ(no_reason.exit_code, 2) << no_reason.out;  // a required option is missing: a flag error
  EXPECT_NE(no_reason.out.find("--reason"), std::string::npos) << no_reason.out;

  ASSERT_EQ(server.Stop(SIGTERM), 0);
  Output recovered = RunCommand(recover);
  ASSERT_EQ(recovered.exit_code, 0) << recovered.out;
  struct stat st {};
  ASSERT_EQ(stat(token_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token;
  std::ifstream(token_file) >> token;
  ASSERT_EQ(token.rfind("pt_", 0), 0u);

  server.Start();
  auto admin = v1::AdminService::NewStub(server.Channel());
  v1::ListPrincipalsResponse principals;
  grpc::Status s = admin->ListPrincipals(e2e::Ctx(token).get(), {}, &principals);
  ASSERT_TRUE(s.ok()) << s.error_message();
  bool found = false;
  for (const auto& p : principals.principals()) {
    if (p.principal_id().rfind("admin-recovery-", 0) == 0) found = p.role() == v1::ROLE_ADMINISTRATOR;
  }
  EXPECT_TRUE(found) << principals.DebugString();
  EXPECT_EQ(server.Stop(SIGTERM), 0);
  Output again = RunCommand(recover);  // the token file exists: never overwritten
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_NE(again.out.find("already exists"), std::string::npos) << again.out;
}

}  // namespace
}  // namespace proeftuin::ops_test
