// Reading programmes and experiments from the server and rendering them for people.
//
// Thread-safety: functions only; not thread-safe with respect to one Cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "proeftuin/v1/state.pb.h"

namespace proeftuin::cli {

// GetProgramme. `as_of` (optional) receives the position the answer is consistent with.
Outcome FetchProgramme(Cli* cli, const std::string& id, v1::ProgrammeState* out, int64_t* as_of = nullptr);
// GetExperiment.
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
std::string ExperimentText(const v1::ExperimentState& e, bool color);
// The table of `experiment list`.
std::string ExperimentsTable(const std::vector<v1::ExperimentState>& es, bool color);

}  // namespace proeftuin::cli
