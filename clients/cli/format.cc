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

}  // namespace

size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  bool escape = false;
  for (unsigned char c : s) {
    if (c == 0x1b) escape = true;
    if (escape) {
      if (c == 'm') escape = false;
      continue;
    }
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool ParseEuro(std::string_view text, int64_t* cents) {
  std::string s;
  for (char c : text) {
    if (c != ' ') s += c;
  }
  if (s.rfind("€", 0) == 0) s = s.substr(std::string("€").size());
  if (s.rfind("EUR", 0) == 0) s = s.substr(3);
  // A separator followed by exactly three digits (and then a separator or the end) groups thousands.
  std::string digits, fraction;
  bool in_fraction = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      (in_fraction ? fraction : digits) += c;
      continue;
    }
    if ((c != '.' && c != ',') || in_fraction) return false;
    size_t run = 0;
    while (i + 1 + run < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1 + run]))) ++run;
    bool thousands = run == 3 && (i + 4 == s.size() || s[i + 4] == '.' || s[i + 4] == ',');
    if (!thousands) in_fraction = true;
  }
  if (digits.empty() || digits.size() > 13 || fraction.size() > 2) return false;
  while (fraction.size() < 2) fraction += '0';
  int64_t whole = 0, part = 0;
  if (!absl::SimpleAtoi(digits, &whole) || !absl::SimpleAtoi(fraction, &part)) return false;
  *cents = whole * 100 + part;
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
  return out;
}

std::string Bold(std::string_view s, bool on) { return Style(s, "1", on); }
std::string Green(std::string_view s, bool on) { return Style(s, "32", on); }
std::string Red(std::string_view s, bool on) { return Style(s, "31", on); }
std::string Dim(std::string_view s, bool on) { return Style(s, "2", on); }

std::string Table::Render(bool color) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string out;
    for (size_t i = 0; i < widths.size(); ++i) {
      bool right = std::find(right_.begin(), right_.end(), i) != right_.end();
      std::string cell = Pad(i < cells.size() ? cells[i] : "", i + 1 == widths.size() && !right ? 0 : widths[i], right);
      out += header ? Bold(cell, color) : cell;
      if (i + 1 < widths.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers_, true);
  for (const auto& row : rows_) out += line(row, false);
  return out;
}

std::string KeyValues(const std::vector<std::pair<std::string, std::string>>& kv, bool color) {
  size_t width = 0;
  for (const auto& [k, v] : kv) width = std::max(width, DisplayWidth(k));
  std::string out;
  for (const auto& [k, v] : kv) {
    if (v.empty()) continue;
    out += Bold(Pad(k, width, false), color) + "  " + v + "\n";
  }
  return out;
}

}  // namespace proeftuin::cli
