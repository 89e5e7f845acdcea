// Helpers shared by principals.cc and principal_admin.cc. Private to services/app.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "eventstore/event_store.h"
#include "eventstore/projection.h"
#include "proeftuin/v1/audit_service.pb.h"
#include "proeftuin/v1/principal_events.pb.h"

namespace proeftuin::app::internal {

// A lowercase slug: [a-z0-9] words joined by '-', 1-64 characters.
bool IsSlug(std::string_view s);
// SHA-256 of the deterministic serialization of `m` (raw 32 bytes).
std::string Fingerprint(const google::protobuf::Message& m);
// Lowercase hex of raw bytes.
std::string HexBytes(std::string_view bytes);
// The principal row of the projection; nullopt when none.
absl::StatusOr<std::optional<v1::Principal>> LoadPrincipal(eventstore::ReadView& view, std::string_view id);
// A principal event as a stored event (confidentiality intern).
eventstore::NewEvent ToNew(const v1::PrincipalEvent& e);

}  // namespace proeftuin::app::internal
