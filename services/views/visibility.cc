#include "views/visibility.h"

#include <algorithm>
#include <limits>

#include "app/queries.h"
#include "domain/streams.h"
#include "eventstore/status_macros.h"

namespace proeftuin::views {

LevelsCache::LevelsCache(eventstore::EventStore* store, const std::atomic<uint64_t>* newest_change)
    : store_(store), newest_change_(newest_change) {}

bool LevelsCache::Fresh(const Levels& levels, uint64_t position) const {
  // The last position first: a change written by then was noted before it (the writer notes the
  // newest change before it writes the group), so the load below sees it. A read of the log may
  // return the events of a group written but not yet counted: the event's own position covers
  // those.
  const uint64_t last = std::max(store_->LastPosition(), position);
  const uint64_t changed = newest_change_ != nullptr
                               ? newest_change_->load(std::memory_order_acquire)
                               : std::numeric_limits<uint64_t>::max();
  // Still the levels now unless a change came after them and something after them has been
  // written: every change written is at or below `last`.
  return changed <= levels.position || last <= levels.position;
}

absl::StatusOr<std::shared_ptr<const Levels>> LevelsCache::Current(uint64_t position) {
  absl::MutexLock l(&mu_);
  if (levels_ != nullptr && Fresh(*levels_, position)) return levels_;
  ASSIGN_OR_RETURN(std::unique_ptr<eventstore::ReadView> view, store_->OpenReadView());
  auto fresh = std::make_shared<Levels>();
  fresh->position = view->position();
  ASSIGN_OR_RETURN(fresh->stored, app::ReadStoredLevels(*view));
  levels_ = std::move(fresh);
  return levels_;
}

absl::StatusOr<bool> EventVisibility::Whole(const v1::EventHeader& header,
                                            std::string_view payload) {
  if (!app::Cleared(header.confidentiality(), clearance_)) return false;
  if (clearance_ == v1::CONFIDENTIALITY_ZEER_GEHEIM) return true;  // nothing is above it
  std::optional<domain::StreamIdViews> ids = domain::ParseStreamView(header.stream());
  if (!ids.has_value()) return true;  // principal streams: their recorded level
  if (levels_ == nullptr || !cache_->Fresh(*levels_, header.position())) {
    ASSIGN_OR_RETURN(levels_, cache_->Current(header.position()));
  }
  const auto& programmes = levels_->stored.programmes;
  auto programme = programmes.find(absl::string_view(ids->programme_id.data(),
                                                     ids->programme_id.size()));
  // Not in the levels: created at openbaar after them (a creation above openbaar is a level
  // change, after which they are read again), as is an experiment they do not hold.
  if (programme == programmes.end()) return true;
  if (!app::Cleared(programme->second.level, clearance_)) return false;
  const auto& experiments = programme->second.experiments;
  auto hidden = [&](std::string_view experiment_id) {
    auto it = experiments.find(absl::string_view(experiment_id.data(), experiment_id.size()));
    return it != experiments.end() && !app::Cleared(it->second, clearance_);
  };
  if (!ids->experiment_id.empty()) return !hidden(ids->experiment_id);
  bool any_hidden = false;
  for (const auto& [id, level] : experiments) any_hidden |= !app::Cleared(level, clearance_);
  if (!any_hidden) return true;
  // A programme event of a programme with a hidden experiment: its payload decides whether it
  // names one. One that does not parse as a programme event is not handed out whole (nothing
  // can vouch for it).
  v1::ProgrammeEvent event;
  if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return false;
  return !app::NamesExperiment(event, [&](const std::string& id) { return hidden(id); });
}

}  // namespace proeftuin::views
