// `proeftuin report progress <programme> --format md|html`: the council progress report
// (voortgangsrapportage aan de raad) as the server builds it (ProgrammeService.GetProgressReport),
// rendered by report_progress.h and report_render.h.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/report_progress.h"
#include "cli/report_render.h"
#include "cli/verb.h"
#include "proeftuin/v1/programme_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

struct ReportArgs {
  std::string programme;
  std::string format = "md";
  bool format_given = false;
  std::string out;
};

// ProgrammeService.GetProgressReport: the report as the server builds it (views::BuildProgressReport).
Outcome FetchProgressReport(Cli* cli, const std::string& programme,
                            v1::GetProgressReportResponse* out) {
  auto stub = v1::ProgrammeService::NewStub(cli->Channel());
  v1::GetProgressReportRequest req;
  req.set_programme_id(programme);
  auto ctx = cli->Context();
  grpc::Status s = stub->GetProgressReport(ctx.get(), req, out);
  if (!s.ok()) return FromStatus(s, ctx.get(), "make the progress report of programme " + programme);
  return Ok();
}

Outcome Progress(Cli* cli, const ReportArgs& a) {
  if (a.format != "md" && a.format != "html") return Usage("--format: md or html, not '" + a.format + "'");
  // -o json prints the server's report itself (GetProgressReportResponse), not a rendering; a
  // --format given on the command line asks for a rendering, over PROEFTUIN_OUTPUT or the config.
  if (a.format_given && cli->flags().output == "json") {
    return Usage("--format " + a.format + " and -o json exclude each other");
  }
  const bool as_json = cli->json() && !a.format_given;
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  v1::GetProgressReportResponse resp;
  if (Outcome o = FetchProgressReport(cli, a.programme, &resp); o.exit_code != 0) return o;
  std::string text;
  if (as_json) {
    text = ToJson(resp) + "\n";
  } else {
    ReportDocument d = ProgressReportDocument(resp.report());
    text = a.format == "md" ? RenderMarkdown(d) : RenderHtml(d);
  }
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
  progress->add_option_function<std::string>(
      "--format",
      [a](const std::string& v) {
        a->format = v;
        a->format_given = true;
      },
      "md (Markdown) or html (default md); with -o json the report as JSON instead");
  progress->add_option("--out", a->out, "File to write (default stdout)");
  progress->footer(ExampleFooter("proeftuin report progress lv-2024-2027 --format md"));
  progress->callback([cli, a] { cli->set_outcome(Progress(cli, *a)); });
}

}  // namespace proeftuin::cli
