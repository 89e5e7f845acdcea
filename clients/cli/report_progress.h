// The council progress report (voortgangsrapportage) as a report document: every part of the
// server's ProgressReport (ProgrammeService.GetProgressReport, docs/VIEWS.md) with Dutch labels:
// status and key dates, the budget table per year and per experiment, progress and evaluation
// per experiment (criteria and scores), the other proposals, the council's wishes and objections
// with the college's responses and what is still open, knowledge sessions, decisions, warnings
// and the programme's evaluation. The figures are the server's; nothing is recomputed here.
//
// Thread-safety: pure function.
#pragma once

#include "cli/report_render.h"
#include "proeftuin/v1/views.pb.h"

namespace proeftuin::cli {

ReportDocument ProgressReportDocument(const v1::ProgressReport& r);

}  // namespace proeftuin::cli
