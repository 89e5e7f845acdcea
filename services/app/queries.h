// Clearance and paging rules shared by every query (ProgrammeService, EventService, views,
// audit): objects above the caller's clearance are NOT_FOUND and left out of lists, so their
// existence is not revealed.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "proeftuin/v1/common.pb.h"

namespace proeftuin::app {

// True when `level` is at or below `clearance` (unset counts as openbaar).
bool Cleared(v1::Confidentiality level, v1::Confidentiality clearance);

// Page size: default 50, at most 500; INVALID_ARGUMENT when negative.
absl::StatusOr<int> PageSize(int requested);

// A query's min_position (read your own writes): OUT_OF_RANGE, at once, when it lies past the
// log's last committed position, which no write or read can have returned; waiting for it would
// hold a server thread until the call's deadline.
absl::Status CheckMinPosition(uint64_t min_position, uint64_t last_position);

}  // namespace proeftuin::app
