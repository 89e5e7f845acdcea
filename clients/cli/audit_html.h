// The audit export as ONE self-contained HTML file (inline CSS and JS, no network): the
// verification result and digest, and a searchable, keyboard-usable table of every event with
// its detail. Meant to meet WCAG 2.1 AA (labels, headings, landmarks, contrast, live count).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "proeftuin/v1/audit_service.pb.h"
#include "proeftuin/v1/event_service.pb.h"

namespace proeftuin::cli {

struct AuditExport {
  std::vector<v1::Event> events;
  v1::VerifyOutcome verification;
  std::string digest;       // "POS:HASH"
  std::string server;       // where it came from
  std::string exported_at;  // ISO-8601, Europe/Amsterdam
};

std::string AuditHtml(const AuditExport& x);
std::string AuditCsv(const AuditExport& x);
std::string AuditJsonl(const AuditExport& x);

// Escapes &, <, >, " and '.
std::string HtmlEscape(std::string_view s);

}  // namespace proeftuin::cli
