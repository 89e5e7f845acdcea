// Formatting for people and parsing of flag values: euros in Dutch style ("€ 140.000,00"),
// business dates as ISO-8601 ("2024-07-01"), instants as ISO-8601 in Europe/Amsterdam
// ("2026-11-28T12:38:26+01:00"), aligned tables, colour, and protobuf JSON.
//
// Thread-safety: pure functions; Table is thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/budget.h"
#include "google/protobuf/message.h"
#include "proeftuin/v1/common.pb.h"

namespace proeftuin::cli {

// "€ 140.000,00", "-€ 12,50" (the domain's, which the server's Dutch warnings use too).
using domain::FormatEuro;
// Euros to cents (docs/CLI.md, "Amounts"): "140000", "1250.50", "1250,5", "€ 140.000,00",
// "1,250.50", "12,-". With both '.' and ',' the last one is the decimal separator and the other
// groups thousands; a separator that occurs more than once groups thousands; one that occurs once
// groups thousands only when a group of 1-3 digits not starting with 0 comes before it and
// exactly 3 digits after it ("1.250" is 1250, "0,125" and "1250.505" are decimals). Thousands
// groups after the first have exactly 3 digits; at most 2 decimals (whole cents). False on
// anything else, with why in `error` (when given) without the flag's name.
bool ParseEuro(std::string_view text, int64_t* cents, std::string* error = nullptr);
// "2024-07-01"; "" for an unset date.
std::string FormatDate(const v1::Date& d);
// "YYYY-MM-DD" (or "today"); false on anything else.
bool ParseDate(std::string_view text, v1::Date* d);
// An instant (microseconds since the epoch) in Europe/Amsterdam, ISO-8601 with offset.
std::string FormatInstant(int64_t us);
// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" in Europe/Amsterdam, or RFC 3339 with an offset, to
// microseconds since the epoch. False on anything else.
bool ParseInstant(std::string_view text, int64_t* us);
// The same for the exclusive end of a range ("--to"): a date alone means the end of that day,
// i.e. the start of the next day in Europe/Amsterdam; a date-time is taken as given.
bool ParseInstantEnd(std::string_view text, int64_t* us);
// An enum value without its type prefix, lowercase: "PROGRAMME_STATUS_ADOPTED" -> "adopted".
std::string ShortEnum(const google::protobuf::EnumValueDescriptor* v);
// Lowercase hex of bytes.
std::string Hex(std::string_view bytes);

// The protobuf JSON of a message as the CLI prints it (proto field names, defaults included,
// enums by name; TerminalJson); docs/CLI.md documents it.
std::string ToJson(const google::protobuf::Message& m, bool pretty = true);

// JSON text made safe for a terminal without changing the value it denotes: DEL, the C1
// controls (U+0080-U+009F, e.g. U+009B, a CSI on some terminals) and the bidirectional
// embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069, which can reorder
// what a line shows) become \uXXXX escapes, which in valid JSON they can only appear in strings.
// Any other control character but LF and TAB (raw, none occurs in a JSON string; CR, which
// JSON allows between tokens, is never written by the CLI's JSON printers) and any byte not part
// of valid UTF-8 becomes an escape or U+FFFD too, so that text that is not JSON cannot reach the
// terminal raw either.
std::string TerminalJson(std::string_view json);

// ANSI styling, only when `on`.
std::string Bold(std::string_view s, bool on);
std::string Green(std::string_view s, bool on);
std::string Red(std::string_view s, bool on);
std::string Dim(std::string_view s, bool on);

// How a table cell or a key-value's value is shown on a terminal with colour.
enum class Tone { kPlain, kGood, kBad };

// A table cell or a key-value's value. Its text may come from the log (titles, reasons): it is
// shown as OneLine(text), so a control character or a line break cannot reach the terminal.
struct Cell {
  Cell(std::string t, Tone tn = Tone::kPlain) : text(std::move(t)), tone(tn) {}  // NOLINT
  Cell(const char* t, Tone tn = Tone::kPlain) : text(t), tone(tn) {}             // NOLINT
  std::string text;
  Tone tone;
};

// An aligned text table; widths count Unicode characters. Every cell is shown as OneLine(text).
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<Cell> row);
  // Right-aligns column `i` (amounts, counts).
  void AlignRight(size_t i) { right_.push_back(i); }
  bool empty() const { return rows_.empty(); }
  std::string Render(bool color) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
  std::vector<size_t> right_;
};

// Key-value lines ("Title     Experimenteerprogramma ..."), aligned; keys and values are shown as
// OneLine(text); a pair whose value is empty is left out.
std::string KeyValues(const std::vector<std::pair<std::string, Cell>>& kv, bool color);

// The lines of a text, for a terminal or a report: CR, LF and CRLF each end one and empty lines
// are dropped; every other control character (C0, e.g. TAB and ESC; DEL; C1, U+0080-U+009F)
// becomes a space, a bidirectional embedding, override or isolate control (U+202A-U+202E,
// U+2066-U+2069: they would reorder the rest of a table's line) is dropped, and a byte that is
// not part of valid UTF-8 becomes U+FFFD.
std::vector<std::string> TextLines(std::string_view s);
// The text on one line: TextLines joined with a space.
std::string OneLine(std::string_view s);

// Characters (code points) of UTF-8 text; ANSI colour sequences count none.
size_t DisplayWidth(std::string_view s);
// UTF-8 text cut to at most `max` characters (code points), never inside one: when it is longer,
// its first max - 1 characters and "…".
std::string Truncate(std::string_view s, size_t max);

}  // namespace proeftuin::cli
