// `proeftuin council …` (the griffie and the college: wensen en bedenkingen) and
// `proeftuin session …` (knowledge sessions: gesprekstafels, wijkoverleggen, ...).
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/verb.h"
#include "cli/views.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::cli {
namespace {

constexpr char kProgrammeObject[] = "programme {programme_id}";

void AddSubmitVerb(CLI::App* noun, Cli* cli) {
  AddCommandVerb(noun, cli,
                 {"submit", "submit_programme_to_council", kProgrammeObject,
                  "Record that the design programme was sent to the council (griffie)",
                  "proeftuin council submit lv-2024-2027 --meeting raad-2024-07-02 --meeting-date 2024-07-02 "
                  "--document RV-2024-031 --agenda-item 9",
                  ProgrammeArg(),
                  {{"--meeting", "council_reference.meeting_id", "Council meeting id"},
                   {"--meeting-date", "council_reference.meeting_date", "Meeting date"},
                   {"--agenda-item", "council_reference.agenda_item", "Agenda item number (agendapunt)"},
                   {"--agenda-item-url", "council_reference.agenda_item_url", "Link to the agenda item"},
                   {"--document", "council_reference.document_id", "Council document id (raadsvoorstel)"},
                   {"--document-title", "council_reference.document_title", "Council document title"},
                   {"--document-url", "council_reference.document_url", "Link to the document"},
                   {"--submitted-on", "submitted_on", "Date it was sent"},
                   {"--deadline", "response_deadline", "Date the council is asked to respond by"}},
                  nullptr});
}

void AddInputVerbs(CLI::App* noun, Cli* cli) {
  AddCommandVerb(noun, cli,
                 {"record", "record_council_input", kProgrammeObject, "Record a wish or objection of the council (griffie)",
                  "proeftuin council record lv-2024-2027 --kind wish --text 'Betrek jongeren' --party 'Fractie X'",
                  ProgrammeArg(),
                  {{"--id", "input_id", "Its id (default wb-<n>)"},
                   {"--kind", "kind", "wish|objection"},
                   {"--text", "text", "The text as the council put it"},
                   {"--source", "source_kind", "motion|minutes|party|letter"},
                   {"--source-reference", "source_reference", "e.g. the motion number"},
                   {"--party", "party", "The party (fractie)"},
                   {"--experiment", "concerns_experiment_id", "The experiment it concerns"},
                   {"--meeting", "council_reference.meeting_id", "Council meeting id"},
                   {"--received-on", "received_on", "Date received"}},
                  nullptr});
  AddCommandVerb(noun, cli,
                 {"answer", "answer_council_input", "council input {input_id} of programme {programme_id}",
                  "Record the college's response to a wish or objection (college)",
                  "proeftuin council answer lv-2024-2027 wb-1 --disposition adopted --motivation 'Overgenomen: …'",
                  {{"programme", "programme_id"}, {"input", "input_id"}},
                  {{"--disposition", "disposition", "adopted|partly-adopted|not-adopted"},
                   {"--motivation", "motivation", "Why"},
                   {"--decision", "decision.identification", "College decision or letter"},
                   {"--decision-date", "decision.decision_date", "Its date"},
                   {"--answered-on", "answered_on", "Date of the answer"}},
                  nullptr});
}

void PrintCouncil(Cli* cli, const v1::ProgrammeState& p) {
  if (cli->json()) {
    nlohmann::ordered_json j;
    j["programme_id"] = p.programme_id();
    j["submission"] = p.has_submission() ? nlohmann::ordered_json::parse(ToJson(p.submission())) : nullptr;
    j["council_inputs"] = nlohmann::ordered_json::array();
    for (const auto& in : p.council_inputs()) j["council_inputs"].push_back(nlohmann::ordered_json::parse(ToJson(in)));
    std::cout << TerminalJson(j.dump(2)) << "\n";
    return;
  }
  Table t({"INPUT", "KIND", "EXPERIMENT", "ANSWERED", "DISPOSITION"});
  for (const auto& in : p.council_inputs()) {
    t.AddRow({in.input_id(),
              ShortEnum(v1::CouncilInputKind_descriptor()->FindValueByNumber(in.kind())),
              in.experiment_id(), in.answered() ? Cell("yes") : Cell("no", Tone::kBad),
              ShortEnum(v1::Disposition_descriptor()->FindValueByNumber(in.disposition()))});
  }
  std::cout << t.Render(cli->color_out());
}

void PrintSessions(Cli* cli, const v1::ProgrammeState& p) {
  if (cli->json()) {
    nlohmann::ordered_json j;
    j["programme_id"] = p.programme_id();
    j["knowledge_sessions"] = nlohmann::ordered_json::array();
    for (const auto& k : p.knowledge_sessions()) j["knowledge_sessions"].push_back(nlohmann::ordered_json::parse(ToJson(k)));
    std::cout << TerminalJson(j.dump(2)) << "\n";
    return;
  }
  Table t({"SESSION", "KIND", "HELD ON", "ATTENDEES"});
  t.AlignRight(3);
  for (const auto& s : p.knowledge_sessions()) {
    t.AddRow({s.session_id(), ShortEnum(v1::KnowledgeSessionKind_descriptor()->FindValueByNumber(s.kind())),
              FormatDate(s.held_on()), std::to_string(s.attendee_count())});
  }
  std::cout << t.Render(cli->color_out());
}

// `<noun> list <programme>`: a part of GetProgramme.
void AddList(CLI::App* noun, Cli* cli, const char* what, void (*print)(Cli*, const v1::ProgrammeState&)) {
  auto id = std::make_shared<std::string>();
  CLI::App* list = noun->add_subcommand("list", std::string("List the ") + what + " of a programme");
  list->add_option("programme", *id, "The programme id")->required();
  list->footer(ExampleFooter("proeftuin " + noun->get_name() + " list lv-2024-2027"));
  list->callback([cli, id, print] {
    v1::ProgrammeState p;
    Outcome o = FetchProgramme(cli, *id, &p);
    if (o.exit_code == 0) print(cli, p);
    cli->set_outcome(o);
  });
}

}  // namespace

void AddCouncilCommands(CLI::App* root, Cli* cli) {
  CLI::App* noun = root->add_subcommand("council", "The council (raad): submission, wishes and objections, answers");
  noun->require_subcommand(1);
  noun->footer(ExampleFooter("proeftuin council list lv-2024-2027"));
  AddSubmitVerb(noun, cli);
  AddInputVerbs(noun, cli);
  AddList(noun, cli, "wishes and objections", PrintCouncil);
}

void AddSessionCommands(CLI::App* root, Cli* cli) {
  CLI::App* noun = root->add_subcommand("session", "Knowledge sessions (gesprekstafels, wijkoverleggen, …)");
  noun->require_subcommand(1);
  noun->footer(ExampleFooter("proeftuin session list lv-2024-2027"));
  AddCommandVerb(noun, cli,
                 {"record", "record_knowledge_session", kProgrammeObject, "Record a knowledge session (programme manager)",
                  "proeftuin session record lv-2024-2027 --kind conversation-table --title 'Gesprekstafel Stompwijk' "
                  "--held-on 2025-03-12 --attendees 23",
                  ProgrammeArg(),
                  {{"--id", "session_id", "Its id (default ks-<n>)"},
                   {"--kind", "kind",
                    "digital-conversation-table|conversation-table|meeting|advisory-council|"
                    "neighbourhood-consultation|other"},
                   {"--title", "title", "Title"},
                   {"--held-on", "held_on", "Date"},
                   {"--attendees", "attendee_count", "How many attended"},
                   {"--organisation", "organisations", "An organisation that took part; repeat"},
                   {"--seldom-heard-group", "seldom_heard_groups_reached", "A group reached; repeat"},
                   {"--summary", "summary", "What was discussed and learned"},
                   {"--experiment", "experiment_ids", "An experiment discussed; repeat"}},
                  nullptr});
  AddList(noun, cli, "knowledge sessions", PrintSessions);
}

}  // namespace proeftuin::cli
