// A document model for reports (headings, facts, tables, paragraphs) and its two renderings:
// Markdown and one self-contained HTML page.
//
// Thread-safety: pure functions.
#pragma once

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
  std::vector<std::string> paragraphs;
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
