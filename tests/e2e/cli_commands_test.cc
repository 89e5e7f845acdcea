// End to end: the `proeftuin` CLI against the real proeftuind. The example programme runs
// through the CLI's command verbs (`-f -` with proto JSON); reads are compared with golden JSON;
// rule errors, permissions and usage mistakes give the documented exit codes and messages.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/time/clock.h"
#include "domain/example_programme.h"
#include "e2e/cli_support.h"
#include "google/protobuf/util/json_util.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::e2e {
namespace {

constexpr char kP[] = "lv-2024-2027";

// A GetProgrammeResponse or GetExperimentResponse as JSON without what depends on the day the
// test runs: the view's clock facts and the warnings computed from them (deadlines passed).
std::string WithoutTheClock(const std::string& json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.contains("view")) return json;
  nlohmann::json& view = j["view"];
  view["clock"] = "<clock>";
  nlohmann::json kept = nlohmann::json::array();
  for (const nlohmann::json& w : view["warnings"]) {
    const std::string kind = w["kind"].get<std::string>();
    if (kind != "WARNING_KIND_EVALUATION_OVERDUE" && kind != "WARNING_KIND_RESPONSE_DEADLINE_PASSED" &&
        kind != "WARNING_KIND_EXPERIMENT_PAST_PLANNING_END" && kind != "WARNING_KIND_EXPERIMENT_NOT_STARTED") {
      kept.push_back(w);
    }
  }
  view["warnings"] = kept;
  return j.dump();
}

TEST_F(CliTest, ExampleProgrammeRunsThroughEveryCommandVerbAndReadsMatchTheGoldens) {
  int ran = RunExampleThroughCli(GoldenDay());
  EXPECT_GT(ran, 50);
  CliResult show = Cli({"-o", "json", "programme", "show", kP}, "auditor");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  // The whole GetProgrammeResponse: the state and the server's view of it.
  ExpectGolden("programme_show", NormaliseJson(WithoutTheClock(show.out)));
  CliResult list = Cli({"-o", "json", "experiment", "list", kP}, "college");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  ExpectGolden("experiment_list", NormaliseJson(list.out));
  CliResult one = Cli({"-o", "json", "experiment", "show", kP, "parkeren-rond-de-mall"}, "college");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ExpectGolden("experiment_show", NormaliseJson(WithoutTheClock(one.out)));
  CliResult council = Cli({"-o", "json", "council", "list", kP}, "griffie");
  ASSERT_EQ(council.exit_code, 0) << council.err;
  ExpectGolden("council_list", NormaliseJson(council.out));
  CliResult sessions = Cli({"-o", "json", "session", "list", kP}, "programme_manager");
  ASSERT_EQ(sessions.exit_code, 0) << sessions.err;
  ExpectGolden("session_list", NormaliseJson(sessions.out));
  CliResult programmes = Cli({"-o", "json", "programme", "list"}, "auditor");
  ASSERT_EQ(programmes.exit_code, 0) << programmes.err;
  ExpectGolden("programme_list", NormaliseJson(programmes.out));
  // Tables for people: euros in Dutch style, aligned columns.
  CliResult table = Cli({"programme", "show", kP}, "auditor");
  EXPECT_NE(table.out.find("€ 140.000,00"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Status              adopted"), std::string::npos) << table.out;
  // The view beneath the state: budget per year, the overview, and the warnings in English and Dutch.
  EXPECT_NE(table.out.find("\n2025    € 70.000,00   € 65.000,00  € 58.000,00   € 5.000,00  € 12.000,00\n"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("Experiments     7 (1 started, 4 evaluated, 1 withdrawn, 1 rejected)"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("Progress        average 96 % over the 5 selected; 6 activities, 1800 participants, 80 "
                           "seldom-heard reached\n"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("Council input   3 wish(es)/objection(s) (wensen en bedenkingen), none open"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("\nWarnings (signaleringen)\n- over-spent (parkeren-rond-de-mall): experiment "
                           "parkeren-rond-de-mall spent EUR 18250.00 of EUR 15000.00 allocated (EUR 3250.00 over)\n"
                           "  nl: experiment parkeren-rond-de-mall heeft € 18.250,00 besteed, € 3.250,00 meer dan de "
                           "toegekende € 15.000,00\n"),
            std::string::npos)
      << table.out;
  CliResult experiment = Cli({"experiment", "show", kP, "parkeren-rond-de-mall"}, "auditor");
  ASSERT_EQ(experiment.exit_code, 0) << experiment.err;
  EXPECT_NE(experiment.out.find("Spending            € 18.250,00 of € 15.000,00 allocated, € 3.250,00 over\n"),
            std::string::npos)
      << experiment.out;
  EXPECT_NE(experiment.out.find("Progress            100 % (ended; last reported 0 %)\n"), std::string::npos) << experiment.out;
  EXPECT_NE(experiment.out.find("\nterugkoppeling  alle deelnemers binnen 6 weken      insufficient\n"),
            std::string::npos)
      << experiment.out;
  EXPECT_NE(experiment.out.find("Evaluated on 2025-02-20: 1 good, 2 sufficient, 1 insufficient (sufficient overall); "
                                  "conclusion adapt\n"),
            std::string::npos)
      << experiment.out;
  EXPECT_NE(experiment.out.find("  nl: experiment parkeren-rond-de-mall heeft € 18.250,00 besteed"), std::string::npos)
      << experiment.out;
  CliResult experiments = Cli({"experiment", "list", kP}, "auditor");
  EXPECT_NE(experiments.out.find("EXPERIMENT"), std::string::npos) << experiments.out;
  // The CLI names itself to the server (proeftuin-application), and the audit trail records it.
  CliResult adopted = Cli({"-o", "json", "audit", "log", "--object", kP, "--type", "ProgrammeAdopted"}, "auditor");
  ASSERT_EQ(adopted.exit_code, 0) << adopted.err;
  nlohmann::json entries = nlohmann::json::parse(adopted.out)["entries"];
  ASSERT_EQ(entries.size(), 1u) << adopted.out;
  EXPECT_EQ(entries[0]["actor"]["application"], "proeftuin-cli") << adopted.out;
  // A rerun with the same request ids writes nothing new.
  EXPECT_EQ(RunExampleThroughCli(GoldenDay()), ran);
}

TEST_F(CliTest, RuleRefusalNamesTheRuleAndTheObjectAndExitsOne) {
  CliResult draft = Cli({"programme", "draft", kP, "--title", "Experimenteerprogramma", "--goal", "Leren",
                         "--legal-basis", "Participatieverordening art. 3 lid 7", "--start", "2024-07-01", "--end",
                         "2025-12-31", "--evaluation-date", "2026-02-15", "--budget", "140.000,00", "--budget-year",
                         "2025=70000", "--budget-year", "2026=70000"},
                        "programme_manager");
  ASSERT_EQ(draft.exit_code, 0) << draft.err;
  EXPECT_NE(draft.out.find("DraftProgramme: written at position"), std::string::npos) << draft.out;
  CliResult adopt = Cli({"programme", "adopt", kP, "--decision", "BW-1", "--decision-date", "2024-07-09"}, "college");
  EXPECT_EQ(adopt.exit_code, 1);
  EXPECT_NE(adopt.err.find("cannot adopt programme lv-2024-2027"), std::string::npos) << adopt.err;
  EXPECT_NE(adopt.err.find("(PT-COUNCIL-NOT-SUBMITTED)"), std::string::npos) << adopt.err;
  CliResult close = Cli({"programme", "close", kP}, "programme_manager");
  EXPECT_EQ(close.exit_code, 1);
  EXPECT_NE(close.err.find("(PT-PROGRAMME-NOT-EVALUATED)"), std::string::npos) << close.err;
  CliResult evaluate = Cli({"programme", "evaluate", kP, "--findings", "x"}, "evaluator");
  EXPECT_EQ(evaluate.exit_code, 1);
  EXPECT_NE(evaluate.err.find("(PT-PROGRAMME-NOT-ADOPTED)"), std::string::npos) << evaluate.err;
  CliResult not_evaluable = Cli({"experiment", "not-evaluable", kP, "nope", "--reason", "x"}, "evaluator");
  EXPECT_EQ(not_evaluable.exit_code, 1);
  EXPECT_NE(not_evaluable.err.find("cannot mark experiment lv-2024-2027.nope not evaluable"), std::string::npos)
      << not_evaluable.err;
  EXPECT_NE(not_evaluable.err.find("(PT-EXPERIMENT-NOT-FOUND)"), std::string::npos) << not_evaluable.err;
  // Stale If-Match: a conflict, exit 1.
  CliResult stale = Cli({"programme", "amend", kP, "--end", "2027-03-31", "--reason", "verlengd",
                         "--expected-version", "5"},
                        "programme_manager");
  EXPECT_EQ(stale.exit_code, 1) << stale.err;
  EXPECT_NE(stale.err.find("PT-STALE-VERSION"), std::string::npos) << stale.err;
}

TEST_F(CliTest, AmendStartsFromTheCurrentDesign) {
  ASSERT_GT(RunExample(GoldenDay()), 10);
  CliResult amend = Cli({"-o", "json", "experiment", "amend", kP, "uitdaagrecht", "--involvement",
                         "Ook via de wijkoverleggen.", "--reason", "betrokkenheid aangevuld",
                         "--request-id", "amend-gardens"},
                        "programme_manager");
  ASSERT_EQ(amend.exit_code, 0) << amend.err;
  ExpectGolden("experiment_amend", NormaliseJson(amend.out, {"first_position", "last_position", "version"}));
  CliResult show = Cli({"-o", "json", "experiment", "show", kP, "uitdaagrecht"}, "auditor");
  nlohmann::json e = nlohmann::json::parse(show.out)["experiment"];
  EXPECT_EQ(e["design"]["conditions"]["resident_involvement"], "Ook via de wijkoverleggen.");
  EXPECT_FALSE(e["design"]["criteria"].empty());  // the rest of the design was kept
}

TEST_F(CliTest, ExitCodesForUsageAndForUnauthorisedAndUnavailable) {
  EXPECT_EQ(Cli({"programme", "frobnicate"}).exit_code, 2);
  EXPECT_EQ(Cli({"programme", "show"}).exit_code, 2);  // missing id
  CliResult bad_money = Cli({"programme", "draft", kP, "--budget", "veel"}, "programme_manager");
  EXPECT_EQ(bad_money.exit_code, 2);
  EXPECT_NE(bad_money.err.find("--budget: expected an amount in euros"), std::string::npos) << bad_money.err;
  CliResult bad_enum = Cli({"council", "record", kP, "--kind", "complaint"}, "griffie");
  EXPECT_EQ(bad_enum.exit_code, 2);
  EXPECT_NE(bad_enum.err.find("wish|objection"), std::string::npos) << bad_enum.err;
  CliResult bad_json = Cli({"programme", "draft", kP, "-f", "-"}, "programme_manager", "{not json");
  EXPECT_EQ(bad_json.exit_code, 2) << bad_json.err;
  CliResult wrong_role = Cli({"programme", "draft", kP, "--title", "x"}, "auditor");
  EXPECT_EQ(wrong_role.exit_code, 3);
  EXPECT_NE(wrong_role.err.find("cannot draft programme lv-2024-2027: "), std::string::npos) << wrong_role.err;
  EXPECT_NE(wrong_role.err.find("(PERMISSION_DENIED)"), std::string::npos) << wrong_role.err;
  std::ofstream(dir_.path() + "/bad.token") << "not-a-token\n";
  CliResult bad_token = RunCli({"--server", server_->address(), "--token-file", dir_.path() + "/bad.token",
                                "programme", "list"},
                               dir_.path(), home());
  EXPECT_EQ(bad_token.exit_code, 3);
  EXPECT_NE(bad_token.err.find("UNAUTHENTICATED"), std::string::npos) << bad_token.err;
  CliResult down = RunCli({"--server", "127.0.0.1:1", "--token", "x", "--timeout", "2", "programme", "list"},
                          dir_.path(), home());
  EXPECT_EQ(down.exit_code, 3);
  EXPECT_EQ(Cli({"-o", "yaml", "programme", "list"}).exit_code, 2);
}

// The experiment's activity count and the store's last position, as the CLI shows them.
struct Counts {
  int activities = -1;
  int64_t last_position = -1;
};

TEST_F(CliTest, CommandsApplySendsEveryLineAnswersEachAndARerunWritesNothingTwice) {
  ASSERT_GT(RunExample(), 50);
  auto counts = [&] {
    Counts c;
    CliResult e = Cli({"-o", "json", "experiment", "show", kP, "uitdaagrecht"}, "auditor");
    CliResult s = Cli({"-o", "json", "admin", "stats"});
    if (e.exit_code != 0 || s.exit_code != 0) return c;
    c.activities = nlohmann::json::parse(e.out)["experiment"]["activity_count"].get<int>();
    c.last_position = std::stoll(nlohmann::json::parse(s.out)["last_position"].get<std::string>());
    return c;
  };
  const Counts before = counts();
  ASSERT_GE(before.activities, 0);
  const std::string activity =
      R"("recordActivity": {"programmeId": "lv-2024-2027", "experimentId": "uitdaagrecht", )";
  const std::string file = dir_.path() + "/activities.jsonl";
  std::ofstream(file)
      << "# bijeenkomsten uit de spreadsheet\n"
      << "{\"command\": {" << activity
      << R"("kind": "ACTIVITY_KIND_MEETING", "participantCount": 25}}})"
      << "\n"
      << "\n"
      << R"({"options": {"requestId": "eigen-id-1"}, "command": {)" << activity
      << R"("kind": "ACTIVITY_KIND_WORKSHOP", "participantCount": 12, "seldomHeardReachedCount": 3}}})"
      << "\n"
      << R"({"command": {"recordActivity": {"programmeId": "lv-2024-2027", "experimentId": "parkeren-rond-de-mall", "kind": "ACTIVITY_KIND_SURVEY", "participantCount": 300}}})"
      << "\n"
      << "{\"command\": {" << activity
      << R"("kind": "ACTIVITY_KIND_SURVEY", "participantCount": 5, "seldomHeardReachedCount": 9}}})"
      << "\n"
      << "{\"command\": {" << activity
      << R"("kind": "ACTIVITY_KIND_SURVEY", "participantCount": 40}}})"
      << "\n";

  CliResult first =
      Cli({"commands", "apply", file, "--request-id-prefix", "import-1"}, "programme_manager");
  EXPECT_EQ(first.exit_code, 1) << first.err;  // two lines refused by rules
  EXPECT_NE(first.out.find("✓ line 2 RecordActivity: written at position "), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("✓ line 4 RecordActivity: written at position "), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("✗ line 5 RecordActivity: cannot record activity for experiment "
                           "lv-2024-2027.parkeren-rond-de-mall: "),
            std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("(PT-EXPERIMENT-EVALUATED)\n✗ line 6 RecordActivity: "),
            std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("seldom_heard_reached_count is 9"), std::string::npos) << first.out;
  // A refused line does not stop the rest.
  EXPECT_NE(first.out.find("(PT-VALUE-RANGE)\n✓ line 7 RecordActivity: written at position "),
            std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("3 of 5 commands applied, 2 refused (first: line 5)\n"),
            std::string::npos)
      << first.out;
  EXPECT_NE(
      first.err.find("2 of 5 commands refused; the first: line 5 RecordActivity: cannot record "
                     "activity for experiment lv-2024-2027.parkeren-rond-de-mall"),
      std::string::npos)
      << first.err;
  const Counts after = counts();
  EXPECT_EQ(after.activities, before.activities + 3);
  EXPECT_EQ(after.last_position, before.last_position + 3);

  // The same file again: every line that was written is answered as a retry, nothing is written.
  CliResult again =
      Cli({"-o", "json", "commands", "apply", file, "--request-id-prefix", "import-1"},
          "programme_manager");
  EXPECT_EQ(again.exit_code, 1) << again.err;
  std::vector<nlohmann::json> answers;
  std::istringstream lines(again.out);
  for (std::string line; std::getline(lines, line);) answers.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(answers.size(), 5u) << again.out;  // JSON lines only; the summary goes to stderr
  EXPECT_NE(again.err.find("3 of 5 commands applied, 2 refused (first: line 5)\n"),
            std::string::npos)
      << again.err;
  const std::vector<int> numbers = {2, 4, 5, 6, 7};
  const std::vector<std::string> ids = {"import-1-2", "eigen-id-1", "import-1-5", "import-1-6",
                                        "import-1-7"};
  const std::vector<std::string> codes = {"OK", "OK", "FAILED_PRECONDITION", "INVALID_ARGUMENT",
                                          "OK"};
  for (size_t i = 0; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i]["line"], numbers[i]) << answers[i];
    EXPECT_EQ(answers[i]["command"], "RecordActivity") << answers[i];
    EXPECT_EQ(answers[i]["request_id"], ids[i]) << answers[i];
    EXPECT_EQ(answers[i]["code"], codes[i]) << answers[i];
    if (codes[i] == "OK") {
      EXPECT_EQ(answers[i]["result"]["duplicate"], true) << answers[i];
    }
  }
  EXPECT_EQ(answers[2]["rule"], "PT-EXPERIMENT-EVALUATED");
  EXPECT_EQ(answers[3]["rule"], "PT-VALUE-RANGE");
  const Counts rerun = counts();
  EXPECT_EQ(rerun.activities, after.activities);
  EXPECT_EQ(rerun.last_position, after.last_position);
}

TEST_F(CliTest, CommandsApplyChecksEveryLineFirstAndSendsNothingWhenOneIsWrong) {
  auto last_position = [&] {
    CliResult s = Cli({"-o", "json", "admin", "stats"});
    return s.exit_code == 0 ? nlohmann::json::parse(s.out)["last_position"].get<std::string>()
                            : std::string();
  };
  const std::string before = last_position();
  ASSERT_FALSE(before.empty());
  // The example's first step, the programme's draft, as a line of the file.
  const domain::ExampleStep step = domain::ExampleProgrammeSteps().front();
  ASSERT_EQ(step.role, "programme_manager");
  v1::ExecuteCommandsRequest request;
  request.mutable_options()->set_request_id("d-1");
  *request.mutable_command() = step.command;
  std::string draft;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(request, &draft).ok());
  CliResult bad_json =
      Cli({"commands", "apply", "-"}, "programme_manager", draft + "\n{not json\n");
  EXPECT_EQ(bad_json.exit_code, 2);
  EXPECT_NE(bad_json.err.find("stdin line 2: "), std::string::npos) << bad_json.err;
  CliResult no_command =
      Cli({"commands", "apply", "-"}, "programme_manager", draft + "\n\n{\"command\": {}}\n");
  EXPECT_EQ(no_command.exit_code, 2);
  EXPECT_NE(no_command.err.find("stdin line 3: no command"), std::string::npos) << no_command.err;
  CliResult no_id = Cli({"commands", "apply", "-"}, "programme_manager",
                        R"({"command": {"draftProgramme": {"programmeId": "lv-2030"}}})"
                        "\n");
  EXPECT_EQ(no_id.exit_code, 2);
  EXPECT_NE(no_id.err.find("stdin line 1: options.requestId is empty; give each line its own, or "
                           "--request-id-prefix"),
            std::string::npos)
      << no_id.err;
  // Two lines with one request id: the second would only be answered as a retry of the first.
  CliResult same_id = Cli({"commands", "apply", "-", "--request-id-prefix", "d"},
                          "programme_manager", draft + "\n" + draft + "\n");
  EXPECT_EQ(same_id.exit_code, 2);
  EXPECT_NE(
      same_id.err.find("stdin line 2: request id d-1 is also line 1's; each command needs its own"),
      std::string::npos)
      << same_id.err;
  CliResult empty = Cli({"commands", "apply", "-"}, "programme_manager", "# niets\n\n");
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("stdin: no commands"), std::string::npos) << empty.err;
  EXPECT_EQ(
      Cli({"commands", "apply", dir_.path() + "/missing.jsonl"}, "programme_manager").exit_code, 2);
  // A role that sends no commands opens no stream: nothing is sent, exit 3, and it says so.
  CliResult auditor = Cli({"commands", "apply", "-"}, "auditor", draft + "\n");
  EXPECT_EQ(auditor.exit_code, 3);
  EXPECT_NE(auditor.err.find("cannot apply line 1 of stdin: "), std::string::npos) << auditor.err;
  EXPECT_NE(auditor.err.find(
                "(PERMISSION_DENIED); 0 of 1 commands applied, 1 not answered; sending the file "
                "again writes nothing twice"),
            std::string::npos)
      << auditor.err;
  // A role that sends commands, but not this one: the line is refused for its own RPC, exit 3.
  CliResult griffie = Cli({"commands", "apply", "-"}, "griffie", draft + "\n");
  EXPECT_EQ(griffie.exit_code, 3) << griffie.err;
  EXPECT_NE(griffie.out.find("✗ line 1 DraftProgramme: "), std::string::npos) << griffie.out;
  EXPECT_NE(
      griffie.out.find("(PERMISSION_DENIED)\n0 of 1 commands applied, 1 refused (first: line 1)\n"),
      std::string::npos)
      << griffie.out;
  EXPECT_EQ(griffie.out.find("cannot apply"), std::string::npos) << griffie.out;
  EXPECT_EQ(last_position(), before);
  // And a good file is written, after a byte-order mark.
  CliResult good =
      Cli({"commands", "apply", "-"}, "programme_manager", "\xEF\xBB\xBF" + draft + "\n");
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(good.out.find("✓ line 1 DraftProgramme: written at position "), std::string::npos)
      << good.out;
  EXPECT_NE(good.out.find("1 of 1 commands applied\n"), std::string::npos) << good.out;
  EXPECT_NE(last_position(), before);
}

TEST_F(CliTest, ConfigFileAndDefaultTokenFileAreUsed) {
  std::filesystem::create_directories(home() + "/.config/proeftuin");
  std::ofstream(home() + "/.config/proeftuin/config.json")
      << nlohmann::json{{"server", server_->address()}, {"token_file", TokenFile("auditor")}, {"output", "json"}}
             .dump();
  CliResult r = RunCli({"programme", "list"}, dir_.path(), home());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"programmes\""), std::string::npos) << r.out;
  // ./var/data/admin.token is the fallback when nothing else names a token.
  std::filesystem::create_directories(dir_.path() + "/cwd/var/data");
  std::ofstream(dir_.path() + "/cwd/var/data/admin.token") << TokenFor("administrator") << "\n";
  CliResult admin = RunCli({"--server", server_->address(), "admin", "stats"}, dir_.path() + "/cwd",
                           dir_.path() + "/empty-home");
  EXPECT_EQ(admin.exit_code, 0) << admin.err;
  EXPECT_NE(admin.out.find("Last position"), std::string::npos) << admin.out;
}

TEST_F(CliTest, ReportProgressInMarkdownAndHtml) {
  ASSERT_GT(RunExample(), 50);
  CliResult md = Cli({"report", "progress", kP, "--format", "md"}, "auditor");
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_EQ(md.out.rfind("# Voortgangsrapportage Experimenteerprogramma inwonerparticipatie 2024-2027", 0), 0u)
      << md.out;
  EXPECT_NE(md.out.find("| Experiment | Status |"), std::string::npos);
  EXPECT_NE(md.out.find("| Totaal | € 140.000,00 |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| **Motivering** | Het budget blijft gelijk; een papieren variant wordt niet toegezegd. |"),
            std::string::npos)
      << md.out;
  EXPECT_NE(md.out.find("| **Weinig gehoorde groepen bereikt** | mantelzorgers |"), std::string::npos) << md.out;
  CliResult html = Cli({"report", "progress", kP, "--format", "html"}, "auditor");
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_NE(html.out.find("<html lang=\"nl\">"), std::string::npos);
  EXPECT_NE(html.out.find("<h2>Wensen en bedenkingen van de raad</h2>"), std::string::npos) << html.out;
  const std::string file = dir_.path() + "/voortgang.html";
  ASSERT_EQ(Cli({"report", "progress", kP, "--format", "html", "--out", file}, "auditor").exit_code, 0);
  std::ifstream in(file);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), html.out);
  EXPECT_EQ(Cli({"report", "progress", kP, "--format", "pdf"}, "auditor").exit_code, 2);
  CliResult unknown = Cli({"report", "progress", "bestaat-niet"}, "auditor");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("bestaat-niet"), std::string::npos) << unknown.err;
}

// The report is the server's (GetProgressReport): the college's responses with their motivation,
// what is still open, the knowledge sessions with their attendees, the budget per year, and the
// server's report date (Europe/Amsterdam), whatever the CLI machine's time zone.
TEST_F(CliTest, ReportProgressShowsResponsesOpenInputSessionsAndBudgetPerYear) {
  // The example up to the council's wishes and objections (2 July 2024); the college answers wb-1.
  ASSERT_GT(RunExample(absl::FromCivil(absl::CivilDay(2024, 7, 7), absl::UTCTimeZone())), 10);
  CliResult answer = Cli({"council", "answer", kP, "wb-1", "--disposition", "adopted", "--motivation",
                          "Het jongerenpanel Stompwijk is opgenomen.", "--decision", "B&W 24.0500", "--decision-date",
                          "2024-07-08", "--answered-on", "2024-07-08"},
                         "college");
  ASSERT_EQ(answer.exit_code, 0) << answer.err;
  absl::TimeZone amsterdam;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Amsterdam", &amsterdam));
  const std::string before = absl::FormatTime("%Y-%m-%d", absl::Now(), amsterdam);
  CliResult md = Cli({"report", "progress", kP}, "griffie");
  const std::string after = absl::FormatTime("%Y-%m-%d", absl::Now(), amsterdam);
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_TRUE(md.out.find("· peildatum " + before + " ·") != std::string::npos ||
              md.out.find("· peildatum " + after + " ·") != std::string::npos)
      << md.out;
  // The college's response and its motivation, and the decision it rests on.
  EXPECT_NE(md.out.find("\n### Wens wb-1\n"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| **Reactie van het college** | overgenomen |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| **Motivering** | Het jongerenpanel Stompwijk is opgenomen. |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| **Besluit** | B&W 24.0500 (college, 2024-07-08) |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| reactie op wens of bedenking | wb-1 |"), std::string::npos) << md.out;
  // What is still open.
  EXPECT_NE(md.out.find("| **Nog zonder reactie van het college** | 2: wb-2, wb-3 |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("\n### Bedenking wb-2 (open)\n"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| wens of bedenking nog zonder reactie van het college |"), std::string::npos) << md.out;
  // A knowledge session with its attendees.
  EXPECT_NE(md.out.find("| 2024-05-28 | Informele collegesessie over potentiele projecten (ks-1) | bijeenkomst | 9 |"),
            std::string::npos)
      << md.out;
  // The budget per year: budget, allocated, spent, free, remaining.
  EXPECT_NE(md.out.find("| 2025 | € 70.000,00 | € 67.000,00 | € 0,00 | € 3.000,00 | € 70.000,00 |"),
            std::string::npos)
      << md.out;
  CliResult html = Cli({"report", "progress", kP, "--format", "html"}, "griffie");
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_NE(html.out.find("<dt>Motivering</dt><dd>Het jongerenpanel Stompwijk is opgenomen.</dd>"), std::string::npos)
      << html.out;
  EXPECT_NE(html.out.find("<h3>Bedenking wb-2 (open)</h3>"), std::string::npos) << html.out;
  EXPECT_NE(html.out.find("<td class=\"num\">9</td>"), std::string::npos) << html.out;
  EXPECT_NE(html.out.find("<tr><td class=\"nw\">2025</td><td class=\"num\">€ 70.000,00</td>"), std::string::npos)
      << html.out;
}

TEST_F(CliTest, CompletionScriptsListTheCommandTree) {
  CliResult bash = Cli({"completion", "bash"});
  ASSERT_EQ(bash.exit_code, 0);
  EXPECT_NE(bash.out.find("complete -o default -F _proeftuin proeftuin"), std::string::npos);
  EXPECT_NE(bash.out.find("\"admin principal\") echo \"create list grant clearance revoke rotate expiry revoke-token"),
            std::string::npos)
      << bash.out;
  CliResult zsh = Cli({"completion", "zsh"});
  EXPECT_EQ(zsh.out.rfind("#compdef proeftuin", 0), 0u);
  // Every command has help with an example.
  for (auto path : std::vector<std::vector<std::string>>{
           {"programme", "draft"}, {"council", "answer"}, {"audit", "verify"}, {"admin", "principal", "create"}}) {
    path.push_back("--help");
    CliResult help = Cli(path);
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("Example:"), std::string::npos) << help.out;
  }
}

}  // namespace
}  // namespace proeftuin::e2e
