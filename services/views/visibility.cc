#include "views/visibility.h"

#include "app/decider_projection.h"
#include "app/queries.h"
#include "domain/streams.h"
#include "eventstore/status_macros.h"
#include "views/internal/audit.h"

namespace proeftuin::views {

EventVisibility::EventVisibility(eventstore::EventStore* store, v1::Confidentiality clearance)
    : store_(store), clearance_(clearance) {}

EventVisibility::~EventVisibility() = default;

void EventVisibility::Refresh() {
  hidden_.reset();
  view_.reset();
}

absl::StatusOr<bool> EventVisibility::Whole(const v1::EventHeader& header,
                                            std::string_view payload) {
  if (!app::Cleared(header.confidentiality(), clearance_)) return false;
  if (clearance_ == v1::CONFIDENTIALITY_ZEER_GEHEIM) return true;  // nothing is above it
  std::optional<domain::StreamIdViews> ids = domain::ParseStreamView(header.stream());
  if (!ids.has_value()) return true;  // principal streams: their recorded level
  if (hidden_ == nullptr) {
    ASSIGN_OR_RETURN(view_, store_->OpenReadView());
    hidden_ = std::make_unique<internal::HiddenExperiments>(view_.get(), clearance_);
  }
  ASSIGN_OR_RETURN(const bool hidden_stream, hidden_->IsHiddenStream(header.stream()));
  if (hidden_stream) return false;
  if (!ids->experiment_id.empty()) return true;
  ASSIGN_OR_RETURN(const absl::flat_hash_set<std::string>* experiments,
                   hidden_->OfStream(header.stream()));
  if (experiments == nullptr || experiments->empty()) return true;
  // A programme event that may name a hidden experiment: its payload decides. One that does
  // not parse as a programme event is not handed out whole (nothing can vouch for it).
  v1::ProgrammeEvent event;
  if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return false;
  return !app::NamesAnyOf(*experiments, event);
}

}  // namespace proeftuin::views
