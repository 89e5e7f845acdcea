#include "cli/format.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"

namespace proeftuin::cli {
namespace {

const absl::TimeZone& Amsterdam() {
  static const absl::TimeZone* tz = [] {
    auto* z = new absl::TimeZone();
    if (!absl::LoadTimeZone("Europe/Amsterdam", z)) *z = absl::UTCTimeZone();
    return z;
  }();
  return *tz;
}

std::string Style(std::string_view s, const char* code, bool on) {
  if (!on) return std::string(s);
  return absl::StrCat("\x1b[", code, "m", absl::string_view(s.data(), s.size()), "\x1b[0m");
}

std::string Pad(const std::string& s, size_t width, bool right) {
  size_t w = DisplayWidth(s);
  std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string Toned(const std::string& s, Tone tone, bool color) {
  switch (tone) {
    case Tone::kPlain:
      return s;
    case Tone::kGood:
      return Green(s, color);
    case Tone::kBad:
      return Red(s, color);
  }
  return s;
}

constexpr char32_t kNotUtf8 = 0xFFFFFFFF;

// The code point that starts at s[i] and its length in bytes; {kNotUtf8, 1} when s[i] does not
// start a valid UTF-8 sequence (overlong forms, surrogates and values past U+10FFFF included).
std::pair<char32_t, size_t> DecodeAt(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return {c, 1};
  const size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return {kNotUtf8, 1};
  char32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {kNotUtf8, 1};
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kLeast[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {kNotUtf8, 1};
  return {cp, n};
}

// A bidirectional embedding, override or isolate control (LRE, RLE, PDF, LRO, RLO; LRI, RLI,
// FSI, PDI).
bool IsBidiControl(char32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

std::string_view TrimBlanks(std::string_view s) {
  static constexpr std::string_view kBlanks[] = {" ", "\t", "\xC2\xA0"};  // NBSP too
  for (bool again = true; again;) {
    again = false;
    for (std::string_view blank : kBlanks) {
      for (; s.starts_with(blank); again = true) s.remove_prefix(blank.size());
      for (; s.ends_with(blank); again = true) s.remove_suffix(blank.size());
    }
  }
  return s;
}

// An amount without blanks around it and without a leading "€" or "EUR" (and blanks after it).
std::string_view AmountText(std::string_view s) {
  s = TrimBlanks(s);
  for (std::string_view currency : {"€", "EUR"}) {
    if (s.starts_with(currency)) s.remove_prefix(currency.size());
  }
  return TrimBlanks(s);
}

// Which of '.' and ',' separates the decimals and which groups thousands (0: none); see
// ParseEuro.
struct Separators {
  char decimal = 0;
  char group = 0;
};

Separators SeparatorsOf(std::string_view s) {
  const size_t dots = std::count(s.begin(), s.end(), '.');
  const size_t commas = std::count(s.begin(), s.end(), ',');
  if (dots > 0 && commas > 0) {
    const char last = s[s.find_last_of(".,")];
    return {last, last == '.' ? ',' : '.'};
  }
  if (dots + commas == 0) return {};
  const char sep = dots > 0 ? '.' : ',';
  if (dots + commas > 1) return {0, sep};
  const size_t at = s.find(sep);
  const bool grouped = s.size() - at - 1 == 3 && at >= 1 && at <= 3 && s[0] != '0';
  return grouped ? Separators{0, sep} : Separators{sep, 0};
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The digits of the whole euros; false when a thousands group is wrong (the first has 1-3
// digits and does not start with 0, every other exactly 3).
bool WholeDigits(std::string_view whole, char group, std::string* digits) {
  if (group == 0) {
    digits->assign(whole);
    return AllDigits(whole);
  }
  size_t start = 0;
  for (bool first = true;; first = false) {
    const size_t end = std::min(whole.find(group, start), whole.size());
    const std::string_view g = whole.substr(start, end - start);
    if (!AllDigits(g) || (first ? g.size() > 3 || g[0] == '0' : g.size() != 3)) return false;
    digits->append(g);
    if (end == whole.size()) return true;
    start = end + 1;
  }
}

}  // namespace

size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\x1b') {  // an ANSI colour sequence: ESC [ ... m
      const size_t m = s.find('m', i);
      i = m == std::string_view::npos ? s.size() : m + 1;
      continue;
    }
    i += DecodeAt(s, i).second;
    ++n;
  }
  return n;
}

std::string Truncate(std::string_view s, size_t max) {
  if (DisplayWidth(s) <= max) return std::string(s);
  std::string out;
  for (size_t i = 0, kept = 0; i < s.size() && kept + 1 < max; ++kept) {
    const size_t n = DecodeAt(s, i).second;
    out.append(s.substr(i, n));
    i += n;
  }
  return max == 0 ? out : out + "…";
}

std::vector<std::string> TextLines(std::string_view s) {
  std::vector<std::string> out;
  std::string line;
  for (size_t i = 0; i < s.size();) {
    const auto [cp, n] = DecodeAt(s, i);
    if (cp == '\r' || cp == '\n') {
      if (!line.empty()) out.push_back(std::move(line));
      line.clear();
    } else if (cp == kNotUtf8) {
      line += "\xEF\xBF\xBD";  // U+FFFD
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      line += ' ';
    } else if (IsBidiControl(cp)) {
      // dropped
    } else {
      line.append(s.substr(i, n));
    }
    i += n;
  }
  if (!line.empty()) out.push_back(std::move(line));
  return out;
}

std::string OneLine(std::string_view s) {
  std::string out;
  for (const std::string& line : TextLines(s)) out += (out.empty() ? "" : " ") + line;
  return out;
}

bool ParseEuro(std::string_view text, int64_t* cents, std::string* error) {
  const std::string shown(text);
  auto fail = [error](const std::string& why) {
    if (error != nullptr) *error = why;
    return false;
  };
  const std::string usual =
      "expected an amount in euros (e.g. 1250.50, 1.250,50 or € 140.000,00), got '" + shown + "'";
  std::string_view s = AmountText(text);
  bool whole_only = false;  // "12,-": Dutch for 12 euros
  if (s.size() > 2 && (s.substr(s.size() - 2) == ",-" || s.substr(s.size() - 2) == ".-")) {
    s.remove_suffix(2);
    whole_only = true;
  }
  if (s.empty() || s.find_first_not_of("0123456789.,") != std::string_view::npos) {
    return fail(usual);
  }
  const Separators sep = SeparatorsOf(s);
  std::string_view whole = s, fraction;
  if (sep.decimal != 0) {
    if (whole_only || std::count(s.begin(), s.end(), sep.decimal) != 1) return fail(usual);
    whole = s.substr(0, s.find(sep.decimal));
    fraction = s.substr(whole.size() + 1);
    if (!AllDigits(fraction)) return fail(usual);
    if (fraction.size() > 2) {
      return fail("'" + shown + "' has " + std::to_string(fraction.size()) +
                  " decimals; an amount has at most 2 (whole cents)");
    }
  }
  std::string digits;
  if (!WholeDigits(whole, sep.group, &digits)) return fail(usual);
  if (digits.size() > 13) return fail("'" + shown + "' is too large");
  std::string part(fraction);
  while (part.size() < 2) part += '0';
  int64_t euros = 0, rest = 0;
  if (!absl::SimpleAtoi(digits, &euros) || !absl::SimpleAtoi(part, &rest)) return fail(usual);
  *cents = euros * 100 + rest;
  return true;
}

std::string FormatDate(const v1::Date& d) {
  if (d.year() == 0) return "";
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

bool ParseDate(std::string_view text, v1::Date* d) {
  absl::CivilDay day;
  if (text == "today") {
    day = absl::ToCivilDay(absl::Now(), Amsterdam());
  } else if (!absl::ParseCivilTime(absl::string_view(text.data(), text.size()), &day) || text.size() != 10) {
    return false;
  }
  d->set_year(static_cast<int32_t>(day.year()));
  d->set_month(day.month());
  d->set_day(day.day());
  return true;
}

std::string FormatInstant(int64_t us) {
  if (us == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", absl::FromUnixMicros(us), Amsterdam());
}

bool ParseInstant(std::string_view text, int64_t* us) {
  absl::string_view t(text.data(), text.size());
  absl::Time when;
  std::string err;
  absl::CivilSecond cs;
  absl::CivilMinute cm;
  absl::CivilDay cd;
  if (absl::ParseTime(absl::RFC3339_full, t, &when, &err)) {
  } else if (absl::ParseCivilTime(t, &cs)) {
    when = absl::FromCivil(cs, Amsterdam());
  } else if (absl::ParseCivilTime(t, &cm)) {
    when = absl::FromCivil(cm, Amsterdam());
  } else if (absl::ParseCivilTime(t, &cd)) {
    when = absl::FromCivil(cd, Amsterdam());
  } else {
    return false;
  }
  *us = absl::ToUnixMicros(when);
  return true;
}

bool ParseInstantEnd(std::string_view text, int64_t* us) {
  absl::CivilDay day;
  if (text.size() == 10 &&
      absl::ParseCivilTime(absl::string_view(text.data(), text.size()), &day)) {
    *us = absl::ToUnixMicros(absl::FromCivil(day + 1, Amsterdam()));
    return true;
  }
  return ParseInstant(text, us);
}

std::string ShortEnum(const google::protobuf::EnumValueDescriptor* v) {
  if (v == nullptr) return "";
  std::string prefix;
  for (char c : v->type()->name()) {
    if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty()) prefix += '_';
    prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  prefix += '_';
  std::string name = v->name();
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  return absl::AsciiStrToLower(name);
}

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& m, bool pretty) {
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = pretty;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return TerminalJson(out);
}

std::string TerminalJson(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size();) {
    const auto [cp, n] = DecodeAt(json, i);
    if (cp == kNotUtf8) {
      out += "\\ufffd";
    } else if ((cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F) ||
               IsBidiControl(cp)) {
      out += absl::StrFormat("\\u%04x", static_cast<uint32_t>(cp));
    } else {
      out.append(json.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string Bold(std::string_view s, bool on) { return Style(s, "1", on); }
std::string Green(std::string_view s, bool on) { return Style(s, "32", on); }
std::string Red(std::string_view s, bool on) { return Style(s, "31", on); }
std::string Dim(std::string_view s, bool on) { return Style(s, "2", on); }

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {
  for (std::string& h : headers_) h = OneLine(h);
}

void Table::AddRow(std::vector<Cell> row) {
  for (Cell& c : row) c.text = OneLine(c.text);
  rows_.push_back(std::move(row));
}

std::string Table::Render(bool color) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i].text));
    }
  }
  auto line = [&](const std::vector<Cell>& cells, bool header) {
    std::string out;
    for (size_t i = 0; i < widths.size(); ++i) {
      bool right = std::find(right_.begin(), right_.end(), i) != right_.end();
      const Cell& c = i < cells.size() ? cells[i] : Cell("");
      std::string cell = Pad(c.text, i + 1 == widths.size() && !right ? 0 : widths[i], right);
      out += header ? Bold(cell, color) : Toned(cell, c.tone, color);
      if (i + 1 < widths.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(std::vector<Cell>(headers_.begin(), headers_.end()), true);
  for (const auto& row : rows_) out += line(row, false);
  return out;
}

std::string KeyValues(const std::vector<std::pair<std::string, Cell>>& kv, bool color) {
  size_t width = 0;
  for (const auto& [k, v] : kv) width = std::max(width, DisplayWidth(OneLine(k)));
  std::string out;
  for (const auto& [k, v] : kv) {
    const std::string value = OneLine(v.text);
    if (value.empty()) continue;
    out += Bold(Pad(OneLine(k), width, false), color) + "  " + Toned(value, v.tone, color) + "\n";
  }
  return out;
}

}  // namespace proeftuin::cli
