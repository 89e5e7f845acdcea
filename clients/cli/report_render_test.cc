// The report renderings: text from the log (titles, council input, notes) must not change the
// structure of the Markdown (CommonMark with GFM tables) or the HTML: a line break does not end
// a heading or split a table row, '|' does not add a cell, '#', '-', '1.' do not start a block,
// and '<…>' is not raw HTML.
#include "cli/report_render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace proeftuin::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

ReportDocument OneSection(ReportSection s) {
  ReportDocument d;
  d.title = "Rapport";
  d.subtitle = "Ondertitel";
  d.sections.push_back(std::move(s));
  return d;
}

TEST(ReportMarkdownEscaping, CarriageReturnsAndLineFeedsDoNotSplitATableRow) {
  ReportSection s;
  s.heading = "Tabel";
  s.table_headers = {"Wat", "Toelichting"};
  s.table_rows = {{"windows", "regel 1\r\nregel 2\rregel 3\nregel 4"}, {"pijp", "a|b"}};
  const std::string md = RenderMarkdown(OneSection(s));
  EXPECT_THAT(md, HasSubstr("| windows | regel 1 regel 2 regel 3 regel 4 |\n")) << md;
  EXPECT_THAT(md, HasSubstr("| pijp | a\\|b |\n")) << md;
  EXPECT_THAT(md, Not(HasSubstr("\r"))) << md;
  int rows = 0;
  for (const std::string& line : Lines(md)) rows += !line.empty() && line.front() == '|';
  EXPECT_EQ(rows, 4) << md;  // header, separator, two rows
}

TEST(ReportMarkdownEscaping, FactsStayOneRowEach) {
  ReportSection s;
  s.heading = "Feiten";
  s.facts = {{"Sleutel|met pijp", "waarde\r\n# geen kop"}, {"*Nadruk*", "<b>vet</b>"}};
  const std::string md = RenderMarkdown(OneSection(s));
  EXPECT_THAT(md, HasSubstr("| **Sleutel\\|met pijp** | waarde \\# geen kop |\n")) << md;
  EXPECT_THAT(md, HasSubstr("| **\\*Nadruk\\*** | \\<b\\>vet\\</b\\> |\n")) << md;
}

TEST(ReportMarkdownEscaping, ALineBreakDoesNotEndTheTitleOrAHeading) {
  ReportDocument d;
  d.title = "Programma\n# Ander rapport";
  d.subtitle = "Ondertitel";
  ReportSection s;
  s.heading = "Wens\r\n- geen lijst";
  d.sections.push_back(s);
  const std::string md = RenderMarkdown(d);
  const std::vector<std::string> lines = Lines(md);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "# Programma \\# Ander rapport");
  EXPECT_THAT(md, HasSubstr("\n## Wens - geen lijst\n")) << md;
  int headings = 0;
  for (const std::string& line : lines) headings += !line.empty() && line.front() == '#';
  EXPECT_EQ(headings, 2) << md;
}

TEST(ReportMarkdownEscaping, AngleBracketsAreNotRawHtml) {
  ReportDocument d;
  d.title = "<script>alert(1)</script>";
  d.subtitle = "<img src=x onerror=alert(1)>";
  ReportSection s;
  s.heading = "<h1>kop</h1>";
  s.paragraphs = {"<!-- commentaar -->", "&lt;entiteit&gt; en B&W"};
  d.sections.push_back(s);
  const std::string md = RenderMarkdown(d);
  // Every '<' and '>' is escaped; CommonMark then shows them as text.
  for (size_t i = md.find_first_of("<>"); i != std::string::npos; i = md.find_first_of("<>", i + 1)) {
    ASSERT_GT(i, 0u);
    EXPECT_EQ(md[i - 1], '\\') << "unescaped at " << i << " in\n" << md;
  }
  EXPECT_THAT(md, HasSubstr("# \\<script\\>alert(1)\\</script\\>\n")) << md;
  // An entity reference would show as the character it names: '&' escaped; a bare '&' is left.
  EXPECT_THAT(md, HasSubstr("\\&lt;entiteit\\&gt; en B&W")) << md;
}

TEST(ReportMarkdownEscaping, LeadingHashListAndNumberMarkersDoNotStartABlock) {
  ReportSection s;
  s.heading = "# Kop met hekje #";
  s.paragraphs = {"# geen kop", "- geen lijst", "+ geen lijst", "2024. geen genummerde lijst", "1) ook niet",
                  "    geen codeblok", "> geen citaat", "---", "```", "===", "_nadruk_ en `code` en [link](x)"};
  const std::string md = RenderMarkdown(OneSection(s));
  EXPECT_THAT(md, HasSubstr("\n## \\# Kop met hekje \\#\n")) << md;
  EXPECT_THAT(md, HasSubstr("\n\\# geen kop\n")) << md;
  EXPECT_THAT(md, HasSubstr("\n\\- geen lijst\n")) << md;
  EXPECT_THAT(md, HasSubstr("\n\\+ geen lijst\n")) << md;
  EXPECT_THAT(md, HasSubstr("\n2024\\. geen genummerde lijst\n")) << md;
  EXPECT_THAT(md, HasSubstr("\n1\\) ook niet\n")) << md;
  EXPECT_THAT(md, HasSubstr("\ngeen codeblok\n")) << md;
  EXPECT_THAT(md, HasSubstr("\n\\> geen citaat\n")) << md;
  EXPECT_THAT(md, HasSubstr("\n\\---\n")) << md;
  EXPECT_THAT(md, HasSubstr("\n\\`\\`\\`\n")) << md;
  EXPECT_THAT(md, HasSubstr("\n\\===\n")) << md;
  EXPECT_THAT(md, HasSubstr("\n\\_nadruk\\_ en \\`code\\` en \\[link\\](x)\n")) << md;
}

TEST(ReportMarkdownEscaping, ALineBreakInAParagraphIsAHardBreakAndEachLineIsEscaped) {
  ReportSection s;
  s.heading = "Bevindingen";
  s.paragraphs = {"Eerste regel.\r\n# tweede regel\n\n- derde"};
  const std::string md = RenderMarkdown(OneSection(s));
  EXPECT_THAT(md, HasSubstr("\nEerste regel.\\\n\\# tweede regel\\\n\\- derde\n")) << md;
}

TEST(ReportMarkdownEscaping, ListItemsAreEscaped) {
  ReportSection s;
  s.heading = "Aanbevelingen";
  s.items = {"- dubbel", "gewoon\nmet regel", "<i>x</i>"};
  const std::string md = RenderMarkdown(OneSection(s));
  EXPECT_THAT(md, HasSubstr("\n- \\- dubbel\n- gewoon met regel\n- \\<i\\>x\\</i\\>\n")) << md;
}

TEST(ReportHtmlEscaping, EveryTextIsEscaped) {
  ReportDocument d;
  d.title = "<script>alert(1)</script>";
  d.subtitle = "a & b";
  ReportSection s;
  s.heading = "\"kop\" <h1>";
  s.facts = {{"<k>", "'v'"}};
  s.table_headers = {"<th>"};
  s.table_rows = {{"<td>|\r\n"}};
  s.paragraphs = {"<p>regel 1\nregel 2"};
  s.items = {"<li>"};
  d.sections.push_back(s);
  const std::string html = RenderHtml(d);
  EXPECT_THAT(html, Not(HasSubstr("<script>"))) << html;
  EXPECT_THAT(html, HasSubstr("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>")) << html;
  EXPECT_THAT(html, HasSubstr("<h2>&quot;kop&quot; &lt;h1&gt;</h2>")) << html;
  EXPECT_THAT(html, HasSubstr("<dt>&lt;k&gt;</dt><dd>&#39;v&#39;</dd>")) << html;
  EXPECT_THAT(html, HasSubstr("&lt;th&gt;")) << html;
  EXPECT_THAT(html, HasSubstr("&lt;td&gt;|")) << html;
  EXPECT_THAT(html, HasSubstr("<p>&lt;p&gt;regel 1<br>\nregel 2</p>")) << html;
  EXPECT_THAT(html, HasSubstr("<li>&lt;li&gt;</li>")) << html;
  EXPECT_THAT(html, HasSubstr("<html lang=\"nl\">")) << html;
}

TEST(ReportHtmlRendering, NumericColumnsAreRightAligned) {
  ReportSection s;
  s.heading = "Begroting";
  s.table_headers = {"Jaar", "Begroot"};
  s.numeric_columns = {1};
  s.table_rows = {{"2025", "€ 70.000,00"}};
  const std::string html = RenderHtml(OneSection(s));
  EXPECT_THAT(html, HasSubstr("<th scope=\"col\" class=\"num\">Begroot</th>")) << html;
  EXPECT_THAT(html, HasSubstr("<td class=\"num\">€ 70.000,00</td>")) << html;
  const std::string md = RenderMarkdown(OneSection(s));
  EXPECT_THAT(md, HasSubstr("| Jaar | Begroot |\n|---|---:|\n| 2025 | € 70.000,00 |\n")) << md;
}

}  // namespace
}  // namespace proeftuin::cli
