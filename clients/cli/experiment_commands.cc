// `proeftuin experiment …`: propose to evaluate, show, list.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/verb.h"
#include "cli/views.h"
#include "proeftuin/v1/programme_service.pb.h"

namespace proeftuin::cli {
namespace {

constexpr char kExperimentObject[] = "experiment {programme_id}.{experiment_id}";
constexpr char kPrefix[] = "proeftuin experiment ";
constexpr char kIds[] = " lv-2024-2027 straatgesprekken-voorburg-noord";

std::string Ex(const std::string& verb, const std::string& rest) { return kPrefix + verb + kIds + rest; }

std::vector<FlagSpec> DesignFlags() {
  return {{"--title", "design.title", "Title"},
          {"--form", "design.participation_form", "The new participation form tried"},
          {"--trajectory", "design.policy_trajectory", "The planned policy trajectory it is applied to"},
          {"--phase", "design.policy_phase", "development|execution|evaluation"},
          {"--level", "design.participation_level", "inform|consult|advise|co-produce|co-decide|self-organise"},
          {"--waiver", "design.level_waiver_reason", "Why no participation is offered (instead of --level)"},
          {"--area", "design.areas", "An area; repeat"},
          {"--design", "design.conditions.design", "Execution conditions: the design (invulling)"},
          {"--involvement", "design.conditions.resident_involvement", "How residents are involved"},
          {"--requested", "design.conditions.budget_requested", "Money asked for, in euros"},
          {"--hours", "design.conditions.civil_servant_hours", "Civil-servant hours needed"},
          {"--start", "design.conditions.planning.start", "Planning start"},
          {"--end", "design.conditions.planning.end", "Planning end"},
          {"--description", "design.description", "A longer description"},
          {"--confidentiality", "confidentiality", "openbaar|intern|vertrouwelijk|…"}};
}

// An amendment starts from the current design (and expects the version it read).
Outcome CurrentDesign(Cli* cli, const std::vector<std::string>& args,
                      google::protobuf::Message* action, SeenVersions* seen) {
  v1::GetExperimentResponse r;
  if (Outcome o = FetchExperiment(cli, args.at(0), args.at(1), &r); o.exit_code != 0) return o;
  *static_cast<v1::AmendExperiment*>(action)->mutable_design() = r.experiment().design();
  seen->current = r.experiment().stream_version();
  const auto& history = r.view().history();  // oldest first
  auto amended = std::find_if(history.rbegin(), history.rend(), [](const v1::HistoryEntry& h) {
    return h.event_type() == "proeftuin.v1.ExperimentAmended";
  });
  if (amended != history.rend()) seen->before_last_amendment = amended->stream_version() - 1;
  return Ok();
}

std::vector<FlagSpec> DecisionFlags() {
  return {{"--decision", "decision.identification", "College decision number"},
          {"--decision-date", "decision.decision_date", "Decision date"},
          {"--decision-url", "decision.url", "Link to the decision"}};
}

void AddDesignVerbs(CLI::App* noun, Cli* cli) {
  std::vector<FlagSpec> propose = DesignFlags();
  propose.push_back({"--proposer", "proposer.kind", "civil-servant|council-member|resident|organisation"});
  propose.push_back({"--organisation", "proposer.organisation", "The proposing organisation or department"});
  propose.push_back({"--channel", "proposer.channel", "Channel it came through"});
  propose.push_back({"--proposed-on", "proposed_on", "Date of the proposal"});
  AddCommandVerb(noun, cli,
                 {"propose", "propose_experiment", kExperimentObject, "Propose an experiment (criteria etc. via -f)",
                  Ex("propose", " --title 'Straatgewijze intake' --proposer civil-servant -f design.json"),
                  ExperimentArgs(), propose, nullptr});
  AddCommandVerb(noun, cli,
                 {"amend", "amend_experiment", kExperimentObject, "Amend the design (starts from the current one)",
                  Ex("amend", " --end 2026-06-30 --reason 'planning extended'"), ExperimentArgs(), DesignFlags(),
                  CurrentDesign});
  AddCommandVerb(noun, cli,
                 {"withdraw", "withdraw_experiment", kExperimentObject, "Withdraw an experiment that has not started",
                  Ex("withdraw", " --reason 'trajectory cancelled'"), ExperimentArgs(),
                  {{"--withdrawn-on", "withdrawn_on", "Date"}}, nullptr});
  std::vector<FlagSpec> select = DecisionFlags();
  select.push_back({"--allocate", "allocation", "YEAR=EUROS allocated per budget year; repeat"});
  AddCommandVerb(noun, cli,
                 {"select", "select_experiment", kExperimentObject, "Select into the programme and allocate budget (college)",
                  Ex("select", " --allocate 2025=15000 --allocate 2026=10000"), ExperimentArgs(), select, nullptr});
  AddCommandVerb(noun, cli,
                 {"reject", "reject_experiment", kExperimentObject, "Reject a proposal (college)",
                  Ex("reject", " --reason 'no planned trajectory'"), ExperimentArgs(), DecisionFlags(), nullptr});
}

void AddRunVerbs(CLI::App* noun, Cli* cli) {
  AddCommandVerb(noun, cli,
                 {"start", "start_experiment", kExperimentObject, "Start a selected experiment (adopted programme)",
                  Ex("start", " --started-on 2024-09-02"), ExperimentArgs(),
                  {{"--started-on", "started_on", "Date it started"}}, nullptr});
  AddCommandVerb(noun, cli,
                 {"activity", "record_activity", kExperimentObject, "Record an activity of a running experiment",
                  Ex("activity", " --kind street-conversations --participants 48 --seldom-heard 9"),
                  ExperimentArgs(),
                  {{"--kind", "kind", "meeting|workshop|survey|online-consultation|street-conversations|…"},
                   {"--held-on", "held_on", "Date"},
                   {"--participants", "participant_count", "Residents who took part"},
                   {"--seldom-heard", "seldom_heard_reached_count", "Of whom seldom heard"},
                   {"--seldom-heard-group", "seldom_heard_groups", "A group reached; repeat"},
                   {"--note", "note", "A note"}},
                  nullptr});
  AddCommandVerb(noun, cli,
                 {"spend", "record_expenditure", kExperimentObject, "Record expenditure (booked to a budget year)",
                  Ex("spend", " --amount 1250.50 --budget-year 2025 --description 'zaalhuur'"), ExperimentArgs(),
                  {{"--amount", "amount", "Euros"},
                   {"--budget-year", "budget_year", "Budget year"},
                   {"--description", "description", "What it was spent on"},
                   {"--invoice", "reference.document_id", "Invoice id"},
                   {"--spent-on", "spent_on", "Date"}},
                  nullptr});
  AddCommandVerb(noun, cli,
                 {"progress", "report_progress", kExperimentObject, "Report progress 0-100 %",
                  Ex("progress", " --percent 40 --note 'first streets done'"), ExperimentArgs(),
                  {{"--percent", "percent_complete", "0-100"}, {"--note", "note", "A note"},
                   {"--reported-on", "reported_on", "Date"}},
                  nullptr});
}

void AddEndVerbs(CLI::App* noun, Cli* cli) {
  AddCommandVerb(noun, cli,
                 {"stop", "stop_experiment_early", kExperimentObject, "Stop a running experiment early",
                  Ex("stop", " --reason 'too few participants'"), ExperimentArgs(),
                  {{"--stopped-on", "stopped_on", "Date"}}, nullptr});
  AddCommandVerb(noun, cli,
                 {"complete", "complete_experiment", kExperimentObject, "Complete a running experiment",
                  Ex("complete", " --completed-on 2025-11-30"), ExperimentArgs(),
                  {{"--completed-on", "completed_on", "Date"}, {"--note", "note", "A note"}}, nullptr});
  AddCommandVerb(noun, cli,
                 {"not-evaluable", "mark_experiment_not_evaluable", kExperimentObject, "Mark as not evaluable (evaluator)",
                  Ex("not-evaluable", " --reason 'no data collected'"), ExperimentArgs(), {}, nullptr});
  AddCommandVerb(noun, cli,
                 {"evaluate", "evaluate_experiment", kExperimentObject,
                  "Evaluate against its criteria (scores with evidence via -f)",
                  Ex("evaluate", " -f evaluation.json"), ExperimentArgs(),
                  {{"--score", "scores", "CRITERION=good|sufficient|insufficient; repeat"},
                   {"--conclusion", "conclusion", "continue|adapt|stop"},
                   {"--lessons", "lessons", "Lessons learned"},
                   {"--evaluated-on", "evaluated_on", "Date"}},
                  nullptr});
}

void AddReads(CLI::App* noun, Cli* cli) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* show = noun->add_subcommand("show", "Show one experiment: design, spending, reach, evaluation, deadline, warnings");
  show->add_option("programme", args->first, "The programme id")->required();
  show->add_option("experiment", args->second, "The experiment id")->required();
  show->footer(ExampleFooter(std::string(kPrefix) + "show" + kIds));
  show->callback([cli, args] {
    v1::GetExperimentResponse r;
    Outcome o = FetchExperiment(cli, args->first, args->second, &r);
    if (o.exit_code == 0) {
      const v1::ExperimentBudget* budget = r.has_view() ? &r.view().budget() : nullptr;
      std::cout << (cli->json()
                        ? ToJson(r) + "\n"
                        : ExperimentText(r.experiment(), budget, cli->color_out()) +
                              (r.has_view() ? ExperimentViewText(r.view(), cli->color_out()) : ""));
    }
    cli->set_outcome(o);
  });
  CLI::App* list = noun->add_subcommand("list", "List the experiments of a programme");
  list->add_option("programme", args->first, "The programme id")->required();
  list->footer(ExampleFooter(std::string(kPrefix) + "list lv-2024-2027"));
  list->callback([cli, args] {
    std::vector<v1::ExperimentState> es;
    int64_t as_of = 0;
    Outcome o = FetchExperiments(cli, args->first, &es, &as_of);
    if (o.exit_code == 0 && cli->json()) {
      v1::ListExperimentsResponse r;
      for (auto& e : es) *r.add_experiments() = e;
      r.set_as_of_position(as_of);
      std::cout << ToJson(r) << "\n";
    } else if (o.exit_code == 0) {
      // ALLOCATED as the programme counts it: a released allocation (withdrawn) is 0.
      v1::GetProgrammeResponse programme;
      o = FetchProgramme(cli, args->first, &programme);
      if (o.exit_code == 0) {
        std::cout << ExperimentsTable(es, AllocatedByExperiment(programme), cli->color_out());
      }
    }
    cli->set_outcome(o);
  });
}

}  // namespace

void AddExperimentCommands(CLI::App* root, Cli* cli) {
  CLI::App* noun = root->add_subcommand("experiment", "Experiments: propose, select, run, evaluate");
  noun->require_subcommand(1);
  noun->footer(ExampleFooter("proeftuin experiment list lv-2024-2027"));
  AddDesignVerbs(noun, cli);
  AddRunVerbs(noun, cli);
  AddEndVerbs(noun, cli);
  AddReads(noun, cli);
}

}  // namespace proeftuin::cli
