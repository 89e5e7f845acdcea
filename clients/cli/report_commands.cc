// `proeftuin report progress <programme> --format md|html`: the council progress report
// (voortgangsrapportage aan de raad) as the server builds it (ProgrammeService.GetProgressReport),
// rendered by report_progress.h and report_render.h.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/report_progress.h"
#include "cli/report_render.h"
#include "cli/verb.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

struct ReportArgs {
  std::string programme;
  std::string format = "md";
  std::string out;
};

// ProgrammeService.GetProgressReport: the report as the server builds it (views::BuildProgressReport).
Outcome FetchProgressReport(Cli* cli, const std::string& programme, v1::ProgressReport* out) {
  auto stub = v1::ProgrammeService::NewStub(cli->Channel());
  v1::GetProgressReportRequest req;
  req.set_programme_id(programme);
  v1::GetProgressReportResponse resp;
  auto ctx = cli->Context();
  grpc::Status s = stub->GetProgressReport(ctx.get(), req, &resp);
  if (!s.ok()) return FromStatus(s, ctx.get(), "make the progress report of programme " + programme);
  *out = resp.report();
  return Ok();
}

Outcome Progress(Cli* cli, const ReportArgs& a) {
  if (a.format != "md" && a.format != "html") return Usage("--format: md or html, not '" + a.format + "'");
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  v1::ProgressReport report;
  if (Outcome o = FetchProgressReport(cli, a.programme, &report); o.exit_code != 0) return o;
  ReportDocument d = ProgressReportDocument(report);
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
