// JSON-lines logging of proeftuind (ENGINEERING.md §8): one JSON object per line on stderr,
// {"time": UTC RFC 3339, "level": ..., then the fields of the event}. Call sites pass the fields
// as JSON text ("\"event\":\"start\",..."); JsonString quotes and escapes a value.
//
// What is never logged: tokens, certificate keys, request or response messages (they may carry
// personal data about residents), display names. What is: principal ids, method names, status
// codes and rule ids, latencies, positions, paths of configured files.
//
// Thread-safety: thread-safe; a log batch belongs to the thread that began it.
#pragma once

#include <string>
#include <string_view>

namespace proeftuin::server {

// Installs the JSON-lines logger as spdlog's default: each line goes to `fd` (stderr) in one
// write as it is logged (none waits in a buffer), except on a thread inside a log batch.
void SetUpJsonLogging(int fd = 2);

// A log batch on the calling thread: the lines it logs from BeginLogBatch until the matching
// EndLogBatch are written together, in one write, at EndLogBatch (batches nest; the outermost
// writes). proeftuind's acknowledger runs the answers of a committed group inside one, so the
// per-RPC lines of a group cost one system call instead of one each. They reach the log file
// after the group's answers were handed to gRPC, microseconds later: a kill -9 in between
// loses that group's lines, never an event (the event log is the record).
void BeginLogBatch();
void EndLogBatch();

// `s` as a JSON string literal, quotes included; control characters escaped, invalid UTF-8
// bytes replaced by U+FFFD.
std::string JsonString(std::string_view s);
// JsonString appended to `out`.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace proeftuin::server
