// JSON-lines logging of proeftuind (ENGINEERING.md §8): one JSON object per line on stderr,
// {"time": UTC RFC 3339, "level": ..., then the fields of the event}. Call sites pass the fields
// as JSON text ("\"event\":\"start\",..."); JsonString quotes and escapes a value.
//
// What is never logged: tokens, certificate keys, request or response messages (they may carry
// personal data about residents), display names. What is: principal ids, method names, status
// codes and rule ids, latencies, positions, paths of configured files.
//
// Thread-safety: thread-safe (spdlog's stderr logger).
#pragma once

#include <string>
#include <string_view>

namespace proeftuin::server {

// Installs the JSON-lines stderr logger as spdlog's default (flushes every line of level info
// and above).
void SetUpJsonLogging();

// `s` as a JSON string literal, quotes included; control characters escaped, invalid UTF-8
// bytes replaced by U+FFFD.
std::string JsonString(std::string_view s);

}  // namespace proeftuin::server
