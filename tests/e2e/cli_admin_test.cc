// End to end: the admin commands of the CLI (principals and their token files, backup and the
// offline restore, rebuild, stats) and the demo, against the real proeftuind.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "integration/store_fixture.h"

#include "e2e/cli_support.h"
#include "e2e/pki.h"

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
  ASSERT_GT(RunExample(), 50);
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

// A principal's token goes straight into a new file of its own (mode 0600, only the token), the
// file for --token-file; and a file that holds anything else (the table output of `create`
// redirected, as ops/backup.env.example once said) is refused naming --token-file, not sent.
TEST_F(CliTest, TokenOutWritesOnlyTheTokenToANewPrivateFileThatTokenFileAccepts) {
  const std::string file = dir_.path() + "/backup.token";
  CliResult created = Cli({"admin", "principal", "create", "backup", "--name", "Backup job", "--role",
                           "administrator", "--token-out", file});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out.find("pt_"), std::string::npos) << "the token must not be printed: " << created.out;
  EXPECT_NE(created.out.find("written to " + file), std::string::npos) << created.out;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string text = ReadWholeFile(file);
  ASSERT_EQ(text.rfind("pt_", 0), 0u) << text;
  EXPECT_EQ(text.find('\n'), text.size() - 1) << "one line: " << text;
  CliResult as_backup = RunCli({"--server", server_->address(), "--token-file", file, "admin", "stats"}, dir_.path(),
                               home());
  EXPECT_EQ(as_backup.exit_code, 0) << as_backup.err;

  // Never over an existing file, and then no principal is created (its token would be lost).
  CliResult exists = Cli({"admin", "principal", "create", "backup-2", "--name", "Backup job 2", "--role",
                          "administrator", "--token-out", file});
  EXPECT_EQ(exists.exit_code, 2) << exists.out;
  EXPECT_NE(exists.err.find("--token-out"), std::string::npos) << exists.err;
  EXPECT_EQ(ReadWholeFile(file), text);
  EXPECT_EQ(Cli({"admin", "principal", "list"}).out.find("backup-2"), std::string::npos);

  // rotate too; as JSON the response then carries no token.
  const std::string rotated_file = dir_.path() + "/backup-rotated.token";
  CliResult rotated = Cli({"-o", "json", "admin", "principal", "rotate", "backup", "--token-out", rotated_file});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  nlohmann::json r = nlohmann::json::parse(rotated.out);
  EXPECT_EQ(r["token"], "") << rotated.out;
  EXPECT_FALSE(r["token_id"].get<std::string>().empty()) << rotated.out;
  std::string rotated_text = ReadWholeFile(rotated_file);
  EXPECT_EQ(rotated_text.rfind("pt_", 0), 0u) << rotated_text;
  EXPECT_NE(rotated_text, text);

  // The table output of create redirected into a file is not a token file.
  const std::string table = dir_.path() + "/table.out";
  CliResult printed = Cli({"admin", "principal", "create", "backup-3", "--name", "Backup job 3", "--role",
                           "administrator"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  std::ofstream(table) << printed.out;
  CliResult with_table = RunCli({"--server", server_->address(), "--token-file", table, "admin", "stats"}, dir_.path(),
                                home());
  EXPECT_EQ(with_table.exit_code, 2) << with_table.out;
  EXPECT_NE(with_table.err.find("--token-file: " + table), std::string::npos) << with_table.err;
  EXPECT_NE(with_table.err.find("not a token"), std::string::npos) << with_table.err;
  std::ofstream(dir_.path() + "/empty.token").close();
  CliResult empty = RunCli({"--server", server_->address(), "--token-file", dir_.path() + "/empty.token", "admin",
                            "stats"},
                           dir_.path(), home());
  EXPECT_EQ(empty.exit_code, 2) << empty.out;
  EXPECT_NE(empty.err.find("is empty"), std::string::npos) << empty.err;
}

// Commands that never call the server (admin restore, audit verify --data-dir) do not need the
// token file: ops/restore.sh moves the data directory, and the admin.token in it that
// PROEFTUIN_TOKEN_FILE names in the container, aside before it restores.
TEST_F(CliTest, CommandsWithoutTheServerWorkWhenTheTokenFileCannotBeRead) {
  const std::string backup = dir_.path() + "/backup";
  ASSERT_EQ(Cli({"admin", "backup", "--to", backup}).exit_code, 0);
  const std::string missing = dir_.path() + "/moved-aside/admin.token";
  const std::string restored = dir_.path() + "/restored";
  CliResult r = RunCli({"--token-file", missing, "admin", "restore", "--from", backup, "--data-dir", restored},
                       dir_.path(), home());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  CliResult v = RunCli({"--token-file", missing, "audit", "verify", "--data-dir", restored}, dir_.path(), home());
  EXPECT_EQ(v.exit_code, 0) << v.err;
  // Commands that call the server still say which file could not be read.
  CliResult stats = RunCli({"--server", server_->address(), "--token-file", missing, "admin", "stats"}, dir_.path(),
                           home());
  EXPECT_EQ(stats.exit_code, 2) << stats.out;
  EXPECT_NE(stats.err.find("--token-file: cannot read " + missing), std::string::npos) << stats.err;
  CliResult list = RunCli({"--server", server_->address(), "--token-file", missing, "programme", "list"}, dir_.path(),
                          home());
  EXPECT_EQ(list.exit_code, 3) << list.out;
  EXPECT_NE(list.err.find("--token-file: cannot read " + missing), std::string::npos) << list.err;
}

// admin restore makes the copy durable before it reports success (and a server is started on
// it): every copied file, then every directory, the target and its parent, are fsync'ed.
TEST_F(CliTest, RestoreSyncsEveryCopiedFileAndDirectoryBeforeItReports) {
  ASSERT_EQ(std::system("strace -V >/dev/null 2>&1"), 0) << "strace is missing: run ops/install-deps.sh";
  ASSERT_GT(RunExample(), 10);
  const std::string backup = dir_.path() + "/backup";
  ASSERT_EQ(Cli({"admin", "backup", "--to", backup}).exit_code, 0);
  const std::string parent = dir_.path() + "/target", restored = parent + "/data";
  const std::string trace = dir_.path() + "/restore.strace";
  // LeakSanitizer cannot stop the world under ptrace: the traced run of a sanitizer build
  // checks no leaks (the other CLI tests do).
  Output r = RunCommand({"env", "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1", "strace", "-f", "-qq", "-y",
                         "-e", "trace=fsync,fdatasync,write", "-o", trace, ProeftuinCliPath(), "admin",
                         "restore", "--from", backup, "--data-dir", restored});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::vector<std::string> lines;
  std::istringstream in(ReadWholeFile(trace));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  // Where the success report is written to stdout (the copy must be durable before it).
  size_t report = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("write(1") != std::string::npos && lines[i].find("restored") != std::string::npos) {
      report = std::min(report, i);
    }
  }
  ASSERT_LT(report, lines.size()) << "no report on stdout in the trace";
  auto synced_before_report = [&](const std::string& path) {
    for (size_t i = 0; i < report; ++i) {
      if ((lines[i].find("fsync(") != std::string::npos || lines[i].find("fdatasync(") != std::string::npos) &&
          lines[i].find("<" + path + ">") != std::string::npos && lines[i].find("= 0") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(restored)) {
    ++files;
    EXPECT_TRUE(synced_before_report(e.path().string())) << e.path() << " was not fsync'ed before the report";
  }
  EXPECT_GT(files, 3u);
  EXPECT_TRUE(synced_before_report(restored)) << "the restored directory itself";
  EXPECT_TRUE(synced_before_report(parent)) << "the directory that holds its entry";
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
