// `proeftuin audit verify-export FILE [--digest POS:HASH]`: checks an audit export
// (`audit export --format jsonl`) without the server and without its store. Every event the
// exporter could see whole carries its header exactly as stored and its payload, so the chain
// is recomputed here (docs/FORMAT.md, "The hash chain"), and every field the export shows is
// compared with what those bytes say: an edited line, a line left out, added or moved is found.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/event_json.h"
#include "cli/format.h"
#include "cli/verb.h"
#include "eventstore/record.h"
#include "eventstore/sha256.h"

namespace proeftuin::cli {
namespace {

struct VerifyExportArgs {
  std::string file;
  std::string digest;
  bool allow_redacted = false;
};

// What the check found; `problem` empty when the export verifies.
struct ExportCheck {
  uint64_t first = 0, last = 0, events = 0, redacted = 0;
  // The first position after the last redacted event: from there on every hash was recomputed.
  uint64_t bound_from = 0;
  eventstore::Digest head{};
  // The hash at the position a --digest names, when the file holds it.
  uint64_t digest_position = 0;
  std::optional<eventstore::Digest> at_digest;
  uint64_t bad_position = 0;
  std::string problem;
};

std::optional<eventstore::Digest> DigestOfHex(const std::string& hex) {
  std::string bytes;
  if (hex.size() != 64 || !absl::c_all_of(hex, absl::ascii_isxdigit)) return std::nullopt;
  bytes = absl::HexStringToBytes(hex);
  eventstore::Digest d{};
  std::copy(bytes.begin(), bytes.end(), d.begin());
  return d;
}

std::string HexOf(const eventstore::Digest& d) {
  const std::string_view bytes = eventstore::AsStringView(d);
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

// Checks one line against the event before it. Sets `check->problem` on the first failure.
void CheckLine(const nlohmann::json& line, std::optional<eventstore::Digest>* previous,
               ExportCheck* check) {
  auto fail = [&](uint64_t position, std::string what) {
    check->bad_position = position;
    check->problem = std::move(what);
  };
  if (!line.is_object() || !line.contains("position") || !line["position"].is_number_unsigned()) {
    return fail(check->last + 1, "line " + std::to_string(check->events + 1) +
                                     " is not an exported event (no position)");
  }
  const uint64_t position = line["position"].get<uint64_t>();
  const uint64_t expected = check->events == 0 ? position : check->last + 1;
  if (check->events == 0 && position != 1) {
    return fail(position, "the export starts at position " + std::to_string(position) +
                              ", not 1: events before it are missing");
  }
  if (position != expected) {
    return fail(expected, "position " + std::to_string(expected) + " is missing (the next line "
                          "is position " + std::to_string(position) + ")");
  }
  auto text = [&](const char* key) {
    return line.contains(key) && line[key].is_string() ? line[key].get<std::string>() : "";
  };
  std::optional<eventstore::Digest> hash = DigestOfHex(text("hash"));
  std::optional<eventstore::Digest> previous_hash = DigestOfHex(text("previous_hash"));
  if (!hash || !previous_hash) return fail(position, "hash or previous_hash is not 64 hex digits");
  const eventstore::Digest before = previous->value_or(eventstore::Digest{});
  if (*previous_hash != before) {
    return fail(position, "previous_hash is not the hash of position " +
                              std::to_string(position - 1));
  }
  const bool redacted = line.contains("redacted") && line["redacted"] == true;
  const eventstore::Digest link = *hash;
  // The line as the exporter wrote it for the event these bytes say: every key, nothing more.
  v1::Event event;
  event.set_hash(std::string(eventstore::AsStringView(*hash)));
  if (redacted) {
    // Above the exporter's clearance: only where and what it is, and its chain links, were
    // exported; nothing to recompute. Its hash is bound by the next recomputed event, whose
    // stored header holds it as previous_hash; what the line says of it is not proven.
    ++check->redacted;
    check->bound_from = position + 1;
    event.set_redacted(true);
    v1::EventHeader* h = event.mutable_header();
    h->set_position(position);
    h->set_stream(text("stream"));
    h->set_type(text("type"));
    if (line.contains("stream_version") && line["stream_version"].is_number_unsigned()) {
      h->set_stream_version(line["stream_version"].get<uint64_t>());
    }
    if (line.contains("recorded_at_us") && line["recorded_at_us"].is_number_integer()) {
      h->set_recorded_at_us(line["recorded_at_us"].get<int64_t>());
    }
    const google::protobuf::EnumDescriptor* levels = v1::Confidentiality_descriptor();
    for (int i = 0; i < levels->value_count(); ++i) {
      if (ShortEnum(levels->value(i)) == text("confidentiality")) {
        h->set_confidentiality(static_cast<v1::Confidentiality>(levels->value(i)->number()));
      }
    }
    h->set_previous_hash(std::string(eventstore::AsStringView(*previous_hash)));
  } else {
    std::string header_bytes, payload;
    if (!absl::Base64Unescape(text("stored_header"), &header_bytes) || header_bytes.empty() ||
        !absl::Base64Unescape(text("payload"), &payload)) {
      return fail(position, "the line has no stored_header or payload (export it again with a "
                            "build that writes them: proeftuin audit export --format jsonl)");
    }
    std::optional<eventstore::Digest> personal_digest = DigestOfHex(text("personal_digest"));
    if (!personal_digest) return fail(position, "personal_digest is not 64 hex digits");
    const eventstore::Digest recomputed = eventstore::ChainHash(
        before, header_bytes, eventstore::Sha256Of(payload), *personal_digest);
    if (recomputed != *hash) {
      return fail(position, "the recomputed hash " + HexOf(recomputed) +
                                " differs from the exported hash: the stored header, the payload "
                                "or the personal digest was changed");
    }
    if (!event.mutable_header()->ParseFromString(header_bytes)) {
      return fail(position, "the stored header does not parse");
    }
    event.set_stored_header(header_bytes);
    event.set_payload(payload);
    event.set_personal_digest(std::string(eventstore::AsStringView(*personal_digest)));
  }
  // `recorded_at` is recorded_at_us shown in Europe/Amsterdam: compared as the instant it names,
  // so that a machine without the time zone data does not fail a correct file.
  nlohmann::json want = nlohmann::json::parse(ExportEventToJson(event).dump());
  absl::Time shown_at;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%S%Ez", text("recorded_at"), &shown_at, &error) ||
      absl::ToUnixSeconds(shown_at) != event.header().recorded_at_us() / 1'000'000) {
    return fail(position, "the field \"recorded_at\" is not the time the event was recorded");
  }
  want["recorded_at"] = line["recorded_at"];
  if (line != want) {
    std::string key;
    for (const auto& [k, v] : line.items()) {
      if (!want.contains(k)) key = k;
    }
    for (const auto& [k, v] : want.items()) {
      if (key.empty() && (!line.contains(k) || line[k] != v)) key = k;
    }
    const std::string field = "the field \"" + key + "\"";
    return fail(position, redacted ? "the line of a redacted event holds more than the exporter "
                                     "could see (" +
                                         field + ")"
                                   : field + " is not what the stored event says");
  }
  ++check->events;
  check->first = check->events == 1 ? position : check->first;
  check->last = position;
  check->head = link;
  if (position == check->digest_position) check->at_digest = link;
  *previous = link;
}

ExportCheck CheckExport(std::istream& in, uint64_t digest_position) {
  ExportCheck check;
  check.digest_position = digest_position;
  std::optional<eventstore::Digest> previous;
  std::string text;
  while (std::getline(in, text)) {
    if (text.empty()) continue;
    nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
    if (line.is_discarded()) {
      check.bad_position = check.last + 1;
      check.problem = "line " + std::to_string(check.events + 1) + " is not JSON";
      return check;
    }
    CheckLine(line, &previous, &check);
    if (!check.problem.empty()) return check;
  }
  if (check.events == 0) check.problem = "the file holds no events";
  if (check.bound_from == 0) check.bound_from = check.first;
  return check;
}

Outcome VerifyExport(Cli* cli, const VerifyExportArgs& a) {
  std::optional<std::pair<uint64_t, eventstore::Digest>> digest;
  if (!a.digest.empty()) {
    const size_t colon = a.digest.find(':');
    uint64_t p = 0;
    std::optional<eventstore::Digest> h;
    if (colon != std::string::npos) h = DigestOfHex(a.digest.substr(colon + 1));
    if (colon == std::string::npos || !absl::SimpleAtoi(a.digest.substr(0, colon), &p) || p == 0 ||
        !h) {
      return Usage("--digest: POS:HASH, a position from 1 and 64 hex digits (proeftuin audit "
                   "digest prints one), not '" + a.digest + "'");
    }
    digest.emplace(p, *h);
  }
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return Usage("cannot read " + a.file);
  const ExportCheck c = CheckExport(in, digest ? digest->first : 0);
  nlohmann::ordered_json j;
  j["file"] = a.file;
  j["verified"] = c.problem.empty();
  j["first_position"] = c.first;
  j["last_position"] = c.last;
  j["events"] = c.events;
  j["redacted"] = c.redacted;
  // From here on every hash was recomputed from the file (after the last redacted event).
  j["bound_from_position"] = c.bound_from;
  if (!c.problem.empty()) {
    j["first_bad_position"] = c.bad_position;
    j["problem"] = c.problem;
    if (cli->json()) std::cout << TerminalJson(j.dump(2)) << "\n";
    return Refused("the export does not verify: first bad position " +
                   std::to_string(c.bad_position) + ": " + c.problem);
  }
  const std::string head = std::to_string(c.last) + ":" + HexOf(c.head);
  j["head"] = head;
  if (c.redacted > 0 && !a.allow_redacted) {
    // What a redacted line says, and every event before the last of them, is not proven: an
    // export is a proof only when the exporter could see every event.
    j["verified"] = false;
    j["problem"] = "redacted events";
    if (cli->json()) std::cout << TerminalJson(j.dump(2)) << "\n";
    const std::string unproven = std::to_string(c.first) + "–" + std::to_string(c.bound_from - 1);
    const std::string rest = c.bound_from > c.last
                                 ? std::string("none")
                                 : std::to_string(c.bound_from) + "–" + std::to_string(c.last);
    return Refused(std::to_string(c.redacted) +
                   " events are redacted for the exporter's clearance: they and the events before "
                   "the last of them (positions " +
                   unproven +
                   ") cannot be proven from this "
                   "file. Export with full clearance, or pass --allow-redacted to check the rest "
                   "(positions " +
                   rest + ")");
  }
  std::string against;
  if (digest) {
    // Only what was recomputed is bound to the digest: from after the last redacted event on.
    // A redacted event's hash is bound when a recomputed event follows it (its stored header
    // holds that hash as previous_hash).
    const uint64_t lo = c.bound_from > c.last ? c.last + 1 : std::max(c.first, c.bound_from - 1);
    if (digest->first < lo || digest->first > c.last) {
      return Refused("the digest's position " + std::to_string(digest->first) +
                     " is not among the events this export binds to its head (" +
                     (lo > c.last ? std::string("none: the last event is redacted")
                                  : std::to_string(lo) + " to " + std::to_string(c.last)) +
                     ")");
    }
    if (!c.at_digest || *c.at_digest != digest->second) {
      return Refused("the export does not extend digest " + a.digest + ": the hash at position " +
                     std::to_string(digest->first) + " is " +
                     (c.at_digest ? HexOf(*c.at_digest) : "missing"));
    }
    against = "extends digest " + a.digest;
    j["extends_digest"] = a.digest;
  }
  if (cli->json()) {
    std::cout << TerminalJson(j.dump(2)) << "\n";
    return Ok();
  }
  std::cout << Green("✓", cli->color_out()) << " export verified: positions " << c.first << "–" << c.last
            << ", " << c.events << " events, the chain recomputed from the stored headers and "
            << "payloads; head " << head << "\n";
  if (c.redacted > 0) {
    std::cout << "  " << c.redacted << " events were redacted for the exporter's clearance: their "
              << "content is not in the file; "
              << (c.bound_from > c.last ? "the last event is redacted, so none"
                                        : "only positions " + std::to_string(c.bound_from) + "–" +
                                              std::to_string(c.last))
              << " are bound to the head. Export with full clearance to prove every event.\n";
  }
  if (!against.empty()) {
    std::cout << "  " << against << "\n";
  } else {
    std::cout << "  This proves the file is internally consistent. To prove nothing was changed, "
              << "compare the head with a digest published outside the system: proeftuin audit "
              << "verify-export " << a.file << " --digest POS:HASH\n";
  }
  return Ok();
}

}  // namespace

void AddAuditVerifyExport(CLI::App* audit, Cli* cli) {
  auto a = std::make_shared<VerifyExportArgs>();
  CLI::App* sub = audit->add_subcommand(
      "verify-export",
      "Check a JSONL audit export without the server: recompute the chain from the stored "
      "headers and payloads, and compare every field shown");
  sub->add_option("file", a->file, "The file `audit export --format jsonl` wrote")->required();
  sub->add_option("--digest", a->digest,
                  "POS:HASH published earlier (proeftuin audit digest): the export must extend it");
  sub->add_flag("--allow-redacted", a->allow_redacted,
                "Accept an export with events redacted for the exporter's clearance, proving only "
                "the events after the last of them");
  sub->footer(ExampleFooter(
      "proeftuin audit verify-export audittrail.jsonl --digest 1204:9f2c…(64 hex digits)"));
  sub->callback([cli, a] { cli->set_outcome(VerifyExport(cli, *a)); });
}

}  // namespace proeftuin::cli
