// Reading programmes and experiments from the server and rendering them for people.
//
// Thread-safety: functions only; not thread-safe with respect to one Cli.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "proeftuin/v1/programme_service.pb.h"
#include "proeftuin/v1/state.pb.h"
#include "proeftuin/v1/views.pb.h"

namespace proeftuin::cli {

// GetProgramme: the whole answer (state, view, position).
Outcome FetchProgramme(Cli* cli, const std::string& id, v1::GetProgrammeResponse* out);
// GetProgramme's state only.
Outcome FetchProgramme(Cli* cli, const std::string& id, v1::ProgrammeState* out);
// GetExperiment: the whole answer (state, view, position).
Outcome FetchExperiment(Cli* cli, const std::string& programme, const std::string& id,
                        v1::GetExperimentResponse* out);
// GetExperiment's state only.
Outcome FetchExperiment(Cli* cli, const std::string& programme, const std::string& id, v1::ExperimentState* out);
// Every experiment of a programme (all pages of ListExperiments).
Outcome FetchExperiments(Cli* cli, const std::string& programme, std::vector<v1::ExperimentState>* out,
                         int64_t* as_of = nullptr);

// The budget allocated (not released) to experiments.
int64_t AllocatedCents(const v1::ProgrammeState& p);
// "adopted", "started", ...
std::string StatusText(const v1::ProgrammeState& p);
std::string StatusText(const v1::ExperimentState& e);
// "level: co-produce" or the waiver.
std::string LevelText(const v1::ExperimentDesign& d);

// Key-value views for `show`.
std::string ProgrammeText(const v1::ProgrammeState& p, bool color);
// `budget` is the view's (GetExperimentResponse.view.budget), or null for a server without
// views: an allocation it marks released shows as "€ 0,00 (vrijgevallen / released)".
std::string ExperimentText(const v1::ExperimentState& e, const v1::ExperimentBudget* budget,
                           bool color);
// What `show` prints after the key-value lines: the server's view of the programme (budget per
// year, experiments by status, progress, council input, knowledge sessions, deadlines as of the
// query, and the warnings (signaleringen) in English and Dutch).
std::string ProgrammeViewText(const v1::ProgrammeView& v, bool color);
// The same for one experiment: spending against its allocation, reach, evaluation against its
// criteria, council input about it, corrections, its deadline and warnings.
std::string ExperimentViewText(const v1::ExperimentView& v, bool color);
// What the programme counts as allocated to an experiment: 0 once released (withdrawn).
struct AllocatedAmount {
  int64_t cents = 0;
  bool released = false;
};
// By experiment id, from the programme's view (its budget per experiment), or from its state's
// allocations when the server sends no view. An experiment never allocated is absent.
std::map<std::string, AllocatedAmount> AllocatedByExperiment(const v1::GetProgrammeResponse& p);
// "€ 15.000,00", or "€ 0,00 (vrijgevallen / released)".
std::string AllocatedText(int64_t cents, bool released);
// The table of `experiment list`; ALLOCATED as the programme counts it (`allocated`).
std::string ExperimentsTable(const std::vector<v1::ExperimentState>& es,
                             const std::map<std::string, AllocatedAmount>& allocated, bool color);

}  // namespace proeftuin::cli
