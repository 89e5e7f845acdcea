// The audit trail's entries (AuditService), shared by the list and the single-entry queries.
// Private to services/views.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

#include "eventstore/event_store.h"
#include "proeftuin/v1/audit_service.pb.h"

namespace proeftuin::views::internal {

// The experiments above a reader's clearance, per programme, read once per query from `view`
// (app::HiddenExperiments). Not thread-safe.
class HiddenExperiments {
 public:
  HiddenExperiments(eventstore::ReadView* view, v1::Confidentiality clearance)
      : view_(view), clearance_(clearance) {}
  // Those of the programme whose stream `stream` is; nullptr for other streams.
  absl::StatusOr<const absl::flat_hash_set<std::string>*> OfStream(const std::string& stream);
  // True for a stream of a programme above the clearance now, or of an experiment above it
  // now (a level may have been raised after the event was recorded at a lower one): its
  // entries are left out.
  absl::StatusOr<bool> IsHiddenStream(const std::string& stream);
  // False when nothing of the programme is above the clearance (no entry needs a look).
  absl::StatusOr<bool> AnythingHidden(const std::string& programme_id);

 private:
  struct Programme {
    bool hidden = false;  // the programme itself is above the clearance
    absl::flat_hash_set<std::string> experiments;
  };
  absl::StatusOr<const Programme*> Of(const std::string& programme_id);

  eventstore::ReadView* view_;
  v1::Confidentiality clearance_;
  absl::flat_hash_map<std::string, Programme> by_programme_;
};

// The entry of one stored event. event_json is the payload as protobuf JSON (the payload never
// holds personal data: that is the record's separate part, which is not read here); empty when
// the payload's type is unknown to this build. The ids of `hidden` experiments are taken out of
// a programme event's payload (app::RedactProgrammeEvent).
// nullopt for an allocation or a release of a hidden experiment: the entry as a whole is about
// it, and is left out as its stream's entries are.
std::optional<v1::AuditEntry> ToAuditEntry(const eventstore::RecordedEvent& event,
                                           const absl::flat_hash_set<std::string>* hidden);

// The payload as protobuf JSON: the wrapper of its stream (ProgrammeEvent, ExperimentEvent,
// PrincipalEvent), else the message named by its type; "" when neither parses.
// `about_hidden` (optional) is set when the event is about a hidden experiment as a whole.
std::string EventJson(const v1::EventHeader& header, const std::string& payload,
                      const absl::flat_hash_set<std::string>* hidden = nullptr,
                      bool* about_hidden = nullptr);

}  // namespace proeftuin::views::internal
