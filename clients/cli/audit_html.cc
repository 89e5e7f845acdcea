#include "cli/audit_html.h"

#include "absl/strings/str_cat.h"
#include "cli/event_json.h"
#include "cli/format.h"

namespace proeftuin::cli {
namespace {

constexpr char kStyle[] = R"css(
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
       background: #ffffff; margin: 0; line-height: 1.5; }
header, main, footer { max-width: 100rem; margin: 0 auto; padding: 0 1rem; }
h1 { font-size: 1.75rem; margin: 1rem 0 0.25rem; }
h2 { font-size: 1.3rem; margin: 1.5rem 0 0.5rem; }
.skip { position: absolute; left: -999px; top: 0; background: #003366; color: #ffffff; padding: 0.5rem; }
.skip:focus { left: 0.5rem; }
.verdict { padding: 0.75rem 1rem; border-radius: 4px; border: 2px solid; font-weight: 600; }
.ok { color: #0a5c0a; background: #eef8ee; border-color: #0a5c0a; }
.bad { color: #8a0000; background: #fdeeee; border-color: #8a0000; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.9rem; }
label { font-weight: 600; display: block; margin-bottom: 0.25rem; }
input[type=search] { font-size: 1rem; padding: 0.4rem; width: min(30rem, 100%); border: 2px solid #4d4d4d;
                     border-radius: 4px; color: #1a1a1a; background: #ffffff; }
:focus-visible { outline: 3px solid #005fcc; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin-top: 0.75rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.5rem; border-bottom: 1px solid #8c8c8c; }
th { background: #ececec; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nw { white-space: nowrap; }
td.stream { overflow-wrap: anywhere; }
summary { cursor: pointer; color: #003d80; text-decoration: underline; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f5f5f5; padding: 0.5rem; margin: 0.5rem 0 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
                   white-space: nowrap; }
)css";

constexpr char kScript[] = R"js(
(function () {
  'use strict';
  var input = document.getElementById('search');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#events tbody tr'));
  var count = document.getElementById('count');
  var total = rows.length;
  rows.forEach(function (row) { row.dataset.text = row.textContent.toLowerCase(); });
  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var match = words.every(function (w) { return row.dataset.text.indexOf(w) !== -1; });
      row.hidden = !match;
      if (match) shown += 1;
    });
    count.textContent = shown + ' of ' + total + ' events shown';
  }
  input.addEventListener('input', apply);
  apply();
}());
)js";

std::string VerificationSection(const AuditExport& x) {
  const v1::VerifyOutcome& v = x.verification;
  std::string verdict =
      v.ok() ? absl::StrCat("<p class=\"verdict ok\">&#10003; The hash chain verifies: positions ", v.from_position(),
                            " to ", v.to_position(), ", ", v.events_checked(), " events checked.</p>")
             : absl::StrCat("<p class=\"verdict bad\">&#10007; The hash chain does NOT verify. First bad position: ",
                            v.first_bad_position(), ". ", HtmlEscape(v.problem()), "</p>");
  return absl::StrCat(
      "<section aria-labelledby=\"verification-heading\">\n<h2 id=\"verification-heading\">Verification</h2>\n",
      verdict, "\n<dl>\n<dt>Digest (position:hash)</dt><dd><code>", HtmlEscape(x.digest),
      "</code></dd>\n<dt>Server</dt><dd>", HtmlEscape(x.server), "</dd>\n<dt>Exported at</dt><dd>",
      HtmlEscape(x.exported_at), " (Europe/Amsterdam)</dd>\n<dt>Events</dt><dd>", x.events.size(),
      "</dd>\n</dl>\n</section>\n");
}

std::string EventRow(const v1::Event& e) {
  const v1::EventHeader& h = e.header();
  std::string who = h.actor().display_name().empty() ? h.actor().principal_id()
                                                      : h.actor().display_name() + " (" + h.actor().principal_id() + ")";
  if (!h.actor().role().empty()) who += ", " + h.actor().role();
  std::string detail = EventToJson(e).dump(2);
  return absl::StrCat("<tr id=\"event-", h.position(), "\">\n<td class=\"num\">", h.position(), "</td><td class=\"nw\">",
                      HtmlEscape(FormatInstant(h.recorded_at_us())), "</td><td class=\"nw\">",
                      HtmlEscape(FormatDate(h.occurred_on())), "</td><td class=\"stream\">", HtmlEscape(h.stream()),
                      "</td><td>", HtmlEscape(ShortType(h.type())), "</td><td>",
                      HtmlEscape(who), "</td><td>", HtmlEscape(h.reason()),
                      "</td>\n<td><details><summary>Details<span class=\"visually-hidden\"> of event ", h.position(),
                      "</span></summary><pre>", HtmlEscape(detail), "</pre></details></td>\n</tr>\n");
}

std::string EventsSection(const AuditExport& x) {
  std::string rows;
  for (const auto& e : x.events) rows += EventRow(e);
  return absl::StrCat(
      "<section aria-labelledby=\"events-heading\">\n<h2 id=\"events-heading\">Events</h2>\n"
      "<label for=\"search\">Search the events</label>\n"
      "<input id=\"search\" type=\"search\" aria-describedby=\"search-help\" aria-controls=\"events\" "
      "autocomplete=\"off\">\n<p id=\"search-help\">Shows only the events whose row (including the details) contains "
      "every word you type: a position, a stream, a type, a person, a reason.</p>\n"
      "<p id=\"count\" role=\"status\" aria-live=\"polite\">",
      x.events.size(), " of ", x.events.size(), " events shown</p>\n<table id=\"events\">\n",
      "<caption>Every event of the log, oldest first</caption>\n<thead><tr><th scope=\"col\">Position</th>"
      "<th scope=\"col\">Recorded</th><th scope=\"col\">Occurred on</th><th scope=\"col\">Object (stream)</th>"
      "<th scope=\"col\">Event</th><th scope=\"col\">Who</th><th scope=\"col\">Why</th>"
      "<th scope=\"col\">Detail</th></tr></thead>\n<tbody>\n",
      rows, "</tbody>\n</table>\n</section>\n");
}

std::string CsvCell(std::string s) {
  // A cell that a spreadsheet would run as a formula gets a leading apostrophe (OWASP's list:
  // '=', '+', '-', '@', tab, carriage return).
  if (!s.empty() && std::string_view("=+-@\t\r").find(s[0]) != std::string_view::npos) s = "'" + s;
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string AuditHtml(const AuditExport& x) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'\">\n<title>Audit trail &ndash; Proeftuin</title>\n<style>",
      kStyle, "</style>\n</head>\n<body>\n<header>\n<a class=\"skip\" href=\"#events-heading\">Skip to the events</a>\n"
      "<h1>Audit trail (audittrail)</h1>\n<p>The event log of Proeftuin as exported by <code>proeftuin audit export"
      "</code>. Nothing in the log is ever changed or deleted: corrections are events of their own. Personal data "
      "is left out.</p>\n</header>\n<main>\n",
      VerificationSection(x), EventsSection(x),
      "</main>\n<footer>\n<p>Check this file against the live log: <code>proeftuin audit verify --digest ",
      HtmlEscape(x.digest), "</code></p>\n</footer>\n<script>", kScript, "</script>\n</body>\n</html>\n");
}

std::string AuditCsv(const AuditExport& x) {
  std::string out =
      "position,recorded_at,occurred_on,stream,stream_version,type,actor_id,actor_name,role,application,"
      "on_behalf_of,reason,request_id,correlation_id,confidentiality,redacted,hash\n";
  for (const auto& e : x.events) {
    const v1::EventHeader& h = e.header();
    std::vector<std::string> cells = {
        std::to_string(h.position()), FormatInstant(h.recorded_at_us()), FormatDate(h.occurred_on()), h.stream(),
        std::to_string(h.stream_version()), ShortType(h.type()), h.actor().principal_id(), h.actor().display_name(),
        h.actor().role(), h.actor().application(), h.actor().on_behalf_of(), h.reason(), h.request_id(),
        h.correlation_id(), ShortEnum(v1::Confidentiality_descriptor()->FindValueByNumber(h.confidentiality())),
        e.redacted() ? "true" : "false", Hex(e.hash())};
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + CsvCell(cells[i]);
    out += "\n";
  }
  return out;
}

std::string AuditJsonl(const AuditExport& x) {
  std::string out;
  for (const auto& e : x.events) out += ExportEventToJson(e).dump() + "\n";
  return out;
}

}  // namespace proeftuin::cli
