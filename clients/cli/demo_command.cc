// `proeftuin demo`: seeds the example programme lv-2024-2027 (DOMAIN.md) through the API, each
// step sent by the demo principal of its role, with request id "demo-<step label>", so a rerun
// changes nothing. Steps dated after today cannot run yet (the domain refuses business dates in
// the future): the demo runs the steps up to today and says so.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/demo_principals.h"
#include "cli/format.h"
#include "cli/verb.h"
#include "domain/example_programme.h"
#include "lib/command_client.h"

namespace proeftuin::cli {
namespace {

struct DemoRun {
  int total = 0, ran = 0, fresh = 0, pending = 0;
  std::string first_pending_date;
  std::string last_label;
};

Outcome RunStep(Cli* cli, const DemoPrincipals& ps, domain::ExampleStep& step, domain::ExamplePositions* positions,
                DemoRun* run, bool verbose) {
  if (absl::Status s = positions->Resolve(&step); !s.ok()) {
    return Refused("cannot run demo step " + step.label + ": " + std::string(s.message()));
  }
  auto who = ps.find(step.role);
  if (who == ps.end()) return Refused("cannot run demo step " + step.label + ": no principal for role " + step.role);
  v1::CommandOptions options;
  options.set_request_id("demo-" + step.label);
  options.set_correlation_id("proeftuin-demo");
  v1::CommandResult r;
  auto ctx = cli->ContextAs(who->second.token);
  grpc::Status s = clients::SendCommand(cli->Channel().get(), ctx.get(), step.command, options, &r);
  if (!s.ok()) return FromStatus(s, ctx.get(), "run demo step " + step.label + " as " + who->second.principal_id);
  if (r.stream_versions_size() > 0) {
    positions->Record(step.label, r.stream_versions(0).stream(), r.first_position());
    positions->Record(step.label, r.stream_versions(r.stream_versions_size() - 1).stream(), r.last_position());
  }
  ++run->ran;
  run->fresh += r.duplicate() ? 0 : 1;
  run->last_label = step.label;
  if (verbose && !cli->json()) {
    std::cout << (r.duplicate() ? "  = " : "  + ") << step.label << "  (" << who->second.principal_id << ")  "
              << step.note << "\n";
  }
  return Ok();
}

Outcome RunSteps(Cli* cli, const DemoPrincipals& ps, DemoRun* run, bool verbose) {
  std::vector<domain::ExampleStep> steps = domain::ExampleProgrammeSteps();
  domain::ExamplePositions positions;
  absl::Time now = absl::Now();
  run->total = static_cast<int>(steps.size());
  for (domain::ExampleStep& step : steps) {
    if (step.at > now) {
      if (run->pending++ == 0) run->first_pending_date = absl::FormatTime("%Y-%m-%d", step.at, absl::UTCTimeZone());
      continue;
    }
    if (run->pending > 0) break;  // in order: never skip a step
    if (Outcome o = RunStep(cli, ps, step, &positions, run, verbose); o.exit_code != 0) return o;
  }
  return Ok();
}

void Print(Cli* cli, const std::string& store_id, const DemoPrincipals& ps, int created, const DemoRun& run) {
  std::string today = absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  if (cli->json()) {
    nlohmann::ordered_json j;
    j["programme_id"] = domain::kExampleProgrammeId;
    j["store_id"] = store_id;
    for (const auto& [role, p] : ps) j["principals"][role] = p.principal_id;
    j["principals_created"] = created;
    j["steps_total"] = run.total;
    j["steps_run"] = run.ran;
    j["steps_new"] = run.fresh;
    j["steps_pending"] = run.pending;
    j["first_pending_date"] = run.first_pending_date;
    std::cout << TerminalJson(j.dump(2)) << "\n";
    return;
  }
  std::cout << Green("✓", cli->color_out()) << " demo programme " << domain::kExampleProgrammeId << ": " << run.ran
            << " of " << run.total << " steps done (" << run.fresh << " new, " << run.ran - run.fresh
            << " already there), acting as " << ps.size() << " demo principals (" << created << " created now)\n";
  if (run.pending > 0) {
    std::cout << "  " << run.pending << " steps are dated after today (" << today << "), from "
              << run.first_pending_date
              << ": they cannot run yet, because the domain refuses business dates in the future. Run the demo "
                 "again later.\n";
  }
  std::cout << "  Figures the seed does not give (amounts per experiment, attendance, scores, decision numbers) "
               "are invented demo data.\n  Try: proeftuin programme show "
            << domain::kExampleProgrammeId << "; proeftuin audit log --object " << domain::kExampleProgrammeId << "\n";
}

Outcome Demo(Cli* cli, bool verbose) {
  std::string store_id;
  if (Outcome o = DemoStoreId(cli, &store_id); o.exit_code != 0) return o;
  DemoPrincipals ps;
  int created = 0;
  if (Outcome o = EnsureDemoPrincipals(cli, store_id, &ps, &created); o.exit_code != 0) return o;
  DemoRun run;
  if (Outcome o = RunSteps(cli, ps, &run, verbose); o.exit_code != 0) return o;
  Print(cli, store_id, ps, created, run);
  return Ok();
}

}  // namespace

void AddDemoCommand(CLI::App* root, Cli* cli) {
  auto verbose = std::make_shared<bool>(false);
  CLI::App* demo = root->add_subcommand(
      "demo", "Seed the example programme lv-2024-2027 through the API (administrator token; rerun = no change)");
  demo->add_flag("-v,--verbose", *verbose, "One line per step (+ new, = already there)");
  demo->footer(ExampleFooter("proeftuin --token-file var/data/admin.token demo -v"));
  demo->callback([cli, verbose] { cli->set_outcome(Demo(cli, *verbose)); });
}

}  // namespace proeftuin::cli
