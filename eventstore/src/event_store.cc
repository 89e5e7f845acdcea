// The small value types of the EventStore interface.
#include "eventstore/event_store.h"

#include <charconv>

namespace proeftuin::eventstore {

std::string ExpectedVersion::ToString() const {
  switch (kind) {
    case Kind::kAny:
      return "ANY";
    case Kind::kNoStream:
      return "NO_STREAM";
    case Kind::kStreamExists:
      return "STREAM_EXISTS";
    case Kind::kExact:
      return "EXACT " + std::to_string(version);
  }
  return "?";
}

bool EventFilter::Matches(const v1::EventHeader& h) const {
  if (!stream_prefix.empty() && h.stream().compare(0, stream_prefix.size(), stream_prefix) != 0) {
    return false;
  }
  if (types.empty()) return true;
  for (const auto& t : types) {
    if (h.type() == t) return true;
  }
  return false;
}

std::string ChainDigest::ToString() const { return std::to_string(position) + ":" + ToHex(hash); }

absl::StatusOr<ChainDigest> ChainDigest::Parse(std::string_view s) {
  auto bad = absl::InvalidArgumentError("digest: expected POSITION:HASH (64 hex digits), e.g. 42:" +
                                        std::string(64, '0'));
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return bad;
  ChainDigest d;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + colon, d.position);
  if (ec != std::errc() || ptr != s.data() + colon) return bad;
  if (!FromHex(s.substr(colon + 1), &d.hash)) return bad;
  return d;
}

}  // namespace proeftuin::eventstore
