// Events as the CLI shows them: one JSON object per event (header fields, the decoded payload,
// hashes in hex; personal data left out), a one-line text form, and reading the whole log in
// pages through EventService.ReadAll.
//
// Thread-safety: functions only.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli.h"
#include "proeftuin/v1/event_service.pb.h"

namespace proeftuin::cli {

// {"position", "stream", "stream_version", "type", "recorded_at" (Amsterdam ISO-8601),
//  "recorded_at_us", "occurred_on", "actor": {...}, "reason", "request_id", "correlation_id",
//  "causation_id", "event_id", "confidentiality", "redacted", "has_personal", "hash",
//  "previous_hash", "data" (the payload's event message as proto JSON, or null)}.
nlohmann::ordered_json EventToJson(const v1::Event& e);
// The payload's event message (e.g. the ProgrammeAdopted inside ProgrammeEvent) as proto JSON
// text; "" when redacted or unknown.
std::string PayloadJson(const v1::Event& e);
// "     57  2024-07-09T12:00:00+02:00  programme-lv-2024-2027  ProgrammeAdopted  college-lv"
std::string EventLine(const v1::Event& e, bool color);
// The short type: "proeftuin.v1.ProgrammeAdopted" -> "ProgrammeAdopted".
std::string ShortType(const std::string& type);

// Calls `each` for every event from `from` (filtered by prefix/type) in pages of ReadAll;
// `each` returns false to stop. `progress(done_position, last_position)` after every page.
// `stored_headers`: each event the caller may see whole also carries its header as stored
// (Event.stored_header), for an export that can be verified without the server.
Outcome ReadLog(Cli* cli, uint64_t from, const std::string& prefix, const std::string& type,
                const std::function<bool(const v1::Event&)>& each,
                const std::function<void(uint64_t)>& progress = nullptr,
                bool stored_headers = false);
// EventToJson plus what `audit verify-export` recomputes the chain from: the stored header and
// the payload (base64) and the personal digest (hex). An event redacted for the exporter has
// none of the three.
nlohmann::ordered_json ExportEventToJson(const v1::Event& e);

}  // namespace proeftuin::cli
