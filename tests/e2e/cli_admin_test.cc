// End to end: the admin commands of the CLI (principals, backup and the offline restore,
// rebuild, stats) and the demo, against the real proeftuind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "integration/store_fixture.h"

#include "e2e/cli_support.h"

namespace proeftuin::e2e {
namespace {

TEST_F(CliTest, PrincipalLifecycleShowsTheTokenOnceAndTheTokenWorks) {
  CliResult created = Cli({"-o", "json", "admin", "principal", "create", "griffie-lv", "--name",
                           "Griffie Leidschendam-Voorburg", "--role", "council-clerk", "--clearance", "intern",
                           "--request-id", "create-griffie-lv"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  nlohmann::json c = nlohmann::json::parse(created.out);
  std::string token = c["token"];
  ASSERT_FALSE(token.empty());
  ExpectGolden("principal_create", NormaliseJson(created.out));
  // A retry returns the principal but never the token again.
  CliResult retry = Cli({"admin", "principal", "create", "griffie-lv", "--name", "Griffie Leidschendam-Voorburg",
                         "--role", "council-clerk", "--clearance", "intern", "--request-id", "create-griffie-lv"});
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  EXPECT_NE(retry.out.find("no new token"), std::string::npos) << retry.out;
  CliResult as_griffie = RunCli({"--server", server_->address(), "--token", token, "programme", "list"},
                                dir_.path(), home());
  EXPECT_EQ(as_griffie.exit_code, 0) << as_griffie.err;
  EXPECT_EQ(Cli({"admin", "principal", "grant", "griffie-lv", "--role", "evaluator"}).exit_code, 0);
  EXPECT_EQ(Cli({"admin", "principal", "clearance", "griffie-lv", "vertrouwelijk"}).exit_code, 0);
  CliResult rotated = Cli({"admin", "principal", "rotate", "griffie-lv", "--revoke-others", "true"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_NE(rotated.out.find("shown once"), std::string::npos) << rotated.out;
  CliResult old_token = RunCli({"--server", server_->address(), "--token", token, "programme", "list"},
                               dir_.path(), home());
  EXPECT_EQ(old_token.exit_code, 3) << old_token.err;  // revoked by the rotation
  CliResult list = Cli({"admin", "principal", "list"});
  EXPECT_NE(list.out.find("griffie-lv"), std::string::npos);
  EXPECT_NE(list.out.find("evaluator"), std::string::npos) << list.out;
  CliResult revoke = Cli({"admin", "principal", "revoke", "griffie-lv", "--reason", "test"});
  EXPECT_EQ(revoke.exit_code, 0) << revoke.err;
  EXPECT_NE(revoke.out.find("REVOKED"), std::string::npos) << revoke.out;
  CliResult json = Cli({"-o", "json", "admin", "principal", "list"});
  bool revoked = false;
  nlohmann::json principals = nlohmann::json::parse(json.out)["principals"];
  for (const auto& p : principals) {
    if (p["principal_id"] == "griffie-lv") revoked = p["revoked"];
  }
  EXPECT_TRUE(revoked) << json.out;
  EXPECT_EQ(Cli({"admin", "principal", "grant", "nobody", "--role", "college"}).exit_code, 1);
  EXPECT_EQ(Cli({"admin", "principal", "grant", "griffie-lv", "--role", "mayor"}).exit_code, 2);
  EXPECT_EQ(Cli({"admin", "principal", "list"}, "auditor").exit_code, 3);
}

TEST_F(CliTest, BackupIsVerifiedAndRestoreIsTheOfflineProcedure) {
  ASSERT_GT(RunExampleThroughCli(), 50);
  std::string backup = dir_.path() + "/backup-1";
  CliResult b = Cli({"-o", "json", "admin", "backup", "--to", backup});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  nlohmann::json bj = nlohmann::json::parse(b.out);
  EXPECT_TRUE(bj["verified"].get<bool>());
  EXPECT_EQ(Cli({"admin", "backup", "--to", backup}).exit_code, 1);  // exists already
  std::string restored = dir_.path() + "/restored";
  CliResult r = RunCli({"-o", "json", "admin", "restore", "--from", backup, "--data-dir", restored}, dir_.path(),
                       home());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json rj = nlohmann::json::parse(r.out);
  EXPECT_EQ(std::to_string(rj["position"].get<uint64_t>()), bj["position"].get<std::string>());
  EXPECT_EQ(rj["head_hash"], bj["head_hash"]);
  // Not into a data dir that holds something (a running server's, say).
  CliResult busy = RunCli({"admin", "restore", "--from", backup, "--data-dir", server_->data_dir()}, dir_.path(),
                          home());
  EXPECT_EQ(busy.exit_code, 2);
  EXPECT_NE(busy.err.find("not empty"), std::string::npos) << busy.err;
  // The restored store serves: same programme, same tokens.
  ServerProcess copy(restored);
  copy.Start();
  CliResult show = RunCli({"--server", copy.address(), "--token-file", TokenFile("auditor"), "-o", "json",
                           "programme", "show", "lv-2024-2027"},
                          dir_.path(), home());
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(copy.Stop(), 0);
}

TEST_F(CliTest, RebuildAndStats) {
  CliResult stats = Cli({"-o", "json", "admin", "stats"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  nlohmann::json s = nlohmann::json::parse(stats.out);
  ASSERT_FALSE(s["projections"].empty());
  std::string name = s["projections"][0]["name"];
  CliResult rebuilt = Cli({"-o", "json", "admin", "rebuild", name});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_TRUE(nlohmann::json::parse(rebuilt.out)["done"].get<bool>());
  CliResult table = Cli({"admin", "rebuild", name});
  EXPECT_NE(table.out.find("rebuilt projection " + name), std::string::npos) << table.out;
  EXPECT_EQ(Cli({"admin", "rebuild", "no-such-projection"}).exit_code, 1);
  CliResult all = Cli({"admin", "rebuild", "--all"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("rebuilt every projection"), std::string::npos) << all.out;
  CliResult neither = Cli({"admin", "rebuild"});
  EXPECT_EQ(neither.exit_code, 2) << neither.out;
  EXPECT_NE(neither.err.find("--all"), std::string::npos) << neither.err;
  EXPECT_NE(Cli({"admin", "rebuild", "--all", name}).exit_code, 0);
  CliResult text = Cli({"admin", "stats"});
  EXPECT_NE(text.out.find("PROJECTION"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Resident memory"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("CPU since start"), std::string::npos) << text.out;
  EXPECT_GT(s["process_cpu_seconds"].get<double>(), 0) << stats.out;
}

TEST_F(CliTest, DemoSeedsTheExampleAsOnePrincipalPerRoleAndARerunChangesNothing) {
  CliResult first = Cli({"-o", "json", "demo"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  nlohmann::json a = nlohmann::json::parse(first.out);
  EXPECT_EQ(a["principals_created"], 5);
  EXPECT_GT(a["steps_run"].get<int>(), 50);
  EXPECT_EQ(a["steps_new"], a["steps_run"]);
  ExpectGolden("demo_first_run", NormaliseJson(first.out, {"steps_total", "steps_run", "steps_new", "steps_pending",
                                                          "first_pending_date"}));
  CliResult digest1 = Cli({"audit", "digest"});
  CliResult second = Cli({"-o", "json", "demo"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  nlohmann::json b = nlohmann::json::parse(second.out);
  EXPECT_EQ(b["principals_created"], 0);
  EXPECT_EQ(b["steps_new"], 0);
  EXPECT_EQ(Cli({"audit", "digest"}).out, digest1.out);  // nothing written
  // The trail shows who did what: the griffie's demo principal submitted to the council.
  CliResult log = Cli({"-o", "json", "audit", "log", "--type", "ProgrammeSubmittedToCouncil"});
  EXPECT_EQ(nlohmann::json::parse(log.out)["entries"][0]["actor"]["principal_id"], "demo-griffie") << log.out;
  // Tokens are kept per store identity, never shared with another store.
  std::string store_id = a["store_id"];
  EXPECT_TRUE(std::filesystem::exists(home() + "/.config/proeftuin/demo/" + store_id + ".json"));
  CliResult text = Cli({"demo"});
  EXPECT_NE(text.out.find("dated after today"), std::string::npos) << text.out;
}

// --ca makes the channel use TLS: the CLI reaches a TLS-only proeftuind with the CA it trusts,
// and fails as "unavailable" (exit 3) without it.
TEST(CliTls, CaFileMakesTheChannelUseTls) {
  eventstore::testing::TempDir dir;
  std::string cert = dir.Sub("cert.pem"), key = dir.Sub("key.pem");
  std::string openssl = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext "
                        "subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " + key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(openssl.c_str()), 0);
  ServerProcess server(dir.Sub("data"), {"--tls-cert", cert, "--tls-key", key});
  server.Start();
  std::string token_file = dir.Sub("data") + "/admin.token";
  CliResult ok = RunCli({"--server", server.address(), "--ca", cert, "--token-file", token_file, "admin", "stats"},
                        dir.path(), dir.Sub("home"));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("Last position"), std::string::npos) << ok.out;
  CliResult plain = RunCli({"--server", server.address(), "--token-file", token_file, "--timeout", "3", "admin",
                            "stats"},
                           dir.path(), dir.Sub("home"));
  EXPECT_EQ(plain.exit_code, 3) << plain.err;
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace proeftuin::e2e
