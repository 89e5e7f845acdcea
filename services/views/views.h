// The views of Proeftuin (issue 5, docs/VIEWS.md): what municipal users ask about a programme,
// its experiments, its council progress report (voortgangsrapportage), its chain of programmes,
// and the audit trail.
//
// Stored (projections, rebuildable from the log, deterministic byte for byte):
//   - inline "view_programmes" (InlineViewProjectors): the chain of programmes (predecessor and
//     successors). It runs beside the application layer's inline "decider_state"
//     (app::DeciderStateProjector), which holds the folded ProgrammeState / ExperimentState;
//     the views read both from one snapshot, so a view is never older than an acknowledged
//     write. The store must register both.
//   - read from the log at the same snapshot (ReadView::ReadStream), not stored again: each
//     programme's and experiment's history, a HistoryEntry per event with every correction
//     applied to the entry it names.
//   - async "audit_index" (AsyncViewProjectors): positions by actor, object, event type and
//     time, newest first.
// Assembled at query time: totals, warnings and everything that depends on the clock (`now`).
// Objects above the reader's clearance are left out (and NOT_FOUND when asked for directly):
// experiments, the events of their streams, and the allocations of hidden experiments.
//
// Thread-safety: the projectors are called by one thread at a time (the store guarantees it);
// the query functions are thread-safe given a ReadView used by one thread.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "eventstore/projection.h"
#include "proeftuin/v1/audit_service.pb.h"
#include "proeftuin/v1/state.pb.h"
#include "proeftuin/v1/views.pb.h"

namespace proeftuin::views {

inline constexpr char kProgrammeRowsProjection[] = "view_programmes";
inline constexpr char kAuditIndexProjection[] = "audit_index";

// The inline projectors of the views ("view_programmes"). Register them beside
// app::DeciderStateProjector.
std::vector<std::shared_ptr<eventstore::Projector>> InlineViewProjectors();
// The async projectors of the views ("audit_index").
std::vector<std::shared_ptr<eventstore::Projector>> AsyncViewProjectors();

// The date the views compute their clock facts for (days to a deadline, overdue) at `now`: the
// day in Europe/Amsterdam. A view assembled earlier on the same date, from the same rows, is
// the same view.
v1::Date ViewDate(absl::Time now);

// The programme view as of the view's position. NOT_FOUND when the programme is unknown or
// above `clearance`; DATA_LOSS for a corrupt row; the view's errors otherwise.
absl::StatusOr<v1::ProgrammeView> GetProgrammeView(eventstore::ReadView& view,
                                                   std::string_view programme_id,
                                                   v1::Confidentiality clearance, absl::Time now);
// The same for the programme's state the caller read from `view` (saves reading it again).
absl::StatusOr<v1::ProgrammeView> GetProgrammeView(eventstore::ReadView& view, const v1::ProgrammeState& programme,
                                                   v1::Confidentiality clearance, absl::Time now);

// Everything about one experiment. NOT_FOUND when the programme or the experiment is unknown
// or above `clearance`.
absl::StatusOr<v1::ExperimentView> GetExperimentView(eventstore::ReadView& view,
                                                     std::string_view programme_id,
                                                     std::string_view experiment_id,
                                                     v1::Confidentiality clearance,
                                                     absl::Time now);
// The same for the programme's state the caller read from `view` (with at least the
// correctable events of app::Correctables::kOneOff; saves reading it again).
absl::StatusOr<v1::ExperimentView> GetExperimentView(eventstore::ReadView& view, v1::ProgrammeState programme,
                                                     std::string_view experiment_id,
                                                     v1::Confidentiality clearance, absl::Time now);

// The council progress report (voortgangsrapportage). NOT_FOUND as GetProgrammeView.
absl::StatusOr<v1::ProgressReport> BuildProgressReport(eventstore::ReadView& view,
                                                       std::string_view programme_id,
                                                       v1::Confidentiality clearance,
                                                       absl::Time now);

// The programme's predecessors and successors and the lessons carried over. NOT_FOUND when the
// programme is unknown or above `clearance`; links above it are left out (the walk stops there).
absl::StatusOr<v1::ProgrammeChain> GetProgrammeChain(eventstore::ReadView& view,
                                                     std::string_view programme_id,
                                                     v1::Confidentiality clearance);

// The audit trail, newest first: filtered by actor, object (a stream id, or a programme id =
// its programme stream and all its experiment streams), event type and recorded time;
// paginated. Waits until the audit index reached req.min_position (DEADLINE_EXCEEDED at
// `deadline`). Entries above `clearance` are left out. INVALID_ARGUMENT for a negative page
// size, a bad page token or an inverted time range.
absl::StatusOr<v1::ListAuditEntriesResponse> ListAuditEntries(
    eventstore::EventStore& store, const v1::ListAuditEntriesRequest& req,
    v1::Confidentiality clearance, absl::Time deadline);

// One entry with its object's state just before and just after it (its stream replayed with
// domain::Evolve / app::EvolvePrincipal; a state above `clearance` is left unset).
// INVALID_ARGUMENT for position 0; NOT_FOUND for an unknown position or one above `clearance`.
absl::StatusOr<v1::GetAuditEntryResponse> GetAuditEntry(eventstore::EventStore& store,
                                                        const v1::GetAuditEntryRequest& req,
                                                        v1::Confidentiality clearance);

}  // namespace proeftuin::views
