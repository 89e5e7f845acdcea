#include "cli/report_render.h"

#include "absl/strings/str_cat.h"
#include "cli/audit_html.h"

namespace proeftuin::cli {
namespace {

std::string MdCell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string MdRow(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + MdCell(c) + " |";
  return out + "\n";
}

std::string HtmlTable(const ReportSection& s) {
  std::string out = "<table>\n<thead><tr>";
  for (const auto& h : s.table_headers) out += "<th scope=\"col\">" + HtmlEscape(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : s.table_rows) {
    out += "<tr>";
    // Short cells (amounts, dates, statuses) do not wrap.
    for (const auto& c : row) out += (c.size() < 28 ? "<td class=\"nw\">" : "<td>") + HtmlEscape(c) + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

constexpr char kCss[] =
    "body{font-family:system-ui,sans-serif;color:#1a1a1a;background:#fff;max-width:60rem;margin:0 auto;"
    "padding:1rem;line-height:1.5}table{border-collapse:collapse;width:100%;margin:0.5rem 0 1rem}"
    "th,td{text-align:left;vertical-align:top;padding:0.35rem 0.5rem;border-bottom:1px solid #8c8c8c}"
    "th{background:#ececec}dl{display:grid;grid-template-columns:max-content 1fr;gap:0.2rem 1rem}"
    "dt{font-weight:600}dd{margin:0}.sub{color:#404040}td.nw{white-space:nowrap}";

}  // namespace

std::string RenderMarkdown(const ReportDocument& d) {
  std::string out = "# " + d.title + "\n\n" + d.subtitle + "\n";
  for (const auto& s : d.sections) {
    out += "\n" + std::string(s.level, '#') + " " + s.heading + "\n\n";
    if (!s.facts.empty()) {
      out += "| | |\n|---|---|\n";
      for (const auto& [k, v] : s.facts) out += MdRow({"**" + k + "**", v});
      out += "\n";
    }
    if (!s.table_headers.empty()) {
      out += MdRow(s.table_headers);
      out += "|" + [&] {
        std::string sep;
        for (size_t i = 0; i < s.table_headers.size(); ++i) sep += "---|";
        return sep;
      }() + "\n";
      for (const auto& row : s.table_rows) out += MdRow(row);
      out += "\n";
    }
    for (const auto& p : s.paragraphs) out += p + "\n\n";
  }
  return out;
}

std::string RenderHtml(const ReportDocument& d) {
  std::string body;
  for (const auto& s : d.sections) {
    std::string h = "h" + std::to_string(s.level);
    body += absl::StrCat("<section>\n<", h, ">", HtmlEscape(s.heading), "</", h, ">\n");
    if (!s.facts.empty()) {
      body += "<dl>\n";
      for (const auto& [k, v] : s.facts) body += "<dt>" + HtmlEscape(k) + "</dt><dd>" + HtmlEscape(v) + "</dd>\n";
      body += "</dl>\n";
    }
    if (!s.table_headers.empty()) body += HtmlTable(s);
    for (const auto& p : s.paragraphs) body += "<p>" + HtmlEscape(p) + "</p>\n";
    body += "</section>\n";
  }
  return absl::StrCat("<!DOCTYPE html>\n<html lang=\"", d.lang,
                      "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
                      "content=\"width=device-width, initial-scale=1\">\n<title>",
                      HtmlEscape(d.title), "</title>\n<style>", kCss, "</style>\n</head>\n<body>\n<main>\n<h1>",
                      HtmlEscape(d.title), "</h1>\n<p class=\"sub\">", HtmlEscape(d.subtitle), "</p>\n", body,
                      "</main>\n</body>\n</html>\n");
}

}  // namespace proeftuin::cli
