#include "app/queries.h"

#include <algorithm>

namespace proeftuin::app {

bool Cleared(v1::Confidentiality level, v1::Confidentiality clearance) {
  auto norm = [](v1::Confidentiality c) {
    return c == v1::CONFIDENTIALITY_UNSPECIFIED ? v1::CONFIDENTIALITY_OPENBAAR : c;
  };
  return norm(level) <= norm(clearance);
}

absl::StatusOr<int> PageSize(int requested) {
  if (requested < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  if (requested == 0) return 50;
  return std::min(requested, 500);
}

}  // namespace proeftuin::app
