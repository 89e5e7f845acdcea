// A document model for reports (headings, facts, tables, paragraphs, lists) and its two
// renderings: Markdown (CommonMark with GFM tables) and one self-contained HTML page.
//
// Every text is plain text: both renderings escape it, so text from the log (titles, council
// input, notes) cannot change the structure. In Markdown a line break (CR, LF, CRLF) is a space
// in titles, headings, cells and list items and a hard line break in paragraphs; characters
// CommonMark would read as markup ('\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '~', an
// entity's '&') are backslash-escaped, as are block markers at the start of a line ('-', '+',
// '=', "1." / "1)"); leading spaces are dropped. HTML escapes &, <, >, " and '.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace proeftuin::cli {

struct ReportSection {
  std::string heading;
  int level = 2;  // 2 = ##, 3 = ###
  std::vector<std::pair<std::string, std::string>> facts;
  std::vector<std::string> table_headers;
  std::vector<std::vector<std::string>> table_rows;
  // Columns (0-based) of amounts and counts: right-aligned.
  std::vector<size_t> numeric_columns;
  std::vector<std::string> paragraphs;
  // A bulleted list, after the paragraphs.
  std::vector<std::string> items;
};

struct ReportDocument {
  std::string lang = "nl";
  std::string title;
  std::string subtitle;
  std::vector<ReportSection> sections;
};

std::string RenderMarkdown(const ReportDocument& d);
std::string RenderHtml(const ReportDocument& d);

}  // namespace proeftuin::cli
