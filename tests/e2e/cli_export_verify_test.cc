// End to end: an auditor's JSONL export checked without the server (`proeftuin audit
// verify-export`): the chain recomputed from the stored headers and payloads in the file, every
// field shown compared with them, a published digest extended; and what an edited, shortened or
// gapped file, or an export with redacted events, gives. And the audit log, which lists from the
// audit index: rows removed from the index are found, not silently left out.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/escaping.h"
#include "domain/example_programme.h"
#include "e2e/cli_support.h"
#include "e2e/cli_tamper.h"
#include "lib/command_client.h"

namespace proeftuin::e2e {
namespace {

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void WriteLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& line : lines) out << line << "\n";
}

class CliExportVerifyTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    ASSERT_GT(RunExample(GoldenDay()), 50);
  }
  // Exports as `role` (or with `token_file`) into `name` under the test's dir; returns the path.
  std::string Export(const std::string& name, const std::string& token_file = "") {
    const std::string path = dir_.path() + "/" + name;
    CliResult r = token_file.empty()
                      ? Cli({"audit", "export", "--format", "jsonl", "--out", path}, "auditor")
                      : RunCli({"--server", server_->address(), "--token-file", token_file,
                                "--no-color", "audit", "export", "--format", "jsonl", "--out", path},
                               dir_.path(), home());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return path;
  }
  CliResult Verify(const std::string& path, const std::string& digest = "",
                   bool allow_redacted = false) {
    std::vector<std::string> args = {"--no-color", "audit", "verify-export", path};
    if (!digest.empty()) args.insert(args.end(), {"--digest", digest});
    if (allow_redacted) args.push_back("--allow-redacted");
    return RunCli(args, dir_.path(), home());  // no server, no token
  }
  std::string Digest() {
    CliResult d = Cli({"audit", "digest"}, "auditor");
    EXPECT_EQ(d.exit_code, 0) << d.err;
    return d.out.substr(0, d.out.find('\n'));
  }
};

TEST_F(CliExportVerifyTest, AnUntouchedExportVerifiesWithoutTheServerAndExtendsThePublishedDigest) {
  const std::string digest = Digest();
  const std::string path = Export("trail.jsonl");
  const std::vector<std::string> lines = ReadLines(path);
  ASSERT_EQ(std::to_string(lines.size()), digest.substr(0, digest.find(':')));
  const nlohmann::json first = nlohmann::json::parse(lines[0]);
  EXPECT_FALSE(first["stored_header"].get<std::string>().empty());
  EXPECT_EQ(first["personal_digest"].get<std::string>().size(), 64u);
  ASSERT_EQ(server_->Stop(), 0);  // proven without the server
  CliResult ok = Verify(path);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("export verified: positions 1–" + std::to_string(lines.size())),
            std::string::npos)
      << ok.out;
  EXPECT_NE(ok.out.find("head " + digest), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("internally consistent"), std::string::npos) << ok.out;
  CliResult extends = Verify(path, digest);
  EXPECT_EQ(extends.exit_code, 0) << extends.err;
  EXPECT_NE(extends.out.find("extends digest " + digest), std::string::npos) << extends.out;
  // A digest published earlier (at position 10) is extended too.
  const std::string at_10 = "10:" + nlohmann::json::parse(lines[9])["hash"].get<std::string>();
  EXPECT_EQ(Verify(path, at_10).exit_code, 0);
  // A forged digest is not; a malformed one is a usage error.
  EXPECT_EQ(Verify(path, digest.substr(0, digest.size() - 4) + "0000").exit_code, 1);
  EXPECT_EQ(Verify(path, "12:abc").exit_code, 2);
  EXPECT_EQ(Verify(dir_.path() + "/no-such-file.jsonl").exit_code, 2);
}

TEST_F(CliExportVerifyTest, AnEditedGappedOrShortenedExportIsFoundNamingThePosition) {
  const std::string digest = Digest();
  const std::vector<std::string> lines = ReadLines(Export("trail.jsonl"));
  ASSERT_GT(lines.size(), 40u);
  auto edited = [&](size_t index, const std::function<void(nlohmann::json&)>& edit) {
    std::vector<std::string> copy = lines;
    nlohmann::json line = nlohmann::json::parse(copy[index]);
    edit(line);
    copy[index] = line.dump();
    const std::string path = dir_.path() + "/edited.jsonl";
    WriteLines(path, copy);
    return Verify(path);
  };
  // A field shown, not hashed as such: compared with the stored header.
  CliResult reason = edited(20, [](nlohmann::json& l) { l["reason"] = "afterwards"; });
  EXPECT_EQ(reason.exit_code, 1);
  EXPECT_NE(reason.err.find("first bad position 21: the field \"reason\""), std::string::npos)
      << reason.err;
  // The decoded payload shown: compared with the payload.
  CliResult data = edited(30, [](nlohmann::json& l) { l["data"] = {{"changed", true}}; });
  EXPECT_EQ(data.exit_code, 1);
  EXPECT_NE(data.err.find("first bad position 31: the field \"data\""), std::string::npos)
      << data.err;
  // The payload itself: the recomputed hash differs.
  CliResult payload = edited(35, [](nlohmann::json& l) {
    std::string bytes;
    ASSERT_TRUE(absl::Base64Unescape(l["payload"].get<std::string>(), &bytes));
    bytes.back() ^= 1;
    l["payload"] = absl::Base64Escape(bytes);
  });
  EXPECT_EQ(payload.exit_code, 1);
  EXPECT_NE(payload.err.find("first bad position 36: the recomputed hash"), std::string::npos)
      << payload.err;
  // A key the exporter does not write, and a time shown that is not the one recorded.
  CliResult extra = edited(22, [](nlohmann::json& l) { l["note"] = "approved"; });
  EXPECT_EQ(extra.exit_code, 1);
  EXPECT_NE(extra.err.find("first bad position 23: the field \"note\""), std::string::npos)
      << extra.err;
  CliResult time =
      edited(24, [](nlohmann::json& l) { l["recorded_at"] = "2020-01-01T10:00:00+01:00"; });
  EXPECT_EQ(time.exit_code, 1);
  EXPECT_NE(time.err.find("first bad position 25: the field \"recorded_at\""), std::string::npos)
      << time.err;
  // A whole event passed off as redacted, to escape the check: its line holds what a redacted
  // event's does not.
  CliResult spoofed = edited(26, [](nlohmann::json& l) {
    l["redacted"] = true;
    l["reason"] = "afterwards";
  });
  EXPECT_EQ(spoofed.exit_code, 1);
  EXPECT_NE(spoofed.err.find("first bad position 27: the line of a redacted event holds more"),
            std::string::npos)
      << spoofed.err;
  // Stripped to a redacted event's shape it is not proven: refused unless --allow-redacted,
  // which then proves only what follows it.
  CliResult stripped = edited(26, [](nlohmann::json& l) {
    nlohmann::json kept = {{"position", l["position"]},
                           {"stream", l["stream"]},
                           {"stream_version", l["stream_version"]},
                           {"type", l["type"]},
                           {"recorded_at", l["recorded_at"]},
                           {"recorded_at_us", l["recorded_at_us"]},
                           {"occurred_on", ""},
                           {"actor",
                            {{"principal_id", ""},
                             {"display_name", ""},
                             {"role", ""},
                             {"application", ""},
                             {"on_behalf_of", ""}}},
                           {"reason", ""},
                           {"request_id", ""},
                           {"correlation_id", ""},
                           {"causation_id", ""},
                           {"event_id", ""},
                           {"confidentiality", l["confidentiality"]},
                           {"redacted", true},
                           {"has_personal", false},
                           {"hash", l["hash"]},
                           {"previous_hash", l["previous_hash"]},
                           {"data", nullptr}};
    l = kept;
  });
  EXPECT_EQ(stripped.exit_code, 1) << stripped.out;
  EXPECT_NE(stripped.err.find("1 events are redacted"), std::string::npos) << stripped.err;
  EXPECT_NE(stripped.err.find("positions 1–27"), std::string::npos) << stripped.err;
  // A line left out.
  std::vector<std::string> gapped = lines;
  gapped.erase(gapped.begin() + 12);
  WriteLines(dir_.path() + "/gapped.jsonl", gapped);
  CliResult gap = Verify(dir_.path() + "/gapped.jsonl");
  EXPECT_EQ(gap.exit_code, 1);
  EXPECT_NE(gap.err.find("first bad position 13: position 13 is missing"), std::string::npos)
      << gap.err;
  // The newest lines left out: consistent on its own, but it does not extend the digest.
  std::vector<std::string> shortened(lines.begin(), lines.end() - 3);
  WriteLines(dir_.path() + "/shortened.jsonl", shortened);
  EXPECT_EQ(Verify(dir_.path() + "/shortened.jsonl").exit_code, 0);
  CliResult short_digest = Verify(dir_.path() + "/shortened.jsonl", digest);
  EXPECT_EQ(short_digest.exit_code, 1);
  EXPECT_NE(short_digest.err.find("not among the events"), std::string::npos) << short_digest.err;
}

// An auditor below some levels gets those events redacted: their content is not in the file and
// cannot be recomputed; the events after the last of them are still bound to the head.
TEST_F(CliExportVerifyTest, AnExportWithRedactedEventsSaysWhatItCannotProve) {
  v1::Command draft = domain::ExampleProgrammeSteps()[0].command;
  draft.mutable_draft_programme()->set_programme_id("vertrouwelijk-programma");
  draft.mutable_draft_programme()->set_confidentiality(v1::CONFIDENTIALITY_VERTROUWELIJK);
  auto channel = server_->Channel();
  auto send = [&](const v1::Command& c, const std::string& id) {
    ASSERT_TRUE(clients::SendCommand(channel.get(), Ctx(TokenFor("programme_manager")).get(), c,
                                     Options(id), nullptr)
                    .ok());
  };
  send(draft, "draft-vertrouwelijk");
  const std::string token =
      CreatePrincipal(*server_, "openbaar-auditor", v1::ROLE_AUDITOR, v1::CONFIDENTIALITY_OPENBAAR);
  const std::string token_file = dir_.path() + "/openbaar-auditor.token";
  std::ofstream(token_file) << token;
  draft.mutable_draft_programme()->set_programme_id("openbaar-programma");
  draft.mutable_draft_programme()->set_confidentiality(v1::CONFIDENTIALITY_OPENBAAR);
  send(draft, "draft-openbaar");  // the head: shown whole
  const std::string digest = Digest();
  const std::string path = Export("openbaar.jsonl", token_file);
  int redacted = 0;
  for (const std::string& line : ReadLines(path)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j["redacted"] == true) {
      ++redacted;
      EXPECT_FALSE(j.contains("stored_header")) << line;  // it holds the reason and the actor
      EXPECT_FALSE(j.contains("payload")) << line;
    }
  }
  ASSERT_GT(redacted, 0);
  // Not a proof of every event: refused unless asked for what it can prove.
  CliResult refused = Verify(path, digest);
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.err.find(std::to_string(redacted) + " events are redacted"), std::string::npos)
      << refused.err;
  CliResult r = Verify(path, digest, /*allow_redacted=*/true);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::to_string(redacted) + " events were redacted"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Export with full clearance to prove every event"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("extends digest " + digest), std::string::npos) << r.out;
}

TEST_F(CliExportVerifyTest, AnEventRemovedFromTheAuditIndexIsReportedNotLeftOutOfTheLog) {
  ASSERT_EQ(Cli({"audit", "log", "--page-size", "500"}, "auditor").exit_code, 0);
  ASSERT_EQ(server_->Stop(), 0);
  RemoveAuditIndexRow(server_->data_dir(), 24);
  server_->Start();
  CliResult log = Cli({"audit", "log", "--page-size", "500"}, "auditor");
  EXPECT_NE(log.exit_code, 0) << log.out;
  EXPECT_NE(log.err.find("the audit index has no entry for position 24"), std::string::npos)
      << log.err;
  EXPECT_NE(log.err.find("admin rebuild audit_index"), std::string::npos) << log.err;
  // The log itself is intact, and a rebuild of the index brings the entry back.
  EXPECT_EQ(Cli({"audit", "verify"}, "auditor").exit_code, 0);
  ASSERT_EQ(Cli({"admin", "rebuild", "audit_index"}).exit_code, 0);
  CliResult again = Cli({"audit", "log", "--page-size", "500"}, "auditor");
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

}  // namespace
}  // namespace proeftuin::e2e
