// Loading what the views need from one snapshot, filtered by the reader's clearance.
#include "app/decider_projection.h"
#include "app/queries.h"
#include "eventstore/status_macros.h"
#include "views/internal/assemble.h"
#include "views/internal/keys.h"
#include "views/views.h"

namespace proeftuin::views::internal {

absl::Status NotFound(std::string_view what) {
  return absl::NotFoundError(std::string(what) + " does not exist (or is above your clearance)");
}

const v1::ExperimentState* ProgrammeData::Experiment(std::string_view id) const {
  for (const v1::ExperimentState& e : experiments) {
    if (e.experiment_id() == id) return &e;
  }
  return nullptr;
}

namespace {

absl::StatusOr<std::vector<v1::HistoryEntry>> LoadHistory(eventstore::ReadView& view,
                                                          std::string_view projection,
                                                          const std::string& prefix,
                                                          v1::Confidentiality clearance) {
  std::vector<v1::HistoryEntry> out;
  bool corrupt = false;
  RETURN_IF_ERROR(view.Scan(projection, prefix, "",
                            [&](std::string_view, std::string_view value) {
                              v1::HistoryEntry entry;
                              if (!entry.ParseFromArray(value.data(),
                                                        static_cast<int>(value.size()))) {
                                corrupt = true;
                                return false;
                              }
                              if (app::Cleared(entry.confidentiality(), clearance)) {
                                out.push_back(std::move(entry));
                              }
                              return true;
                            }));
  if (corrupt) return absl::DataLossError("a history row under " + prefix + " is corrupt");
  return out;
}

}  // namespace

absl::StatusOr<std::vector<v1::HistoryEntry>> LoadProgrammeHistory(eventstore::ReadView& view,
                                                                   std::string_view programme_id,
                                                                   v1::Confidentiality clearance) {
  return LoadHistory(view, kProgrammeRowsProjection, ProgrammeHistoryPrefix(programme_id),
                     clearance);
}

absl::StatusOr<std::vector<v1::HistoryEntry>> LoadExperimentHistory(
    eventstore::ReadView& view, std::string_view programme_id, std::string_view experiment_id,
    v1::Confidentiality clearance) {
  return LoadHistory(view, kViewHistoryProjection,
                     ExperimentHistoryPrefix(programme_id, experiment_id), clearance);
}

// Drops programme-stream entries about experiments the reader may not see (an allocation or
// release takes the higher level, but an experiment's level may have been raised since).
void DropHiddenAllocations(ProgrammeData* d) {
  std::erase_if(d->history, [d](const v1::HistoryEntry& h) {
    if (!h.has_programme_event()) return false;
    const v1::ProgrammeEvent& e = h.programme_event();
    const std::string* id = e.has_budget_allocated()  ? &e.budget_allocated().experiment_id()
                            : e.has_budget_released() ? &e.budget_released().experiment_id()
                                                      : nullptr;
    return id != nullptr && !d->visible.contains(*id);
  });
}

absl::StatusOr<ProgrammeData> LoadProgrammeData(eventstore::ReadView& view,
                                                std::string_view programme_id,
                                                v1::Confidentiality clearance) {
  ASSIGN_OR_RETURN(std::optional<v1::ProgrammeState> programme,
                   app::LoadProgramme(view, programme_id));
  if (!programme.has_value() || !app::Cleared(programme->confidentiality(), clearance)) {
    return NotFound("programme " + std::string(programme_id));
  }
  ProgrammeData d;
  d.programme = *std::move(programme);
  d.clearance = clearance;
  d.as_of = view.position();
  ASSIGN_OR_RETURN(std::vector<v1::ExperimentState> all, app::LoadExperiments(view, programme_id));
  for (v1::ExperimentState& e : all) {
    if (!app::Cleared(e.confidentiality(), clearance)) continue;
    d.visible.insert(e.experiment_id());
    d.experiments.push_back(std::move(e));
  }
  ASSIGN_OR_RETURN(d.history, LoadProgrammeHistory(view, programme_id, clearance));
  DropHiddenAllocations(&d);
  return d;
}

}  // namespace proeftuin::views::internal
