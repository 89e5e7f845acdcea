// End to end: the edges of the `proeftuin` CLI against the real proeftuind (and, for faults of
// the server, a fake one): amounts in Dutch and English style, what counts as allocated after a
// withdrawal, the progress report as JSON, text from the log on a terminal and in a CSV export,
// reading a long stream, the end of a date range, amendments and their retries, exit codes.
//
// PROEFTUIN_CLI_UNDER_TEST=<binary> runs them against another build of the CLI (cli_support.h).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "absl/time/clock.h"
#include "e2e/cli_support.h"
#include "proeftuin/v1/audit_service.grpc.pb.h"

namespace proeftuin::e2e {
namespace {

constexpr char kP[] = "lv-2024-2027";

std::vector<std::string> LinesOf(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string LineWith(const std::string& text, const std::string& what) {
  for (const std::string& line : LinesOf(text)) {
    if (line.find(what) != std::string::npos) return line;
  }
  return "";
}

bool ValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// "€ 18.000,00" at `at` in a line to cents.
int64_t DutchCents(const std::string& line, size_t at) {
  std::string digits;
  for (size_t i = at + std::string("€ ").size(); i < line.size() && line[i] != ' '; ++i) {
    if (std::isdigit(static_cast<unsigned char>(line[i]))) digits += line[i];
  }
  return std::stoll(digits);
}

// The draft of the example programme by flags, with the title and budget given.
std::vector<std::string> Draft(const std::string& title, const std::string& budget,
                               const std::string& year_2025 = "2025=70000") {
  return {"programme",
          "draft",
          kP,
          "--title",
          title,
          "--goal",
          "Leren",
          "--legal-basis",
          "Participatieverordening",
          "--start",
          "2024-07-01",
          "--end",
          "2025-12-31",
          "--evaluation-date",
          "2026-02-15",
          "--budget",
          budget,
          "--budget-year",
          year_2025,
          "--budget-year",
          "2026=70000",
          "--area",
          "Leidschendam"};
}

class CliEdgeTest : public CliTest {
 protected:
  // The audit index follows the log asynchronously: waits until it has `n` entries of kP.
  void WaitForAuditIndex(size_t n) {
    for (int i = 0; i < 200; ++i) {
      CliResult log = Cli({"-o", "json", "audit", "log", "--object", kP}, "auditor");
      if (log.exit_code == 0 && nlohmann::json::parse(log.out)["entries"].size() >= n) return;
      absl::SleepFor(absl::Milliseconds(50));
    }
    FAIL() << "the audit index did not reach " << n << " entries of " << kP;
  }
};

TEST_F(CliEdgeTest, AmountsAreDutchOrEnglishAndMoreThanTwoDecimalsAreRefusedNamingTheFlag) {
  CliResult three = Cli(Draft("Programma", "1250.505"), "programme_manager");
  EXPECT_EQ(three.exit_code, 2) << three.err;
  EXPECT_NE(
      three.err.find("--budget: '1250.505' has 3 decimals; an amount has at most 2 (whole cents)"),
      std::string::npos)
      << three.err;
  CliResult small = Cli(Draft("Programma", "0,125"), "programme_manager");
  EXPECT_EQ(small.exit_code, 2) << small.err;
  EXPECT_NE(small.err.find("--budget: '0,125' has 3 decimals"), std::string::npos) << small.err;
  CliResult year = Cli(Draft("Programma", "140000", "2025=70.000,005"), "programme_manager");
  EXPECT_EQ(year.exit_code, 2) << year.err;
  EXPECT_NE(year.err.find("--budget-year: expected YEAR=EUROS"), std::string::npos) << year.err;
  // Dutch total, English year: both read as the same euros.
  CliResult draft = Cli(Draft("Programma", "€ 140.000,00", "2025=70,000.00"), "programme_manager");
  ASSERT_EQ(draft.exit_code, 0) << draft.err;
  CliResult show = Cli({"-o", "json", "programme", "show", kP}, "auditor");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  nlohmann::json budget = nlohmann::json::parse(show.out)["programme"]["design"]["budget"];
  EXPECT_EQ(budget["total"]["cents"], "14000000") << budget;
  EXPECT_EQ(budget["years"][0]["amount"]["cents"], "7000000") << budget;
}

TEST_F(CliEdgeTest, AWithdrawnExperimentsReleasedAllocationCountsZeroAsInTheProgrammeView) {
  ASSERT_GT(RunExample(GoldenDay()), 50);
  CliResult list = Cli({"experiment", "list", kP}, "auditor");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(LineWith(list.out, "jongerenpanel-stompwijk").find("€ 0,00 (vrijgevallen / released)"),
            std::string::npos)
      << list.out;
  // The ALLOCATED column adds up to what the programme view counts as allocated.
  int64_t sum = 0;
  for (const std::string& line : LinesOf(list.out)) {
    size_t at = line.find("€ ");
    if (at != std::string::npos) sum += DutchCents(line, at);
  }
  CliResult programme = Cli({"-o", "json", "programme", "show", kP}, "auditor");
  ASSERT_EQ(programme.exit_code, 0) << programme.err;
  nlohmann::json total = nlohmann::json::parse(programme.out)["view"]["budget"]["total"];
  EXPECT_EQ(std::to_string(sum), total["allocated"]["cents"].get<std::string>()) << list.out;
  CliResult show = Cli({"experiment", "show", kP, "jongerenpanel-stompwijk"}, "auditor");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(LineWith(show.out, "Allocated").find("€ 0,00 (vrijgevallen / released; was 2025: "),
            std::string::npos)
      << show.out;
}

TEST_F(CliEdgeTest, TheProgressReportInJsonIsTheServersReport) {
  ASSERT_GT(RunExample(GoldenDay()), 50);
  CliResult json = Cli({"-o", "json", "report", "progress", kP}, "auditor");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json j = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << json.out.substr(0, 200);
  EXPECT_EQ(j["report"]["programme_id"], kP);
  CliResult both = Cli({"-o", "json", "report", "progress", kP, "--format", "html"}, "auditor");
  EXPECT_EQ(both.exit_code, 2) << both.out.substr(0, 200);
  EXPECT_NE(both.err.find("--format html and -o json exclude each other"), std::string::npos)
      << both.err;
}

TEST_F(CliEdgeTest, ControlCharactersFromTheLogDoNotReachTheTerminal) {
  std::vector<std::string> draft = Draft(
      "Programma\x1b]0;overgenomen\x07\nregel 2\x1b[2J\t\xC2\x9B"
      "eind",
      "140000");
  draft.insert(draft.end(), {"--reason", "reden\r\n\x1b[31mrood"});
  ASSERT_EQ(Cli(draft, "programme_manager").exit_code, 0);
  WaitForAuditIndex(1);
  for (const auto& [args, role, lines] :
       std::vector<std::tuple<std::vector<std::string>, std::string, size_t>>{
           {{"programme", "list"}, "auditor", 2},
           {{"audit", "log", "--object", kP}, "auditor", 2},
           {{"programme", "show", kP}, "auditor", 0}}) {
    CliResult r = Cli(args, role);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // --no-color: no escape at all; no other control character but the line ends.
    EXPECT_EQ(std::count_if(r.out.begin(), r.out.end(),
                            [](char c) {
                              return (static_cast<unsigned char>(c) < 0x20 && c != '\n') ||
                                     c == 0x7f;
                            }),
              0)
        << r.out;
    EXPECT_EQ(r.out.find("\xC2\x9B"), std::string::npos) << r.out;
    if (lines > 0) {
      EXPECT_EQ(LinesOf(r.out).size(), lines) << r.out;
    }
  }
  CliResult show = Cli({"programme", "show", kP}, "auditor");
  EXPECT_NE(LineWith(show.out, "Title").find("Programma ]0;overgenomen  regel 2 [2J  eind"),
            std::string::npos)
      << show.out;
}

TEST_F(CliEdgeTest, TheAuditLogCutsALongReasonByCharacter) {
  std::string reason = "a";
  for (int i = 0; i < 70; ++i) reason += "é";
  std::vector<std::string> draft = Draft("Programma", "140000");
  draft.insert(draft.end(), {"--reason", reason});
  ASSERT_EQ(Cli(draft, "programme_manager").exit_code, 0);
  WaitForAuditIndex(1);
  CliResult log = Cli({"audit", "log", "--object", kP}, "auditor");
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_TRUE(ValidUtf8(log.out)) << log.out;
  EXPECT_NE(log.out.find("aééé"), std::string::npos) << log.out;
  EXPECT_NE(log.out.find("é…\n"), std::string::npos) << log.out;
}

TEST_F(CliEdgeTest, AuditLogToADateIncludesThatWholeDay) {
  ASSERT_EQ(Cli(Draft("Programma", "140000"), "programme_manager").exit_code, 0);
  WaitForAuditIndex(1);
  // The day the event was recorded on, in Europe/Amsterdam: from the event, not the clock, so a
  // run across midnight tests the same.
  CliResult all = Cli({"-o", "json", "audit", "log", "--object", kP}, "auditor");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const nlohmann::json entries = nlohmann::json::parse(all.out)["entries"];
  ASSERT_EQ(entries.size(), 1u) << all.out;
  absl::TimeZone amsterdam;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Amsterdam", &amsterdam));
  const std::string today = absl::FormatTime(
      "%Y-%m-%d", absl::FromUnixMicros(std::stoll(entries[0]["recorded_at_us"].get<std::string>())),
      amsterdam);
  for (const std::vector<std::string>& range :
       {std::vector<std::string>{"--from", today, "--to", today},
        std::vector<std::string>{"--to", today}}) {
    std::vector<std::string> args = {"-o", "json", "audit", "log", "--object", kP};
    args.insert(args.end(), range.begin(), range.end());
    CliResult log = Cli(args, "auditor");
    ASSERT_EQ(log.exit_code, 0) << log.err;
    EXPECT_EQ(nlohmann::json::parse(log.out)["entries"].size(), 1u) << log.out;
  }
  // Until a date-time: before it.
  CliResult before_today =
      Cli({"-o", "json", "audit", "log", "--object", kP, "--to", today + "T00:00"}, "auditor");
  ASSERT_EQ(before_today.exit_code, 0) << before_today.err;
  EXPECT_TRUE(nlohmann::json::parse(before_today.out)["entries"].empty()) << before_today.out;
}

TEST_F(CliEdgeTest, EventsStreamReadsTheWholeStreamPageByPage) {
  CreatePrincipal(*server_, "veel-tokens", v1::ROLE_INTEGRATION_READER);
  auto admin = v1::AdminService::NewStub(server_->Channel());
  for (int i = 0; i < 1005; ++i) {  // more than one page of the server's (at most 1000)
    v1::RotateTokenRequest r;
    r.set_request_id("rotate-" + std::to_string(i));
    r.set_principal_id("veel-tokens");
    r.set_revoke_others(true);
    v1::RotateTokenResponse resp;
    ASSERT_TRUE(admin->RotateToken(Ctx(server_->AdminToken()).get(), r, &resp).ok()) << i;
  }
  CliResult read = Cli({"events", "read", "--stream-prefix", "principal-veel-tokens"});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  const size_t events = LinesOf(read.out).size();
  ASSERT_GT(events, 1005u);
  CliResult forward = Cli({"events", "stream", "principal-veel-tokens"});
  ASSERT_EQ(forward.exit_code, 0) << forward.err;
  ASSERT_EQ(LinesOf(forward.out).size(), events);
  EXPECT_TRUE(forward.out == read.out);
  CliResult backward =
      Cli({"-o", "json", "events", "stream", "principal-veel-tokens", "--backward"});
  ASSERT_EQ(backward.exit_code, 0) << backward.err;
  std::vector<std::string> lines = LinesOf(backward.out);
  ASSERT_EQ(lines.size(), events);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(nlohmann::json::parse(lines[i])["stream_version"], events - 1 - i) << i;
  }
  CliResult some = Cli({"events", "stream", "principal-veel-tokens", "--count", "150"});
  EXPECT_EQ(LinesOf(some.out).size(), 150u);
}

TEST_F(CliEdgeTest, AmendFlagsReplaceListsAndBudgetYearsByYear) {
  ASSERT_GT(RunExample(GoldenDay()), 50);
  CliResult amend = Cli({"programme", "amend", kP, "--area", "Stompwijk", "--budget", "150000",
                         "--budget-year", "2026=80000", "--reason", "meer budget"},
                        "programme_manager");
  ASSERT_EQ(amend.exit_code, 0) << amend.err;
  CliResult show = Cli({"-o", "json", "programme", "show", kP}, "auditor");
  nlohmann::json design = nlohmann::json::parse(show.out)["programme"]["design"];
  EXPECT_EQ(design["areas"], nlohmann::json::array({"Stompwijk"})) << design;
  ASSERT_EQ(design["budget"]["years"].size(), 2u) << design;
  EXPECT_EQ(design["budget"]["years"][0]["year"], 2025) << design;
  EXPECT_EQ(design["budget"]["years"][0]["amount"]["cents"], "7000000") << design;
  EXPECT_EQ(design["budget"]["years"][1]["year"], 2026) << design;
  EXPECT_EQ(design["budget"]["years"][1]["amount"]["cents"], "8000000") << design;
  CliResult twice = Cli({"programme", "amend", kP, "--budget-year", "2026=1", "--budget-year",
                         "2026=2", "--reason", "x"},
                        "programme_manager");
  EXPECT_EQ(twice.exit_code, 2) << twice.err;
  EXPECT_NE(twice.err.find("--budget-year: year 2026 is given twice"), std::string::npos)
      << twice.err;
}

TEST_F(CliEdgeTest, ARetriedAmendmentWithTheSameRequestIdGetsTheOriginalResult) {
  ASSERT_GT(RunExample(GoldenDay()), 50);
  for (const auto& [amend, request] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"programme", "amend", kP, "--communication-plan", "Nieuwsbrief per kwartaal",
             "--reason", "communicatie", "--request-id", "amend-plan"},
            "amend-plan"},
           {{"experiment", "amend", kP, "uitdaagrecht", "--involvement",
             "Ook via de wijkoverleggen.", "--reason", "aangevuld", "--request-id",
             "amend-conditions"},
            "amend-conditions"}}) {
    CliResult first = Cli(amend, "programme_manager");
    ASSERT_EQ(first.exit_code, 0) << first.err;
    // The retry (e.g. after a timeout) gets the first attempt's result and writes nothing.
    CliResult retry = Cli(amend, "programme_manager");
    ASSERT_EQ(retry.exit_code, 0) << retry.err;
    EXPECT_NE(retry.out.find(" (a retry of request " + request + ": the original result)\n"),
              std::string::npos)
        << retry.out;
    EXPECT_EQ(retry.out.substr(0, retry.out.find(" (a retry")),
              first.out.substr(0, first.out.size() - 1));
  }
  // The same request id for another amendment is refused, with what a retry must repeat.
  CliResult other = Cli({"programme", "amend", kP, "--communication-plan", "Anders", "--reason",
                         "x", "--request-id", "amend-plan"},
                        "programme_manager");
  EXPECT_EQ(other.exit_code, 1) << other.err;
  EXPECT_NE(other.err.find("(PT-REQUEST-REUSED); a retry gives the first attempt's flags again"),
            std::string::npos)
      << other.err;
}

TEST_F(CliEdgeTest, TheCsvExportNeutralisesEveryCellASpreadsheetWouldRunAsAFormula) {
  std::vector<std::string> draft = Draft("-Programma", "140000");
  draft.insert(draft.end(), {"--reason", "-2+3 opgesteld", "--correlation-id", "@zaak-1"});
  ASSERT_EQ(Cli(draft, "programme_manager").exit_code, 0);
  CliResult csv = Cli({"audit", "export", "--format", "csv"}, "auditor");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find(",'-2+3 opgesteld,"), std::string::npos) << csv.out.substr(0, 600);
  EXPECT_NE(csv.out.find(",'@zaak-1,"), std::string::npos) << csv.out.substr(0, 600);
}

// A server that fails every call it is asked: INTERNAL for programmes, DATA_LOSS for the chain.
class FaultyProgrammes final : public v1::ProgrammeService::Service {
  grpc::Status GetProgramme(grpc::ServerContext*, const v1::GetProgrammeRequest*,
                            v1::GetProgrammeResponse*) override {
    return grpc::Status(grpc::StatusCode::INTERNAL, "the projection row is corrupt");
  }
};
class FaultyAudit final : public v1::AuditService::Service {
  grpc::Status Verify(grpc::ServerContext*, const v1::VerifyRequest*,
                      v1::VerifyResponse*) override {
    return grpc::Status(grpc::StatusCode::DATA_LOSS, "position 3: header does not parse");
  }
};

TEST(CliExitCodes, AFaultOfTheServerExitsFourButAuditVerifyKeepsExitOne) {
  FaultyProgrammes programmes;
  FaultyAudit audit;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&programmes);
  builder.RegisterService(&audit);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_GT(port, 0);
  eventstore::testing::TempDir dir;
  const std::string address = "127.0.0.1:" + std::to_string(port);
  CliResult show = RunCli({"--server", address, "--token", "t", "programme", "show", kP},
                          dir.path(), dir.path());
  EXPECT_EQ(show.exit_code, 4) << show.err;
  EXPECT_NE(
      show.err.find("cannot show programme lv-2024-2027: the projection row is corrupt (INTERNAL)"),
      std::string::npos)
      << show.err;
  CliResult verify =
      RunCli({"--server", address, "--token", "t", "audit", "verify"}, dir.path(), dir.path());
  EXPECT_EQ(verify.exit_code, 1) << verify.err;
  server->Shutdown();
}

// A server whose ExecuteCommands does what `mode` says, to see `commands apply` meet a stream that
// ends early, an answer that never comes, an answer for another request, a fault per command.
class ScriptedCommandStream final : public v1::ProgrammeService::Service {
 public:
  enum class Mode { kOneThenUnavailable, kSilent, kWrongRequestId, kRefusalThenFault };
  std::atomic<Mode> mode{Mode::kOneThenUnavailable};

  grpc::Status ExecuteCommands(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<v1::ExecuteCommandsResponse, v1::ExecuteCommandsRequest>* stream)
      override {
    v1::ExecuteCommandsRequest request;
    for (int n = 0; stream->Read(&request); ++n) {
      v1::ExecuteCommandsResponse answer;
      answer.set_request_id(request.options().request_id());
      switch (mode.load()) {
        case Mode::kOneThenUnavailable:
          if (n == 1)
            return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
          answer.mutable_result()->set_first_position(7);
          answer.mutable_result()->set_last_position(7);
          break;
        case Mode::kSilent:
          while (!ctx->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
          return grpc::Status::CANCELLED;
        case Mode::kWrongRequestId:
          answer.set_request_id("somebody-else");
          break;
        case Mode::kRefusalThenFault:
          // A fault between two refusals: the exit code is the most serious, not the first's
          // or the last's.
          answer.set_code(n == 1 ? grpc::StatusCode::INTERNAL
                                 : grpc::StatusCode::FAILED_PRECONDITION);
          answer.set_message(
              n == 1
                  ? "the projection row is corrupt"
                  : "PT-EXPERIMENT-EVALUATED: cannot record activity: the experiment is evaluated");
          answer.set_rule(n == 1 ? "" : "PT-EXPERIMENT-EVALUATED");
          break;
      }
      if (!stream->Write(answer)) break;
    }
    return grpc::Status::OK;
  }
};

TEST(CliCommandsApply,
     AStreamThatEndsEarlyOrGoesSilentOrFaultsGetsTheRightExitAndSaysWhatWasApplied) {
  ScriptedCommandStream service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_GT(port, 0);
  eventstore::testing::TempDir dir;
  const std::string address = "127.0.0.1:" + std::to_string(port);
  const std::string line =
      R"({"command": {"recordActivity": {"programmeId": "p", "experimentId": "e", "participantCount": 3}}})"
      "\n";
  // --timeout 1 only where no answer comes: elsewhere a slow machine must not turn an answer
  // into a timeout.
  auto apply = [&](ScriptedCommandStream::Mode mode) {
    service.mode = mode;
    const std::string timeout = mode == ScriptedCommandStream::Mode::kSilent ? "1" : "30";
    return RunCli({"--server", address, "--token", "t", "--timeout", timeout, "commands", "apply",
                   "-", "--request-id-prefix", "r"},
                  dir.path(), dir.path(), line + line + line);
  };

  // Answered once, then the stream ends: line 1 applied, lines 2 and 3 not, exit 3.
  CliResult ended = apply(ScriptedCommandStream::Mode::kOneThenUnavailable);
  EXPECT_EQ(ended.exit_code, 3) << ended.err;
  EXPECT_NE(ended.out.find("✓ line 1 RecordActivity: written at position 7\n1 of 3 commands "
                           "applied, 2 not answered\n"),
            std::string::npos)
      << ended.out;
  EXPECT_NE(ended.err.find(
                "cannot apply line 2 of stdin: the server is shutting down (UNAVAILABLE); 1 of 3 "
                "commands applied, 2 not answered; sending the file again writes nothing twice"),
            std::string::npos)
      << ended.err;

  // No answer within --timeout: the CLI gives up instead of waiting for ever.
  CliResult silent = apply(ScriptedCommandStream::Mode::kSilent);
  EXPECT_EQ(silent.exit_code, 3) << silent.err;
  EXPECT_NE(
      silent.err.find(
          "cannot apply line 1 of stdin: no answer within 1 s (--timeout) (DEADLINE_EXCEEDED); "
          "0 of 3 commands applied, 3 not answered"),
      std::string::npos)
      << silent.err;

  // An answer for another request is a fault of the server: exit 4, nothing more sent.
  CliResult wrong = apply(ScriptedCommandStream::Mode::kWrongRequestId);
  EXPECT_EQ(wrong.exit_code, 4) << wrong.err;
  EXPECT_NE(wrong.err.find("line 1 was answered for request id somebody-else"), std::string::npos)
      << wrong.err;

  // Refused by a rule, a fault, a rule again: every line answered, the exit code the most
  // serious (4, not the first's or the last's 1).
  CliResult faults = apply(ScriptedCommandStream::Mode::kRefusalThenFault);
  EXPECT_EQ(faults.exit_code, 4) << faults.err;
  EXPECT_NE(faults.out.find(
                "✗ line 1 RecordActivity: cannot record activity: the experiment is evaluated "
                "(PT-EXPERIMENT-EVALUATED)\n✗ line 2 RecordActivity: the projection row is corrupt "
                "(INTERNAL)\n✗ line 3 RecordActivity: cannot record activity: the experiment is "
                "evaluated (PT-EXPERIMENT-EVALUATED)\n"),
            std::string::npos)
      << faults.out;
  EXPECT_NE(faults.out.find("0 of 3 commands applied, 3 refused (first: line 1)\n"),
            std::string::npos)
      << faults.out;
  server->Shutdown();
}

}  // namespace
}  // namespace proeftuin::e2e
