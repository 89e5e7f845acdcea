// `proeftuin audit …`: log, show, verify (online and offline), digest; export is in
// audit_export.cc.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/audit_trail.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/event_json.h"
#include "cli/format.h"
#include "cli/verb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

struct LogArgs {
  v1::ListAuditEntriesRequest req;
  std::string from, to;
};

void PrintEntries(Cli* cli, const v1::ListAuditEntriesResponse& r) {
  if (cli->json()) {
    std::cout << ToJson(r) << "\n";
    return;
  }
  Table t({"POSITION", "RECORDED", "STREAM", "TYPE", "ACTOR", "REASON"});
  t.AlignRight(0);
  for (const auto& e : r.entries()) {
    t.AddRow({std::to_string(e.position()), FormatInstant(e.recorded_at_us()), e.stream(),
              ShortType(e.event_type()), e.actor().principal_id(),
              Truncate(OneLine(e.reason()), 60)});
  }
  std::cout << t.Render(cli->color_out());
  if (!r.next_page_token().empty()) std::cout << "more: --page-token " << r.next_page_token() << "\n";
}

Outcome Log(Cli* cli, LogArgs a) {
  int64_t us = 0;
  if (!a.from.empty() && !ParseInstant(a.from, &us)) return Usage("--from: expected a date or date-time");
  a.req.set_from_us(us);
  us = 0;
  // A date alone ends with that day: --from 2024-07-09 --to 2024-07-09 is that one day.
  if (!a.to.empty() && !ParseInstantEnd(a.to, &us)) {
    return Usage("--to: expected a date or date-time");
  }
  a.req.set_to_us(us);
  const std::string& type = a.req.event_type();
  if (!type.empty() && type.find('.') == std::string::npos) a.req.set_event_type("proeftuin.v1." + type);
  v1::ListAuditEntriesResponse r;
  bool scanned = false;
  if (Outcome o = ListAuditEntries(cli, a.req, &r, &scanned); o.exit_code != 0) return o;
  if (scanned) std::cerr << "note: the server has no audit index yet; the CLI scanned the log itself\n";
  PrintEntries(cli, r);
  return Ok();
}

void AddLog(CLI::App* noun, Cli* cli) {
  auto a = std::make_shared<LogArgs>();
  CLI::App* sub = noun->add_subcommand("log", "The audit trail, newest first: who changed what, when and why");
  sub->add_option_function<std::string>("--actor", [a](const std::string& v) { a->req.set_actor(v); },
                                        "Only events caused by this principal id");
  sub->add_option_function<std::string>("--object", [a](const std::string& v) { a->req.set_object(v); },
                                        "A stream id or a programme id (its programme and experiment streams)");
  sub->add_option_function<std::string>("--type", [a](const std::string& v) { a->req.set_event_type(v); },
                                        "Only this event type, e.g. ExperimentSelected");
  sub->add_option("--from", a->from, "Recorded at or after (YYYY-MM-DD[THH:MM], Europe/Amsterdam)");
  sub->add_option("--to", a->to, "Recorded before this date-time, or up to the end of this date");
  sub->add_option_function<int>("--page-size", [a](const int& v) { a->req.set_page_size(v); },
                                "Entries per page (default 50, at most 500)");
  sub->add_option_function<std::string>("--page-token", [a](const std::string& v) { a->req.set_page_token(v); },
                                        "From a previous page");
  sub->footer(ExampleFooter("proeftuin audit log --object lv-2024-2027 --actor college-lv --from 2024-07-01"));
  sub->callback([cli, a] { cli->set_outcome(Log(cli, *a)); });
}

Outcome Show(Cli* cli, uint64_t position) {
  v1::GetAuditEntryResponse r;
  bool scanned = false;
  if (Outcome o = GetAuditEntry(cli, position, &r, &scanned); o.exit_code != 0) return o;
  if (cli->json()) {
    std::cout << ToJson(r) << "\n";
    return Ok();
  }
  const v1::AuditEntry& e = r.entry();
  std::string actor = e.actor().display_name() + " (" + e.actor().principal_id() + ", " + e.actor().role() + ")";
  if (!e.actor().on_behalf_of().empty()) actor += " on behalf of " + e.actor().on_behalf_of();
  std::cout << KeyValues({{"Position", std::to_string(e.position())},
                          {"Event", ShortType(e.event_type())},
                          {"Object", e.stream() + " version " + std::to_string(e.stream_version())},
                          {"Recorded", FormatInstant(e.recorded_at_us())},
                          {"Occurred on", FormatDate(e.occurred_on())},
                          {"Who", actor},
                          {"Application", e.actor().application()},
                          {"Why", e.reason()},
                          {"Request", e.request_id()},
                          {"Correlation", e.correlation_id()},
                          {"Hash", e.hash()}},
                         cli->color_out());
  nlohmann::json data = nlohmann::json::parse(e.event_json(), nullptr, false);
  std::cout << "\n"
            << Bold("Event", cli->color_out()) << "\n"
            << TerminalJson(data.is_discarded() ? e.event_json() : data.dump(2)) << "\n";
  if (r.has_before()) std::cout << "\n" << Bold("Before", cli->color_out()) << "\n" << ToJson(r.before()) << "\n";
  if (r.has_after()) std::cout << "\n" << Bold("After", cli->color_out()) << "\n" << ToJson(r.after()) << "\n";
  if (scanned) std::cerr << "note: the server has no audit index yet: no before/after state\n";
  return Ok();
}

struct VerifyArgs {
  uint64_t from = 0, to = 0;
  bool range = false;  // --from or --to given
  std::string digest, data_dir;
};

// Bad combinations of the flags, before anything is opened or called.
Outcome CheckVerifyArgs(const VerifyArgs& a) {
  if (!a.digest.empty() && a.range) {
    return Usage(
        "--digest: cannot be combined with --from or --to (a digest is checked from "
        "position 1 to the head)");
  }
  if (a.to != 0 && a.to < a.from) return Usage("--to: must not be before --from");
  return Ok();
}

void PrintVerified(Cli* cli, const VerifyArgs& a, const v1::VerifyOutcome& v,
                   const std::string& where) {
  std::cout << Green("✓", cli->color_out()) << " chain verified " << where << ": positions "
            << v.from_position() << "–" << v.to_position() << ", " << v.events_checked()
            << " events" << (a.digest.empty() ? "" : ", extends " + a.digest) << "\n  head "
            << v.to_position() << ":" << v.head_hash() << "\n";
  if (a.digest.empty()) {
    std::cout << "  This proves only that the log is internally consistent: anyone who can write "
                 "the store can\n"
                 "  rewrite it consistently. To prove nothing was changed afterwards, verify "
                 "against a digest\n"
                 "  published earlier: proeftuin audit verify --digest POS:HASH\n";
  }
}

Outcome Verify(Cli* cli, const VerifyArgs& a) {
  if (Outcome o = CheckVerifyArgs(a); o.exit_code != 0) return o;
  v1::VerifyOutcome v;
  Outcome o = a.data_dir.empty() ? VerifyOnline(cli, a.from, a.to, a.digest, &v)
                                 : VerifyOffline(a.data_dir, a.from, a.to, a.digest, &v);
  if (o.exit_code != 0) return o;
  std::string where = a.data_dir.empty() ? "by the server" : "offline in " + a.data_dir;
  // Nothing checked is no proof of anything (a server that does not refuse such a range).
  const bool proved = v.ok() && v.events_checked() > 0;
  if (cli->json()) {
    v1::VerifyResponse r;
    *r.mutable_outcome() = v;
    std::cout << ToJson(r) << "\n";
  } else if (proved) {
    PrintVerified(cli, a, v, where);
  }
  if (proved) return Ok();
  std::string what = a.digest.empty() ? "the chain" : "that the log extends digest " + a.digest;
  if (v.ok()) return Refused("cannot verify " + what + " " + where + ": no event was checked");
  return Refused("cannot verify " + what + " " + where + ": first bad position " +
                 std::to_string(v.first_bad_position()) + ": " + v.problem());
}

void AddVerify(CLI::App* noun, Cli* cli) {
  auto a = std::make_shared<VerifyArgs>();
  CLI::App* sub = noun->add_subcommand(
      "verify",
      "Recompute the hash chain; exit 1 naming the first bad position. Without --digest it proves "
      "only that the log is internally consistent");
  sub->add_option("--from", a->from, "First position (default 1)");
  sub->add_option("--to", a->to, "Last position (default: the head)");
  sub->add_option(
      "--digest", a->digest,
      "POS:HASH published earlier: prove the log still extends it (the whole log; not with "
      "--from or --to)");
  sub->add_option("--data-dir", a->data_dir,
                  "Verify OFFLINE: open this store read-only (also while a server runs), trust no server");
  sub->footer(ExampleFooter("proeftuin audit verify --data-dir /var/lib/proeftuin/data --digest 57:3f2a…"));
  sub->callback([cli, a, sub] {
    a->range = sub->count("--from") + sub->count("--to") > 0;
    cli->set_outcome(Verify(cli, *a));
  });
}

Outcome Digest(Cli* cli) {
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::EventService::NewStub(cli->Channel());
  v1::GetDigestResponse d;
  auto ctx = cli->Context();
  grpc::Status s = stub->GetDigest(ctx.get(), v1::GetDigestRequest(), &d);
  if (!s.ok()) return FromStatus(s, ctx.get(), "get the digest");
  std::cout << (cli->json() ? ToJson(d) : std::to_string(d.position()) + ":" + d.head_hash()) << "\n";
  return Ok();
}

}  // namespace

void AddAuditCommands(CLI::App* root, Cli* cli) {
  CLI::App* noun = root->add_subcommand("audit", "The audit trail: log, show, verify, digest, export");
  noun->require_subcommand(1);
  noun->footer(ExampleFooter("proeftuin audit verify"));
  AddLog(noun, cli);
  auto position = std::make_shared<uint64_t>(0);
  CLI::App* show = noun->add_subcommand("show", "One event: what, who, on whose authority, why, before and after");
  show->add_option("position", *position, "Global position of the event")->required();
  show->footer(ExampleFooter("proeftuin audit show 57"));
  show->callback([cli, position] { cli->set_outcome(Show(cli, *position)); });
  AddVerify(noun, cli);
  CLI::App* digest = noun->add_subcommand("digest", "Print POS:HASH of the chain head, to publish (raadsnotulen)");
  digest->footer(ExampleFooter("proeftuin audit digest"));
  digest->callback([cli] { cli->set_outcome(Digest(cli)); });
  AddAuditExport(noun, cli);
  AddAuditVerifyExport(noun, cli);
}

}  // namespace proeftuin::cli
