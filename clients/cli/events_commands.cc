// `proeftuin events …`: tail (live subscription), read (the log), stream (one stream).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/event_json.h"
#include "cli/format.h"
#include "cli/verb.h"
#include "proeftuin/v1/event_service.grpc.pb.h"

namespace proeftuin::cli {
namespace {

struct TailArgs {
  uint64_t from = 0;
  std::string prefix;
  std::vector<std::string> types;
  uint64_t count = 0;
  bool until_caught_up = false;
};

void PrintEvent(Cli* cli, const v1::Event& e) {
  if (cli->json()) {
    std::cout << TerminalJson(EventToJson(e).dump()) << std::endl;
  } else {
    std::cout << EventLine(e, cli->color_out()) << std::endl;
  }
}

// The position after the head, so that `tail` without --from shows new events only.
uint64_t NextAfterHead(Cli* cli) {
  auto stub = v1::EventService::NewStub(cli->Channel());
  v1::GetDigestResponse d;
  auto ctx = cli->Context();
  if (!stub->GetDigest(ctx.get(), v1::GetDigestRequest(), &d).ok()) return 0;
  return d.position() + 1;
}

Outcome Tail(Cli* cli, const TailArgs& a) {
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  v1::SubscribeRequest req;
  req.set_from_position(a.from > 0 ? a.from : NextAfterHead(cli));
  bool hide_catch_up = req.from_position() == 0;  // no digest (role): skip history up to the head
  req.set_stream_prefix(a.prefix);
  for (const auto& t : a.types)
    req.add_types(t.find('.') == std::string::npos ? "proeftuin.v1." + t : t);
  req.set_max_batch(256);  // a long history arrives in few messages; printed one event a line
  auto stub = v1::EventService::NewStub(cli->Channel());
  auto ctx = cli->Context(std::chrono::seconds(0));
  auto reader = stub->Subscribe(ctx.get(), req);
  v1::SubscribeResponse m;
  uint64_t shown = 0;
  bool done = false;
  auto show = [&](const v1::Event& e) {
    PrintEvent(cli, e);
    done = a.count > 0 && ++shown >= a.count;
  };
  while (!done && reader->Read(&m)) {
    if (m.has_caught_up()) {
      hide_catch_up = false;
      if (a.until_caught_up) break;
    }
    if (hide_catch_up) continue;
    if (m.has_event()) show(m.event());
    for (int i = 0; i < m.events().events_size() && !done; ++i) show(m.events().events(i));
  }
  ctx->TryCancel();
  grpc::Status s = reader->Finish();
  if (!s.ok() && s.error_code() != grpc::StatusCode::CANCELLED)
    return FromStatus(s, ctx.get(), "tail the log");
  return Ok();
}

void AddTail(CLI::App* noun, Cli* cli) {
  auto a = std::make_shared<TailArgs>();
  CLI::App* sub = noun->add_subcommand(
      "tail", "Follow the log live (EventService.Subscribe), one event a line");
  sub->add_option("--from", a->from,
                  "First position (default: only events after the current head)");
  sub->add_option("--stream-prefix", a->prefix,
                  "Only streams starting with this, e.g. experiment-lv-2024-2027.");
  sub->add_option("--type", a->types, "Only this event type, e.g. ExperimentSelected; repeat")
      ->allow_extra_args(false);
  sub->add_option("--count", a->count, "Stop after this many events");
  sub->add_flag("--until-caught-up", a->until_caught_up,
                "Stop when the history is delivered (no live part)");
  sub->footer(ExampleFooter(
      "proeftuin events tail --from 1 --stream-prefix programme- --type ProgrammeAdopted"));
  sub->callback([cli, a] { cli->set_outcome(Tail(cli, *a)); });
}

void AddRead(CLI::App* noun, Cli* cli) {
  auto a = std::make_shared<TailArgs>();
  CLI::App* sub =
      noun->add_subcommand("read", "Read the log from a position (EventService.ReadAll)");
  sub->add_option("--from", a->from, "First position (default 1)");
  sub->add_option("--stream-prefix", a->prefix, "Only streams starting with this");
  sub->add_option("--type", a->types, "Only this event type")->expected(1);
  sub->add_option("--count", a->count, "At most this many events (default: all)");
  sub->footer(ExampleFooter("proeftuin events read --from 1 --count 20 -o json"));
  sub->callback([cli, a] {
    if (Outcome o = cli->RequireToken(); o.exit_code != 0) return cli->set_outcome(o);
    uint64_t shown = 0;
    cli->set_outcome(ReadLog(cli, a->from, a->prefix, a->types.empty() ? "" : a->types[0],
                             [&](const v1::Event& e) {
                               PrintEvent(cli, e);
                               return a->count == 0 || ++shown < a->count;
                             }));
  });
}

struct StreamArgs {
  std::string stream;
  uint64_t from = 0;
  uint64_t count = 0;  // 0: all
  bool backward = false;
};

constexpr uint64_t kStreamPage = 1000;  // ReadStream's largest page

// Every event of the stream from --from-version (or --count of them), in pages of ReadStream.
Outcome ReadWholeStream(Cli* cli, const StreamArgs& a) {
  if (Outcome o = cli->RequireToken(); o.exit_code != 0) return o;
  auto stub = v1::EventService::NewStub(cli->Channel());
  v1::ReadStreamRequest req;
  req.set_stream(a.stream);
  req.set_from_version(a.from);
  req.set_direction(a.backward ? v1::DIRECTION_BACKWARD : v1::DIRECTION_FORWARD);
  for (uint64_t left = a.count == 0 ? UINT64_MAX : a.count; left > 0;) {
    req.set_max_count(static_cast<int>(std::min(left, kStreamPage)));
    v1::ReadStreamResponse resp;
    auto ctx = cli->Context();
    grpc::Status s = stub->ReadStream(ctx.get(), req, &resp);
    if (!s.ok()) return FromStatus(s, ctx.get(), "read stream " + a.stream);
    for (const auto& e : resp.events()) PrintEvent(cli, e);
    const int n = resp.events_size();
    left -= static_cast<uint64_t>(n);
    if (n < req.max_count()) return Ok();  // the end of the stream
    const uint64_t last = resp.events(n - 1).header().stream_version();
    if (!a.backward) {
      req.set_from_version(last + 1);
    } else if (last == 0) {
      return Ok();
    } else if (last == 1) {  // version 0 is left: backward, from_version 0 would be the newest
      req.set_direction(v1::DIRECTION_FORWARD);
      req.set_from_version(0);
      left = std::min<uint64_t>(left, 1);
    } else {
      req.set_from_version(last - 1);
    }
  }
  return Ok();
}

void AddStream(CLI::App* noun, Cli* cli) {
  auto a = std::make_shared<StreamArgs>();
  CLI::App* sub =
      noun->add_subcommand("stream", "Read one stream (EventService.ReadStream), all of it");
  sub->add_option("stream", a->stream, "Stream id, e.g. programme-lv-2024-2027")->required();
  sub->add_option("--from-version", a->from, "First version (backward: 0 = the newest)");
  sub->add_option("--count", a->count, "At most this many (default: all)");
  sub->add_flag("--backward", a->backward, "Newest first");
  sub->footer(ExampleFooter("proeftuin events stream programme-lv-2024-2027 --backward --count 5"));
  sub->callback([cli, a] { cli->set_outcome(ReadWholeStream(cli, *a)); });
}

}  // namespace

void AddEventsCommands(CLI::App* root, Cli* cli) {
  CLI::App* noun = root->add_subcommand("events", "The event log, read-only: tail, read, stream");
  noun->require_subcommand(1);
  noun->footer(ExampleFooter("proeftuin events tail"));
  AddTail(noun, cli);
  AddRead(noun, cli);
  AddStream(noun, cli);
}

}  // namespace proeftuin::cli
