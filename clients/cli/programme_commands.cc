// `proeftuin programme …`: draft, amend, adopt, evaluate, close, correct, show, list.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/views.h"
#include "cli/verb.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

std::vector<FlagSpec> DesignFlags() {
  return {{"--title", "design.title", "Title"},
          {"--goal", "design.goal", "The goal (doel)"},
          {"--legal-basis", "design.legal_basis", "Legal basis, e.g. the bylaw article"},
          {"--start", "design.period.start", "First day of the period, YYYY-MM-DD"},
          {"--end", "design.period.end", "Last day of the period, YYYY-MM-DD"},
          {"--evaluation-date", "design.evaluation_date", "When the programme is evaluated"},
          {"--budget", "design.budget.total", "Total budget in euros"},
          {"--budget-year", "design.budget.years", "YEAR=EUROS, once per budget year"},
          {"--budget-source", "design.budget.source", "Where the money comes from (Kadernota)"},
          {"--area", "design.areas", "An area (kern, wijk); repeat"},
          {"--predecessor", "design.predecessor_programme_id", "The programme this one follows up"},
          {"--lessons-carried-over", "design.lessons_carried_over", "Lessons from the predecessor"},
          {"--knowledge-plan", "design.knowledge_exchange_plan", "Knowledge exchange plan"},
          {"--communication-plan", "design.communication_plan", "Communication plan"},
          {"--confidentiality", "confidentiality", "openbaar|intern|vertrouwelijk|…"}};
}

// An amendment starts from the current design (and expects the version it read).
Outcome CurrentDesign(Cli* cli, const std::vector<std::string>& args,
                      google::protobuf::Message* action, SeenVersions* seen) {
  v1::GetProgrammeResponse r;
  if (Outcome o = FetchProgramme(cli, args.at(0), &r); o.exit_code != 0) return o;
  *static_cast<v1::AmendProgramme*>(action)->mutable_design() = r.programme().design();
  seen->current = r.programme().stream_version();
  const auto& amendments = r.view().amendments();  // oldest first
  if (!amendments.empty()) seen->before_last_amendment = amendments.rbegin()->stream_version() - 1;
  return Ok();
}

void AddMutations(CLI::App* noun, Cli* cli) {
  const std::string p = "lv-2024-2027";
  AddCommandVerb(noun, cli,
                 {"draft", "draft_programme", "programme {programme_id}", "Draft a new programme (programme manager)",
                  "proeftuin programme draft " + p + " --title 'Experimenteerprogramma 2024-2027' --goal '…' "
                  "--legal-basis 'Participatieverordening art. 3 lid 7' --start 2024-07-01 --end 2025-12-31 "
                  "--evaluation-date 2026-02-15 --budget 140000 --budget-year 2025=70000 --budget-year 2026=70000",
                  ProgrammeArg(), DesignFlags(), nullptr});
  AddCommandVerb(noun, cli,
                 {"amend", "amend_programme", "programme {programme_id}",
                  "Amend the design (starts from the current one; a reason is required)",
                  "proeftuin programme amend " + p + " --end 2027-03-31 --reason 'extended, see lv.nl 9 July 2024'",
                  ProgrammeArg(), DesignFlags(), CurrentDesign});
  AddCommandVerb(noun, cli,
                 {"adopt", "adopt_programme", "programme {programme_id}", "Adopt (vaststellen) the programme (college)",
                  "proeftuin programme adopt " + p + " --decision BW-2024-0412 --decision-date 2024-07-09",
                  ProgrammeArg(),
                  {{"--decision", "decision.identification", "Decision number (besluitnummer)"},
                   {"--decision-date", "decision.decision_date", "Decision date"},
                   {"--effective-date", "decision.effective_date", "Date it takes effect"},
                   {"--decision-url", "decision.url", "Link to the decision"},
                   {"--deciding-body", "decision.deciding_body", "college|council|mayor"}},
                  nullptr});
  AddCommandVerb(noun, cli,
                 {"evaluate", "evaluate_programme", "programme {programme_id}", "Evaluate the programme (evaluator)",
                  "proeftuin programme evaluate " + p + " --findings 'Wat werkte …' --recommendation '…'",
                  ProgrammeArg(),
                  {{"--findings", "findings", "The findings"},
                   {"--recommendation", "recommendations", "A recommendation; repeat"},
                   {"--report-id", "report.document_id", "Evaluation report id"},
                   {"--report-title", "report.title", "Evaluation report title"},
                   {"--report-url", "report.url", "Evaluation report link"},
                   {"--evaluated-on", "evaluated_on", "Date of the evaluation"}},
                  nullptr});
  AddCommandVerb(noun, cli,
                 {"close", "close_programme", "programme {programme_id}", "Close an evaluated programme",
                  "proeftuin programme close " + p + " --note 'Afgesloten'", ProgrammeArg(),
                  {{"--closed-on", "closed_on", "Date"}, {"--note", "note", "A closing note"}}, nullptr});
}

void AddCorrect(CLI::App* noun, Cli* cli) {
  AddCommandVerb(
      noun, cli,
      {"correct", "record_correction", "event at position in programme {programme_id}",
       "Correct an earlier event (nothing is rewritten; a reason is required)",
       "proeftuin programme correct lv-2024-2027 --position 57 --experiment adoptietuinen --amount 1250 "
       "--reason 'invoice amount mistyped'",
       ProgrammeArg(),
       {{"--position", "corrected_position", "Global position of the corrected event"},
        {"--experiment", "experiment_id", "The experiment, when the event is on its stream"},
        {"--amount", "fields.amount", "Corrected amount"},
        {"--budget-year", "fields.budget_year", "Corrected budget year"},
        {"--count", "fields.count", "Corrected count (participants, attendees)"},
        {"--seldom-heard-count", "fields.seldom_heard_count", "Corrected seldom-heard count"},
        {"--text", "fields.text", "Corrected main text"},
        {"--date", "fields.occurred_on", "Corrected business date"},
        {"--decision", "fields.decision.identification", "Corrected decision number"},
        {"--decision-date", "fields.decision.decision_date", "Corrected decision date"}},
       nullptr});
}

Outcome Show(Cli* cli, const std::string& id) {
  v1::GetProgrammeResponse r;
  if (Outcome o = FetchProgramme(cli, id, &r); o.exit_code != 0) return o;
  if (cli->json()) {
    std::cout << ToJson(r) << "\n";
  } else {
    // A server from before the views sends none.
    std::cout << ProgrammeText(r.programme(), cli->color_out())
              << (r.has_view() ? ProgrammeViewText(r.view(), cli->color_out()) : "");
  }
  return Ok();
}

Outcome List(Cli* cli) {
  auto stub = v1::ProgrammeService::NewStub(cli->Channel());
  v1::ListProgrammesRequest req;
  req.set_page_size(500);
  v1::ListProgrammesResponse all;
  for (;;) {
    v1::ListProgrammesResponse page;
    auto ctx = cli->Context();
    grpc::Status s = stub->ListProgrammes(ctx.get(), req, &page);
    if (!s.ok()) return FromStatus(s, ctx.get(), "list programmes");
    for (auto& p : *page.mutable_programmes()) *all.add_programmes() = std::move(p);
    all.set_as_of_position(page.as_of_position());
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  if (cli->json()) {
    std::cout << ToJson(all) << "\n";
    return Ok();
  }
  Table t({"PROGRAMME", "STATUS", "PERIOD", "BUDGET", "TITLE"});
  t.AlignRight(3);
  for (const auto& p : all.programmes()) {
    t.AddRow({p.programme_id(), ShortEnum(v1::ProgrammeStatus_descriptor()->FindValueByNumber(p.status())),
              FormatDate(p.design().period().start()) + " – " + FormatDate(p.design().period().end()),
              FormatEuro(p.design().budget().total().cents()), p.design().title()});
  }
  std::cout << t.Render(cli->color_out());
  return Ok();
}

void AddReads(CLI::App* noun, Cli* cli) {
  auto id = std::make_shared<std::string>();
  CLI::App* show = noun->add_subcommand("show", "Show one programme: status, period, budget per year, experiments, council input, deadlines, warnings");
  show->add_option("programme", *id, "The programme id")->required();
  show->footer(ExampleFooter("proeftuin programme show lv-2024-2027 -o json"));
  show->callback([cli, id] { cli->set_outcome(Show(cli, *id)); });
  CLI::App* list = noun->add_subcommand("list", "List the programmes you may see");
  list->footer(ExampleFooter("proeftuin programme list"));
  list->callback([cli] { cli->set_outcome(List(cli)); });
}

}  // namespace

void AddProgrammeCommands(CLI::App* root, Cli* cli) {
  CLI::App* noun = root->add_subcommand("programme", "Programmes (experimenteerprogramma's): draft to close");
  noun->require_subcommand(1);
  noun->footer(ExampleFooter("proeftuin programme show lv-2024-2027"));
  AddMutations(noun, cli);
  AddCorrect(noun, cli);
  AddReads(noun, cli);
}

}  // namespace proeftuin::cli
