// The audit trail's entries (AuditService), shared by the list and the single-entry queries.
// Private to services/views.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "eventstore/event_store.h"
#include "proeftuin/v1/audit_service.pb.h"

namespace proeftuin::views::internal {

// The entry of one stored event. event_json is the payload as protobuf JSON (the payload never
// holds personal data: that is the record's separate part, which is not read here); empty when
// the payload's type is unknown to this build.
v1::AuditEntry ToAuditEntry(const eventstore::RecordedEvent& event);

// The payload as protobuf JSON: the wrapper of its stream (ProgrammeEvent, ExperimentEvent,
// PrincipalEvent), else the message named by its type; "" when neither parses.
std::string EventJson(const v1::EventHeader& header, const std::string& payload);

}  // namespace proeftuin::views::internal
