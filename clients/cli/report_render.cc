#include "cli/report_render.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/audit_html.h"
#include "cli/format.h"

namespace proeftuin::cli {
namespace {

// The lines of a text (CR, LF and CRLF each end one, empty lines dropped, other control
// characters a space) and the text on one line: format.h's, as on the terminal.
std::vector<std::string> Lines(std::string_view s) { return TextLines(s); }

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// True when s[i] == '&' starts what CommonMark reads as an entity or numeric character
// reference ("&amp;", "&#123;", "&#x1F;").
bool EntityAt(std::string_view s, size_t i) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '#') {
    ++j;
    bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
    if (hex) ++j;
    size_t start = j;
    while (j < s.size() && (hex ? std::isxdigit(static_cast<unsigned char>(s[j])) != 0
                                : std::isdigit(static_cast<unsigned char>(s[j])) != 0)) {
      ++j;
    }
    return j > start && j < s.size() && s[j] == ';';
  }
  size_t start = j;
  while (j < s.size() && IsAlnum(s[j])) ++j;
  return j > start && j < s.size() && s[j] == ';';
}

// One line of inline text with every character CommonMark (and GFM tables) could read as markup
// escaped: emphasis, code, links, raw HTML and autolinks, table cells, headings' closing '#',
// strikethrough, entity references.
std::string MdInline(std::string_view line) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (std::string_view("\\`*_[]<>|#~").find(c) != std::string_view::npos || (c == '&' && EntityAt(line, i))) {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// One line that starts a block (title, heading, paragraph line, list item): also escapes what
// would start another block there: list markers ('-', '+', "1." and "1)"), setext underlines
// ('='), an indented code block (leading spaces are dropped). '#', '>', '*', '_', '`' and '~' are
// escaped wherever they stand.
std::string MdBlockLine(std::string_view text) {
  size_t skip = 0;
  while (skip < text.size() && text[skip] == ' ') ++skip;
  std::string out = MdInline(text.substr(skip));
  if (out.empty()) return out;
  if (out[0] == '-' || out[0] == '+' || out[0] == '=') return "\\" + out;
  size_t digits = 0;
  while (digits < out.size() && std::isdigit(static_cast<unsigned char>(out[digits])) != 0) ++digits;
  if (digits > 0 && digits <= 9 && digits < out.size() && (out[digits] == '.' || out[digits] == ')')) {
    out.insert(digits, "\\");
  }
  return out;
}

std::string MdHeadingText(std::string_view s) { return MdBlockLine(OneLine(s)); }

// A paragraph: its lines, each escaped, joined by hard line breaks.
std::string MdParagraph(std::string_view s) {
  std::vector<std::string> lines;
  for (const std::string& line : Lines(s)) {
    std::string escaped = MdBlockLine(line);
    if (!escaped.empty()) lines.push_back(std::move(escaped));
  }
  return absl::StrJoin(lines, "\\\n");
}

std::string MdCell(std::string_view s) { return MdInline(OneLine(s)); }

// A table row of escaped cells, without its line ending.
std::string MdRow(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + c + " |";
  return out;
}

bool Numeric(const ReportSection& s, size_t column) {
  return std::find(s.numeric_columns.begin(), s.numeric_columns.end(), column) != s.numeric_columns.end();
}

// Escaped text with its line breaks kept as <br>.
std::string HtmlText(std::string_view s) {
  std::vector<std::string> lines = Lines(s);
  for (auto& line : lines) line = HtmlEscape(line);
  return absl::StrJoin(lines, "<br>\n");
}

std::string HtmlTable(const ReportSection& s) {
  std::string out = "<table>\n<thead><tr>";
  for (size_t i = 0; i < s.table_headers.size(); ++i) {
    out += absl::StrCat("<th scope=\"col\"", Numeric(s, i) ? " class=\"num\"" : "", ">", HtmlEscape(s.table_headers[i]),
                        "</th>");
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : s.table_rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string& c = row[i];
      // Amounts and counts align right; other short cells (dates, statuses) do not wrap.
      const char* open = Numeric(s, i) ? "<td class=\"num\">" : c.size() < 28 ? "<td class=\"nw\">" : "<td>";
      out += open + HtmlText(c) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

constexpr char kCss[] =
    "body{font-family:system-ui,sans-serif;color:#1a1a1a;background:#fff;max-width:60rem;margin:0 auto;"
    "padding:1rem;line-height:1.5}table{border-collapse:collapse;width:100%;margin:0.5rem 0 1rem}"
    "th,td{text-align:left;vertical-align:top;padding:0.35rem 0.5rem;border-bottom:1px solid #8c8c8c}"
    "th{background:#ececec}dl{display:grid;grid-template-columns:max-content 1fr;gap:0.2rem 1rem}"
    "dt{font-weight:600}dd{margin:0}.sub{color:#404040}td.nw{white-space:nowrap}"
    "th.num,td.num{text-align:right;white-space:nowrap}";

}  // namespace

std::string RenderMarkdown(const ReportDocument& d) {
  // Blocks (title, subtitle, headings, tables, paragraphs, lists), one blank line apart.
  std::vector<std::string> blocks = {"# " + MdHeadingText(d.title)};
  if (std::string sub = MdParagraph(d.subtitle); !sub.empty()) blocks.push_back(sub);
  for (const auto& s : d.sections) {
    blocks.push_back(std::string(static_cast<size_t>(std::clamp(s.level, 1, 6)), '#') + " " + MdHeadingText(s.heading));
    if (!s.facts.empty()) {
      std::string table = "| | |\n|---|---|";
      for (const auto& [k, v] : s.facts) {
        std::string key = MdCell(k);
        table += "\n" + MdRow({key.empty() ? "" : "**" + key + "**", MdCell(v)});
      }
      blocks.push_back(table);
    }
    if (!s.table_headers.empty()) {
      std::vector<std::string> headers;
      std::string sep = "|";
      for (size_t i = 0; i < s.table_headers.size(); ++i) {
        headers.push_back(MdCell(s.table_headers[i]));
        sep += Numeric(s, i) ? "---:|" : "---|";
      }
      std::string table = MdRow(headers) + "\n" + sep;
      for (const auto& row : s.table_rows) {
        std::vector<std::string> cells;
        for (const auto& c : row) cells.push_back(MdCell(c));
        table += "\n" + MdRow(cells);
      }
      blocks.push_back(table);
    }
    for (const auto& p : s.paragraphs) {
      if (std::string text = MdParagraph(p); !text.empty()) blocks.push_back(text);
    }
    if (!s.items.empty()) {
      std::vector<std::string> items;
      for (const auto& item : s.items) items.push_back("- " + MdBlockLine(OneLine(item)));
      blocks.push_back(absl::StrJoin(items, "\n"));
    }
  }
  return absl::StrJoin(blocks, "\n\n") + "\n";
}

std::string RenderHtml(const ReportDocument& d) {
  std::string body;
  for (const auto& s : d.sections) {
    std::string h = "h" + std::to_string(std::clamp(s.level, 2, 6));
    body += absl::StrCat("<section>\n<", h, ">", HtmlEscape(OneLine(s.heading)), "</", h, ">\n");
    if (!s.facts.empty()) {
      body += "<dl>\n";
      for (const auto& [k, v] : s.facts) body += "<dt>" + HtmlText(k) + "</dt><dd>" + HtmlText(v) + "</dd>\n";
      body += "</dl>\n";
    }
    if (!s.table_headers.empty()) body += HtmlTable(s);
    for (const auto& p : s.paragraphs) body += "<p>" + HtmlText(p) + "</p>\n";
    if (!s.items.empty()) {
      body += "<ul>\n";
      for (const auto& item : s.items) body += "<li>" + HtmlText(item) + "</li>\n";
      body += "</ul>\n";
    }
    body += "</section>\n";
  }
  return absl::StrCat("<!DOCTYPE html>\n<html lang=\"", HtmlEscape(d.lang),
                      "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
                      "content=\"width=device-width, initial-scale=1\">\n<title>",
                      HtmlEscape(OneLine(d.title)), "</title>\n<style>", kCss, "</style>\n</head>\n<body>\n<main>\n<h1>",
                      HtmlEscape(OneLine(d.title)), "</h1>\n<p class=\"sub\">", HtmlText(d.subtitle), "</p>\n", body,
                      "</main>\n</body>\n</html>\n");
}

}  // namespace proeftuin::cli
