// `proeftuin audit export --format csv|jsonl|html [--out FILE]`.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "absl/time/clock.h"
#include "cli/audit_html.h"
#include "cli/audit_trail.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/event_json.h"
#include "cli/format.h"
#include "cli/progress.h"
#include "cli/verb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

struct ExportArgs {
  std::string format = "html";
  std::string out;
};

Outcome Collect(Cli* cli, AuditExport* x) {
  auto stub = v1::EventService::NewStub(cli->Channel());
  v1::GetDigestResponse d;
  auto ctx = cli->Context();
  grpc::Status s = stub->GetDigest(ctx.get(), v1::GetDigestRequest(), &d);
  if (!s.ok()) return FromStatus(s, ctx.get(), "export the audit trail");
  x->digest = std::to_string(d.position()) + ":" + d.head_hash();
  ProgressBar bar("reading events", cli->progress());
  Outcome o = ReadLog(
      cli, 1, "", "",
      [&](const v1::Event& e) {
        if (e.header().position() > d.position()) return false;  // the digest's head
        x->events.push_back(e);
        return true;
      },
      [&](uint64_t done) { bar.Update(std::min(done, d.position()), d.position()); },
      /*stored_headers=*/true);
  bar.Finish();
  if (o.exit_code != 0) return o;
  return VerifyOnline(cli, 1, d.position(), "", &x->verification);
}

Outcome Export(Cli* cli, const ExportArgs& a) {
  if (a.format != "csv" && a.format != "jsonl" && a.format != "html") {
    return Usage("--format: csv, jsonl or html, not '" + a.format + "'");
  }
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  AuditExport x;
  x.server = cli->server();
  x.exported_at = FormatInstant(absl::ToUnixMicros(absl::Now()));
  if (Outcome o = Collect(cli, &x); o.exit_code != 0) return o;
  std::string text = a.format == "csv" ? AuditCsv(x) : a.format == "jsonl" ? AuditJsonl(x) : AuditHtml(x);
  if (a.out.empty() || a.out == "-") {
    std::cout << text;
  } else {
    std::ofstream f(a.out, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.good()) return Usage("--out: cannot write " + a.out);
    std::cerr << "wrote " << x.events.size() << " events to " << a.out << "\n";
  }
  if (x.verification.ok()) return Ok();
  return Refused("exported, but the chain does not verify: first bad position " +
                 std::to_string(x.verification.first_bad_position()) + ": " + x.verification.problem());
}

}  // namespace

void AddAuditExport(CLI::App* audit, Cli* cli) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* sub = audit->add_subcommand("export", "Export every event: csv, jsonl, or one self-contained HTML file");
  sub->add_option("--format", a->format, "csv, jsonl or html (default html)");
  sub->add_option("--out", a->out, "File to write (default stdout)");
  sub->footer(ExampleFooter("proeftuin audit export --format html --out audittrail.html"));
  sub->callback([cli, a] { cli->set_outcome(Export(cli, *a)); });
}

}  // namespace proeftuin::cli
