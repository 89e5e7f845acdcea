#include "app/queries.h"

#include <algorithm>
#include <string>

#include "domain/decider.h"

namespace proeftuin::app {

bool Cleared(v1::Confidentiality level, v1::Confidentiality clearance) {
  return domain::OpenbaarIfUnset(level) <= domain::OpenbaarIfUnset(clearance);
}

absl::StatusOr<int> PageSize(int requested) {
  if (requested < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  if (requested == 0) return 50;
  return std::min(requested, 500);
}

absl::Status CheckMinPosition(uint64_t min_position, uint64_t last_position) {
  if (min_position <= last_position) return absl::OkStatus();
  return absl::OutOfRangeError("min_position: " + std::to_string(min_position) +
                               " is past the end of the log (last position " +
                               std::to_string(last_position) +
                               "); pass a position a write or a read returned");
}

}  // namespace proeftuin::app
