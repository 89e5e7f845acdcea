// A stream's history, read from the log itself (docs/VIEWS.md, "History"): a HistoryEntry per
// event with every correction applied to the entry it names and the designs reduced to what a
// history line needs. The log already holds every event once; a replay does not copy them
// into a view (issue 5: replay speed), and a query reads them through the store's stream index.
#include <algorithm>

#include "app/queries.h"
#include "domain/streams.h"
#include "eventstore/status_macros.h"
#include "views/internal/assemble.h"
#include "views/internal/projectors.h"

namespace proeftuin::views::internal {
namespace {

// A design reduced to what a history line needs (the state holds the current design).
void Reduce(v1::ProgrammeDesign* d) {
  v1::ProgrammeDesign kept;
  kept.set_title(d->title());
  if (d->has_period()) *kept.mutable_period() = d->period();
  if (d->has_evaluation_date()) *kept.mutable_evaluation_date() = d->evaluation_date();
  if (d->has_budget()) *kept.mutable_budget() = d->budget();
  kept.set_predecessor_programme_id(d->predecessor_programme_id());
  d->Swap(&kept);
}

void Reduce(v1::ExperimentDesign* d) {
  v1::ExperimentDesign kept;
  kept.set_title(d->title());
  kept.set_participation_level(d->participation_level());
  const v1::ExecutionConditions& c = d->conditions();
  if (c.has_planning()) *kept.mutable_conditions()->mutable_planning() = c.planning();
  if (c.has_budget_requested()) {
    *kept.mutable_conditions()->mutable_budget_requested() = c.budget_requested();
  }
  if (c.civil_servant_hours() != 0) {
    kept.mutable_conditions()->set_civil_servant_hours(c.civil_servant_hours());
  }
  d->Swap(&kept);
}

// Reduces the design a drafting, proposal or amendment carries; the correction an event is,
// or null.
const v1::CorrectionRecorded* Prepare(v1::ProgrammeEvent* e) {
  if (e->has_programme_drafted()) Reduce(e->mutable_programme_drafted()->mutable_design());
  if (e->has_programme_amended()) Reduce(e->mutable_programme_amended()->mutable_design());
  return e->has_correction_recorded() ? &e->correction_recorded() : nullptr;
}

const v1::CorrectionRecorded* Prepare(v1::ExperimentEvent* e) {
  if (e->has_experiment_proposed()) Reduce(e->mutable_experiment_proposed()->mutable_design());
  if (e->has_experiment_amended()) Reduce(e->mutable_experiment_amended()->mutable_design());
  return e->has_correction_recorded() ? &e->correction_recorded() : nullptr;
}

}  // namespace

HistoryBuilder::HistoryBuilder(bool programme_stream) : programme_(programme_stream) {}

absl::Status HistoryBuilder::Add(const eventstore::RecordedEvent& e) {
  const v1::EventHeader& hd = e.header;
  v1::HistoryEntry& h = entries_.emplace_back();
  h.set_position(hd.position());
  h.set_stream_version(hd.stream_version());
  h.set_event_type(hd.type());
  h.set_recorded_at_us(hd.recorded_at_us());
  if (hd.has_occurred_on()) *h.mutable_occurred_on() = hd.occurred_on();
  if (hd.has_actor()) *h.mutable_actor() = hd.actor();
  h.set_reason(hd.reason());
  h.set_confidentiality(hd.confidentiality());
  const v1::CorrectionRecorded* correction = nullptr;
  bool parsed = false;
  if (programme_) {
    parsed = h.mutable_programme_event()->ParseFromString(e.payload);
    if (parsed) correction = Prepare(h.mutable_programme_event());
  } else {
    parsed = h.mutable_experiment_event()->ParseFromString(e.payload);
    if (parsed) correction = Prepare(h.mutable_experiment_event());
  }
  if (!parsed) {
    entries_.pop_back();
    return absl::DataLossError("the event at position " + std::to_string(hd.position()) +
                               " of " + hd.stream() + " does not parse as its stream's event");
  }
  if (correction != nullptr) {
    // The entry it corrects is earlier in the same stream.
    const uint64_t target = correction->corrected_position();
    auto it = std::lower_bound(entries_.begin(), entries_.end() - 1, target,
                               [](const v1::HistoryEntry& x, uint64_t p) { return x.position() < p; });
    if (it != entries_.end() - 1 && it->position() == target) {
      ApplyCorrection(correction->fields(), &*it);
      it->add_corrected_by(hd.position());
    }
  }
  return absl::OkStatus();
}

std::vector<v1::HistoryEntry> HistoryBuilder::Take(v1::Confidentiality clearance) && {
  std::erase_if(entries_, [clearance](const v1::HistoryEntry& h) {
    return !app::Cleared(h.confidentiality(), clearance);
  });
  return std::move(entries_);
}

absl::StatusOr<std::vector<v1::HistoryEntry>> LoadStreamHistory(eventstore::ReadView& view,
                                                                std::string_view stream,
                                                                bool programme_stream,
                                                                v1::Confidentiality clearance) {
  HistoryBuilder builder(programme_stream);
  absl::Status added;
  RETURN_IF_ERROR(view.ReadStream(stream, [&](const eventstore::RecordedEvent& e) {
    added = builder.Add(e);
    return added.ok();
  }));
  RETURN_IF_ERROR(added);
  return std::move(builder).Take(clearance);
}

}  // namespace proeftuin::views::internal
