// EventVisibility: whether EventService may hand a reader an event whole, or only redacted
// (position, stream, version, type and chain fields; docs/ROLES.md, "Clearance").
//
// An event goes out whole when its recorded level is within the reader's clearance and nothing
// it is about is above the clearance *now*: not its programme, not its experiment (also when a
// level was raised after the event was recorded, or when the experiment belongs to a programme
// above the clearance, whatever the experiment's own level), and, for a programme event, no
// experiment it names (a budget allocation or release, council input, a knowledge session).
// The same rule as the audit trail's, so that a reader cannot get through the log what Get,
// List and the audit trail hide from it. Principal events keep their recorded level (intern).
//
// The levels are read once per programme (its state and its experiments' states) from a view
// of the store opened at first need, and kept until Refresh.
//
// Thread-safety: not thread-safe; one per request or subscription.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "eventstore/event_store.h"
#include "proeftuin/v1/common.pb.h"
#include "proeftuin/v1/store.pb.h"

namespace proeftuin::views {

namespace internal {
class HiddenExperiments;
}

class EventVisibility {
 public:
  EventVisibility(eventstore::EventStore* store, v1::Confidentiality clearance);
  ~EventVisibility();
  EventVisibility(const EventVisibility&) = delete;
  EventVisibility& operator=(const EventVisibility&) = delete;

  // True when the event with this header and payload may go out whole. An error only when the
  // levels cannot be read (the store's status; DATA_LOSS for a corrupt state row).
  absl::StatusOr<bool> Whole(const v1::EventHeader& header, std::string_view payload);

  // Forgets the levels read and the view they came from: the next Whole reads them again.
  void Refresh();

 private:
  eventstore::EventStore* store_;
  const v1::Confidentiality clearance_;
  std::unique_ptr<eventstore::ReadView> view_;
  std::unique_ptr<internal::HiddenExperiments> hidden_;  // reads through view_
};

}  // namespace proeftuin::views
