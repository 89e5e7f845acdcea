// `proeftuin report progress <programme> --format md|html`: the council progress report
// (voortgangsrapportage aan de raad), built from GetProgramme and ListExperiments.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/report_render.h"
#include "cli/verb.h"
#include "cli/views.h"

namespace proeftuin::cli {
namespace {

struct ReportArgs {
  std::string programme;
  std::string format = "md";
  std::string out;
};

int64_t Spent(const std::vector<v1::ExperimentState>& es) {
  int64_t sum = 0;
  for (const auto& e : es) sum += e.spent().cents();
  return sum;
}

ReportSection ProgrammeSection(const v1::ProgrammeState& p, const std::vector<v1::ExperimentState>& es) {
  const v1::ProgrammeDesign& d = p.design();
  int answered = 0;
  for (const auto& in : p.council_inputs()) answered += in.answered() ? 1 : 0;
  ReportSection s;
  s.heading = "Programma";
  s.facts = {{"Status", StatusText(p)},
             {"Periode", FormatDate(d.period().start()) + " – " + FormatDate(d.period().end())},
             {"Evaluatie gepland", FormatDate(d.evaluation_date())},
             {"Budget", FormatEuro(d.budget().total().cents()) + " (" + d.budget().source() + ")"},
             {"Toegekend aan experimenten", FormatEuro(AllocatedCents(p))},
             {"Besteed", FormatEuro(Spent(es))},
             {"Wensen en bedenkingen", std::to_string(p.council_inputs_size()) + ", waarvan " +
                                           std::to_string(answered) + " beantwoord door het college"},
             {"Vastgesteld", p.has_adoption() ? p.adoption().identification() + " van " +
                                                   FormatDate(p.adoption().decision_date())
                                             : "nog niet"},
             {"Kennissessies", std::to_string(p.knowledge_sessions_size())}};
  return s;
}

ReportSection ExperimentsSection(const std::vector<v1::ExperimentState>& es) {
  ReportSection s;
  s.heading = "Experimenten";
  s.table_headers = {"Experiment", "Status", "Trede", "Planning", "Toegekend", "Besteed", "Voortgang", "Bereik"};
  for (const auto& e : es) {
    int64_t allocated = 0;
    for (const auto& y : e.allocation()) allocated += y.amount().cents();
    const auto& pl = e.design().conditions().planning();
    s.table_rows.push_back({e.design().title() + " (" + e.experiment_id() + ")", StatusText(e),
                            LevelText(e.design()), FormatDate(pl.start()) + " – " + FormatDate(pl.end()),
                            FormatEuro(allocated), FormatEuro(e.spent().cents()),
                            std::to_string(e.progress_percent()) + " %",
                            std::to_string(e.participant_count()) + " deelnemers, " +
                                std::to_string(e.seldom_heard_reached_count()) + " weinig gehoord"});
  }
  return s;
}

ReportSection ExperimentDetail(const v1::ExperimentState& e) {
  ReportSection s;
  s.level = 3;
  s.heading = e.design().title();
  s.facts = {{"Vorm", e.design().participation_form()}, {"Beleidstraject", e.design().policy_trajectory()},
             {"Gebieden", absl::StrJoin(e.design().areas(), ", ")}, {"Activiteiten", std::to_string(e.activity_count())}};
  if (!e.progress_note().empty()) s.facts.push_back({"Laatste voortgang", e.progress_note()});
  if (e.conclusion() != v1::CONCLUSION_UNSPECIFIED) {
    s.facts.push_back({"Conclusie", ShortEnum(v1::Conclusion_descriptor()->FindValueByNumber(e.conclusion()))});
  }
  if (!e.end_reason().empty()) s.facts.push_back({"Reden", e.end_reason()});
  std::vector<std::string> scores;
  for (const auto& sc : e.scores()) {
    scores.push_back(sc.criterion_id() + ": " + ShortEnum(v1::Score_descriptor()->FindValueByNumber(sc.score())));
  }
  if (!scores.empty()) s.facts.push_back({"Toetsingscriteria", absl::StrJoin(scores, "; ")});
  return s;
}

ReportDocument Build(const v1::ProgrammeState& p, const std::vector<v1::ExperimentState>& es, int64_t as_of) {
  ReportDocument d;
  d.title = "Voortgangsrapportage " + p.design().title();
  d.subtitle = "Programma " + p.programme_id() + " · peildatum " +
               absl::FormatTime("%Y-%m-%d", absl::Now(), absl::LocalTimeZone()) + " · stand van het logboek: positie " +
               std::to_string(as_of) + " · bedragen in euro";
  d.sections.push_back(ProgrammeSection(p, es));
  d.sections.push_back(ExperimentsSection(es));
  for (const auto& e : es) d.sections.push_back(ExperimentDetail(e));
  return d;
}

Outcome Progress(Cli* cli, const ReportArgs& a) {
  if (a.format != "md" && a.format != "html") return Usage("--format: md or html, not '" + a.format + "'");
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  v1::ProgrammeState p;
  int64_t as_of = 0;
  if (Outcome o = FetchProgramme(cli, a.programme, &p, &as_of); o.exit_code != 0) return o;
  std::vector<v1::ExperimentState> es;
  if (Outcome o = FetchExperiments(cli, a.programme, &es); o.exit_code != 0) return o;
  ReportDocument d = Build(p, es, as_of);
  std::string text = a.format == "md" ? RenderMarkdown(d) : RenderHtml(d);
  if (a.out.empty() || a.out == "-") {
    std::cout << text;
    return Ok();
  }
  std::ofstream f(a.out, std::ios::trunc);
  f << text;
  return f.good() ? Ok() : Usage("--out: cannot write " + a.out);
}

}  // namespace

void AddReportCommands(CLI::App* root, Cli* cli) {
  CLI::App* noun = root->add_subcommand("report", "Reports for the council and the college");
  noun->require_subcommand(1);
  noun->footer(ExampleFooter("proeftuin report progress lv-2024-2027 --format html --out voortgang.html"));
  auto a = std::make_shared<ReportArgs>();
  CLI::App* progress = noun->add_subcommand("progress", "The council progress report (voortgangsrapportage)");
  progress->add_option("programme", a->programme, "The programme id")->required();
  progress->add_option("--format", a->format, "md (Markdown) or html (default md)");
  progress->add_option("--out", a->out, "File to write (default stdout)");
  progress->footer(ExampleFooter("proeftuin report progress lv-2024-2027 --format md"));
  progress->callback([cli, a] { cli->set_outcome(Progress(cli, *a)); });
}

}  // namespace proeftuin::cli
