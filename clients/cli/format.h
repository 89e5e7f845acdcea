// Formatting for people and parsing of flag values: euros in Dutch style ("€ 140.000,00"),
// business dates as ISO-8601 ("2024-07-01"), instants as ISO-8601 in Europe/Amsterdam
// ("2026-11-28T12:38:26+01:00"), aligned tables, colour, and protobuf JSON.
//
// Thread-safety: pure functions; Table is thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/budget.h"
#include "google/protobuf/message.h"
#include "proeftuin/v1/common.pb.h"

namespace proeftuin::cli {

// "€ 140.000,00", "-€ 12,50" (the domain's, which the server's Dutch warnings use too).
using domain::FormatEuro;
// Euros to cents: "140000", "140000.50", "140000,5", "€ 140.000,00" (a separator followed by
// exactly three digits is a thousands separator). False on anything else.
bool ParseEuro(std::string_view text, int64_t* cents);
// "2024-07-01"; "" for an unset date.
std::string FormatDate(const v1::Date& d);
// "YYYY-MM-DD" (or "today"); false on anything else.
bool ParseDate(std::string_view text, v1::Date* d);
// An instant (microseconds since the epoch) in Europe/Amsterdam, ISO-8601 with offset.
std::string FormatInstant(int64_t us);
// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" in Europe/Amsterdam, or RFC 3339 with an offset, to
// microseconds since the epoch. False on anything else.
bool ParseInstant(std::string_view text, int64_t* us);
// An enum value without its type prefix, lowercase: "PROGRAMME_STATUS_ADOPTED" -> "adopted".
std::string ShortEnum(const google::protobuf::EnumValueDescriptor* v);
// Lowercase hex of bytes.
std::string Hex(std::string_view bytes);

// The protobuf JSON of a message as the CLI prints it (proto field names, defaults included,
// enums by name); docs/CLI.md documents it.
std::string ToJson(const google::protobuf::Message& m, bool pretty = true);

// ANSI styling, only when `on`.
std::string Bold(std::string_view s, bool on);
std::string Green(std::string_view s, bool on);
std::string Red(std::string_view s, bool on);
std::string Dim(std::string_view s, bool on);

// An aligned text table; widths count Unicode characters.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Right-aligns column `i` (amounts, counts).
  void AlignRight(size_t i) { right_.push_back(i); }
  bool empty() const { return rows_.empty(); }
  std::string Render(bool color) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> right_;
};

// Key-value lines ("Title     Experimenteerprogramma ..."), aligned.
std::string KeyValues(const std::vector<std::pair<std::string, std::string>>& kv, bool color);

// Characters (code points) of UTF-8 text.
size_t DisplayWidth(std::string_view s);

}  // namespace proeftuin::cli
